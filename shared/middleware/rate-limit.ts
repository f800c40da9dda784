import type { Principal } from '../domain/auth/principal';
import type { BucketLimit } from '../domain/rate-limits/token-bucket';
import type { HttpMiddleware, HttpResult } from '../http/pipeline';
import { rateLimitFields } from '../http/rate-limit-fields';
import type { RouteDefinition } from '../http/route-definition';
import { type RateLimiter, rateLimitedError, routeBucketKey } from '../use-cases/rate-limiter';

/** A route's limit as the settings leave it: another bucket shape, or no limit at all. */
export type RateLimitOverride = BucketLimit | 'off';

/** What the `rateLimit` middleware needs. */
export type RateLimitOptions = {
  /** The shared token buckets (the RateLimits table, on dynalite locally). */
  limiter: Pick<RateLimiter, 'take'>;
  /** Limits by operation id replacing the route table's (RATE_LIMITS), or `off`. @default none */
  overrides?: Readonly<Record<string, RateLimitOverride>>;
};

/**
 * The limit in force for a route: the RATE_LIMITS override of its operation id, else the route
 * table's `rateLimit`; undefined when the route has none (or it is turned off).
 *
 * @example effectiveRateLimit(route, { routeCall: 'off' }) // undefined for routeCall
 */
export function effectiveRateLimit(
  route: Pick<RouteDefinition, 'operationId' | 'rateLimit'>,
  overrides: Readonly<Record<string, RateLimitOverride>> = {},
): BucketLimit | undefined {
  const override = overrides[route.operationId];
  if (override === 'off') return undefined;
  return override ?? route.rateLimit;
}

/**
 * Rate limiting per tenant and operation: for a route with a limit ({@link effectiveRateLimit}),
 * one token of the bucket of the caller's tenant (`context.principal`, set by `authorize`; with
 * auth off, the one unauthenticated caller's tenant `default`) and the route's operation id. With
 * a token, the request goes on and its answer carries the RateLimit fields (unless the answer
 * already has its own: a relayed upstream's); without, it stops here as 429 problem+json with
 * `Retry-After` and the RateLimit fields — before the body is decoded or anything is done.
 *
 * Fails closed: when the buckets cannot be read or written the request is refused with 503 and
 * `Retry-After` (`RateLimiterUnavailableError`), never let through unlimited.
 *
 * Placed after `authorize` (it needs the tenant) and before `encodeResponse`, so a refused request
 * costs one conditional write at most.
 *
 * @param anonymous - the caller when no principal is set (auth off: `unauthenticatedCaller`)
 * @throws {RateLimitedError} 429 when the bucket holds no token
 * @throws {RateLimiterUnavailableError} 503 when the store fails
 */
export function rateLimit(options: RateLimitOptions, anonymous: Principal): HttpMiddleware {
  return async (context, next) => {
    const route = context.route;
    const limit = route && effectiveRateLimit(route, options.overrides);
    if (!route || !limit) return next();
    const tenant = (context.principal ?? anonymous).tenant;
    const decision = await options.limiter.take(routeBucketKey(tenant, route.operationId), limit);
    if (!decision.allowed) {
      throw rateLimitedError(
        route.operationId,
        decision,
        `The rate limit of ${route.operationId} (${limit.requestsPerSecond}/s, burst ${limit.burstSize}) for this tenant is used up; retry in ${decision.retryAfterSeconds} s`,
      );
    }
    const result = await next();
    return withFields(result, rateLimitFields(route.operationId, limit, decision.remaining, decision.resetSeconds));
  };
}

/** The result with the RateLimit fields, unless it carries its own. */
function withFields(result: HttpResult, fields: Record<string, string>): HttpResult {
  const headers = result.headers ?? {};
  if ('ratelimit' in headers || 'ratelimit-policy' in headers) return result;
  return { ...result, headers: { ...headers, ...fields } };
}
