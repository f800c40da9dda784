import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { selectForHealthCheck, startOffsetMs } from '../../../../../shared/domain/mesh/health-check-budget';
import type { ServiceInstance } from '../../../../../shared/domain/mesh/service-instance';

/** Instances with distinct ids, some never checked, the others at a few colliding instants. */
const instances = fc
  .uniqueArray(
    fc.record({
      id: fc.stringMatching(/^[a-z0-9]{1,6}$/),
      atMs: fc.option(fc.integer({ min: 0, max: 20 }).map((s) => Date.parse('2026-11-30T10:00:00Z') + s * 1_000)),
    }),
    { selector: (i) => i.id, maxLength: 40 },
  )
  .map((list) =>
    list.map(
      ({ id, atMs }) =>
        ({ id, ...(atMs !== null && { lastHealthCheck: { at: new Date(atMs).toISOString() } }) }) as ServiceInstance,
    ),
  );

const lastChecked = (i: ServiceInstance) => (i.lastHealthCheck ? Date.parse(i.lastHealthCheck.at) : -Infinity);

describe('selectForHealthCheck', () => {
  it('selects min(n, max) distinct instances, none checked later than any it defers', () => {
    fc.assert(
      fc.property(instances, fc.integer({ min: 1, max: 50 }), (list, max) => {
        // Act
        const { selected, deferred } = selectForHealthCheck(list, max);

        // Assess
        expect(selected).toHaveLength(Math.min(list.length, max));
        expect(deferred).toBe(list.length - selected.length);
        expect(new Set(selected.map((i) => i.id)).size).toBe(selected.length);
        const chosen = new Set(selected.map((i) => i.id));
        const newestSelected = Math.max(-Infinity, ...selected.map(lastChecked));
        const oldestDeferred = Math.min(Infinity, ...list.filter((i) => !chosen.has(i.id)).map(lastChecked));
        expect(newestSelected).toBeLessThanOrEqual(oldestDeferred);
      }),
    );
  });

  it('reaches every instance within ceil(n / max) runs when each check moves it to the back', () => {
    fc.assert(
      fc.property(instances, fc.integer({ min: 1, max: 10 }), (list, max) => {
        // Prepare
        let registry = list;
        const seen = new Set<string>();

        // Act: each run's checks happen after every earlier check
        for (let run = 1; run <= Math.ceil(list.length / max); run += 1) {
          const { selected } = selectForHealthCheck(registry, max);
          const at = new Date(Date.parse('2026-12-01T00:00:00Z') + run * 60_000).toISOString();
          const ids = new Set(selected.map((i) => i.id));
          for (const id of ids) seen.add(id);
          registry = registry.map((i) => (ids.has(i.id) ? { ...i, lastHealthCheck: { at } } : i)) as ServiceInstance[];
        }

        // Assess
        expect(seen.size).toBe(list.length);
      }),
    );
  });
});

describe('startOffsetMs', () => {
  it('is non-decreasing in the index and stays inside the window', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000 }), fc.integer({ min: 0, max: 900_000 }), (count, spreadMs) => {
        // Act
        const offsets = Array.from({ length: count }, (_, i) => startOffsetMs(i, count, spreadMs));

        // Assess
        expect(offsets[0]).toBe(0);
        for (let i = 1; i < count; i += 1) expect(offsets[i]!).toBeGreaterThanOrEqual(offsets[i - 1]!);
        expect(offsets[count - 1]!).toBeLessThan(Math.max(1, spreadMs));
      }),
    );
  });
});
