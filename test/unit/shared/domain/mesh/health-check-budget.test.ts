import { describe, expect, it } from 'vitest';
import {
  HEALTH_CHECK_RESERVE_MS,
  healthCheckSpreadMs,
  selectForHealthCheck,
  startOffsetMs,
} from '../../../../../shared/domain/mesh/health-check-budget';
import type { ServiceInstance } from '../../../../../shared/domain/mesh/service-instance';

const checked = (id: string, at?: string) =>
  ({ id, ...(at !== undefined && { lastHealthCheck: { at } }) }) as ServiceInstance;

describe('healthCheckSpreadMs', () => {
  it('spreads over the shorter of the interval and the timeout, less the reserve', () => {
    // Act
    const spreads = [
      healthCheckSpreadMs(60_000, 60_000),
      healthCheckSpreadMs(300_000, 60_000),
      healthCheckSpreadMs(30_000, 60_000),
    ];

    // Assess
    expect(HEALTH_CHECK_RESERVE_MS).toBe(15_000);
    expect(spreads).toEqual([45_000, 45_000, 15_000]);
  });

  it('does not spread an interval within the reserve or an on-demand run (interval 0)', () => {
    // Act
    const spreads = [
      healthCheckSpreadMs(5_000, 60_000),
      healthCheckSpreadMs(0, 60_000),
      healthCheckSpreadMs(60_000, 0),
    ];

    // Assess
    expect(spreads).toEqual([0, 0, 0]);
  });
});

describe('startOffsetMs', () => {
  it('spaces n starts evenly from 0, the last one a step before the window ends', () => {
    // Act
    const offsets = [0, 1, 2, 3].map((i) => startOffsetMs(i, 4, 4_000));

    // Assess
    expect(offsets).toEqual([0, 1_000, 2_000, 3_000]);
  });

  it('starts everything at 0 without a window', () => {
    // Act
    const offsets = [0, 1, 2].map((i) => startOffsetMs(i, 3, 0));

    // Assess
    expect(offsets).toEqual([0, 0, 0]);
  });
});

describe('selectForHealthCheck', () => {
  it('puts never-checked and unreadable timestamps first, then the oldest check, ties by id', () => {
    // Prepare
    const instances = [
      checked('new-b'),
      checked('t2-b', '2026-11-30T10:00:02Z'),
      checked('t1', '2026-11-30T10:00:01Z'),
      checked('garbled', 'not a date'),
      checked('t2-a', '2026-11-30T10:00:02Z'),
      checked('new-a'),
    ];

    // Act
    const { selected, deferred } = selectForHealthCheck(instances, 10);

    // Assess
    expect(selected.map((i) => i.id)).toEqual(['garbled', 'new-a', 'new-b', 't1', 't2-a', 't2-b']);
    expect(deferred).toBe(0);
  });

  it('keeps at most `max` and counts the others as deferred, leaving its input in place', () => {
    // Prepare
    const instances = [checked('c', '2026-11-30T10:00:03Z'), checked('a', '2026-11-30T10:00:01Z'), checked('b')];

    // Act
    const { selected, deferred } = selectForHealthCheck(instances, 2);

    // Assess
    expect(selected.map((i) => i.id)).toEqual(['b', 'a']);
    expect(deferred).toBe(1);
    expect(instances.map((i) => i.id)).toEqual(['c', 'a', 'b']);
  });
});
