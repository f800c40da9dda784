import { inFlightKey } from '../domain/concurrency/leases';
import type { BreakerStateName } from '../domain/mesh/circuit-breaker';
import { INSTANCE_STATUSES, type InstanceStatus } from '../domain/mesh/service-instance';
import type { AlertWindow } from '../domain/resilience/policy';
import { type Clock, nowMs } from '../ports/clock';
import type { DeadLetterCount, DeadLetterCounts } from '../ports/dead-letters';
import type { ErrorCounterRepository } from '../ports/error-counter';
import type { InFlightReader } from '../ports/in-flight';
import type { QueueState, QueueStateReader } from '../ports/queue-state';
import type { BreakerStore, ServiceRegistry } from '../ports/service-mesh';
import { type ErrorStats, getErrorStats } from './error-stats';

/** Most breakers, instances and error counters the state view lists one by one (counts cover all). */
export const STATE_ITEMS_LIMIT = 100;

/** Most dead letters one state view reads to count them (a bound on the read capacity it spends). */
export const DEAD_LETTER_COUNT_LIMIT = 10_000;

/** What {@link readSystemState} reads. */
export type SystemStateDeps = {
  breakers: Pick<BreakerStore, 'list'>;
  registry: Pick<ServiceRegistry, 'listByTenant'>;
  deadLetters: DeadLetterCounts;
  counters: ErrorCounterRepository;
  queues: QueueStateReader;
  /** The mesh's in-flight leases; absent when the mesh budget is off (no leases are taken). */
  inFlight?: InFlightReader;
  /** The mesh budget per tenant (MESH_MAX_IN_FLIGHT_PER_TENANT); 0 when off. */
  meshMaxInFlight: number;
  clock: Clock;
};

/** The state view: `GET /v1/state`. */
export type SystemState = {
  /** ISO 8601 time the view was read at. */
  at: string;
  tenant: string;
  breakers: {
    counts: Record<BreakerStateName, number>;
    items: Array<{ instanceId: string; state: BreakerStateName; failureCount: number; openedAt?: string }>;
    truncated: boolean;
  };
  instances: {
    counts: Record<InstanceStatus, number>;
    items: Array<{ id: string; name: string; status: InstanceStatus; lastCheckedAt?: string }>;
    truncated: boolean;
  };
  /** The deployment's delivery queues (shared by every tenant). */
  queues: QueueState[];
  deadLetters: DeadLetterCount;
  errors: Omit<ErrorStats, 'nextCursor'> & { truncated: boolean };
  mesh: {
    /** Mesh calls of this tenant in flight now, across every mesh Lambda instance; null when the budget is off. */
    inFlight: number | null;
    /** The tenant's budget (MESH_MAX_IN_FLIGHT_PER_TENANT); 0: off. */
    maxInFlight: number;
  };
};

/**
 * One tenant's operational state in one answer: its circuit breakers and instance health, the
 * deployment's delivery queue depths (shared by every tenant: SQS's or the local queue's), its dead
 * letters counted by subscription, its error counters of the current `window`, and its mesh calls in
 * flight.
 *
 * In-flight mesh calls are the live leases in the tenant's mesh budget item (`INFLIGHT#mesh#<tenant>`
 * in the RateLimits table): one per routed call between admission and release, counted across every
 * Lambda instance (shared, not per instance). A call whose Lambda died before releasing counts until
 * its lease expires (the call's timeout + 5 s). With the budget off (MESH_MAX_IN_FLIGHT_PER_TENANT
 * 0) no lease is taken and `mesh.inFlight` is null. Every part is read at about the same time, not
 * as one snapshot.
 *
 * @param input.tenant - whose state: the caller's (other tenants' items are never read)
 * @param input.window - the error counters' window, `1m` or `1h`
 * @throws {DependencyUnavailableError} when a store, SQS or CloudWatch is unavailable
 * @example const state = await readSystemState(deps, { tenant: 'acme', window: '1m' }); // state.breakers.counts.open
 */
export async function readSystemState(
  deps: SystemStateDeps,
  input: { tenant: string; window: AlertWindow },
): Promise<SystemState> {
  const now = nowMs(deps.clock);
  const { tenant } = input;
  const [breakers, instances, queues, deadLetters, errors, inFlight] = await Promise.all([
    deps.breakers.list(tenant),
    deps.registry.listByTenant(tenant),
    deps.queues.read(),
    deps.deadLetters.count(tenant, DEAD_LETTER_COUNT_LIMIT),
    getErrorStats(deps, { tenant, window: input.window, at: now, limit: STATE_ITEMS_LIMIT }),
    deps.inFlight && deps.meshMaxInFlight > 0
      ? deps.inFlight.inFlight(inFlightKey('mesh', tenant), now)
      : Promise.resolve(null),
  ]);
  const breakerCounts: Record<BreakerStateName, number> = { closed: 0, open: 0, 'half-open': 0 };
  for (const b of breakers) breakerCounts[b.state] += 1;
  const statusCounts = Object.fromEntries(INSTANCE_STATUSES.map((s) => [s, 0])) as Record<InstanceStatus, number>;
  for (const i of instances) statusCounts[i.lastHealthCheck?.status ?? 'unknown'] += 1;
  const { nextCursor, ...window } = errors;
  return {
    at: new Date(now).toISOString(),
    tenant,
    breakers: {
      counts: breakerCounts,
      items: breakers.slice(0, STATE_ITEMS_LIMIT).map((b) => ({
        instanceId: b.instanceId,
        state: b.state,
        failureCount: b.failureCount,
        ...(b.openedAt !== undefined && { openedAt: new Date(b.openedAt).toISOString() }),
      })),
      truncated: breakers.length > STATE_ITEMS_LIMIT,
    },
    instances: {
      counts: statusCounts,
      items: instances.slice(0, STATE_ITEMS_LIMIT).map((i) => ({
        id: i.id,
        name: i.name,
        status: i.lastHealthCheck?.status ?? 'unknown',
        ...(i.lastHealthCheck && { lastCheckedAt: i.lastHealthCheck.at }),
      })),
      truncated: instances.length > STATE_ITEMS_LIMIT,
    },
    queues,
    deadLetters,
    errors: { ...window, truncated: nextCursor !== undefined },
    mesh: { inFlight, maxInFlight: deps.meshMaxInFlight },
  };
}
