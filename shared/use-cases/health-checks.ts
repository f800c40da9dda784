import pLimit from 'p-limit';
import type { IntegrationEvent } from '../domain/events/integration-event';
import { withTenant } from '../domain/events/tenancy';
import { DEFAULT_MAX_CHECKS_PER_RUN, selectForHealthCheck, startOffsetMs } from '../domain/mesh/health-check-budget';
import type { InstanceStatus, ServiceInstance } from '../domain/mesh/service-instance';
import type { QuotaLimits } from '../domain/quotas/quota';
import { classifyError } from '../domain/resilience/classify';
import { type Clock, nowMs } from '../ports/clock';
import type { EventPublisher } from '../ports/event-publisher';
import type { HttpClient } from '../ports/http-client';
import type { QuotaCounter } from '../ports/quota-counter';
import type { ServiceRegistry } from '../ports/service-mesh';
import { releaseInstance } from './mesh-quotas';

/** The event type published when a health check changes an instance's status. */
export const STATUS_CHANGED_EVENT_TYPE = 'mesh.instance.status-changed';
/** How long a health endpoint may take, milliseconds. */
export const HEALTH_CHECK_TIMEOUT_MS = 5_000;

/** What the health checks need. */
export type HealthCheckDeps = {
  registry: Pick<ServiceRegistry, 'list' | 'recordHealth' | 'remove'>;
  /** The mesh table's quota counters: a deregistered stale instance gives its slots back. */
  quotas: QuotaCounter;
  limits: QuotaLimits;
  http: HttpClient;
  events: EventPublisher;
  clock: Clock;
  /** Instances checked at the same time. @default 10 */
  concurrency?: number;
  /** Instances unhealthy (or without a heartbeat) for longer than this are reported, milliseconds. @default 10 min */
  staleAfterMs?: number;
  /** Deregister stale instances instead of only reporting them. @default false */
  deregisterStale?: boolean;
  /**
   * Most instances checked in one run (HEALTH_CHECK_MAX_PER_RUN), the least recently checked
   * first; the others wait for the next runs and are counted in `deferred`.
   * @default 500
   */
  maxChecksPerRun?: number;
  /**
   * Window over which the run spreads the starts of its checks, milliseconds
   * (HEALTH_CHECK_SPREAD_MS): check i of n starts about i × spreadMs / n after the run's start,
   * still at most `concurrency` at a time. A check the concurrency holds back past the window's end
   * is not started (it is deferred), so a run ends within spreadMs plus one check. 0 starts every
   * check at once, as bounded by the concurrency, with no such cut-off.
   * @default 0
   */
  spreadMs?: number;
  /**
   * Ends the pacing early (the local runner's shutdown): once aborted, no further check starts and
   * those not started count as deferred; checks in flight finish and are recorded.
   */
  signal?: AbortSignal;
};

/** One run's outcome. */
export type HealthCheckReport = {
  checked: number;
  byStatus: Record<InstanceStatus, number>;
  changed: Array<{ id: string; service: string; from: InstanceStatus | undefined; to: InstanceStatus }>;
  /** Instances whose heartbeat and health have been failing past `staleAfterMs`. */
  stale: string[];
  deregistered: string[];
  /** Status-change events the bus did not take (they are in the instances' records regardless). */
  unpublished: string[];
  /**
   * Registered instances this run did not check: beyond `maxChecksPerRun`, or held back by the
   * concurrency past the spread window. Being the least recently checked, they go first next run.
   */
  deferred: number;
};

/**
 * Checks the registered instances (the scheduled health-check function): GET each healthEndpoint
 * through the SSRF-safe client with a 5 s timeout, at most `concurrency` at a time — 2xx → healthy,
 * another status → degraded, no answer (timeout, connection error, blocked address: recorded as
 * such, never fetched) → unhealthy. Writes status and lastHealthCheck; on a change of status
 * publishes `mesh.instance.status-changed` on the bus. Reports instances whose last heartbeat and
 * last healthy check are both older than `staleAfterMs`, and deregisters them when asked.
 *
 * Outbound budget: a run checks at most `maxChecksPerRun` instances, the least recently checked
 * first (`selectForHealthCheck`), and paces their starts evenly over `spreadMs` through
 * `deps.clock.sleep`, instead of a burst at the top of every interval.
 *
 * @returns what was checked, changed, found stale and deferred
 * @throws the first error of the registry or quota counter (no further check is started then)
 * @example
 * const report = await runHealthChecks({ ...deps, maxChecksPerRun: 4, spreadMs: 4_000 });
 * // checks start at 0, 1 000, 2 000 and 3 000 ms; report.deferred counts the instances left
 */
