import type { ServiceInstance } from './service-instance';

/** Instances checked per run when nothing else is configured (HEALTH_CHECK_MAX_PER_RUN). */
export const DEFAULT_MAX_CHECKS_PER_RUN = 500;
/** Largest `maxChecksPerRun` accepted (config and CDK context): one run lists, sorts and paces them all. */
export const MAX_CHECKS_PER_RUN_LIMIT = 10_000;
/**
 * Time a run keeps free after the spread window, milliseconds: the last check's HTTP timeout (5 s),
 * its writes (status, stale deregistration, quota release) and the final PutEvents batches of the
 * status changes, with room for the SDK's retries.
 */
export const HEALTH_CHECK_RESERVE_MS = 15_000;

/**
 * The window over which one run spreads its check starts: the shorter of the schedule's interval
 * and the function's timeout, less {@link HEALTH_CHECK_RESERVE_MS}, never negative. The deployed
 * function (infra) and the local runner both derive HEALTH_CHECK_SPREAD_MS with it.
 *
 * @param intervalMs - how often the check runs, milliseconds (0: only on demand, no spread)
 * @param timeoutMs - the function's timeout, milliseconds
 * @returns the spread window, milliseconds (0: every check starts at once, as bounded by the concurrency)
 * @example healthCheckSpreadMs(60_000, 60_000) // 45_000
 */
export function healthCheckSpreadMs(intervalMs: number, timeoutMs: number): number {
  if (!(intervalMs > 0) || !(timeoutMs > 0)) return 0;
  return Math.max(0, Math.min(intervalMs, timeoutMs) - HEALTH_CHECK_RESERVE_MS);
}

/**
 * The instances one run checks: the `max` least recently checked — never-checked instances first,
 * then by the oldest `lastHealthCheck.at` (ties and unreadable timestamps by id, so the order is
 * stable) — and how many wait for a later run. Since a check moves an instance to the back,
 * successive runs cover every instance once in ⌈n / max⌉ runs.
 *
 * @param instances - every registered instance (any order; not mutated)
 * @param max - most instances to check, a positive whole number
 * @returns `selected` in the order their checks start, and `deferred` (instances left for later runs)
 * @example selectForHealthCheck(instances, 500) // 1 200 instances -> 500 selected, deferred 700
 */
export function selectForHealthCheck(
  instances: readonly ServiceInstance[],
  max: number,
): { selected: ServiceInstance[]; deferred: number } {
  const ordered = instances
    .map((instance) => ({ instance, at: lastCheckedMs(instance) }))
    .sort((a, b) => a.at - b.at || compareIds(a.instance.id, b.instance.id))
    .map(({ instance }) => instance);
  const selected = ordered.slice(0, Math.max(0, max));
  return { selected, deferred: ordered.length - selected.length };
}

/**
 * When check `index` of `count` starts, milliseconds after the run's start: evenly over the
 * window, the first at 0 and the last one `spreadMs / count` before the window's end.
 *
 * @example startOffsetMs(2, 4, 4_000) // 2_000
 */
export function startOffsetMs(index: number, count: number, spreadMs: number): number {
  if (count <= 0 || spreadMs <= 0) return 0;
  return Math.floor((index * spreadMs) / count);
}

/** Never checked (or an unreadable timestamp) sorts before any check. */
function lastCheckedMs(instance: ServiceInstance): number {
  const at = instance.lastHealthCheck ? Date.parse(instance.lastHealthCheck.at) : Number.NaN;
  return Number.isNaN(at) ? Number.NEGATIVE_INFINITY : at;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
