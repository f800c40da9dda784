import { rateLimitsTable } from '../shared/adapters/dynamodb/table-definitions';
import type { RateLimitSetting } from '../shared/config';
import type { BucketLimit } from '../shared/domain/rate-limits/token-bucket';
import { effectiveRateLimit } from '../shared/middleware/rate-limit';
import { type FunctionName, tableAccessOf } from './manifest';
import { routes } from './routes';

/**
 * Checks RATE_LIMITS (context `rateLimits` in infra) against the route table: every operation id it
 * names must be a route, served by a function that holds the RateLimits table (`readWrite` in the
 * function manifest) — an override anywhere else would be silently ignored.
 *
 * @returns the overrides as they are
 * @throws {Error} naming each unknown operation id, or one served by a function without the table
 * @example checkedRateLimits({ routeCall: { requestsPerSecond: 200, burstSize: 400 } })
 */
export function checkedRateLimits(
  overrides: Readonly<Record<string, RateLimitSetting>>,
): Readonly<Record<string, RateLimitSetting>> {
  const problems: string[] = [];
  for (const operationId of Object.keys(overrides)) {
    const route = routes.find((r) => r.operationId === operationId);
    if (!route) problems.push(`"${operationId}" is no operation of the route table`);
    else if (!holdsRateLimitsTable(route.function)) {
      problems.push(`"${operationId}" is served by the ${route.function} function, which has no RateLimits table`);
    }
  }
  if (problems.length > 0) throw new Error(`Invalid configuration: RATE_LIMITS: ${problems.join('; ')}`);
  return overrides;
}

/** Whether a function may write token buckets (the function manifest grants it the RateLimits table). */
export function holdsRateLimitsTable(name: FunctionName): boolean {
  return tableAccessOf(name)[rateLimitsTable.id] === 'readWrite';
}

/**
 * Every rate-limited route's limit in force under `overrides`, by operation id: the route table's
 * defaults (`rateLimit`) as RATE_LIMITS leaves them. What docs/rate-limits.md's table lists, and infra's
 * method throttles start from.
 *
 * @example rateLimitsInForce({}).routeCall // { requestsPerSecond: 50, burstSize: 100 }
 */
export function rateLimitsInForce(
  overrides: Readonly<Record<string, RateLimitSetting>> = {},
): Record<string, BucketLimit> {
  const limits: Record<string, BucketLimit> = {};
  for (const route of routes) {
    const limit = effectiveRateLimit(route, overrides);
    if (limit) limits[route.operationId] = limit;
  }
  return limits;
}
