import { DependencyUnavailableError } from '../../shared/domain/errors';
import type { ConcurrencyLimiter } from '../../shared/ports/concurrency-leases';

/**
 * An in-memory ConcurrencyLimiter for use-case tests: leases per key in `held` (no expiry),
 * `acquired` and `released` record every call, `down` makes every call fail as an unreachable
 * store would (DependencyUnavailableError, Retry-After 2 s).
 *
 * @example const limiter = memoryLimiter(); limiter.down = true;
 */
export function memoryLimiter(): ConcurrencyLimiter & {
  held: Map<string, Set<string>>;
  acquired: Array<{ key: string; max: number; leaseMs: number; nowMs: number }>;
  released: Array<{ key: string; leaseId: string }>;
  down: boolean;
} {
  let next = 0;
  const held = new Map<string, Set<string>>();
  const limiter = {
    held,
    acquired: [] as Array<{ key: string; max: number; leaseMs: number; nowMs: number }>,
    released: [] as Array<{ key: string; leaseId: string }>,
    down: false,
    async acquire(key: string, max: number, leaseMs: number, nowMs: number) {
      if (limiter.down) throw new DependencyUnavailableError('DynamoDB table aif-ratelimits is unavailable', 2);
      limiter.acquired.push({ key, max, leaseMs, nowMs });
      const leases = held.get(key) ?? new Set<string>();
      held.set(key, leases);
      if (leases.size >= max) return { acquired: false as const, inFlight: leases.size, retryAfterMs: leaseMs };
      const leaseId = `lease-${++next}`;
      leases.add(leaseId);
      return { acquired: true as const, leaseId };
    },
    async release(key: string, leaseId: string) {
      if (limiter.down) throw new DependencyUnavailableError('DynamoDB table aif-ratelimits is unavailable', 2);
      limiter.released.push({ key, leaseId });
      held.get(key)?.delete(leaseId);
    },
  };
  return limiter;
}
