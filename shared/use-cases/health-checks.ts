import pLimit from 'p-limit';
import type { IntegrationEvent } from '../domain/events/integration-event';
import { withTenant } from '../domain/events/tenancy';
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
};

/**
 * Checks every registered instance (the scheduled health-check function): GET its healthEndpoint
 * through the SSRF-safe client with a 5 s timeout, at most `concurrency` at a time — 2xx → healthy,
 * another status → degraded, no answer (timeout, connection error, blocked address: recorded as
 * such, never fetched) → unhealthy. Writes status and lastHealthCheck; on a change of status
 * publishes `mesh.instance.status-changed` on the bus. Reports instances whose last heartbeat and
 * last healthy check are both older than `staleAfterMs`, and deregisters them when asked.
 *
 * @returns what was checked, changed and found stale
 */
export async function runHealthChecks(deps: HealthCheckDeps): Promise<HealthCheckReport> {
  const instances = await deps.registry.list();
  const limit = pLimit(deps.concurrency ?? 10);
  const report: HealthCheckReport = {
    checked: 0,
    byStatus: { healthy: 0, degraded: 0, unhealthy: 0, unknown: 0 },
    changed: [],
    stale: [],
    deregistered: [],
    unpublished: [],
  };
  const changedEvents: IntegrationEvent[] = [];
  await Promise.all(
    instances.map((instance) =>
      limit(async () => {
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
      }),
    ),
  );
  if (changedEvents.length > 0) {
    const outcomes = await deps.events.publish(changedEvents);
    for (const outcome of outcomes) if (outcome.status !== 'published') report.unpublished.push(outcome.id);
  }
  return report;
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
