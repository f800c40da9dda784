import { describe, expect, it } from 'vitest';
import { LocalQueue } from '../../../../shared/adapters/local/local-queue';
import { LocalQueueStateReader } from '../../../../shared/adapters/local/local-queue-state';
import type { BreakerState } from '../../../../shared/domain/mesh/circuit-breaker';
import type { ServiceInstance } from '../../../../shared/domain/mesh/service-instance';
import type { DeadLetterCounts } from '../../../../shared/ports/dead-letters';
import type { ErrorCount, ErrorCounterRepository } from '../../../../shared/ports/error-counter';
import type { InFlightReader } from '../../../../shared/ports/in-flight';
import { readSystemState, STATE_ITEMS_LIMIT, type SystemStateDeps } from '../../../../shared/use-cases/system-state';
import { recordingClock } from '../../../support/clock';

const NOW = Date.parse('2026-11-30T10:00:30Z');

const breaker = (instanceId: string, state: BreakerState['state']): BreakerState => ({
  instanceId,
  state,
  failureCount: state === 'open' ? 5 : 0,
  ...(state === 'open' && { openedAt: NOW - 1000 }),
  permits: {},
  successes: 0,
  version: 1,
});

const instance = (id: string, status?: 'healthy' | 'degraded' | 'unhealthy'): ServiceInstance =>
  ({
    id,
    name: id.split('-')[0],
    ...(status && { lastHealthCheck: { at: '2026-11-30T10:00:00.000Z', status } }),
  }) as ServiceInstance;

/** Fakes keyed by tenant, recording which tenants each store was asked for. */
function fakes(overrides: Partial<SystemStateDeps> = {}) {
  const asked: string[] = [];
  const counters = {
    list: async (tenant: string, window: string, windowStart: number) => {
      asked.push(`counters:${tenant}:${window}:${new Date(windowStart).toISOString()}`);
      const count: ErrorCount = {
        tenant,
        window: '1m',
        windowStart,
        source: 'mesh',
        code: 'timeout',
        category: 'transient',
        count: 4,
        lastSeenAt: NOW,
      } as ErrorCount;
      return { items: [count] };
    },
  } as unknown as ErrorCounterRepository;
  const deadLetters: DeadLetterCounts = {
    count: async (tenant, max) => {
      asked.push(`deadLetters:${tenant}:${max}`);
      return { total: 2, bySubscription: { s1: 2 }, truncated: false };
    },
  };
  const deps: SystemStateDeps = {
    breakers: {
      list: async (tenant) => {
        asked.push(`breakers:${tenant}`);
        return [breaker('a-1', 'open'), breaker('a-2', 'half-open'), breaker('b-1', 'closed')];
      },
    },
    registry: {
      listByTenant: async (tenant) => {
        asked.push(`registry:${tenant}`);
        return [instance('a-1', 'unhealthy'), instance('a-2', 'degraded'), instance('b-1', 'healthy'), instance('c-1')];
      },
    },
    deadLetters,
    counters,
    queues: { read: async () => [] },
    meshMaxInFlight: 0,
    clock: recordingClock(NOW),
    ...overrides,
  };
  return { deps, asked };
}

describe('readSystemState', () => {
  it('counts breakers by state and instances by last health-check status (none: unknown)', async () => {
    // Prepare
    const { deps } = fakes();

    // Act
    const state = await readSystemState(deps, { tenant: 'acme', window: '1m' });

    // Assess
    expect(state.breakers.counts).toEqual({ closed: 1, open: 1, 'half-open': 1 });
    expect(state.breakers.items[0]).toEqual({
      instanceId: 'a-1',
      state: 'open',
      failureCount: 5,
      openedAt: '2026-11-30T10:00:29.000Z',
    });
    expect(state.instances.counts).toEqual({ healthy: 1, degraded: 1, unhealthy: 1, unknown: 1 });
    expect(state.instances.items.find((i) => i.id === 'c-1')).toEqual({ id: 'c-1', name: 'c', status: 'unknown' });
  });

  it("reads only the caller's tenant, and the error counters of the window holding now", async () => {
    const { deps, asked } = fakes();

    const state = await readSystemState(deps, { tenant: 'acme', window: '1h' });

    expect(asked.sort()).toEqual([
      'breakers:acme',
      'counters:acme:1h:2026-11-30T10:00:00.000Z',
      'deadLetters:acme:10000',
      'registry:acme',
    ]);
    expect(state).toMatchObject({ tenant: 'acme', at: '2026-11-30T10:00:30.000Z' });
    expect(state.errors).toMatchObject({
      window: '1h',
      windowStart: '2026-11-30T10:00:00.000Z',
      windowEnd: '2026-11-30T11:00:00.000Z',
      truncated: false,
    });
  });

  it('lists at most 100 breakers and instances and says so, while the counts cover all', async () => {
    const many = Array.from({ length: STATE_ITEMS_LIMIT + 1 }, (_, i) => breaker(`x-${i}`, 'closed'));
    const { deps } = fakes({ breakers: { list: async () => many } });

    const state = await readSystemState(deps, { tenant: 'acme', window: '1m' });

    expect(state.breakers.items).toHaveLength(STATE_ITEMS_LIMIT);
    expect(state.breakers.truncated).toBe(true);
    expect(state.breakers.counts.closed).toBe(STATE_ITEMS_LIMIT + 1);
    expect(state.instances.truncated).toBe(false);
  });

  it("counts the tenant's mesh leases when the budget is on, and answers null when it is off", async () => {
    const keys: string[] = [];
    const inFlight: InFlightReader = {
      inFlight: async (key, nowMs) => {
        keys.push(`${key}@${nowMs}`);
        return 3;
      },
    };
    const on = fakes({ inFlight, meshMaxInFlight: 50 });
    const off = fakes({ inFlight, meshMaxInFlight: 0 });

    const [withBudget, withoutBudget] = await Promise.all([
      readSystemState(on.deps, { tenant: 'acme corp', window: '1m' }),
      readSystemState(off.deps, { tenant: 'acme corp', window: '1m' }),
    ]);

    expect(withBudget.mesh).toEqual({ inFlight: 3, maxInFlight: 50 });
    expect(withoutBudget.mesh).toEqual({ inFlight: null, maxInFlight: 0 });
    expect(keys).toEqual([`INFLIGHT#mesh#acme%20corp@${NOW}`]);
  });

  it('fails when the queues cannot be read', async () => {
    const { deps } = fakes({ queues: { read: async () => Promise.reject(new Error('queue down')) } });

    await expect(readSystemState(deps, { tenant: 'acme', window: '1m' })).rejects.toThrow('queue down');
  });
});

describe('LocalQueueStateReader', () => {
  it('answers the local queues’ exact counts and the age of their oldest message', async () => {
    // Prepare
    const clock = recordingClock(NOW);
    const deadLetters = new LocalQueue({ name: 'dlq', clock });
    const delivery = new LocalQueue({ name: 'delivery', clock });
    delivery.send('{"n":1}');
    clock.advance(42_500);
    delivery.send('{"n":2}', { delaySeconds: 60 });
    const reader = new LocalQueueStateReader([
      { role: 'delivery', queue: delivery },
      { role: 'delivery-dlq', queue: deadLetters },
    ]);

    // Act
    const state = await reader.read();

    // Assess
    expect(state).toEqual([
      { queue: 'delivery', visible: 1, inFlight: 0, delayed: 1, oldestMessageAgeSeconds: 42 },
      { queue: 'delivery-dlq', visible: 0, inFlight: 0, delayed: 0, oldestMessageAgeSeconds: null },
    ]);
  });
});
