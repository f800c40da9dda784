import { describe, expect, it } from 'vitest';
import { type BreakerState, DEFAULT_BREAKER_CONFIG } from '../../../../shared/domain/mesh/circuit-breaker';
import type { BreakerStore } from '../../../../shared/ports/service-mesh';
import { BreakerGate } from '../../../../shared/use-cases/mesh-breakers';

/** A breaker store in memory whose next `losses` compare-and-sets lose a race. */
function memoryStore(losses = 0): BreakerStore {
  const states = new Map<string, BreakerState>();
  let toLose = losses;
  return {
    get: async (tenant, id) => states.get(`${tenant}/${id}`),
    compareAndSet: async (tenant, next, expectedVersion) => {
      const stored = states.get(`${tenant}/${next.instanceId}`);
      if (toLose > 0 || (stored?.version ?? 0) !== expectedVersion) {
        toLose -= 1;
        return false;
      }
      states.set(`${tenant}/${next.instanceId}`, next);
      return true;
    },
    list: async () => [...states.values()],
  };
}

const settings = { tenant: 'acme', service: 'orders', loaded: undefined };
const failed = (state: BreakerState): BreakerState => ({
  ...state,
  failureCount: state.failureCount + 1,
  version: state.version + 1,
});
const opened = (state: BreakerState): BreakerState => ({
  ...state,
  state: 'open',
  openedAt: 1,
  version: state.version + 1,
});

describe('BreakerGate', () => {
  describe('transition', () => {
    it('tells onTransition of a state change it wrote, once, even after a lost race', async () => {
      // Prepare
      const changes: unknown[] = [];
      const gate = new BreakerGate(
        {
          breakers: memoryStore(1),
          breakerConfig: DEFAULT_BREAKER_CONFIG,
          cacheTtlMs: 0,
          onTransition: (c) => changes.push(c),
        },
        () => 0,
      );

      // Act
      await gate.transition('orders-1', settings, opened);

      // Assess
      expect(changes).toEqual([{ tenant: 'acme', instanceId: 'orders-1', from: 'closed', to: 'open' }]);
    });

    it('tells nothing of a write that keeps the state (a counted failure)', async () => {
      const changes: unknown[] = [];
      const gate = new BreakerGate(
        {
          breakers: memoryStore(),
          breakerConfig: DEFAULT_BREAKER_CONFIG,
          cacheTtlMs: 0,
          onTransition: (c) => changes.push(c),
        },
        () => 0,
      );

      await gate.transition('orders-1', settings, failed);

      expect(changes).toEqual([]);
    });
  });
});