export async function runHealthChecks(deps: HealthCheckDeps): Promise<HealthCheckReport> {
  const { selected, deferred } = selectForHealthCheck(
    await deps.registry.list(),
    deps.maxChecksPerRun ?? DEFAULT_MAX_CHECKS_PER_RUN,
  );
  const limit = pLimit(deps.concurrency ?? 10);
  const report: HealthCheckReport = {
    checked: 0,
    byStatus: { healthy: 0, degraded: 0, unhealthy: 0, unknown: 0 },
    changed: [],
    stale: [],
    deregistered: [],
    unpublished: [],
    deferred,
  };
  const changedEvents: IntegrationEvent[] = [];
  const spreadMs = Math.max(0, deps.spreadMs ?? 0);
  const startedAt = nowMs(deps.clock);
  // Past the window's end a check is not started: the run must fit the function's timeout.
  const startBy = spreadMs > 0 ? startedAt + spreadMs : Number.POSITIVE_INFINITY;
  const tasks: Promise<void>[] = [];
  let failed = false;
  for (const [index, instance] of selected.entries()) {
    // Paced from the run's start, not from the previous sleep: slow sleeps do not add up.
    const waitMs = startedAt + startOffsetMs(index, selected.length, spreadMs) - nowMs(deps.clock);
    if (waitMs > 0) await sleepUnlessAborted(deps.clock, waitMs, deps.signal);
    if (failed) break;
    if (deps.signal?.aborted) {
      report.deferred += selected.length - index;
      break;
    }
    const task = limit(async () => {
      if (nowMs(deps.clock) > startBy) {
        report.deferred += 1;
        return;
      }
      await checkAndRecord(deps, instance, report, changedEvents);
    });
    // Handled at once (a rejection may come while the loop still sleeps); Promise.all reports it.
    task.catch(() => {
      failed = true;
    });
    tasks.push(task);
  }
  await Promise.all(tasks);
  if (changedEvents.length > 0) {
    const outcomes = await deps.events.publish(changedEvents);
    for (const outcome of outcomes) if (outcome.status !== 'published') report.unpublished.push(outcome.id);
  }
  return report;
}

/** Sleeps `ms` on the clock, or less when `signal` aborts first. */
async function sleepUnlessAborted(clock: Clock, ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return clock.sleep(ms);
  if (signal.aborted) return;
  let onAbort = () => {};
  const aborted = new Promise<void>((resolve) => {
    onAbort = resolve;
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([clock.sleep(ms), aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** One instance: its check, the record of it, a status change, the stale policy. */
async function checkAndRecord(
  deps: HealthCheckDeps,
  instance: ServiceInstance,
  report: HealthCheckReport,
  changedEvents: IntegrationEvent[],
): Promise<void> {
  const check = await checkOne(deps, instance);
  const before = await deps.registry.recordHealth(instance.id, check);
  // Deregistered while it was being checked: nothing was written, nothing changed.
  if (before === undefined) return;
  report.checked += 1;
  report.byStatus[check.status] += 1;
  if (before !== check.status) {
    report.changed.push({ id: instance.id, service: instance.name, from: before, to: check.status });
    changedEvents.push(statusChanged(instance, before, check, deps.clock.now().getTime()));
  }
  if (isStale(instance, check.status, deps)) {
    report.stale.push(instance.id);
    const removed = deps.deregisterStale ? await deps.registry.remove(instance.id) : undefined;
    if (removed) {
      await releaseInstance(deps, removed);
      report.deregistered.push(instance.id);
    }
  }
}

async function checkOne(
  deps: HealthCheckDeps,
  instance: ServiceInstance,
): Promise<NonNullable<ServiceInstance['lastHealthCheck']>> {
  const started = deps.clock.now().getTime();
  const at = () => deps.clock.now().toISOString();
  try {
    const response = await deps.http.request({
      method: 'GET',
      url: instance.healthEndpoint,
      headers: { 'user-agent': 'agent-integration-framework/1 (health check)' },
      timeoutMs: HEALTH_CHECK_TIMEOUT_MS,
      discardBody: true,
    });
    const latencyMs = deps.clock.now().getTime() - started;
    const status: InstanceStatus = response.status >= 200 && response.status < 300 ? 'healthy' : 'degraded';
    return { at: at(), status, httpStatus: response.status, latencyMs };
  } catch (error) {
    const classified = classifyError(error, { source: `health:${instance.id}`, now: () => nowMs(deps.clock) });
    return { at: at(), status: 'unhealthy', error: `${classified.code}: ${classified.message}` };
  }
}

function isStale(instance: ServiceInstance, status: InstanceStatus, deps: HealthCheckDeps): boolean {
  if (status === 'healthy') return false;
  const limit = deps.clock.now().getTime() - (deps.staleAfterMs ?? 600_000);
  const lastHealthy = instance.lastHealthCheck?.status === 'healthy' ? Date.parse(instance.lastHealthCheck.at) : 0;
  return Date.parse(instance.lastHeartbeatAt) < limit && lastHealthy < limit;
}

function statusChanged(
  instance: ServiceInstance,
  from: InstanceStatus | undefined,
  check: NonNullable<ServiceInstance['lastHealthCheck']>,
  now: number,
): IntegrationEvent {
  const event = statusChangedEvent(instance, from, check, now);
  // The event concerns the instance's tenant: it travels for it, reaching its subscriptions only.
  // Instances without an owner (registered before owners were recorded) concern no tenant.
  const tenant = (instance as { owner?: { tenant?: string } }).owner?.tenant;
  return tenant ? withTenant(event, tenant) : event;
}

function statusChangedEvent(
  instance: ServiceInstance,
  from: InstanceStatus | undefined,
  check: NonNullable<ServiceInstance['lastHealthCheck']>,
  now: number,
): IntegrationEvent {
  return {
    id: `health-${instance.id}-${now}`.slice(0, 128).replace(/[^A-Za-z0-9._:-]/g, '-'),
    type: STATUS_CHANGED_EVENT_TYPE,
    version: '1.0.0',
    source: 'aif.mesh',
    timestamp: now,
    payload: {
      instanceId: instance.id,
      service: instance.name,
      version: instance.version,
      from: from ?? null,
      to: check.status,
      ...(check.httpStatus !== undefined && { httpStatus: check.httpStatus }),
      ...(check.error !== undefined && { error: check.error }),
    },
    metadata: {},
  };
}
