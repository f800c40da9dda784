import { describe, expect, it } from 'vitest';
import {
  admit,
  BreakerConfigSchema,
  type BreakerState,
  DEFAULT_BREAKER_CONFIG,
  initialBreakerState,
  livePermitCount,
  recordFailure,
  recordSuccess,
} from '../../../../../shared/domain/mesh/circuit-breaker';

const config = DEFAULT_BREAKER_CONFIG; // 5 failures, 30 s reset, 3 probes, 60 s lease
const T0 = 1_700_000_000_000;

function closed(overrides: Partial<BreakerState> = {}): BreakerState {
  return { ...initialBreakerState('orders-1'), version: 7, updatedAt: T0 - 1, ...overrides };
}
function open(openedAt = T0, overrides: Partial<BreakerState> = {}): BreakerState {
  return closed({ state: 'open', failureCount: 5, openedAt, ...overrides });
}
function halfOpen(permits: Record<string, number>, overrides: Partial<BreakerState> = {}): BreakerState {
  return closed({ state: 'half-open', failureCount: 5, openedAt: T0 - 30_000, permits, ...overrides });
}

describe('circuit breaker', () => {
  describe('BreakerConfigSchema', () => {
    it('fills in the defaults', () => {
      // Act
      const parsed = BreakerConfigSchema.parse({});

      // Assess
      expect(parsed).toEqual(DEFAULT_BREAKER_CONFIG);
    });

    it('keeps given values and defaults the rest', () => {
      // Act
      const parsed = BreakerConfigSchema.parse({ failureThreshold: 10, halfOpenRequests: 1 });

      // Assess
      expect(parsed).toEqual({ ...DEFAULT_BREAKER_CONFIG, failureThreshold: 10, halfOpenRequests: 1 });
    });

    it('rejects zero probes, fractions, out-of-range durations and unknown members', () => {
      // Act / Assess
      expect(BreakerConfigSchema.safeParse({ halfOpenRequests: 0 }).success).toBe(false);
      expect(BreakerConfigSchema.safeParse({ failureThreshold: 2.5 }).success).toBe(false);
      expect(BreakerConfigSchema.safeParse({ resetTimeoutMs: -1 }).success).toBe(false);
      expect(BreakerConfigSchema.safeParse({ permitLeaseMs: 3_600_001 }).success).toBe(false);
      expect(BreakerConfigSchema.safeParse({ timeout: 5 }).success).toBe(false);
    });
  });

  describe('admit', () => {
    it('allows every call on a closed breaker and writes nothing', () => {
      // Prepare
      const state = closed({ failureCount: 4 });

      // Act
      const admission = admit(state, config, T0, 'p1');

      // Assess
      expect(admission).toEqual({ allowed: true });
    });

    it('refuses while open until the reset timeout has passed, saying how long is left', () => {
      // Prepare
      const state = open(T0);

      // Act
      const justOpened = admit(state, config, T0, 'p1');
      const lastMs = admit(state, config, T0 + 29_999, 'p1');

      // Assess
      expect(justOpened).toEqual({ allowed: false, reason: 'open', retryAfterMs: 30_000 });
      expect(lastMs).toEqual({ allowed: false, reason: 'open', retryAfterMs: 1 });
    });

    it('moves an open breaker to half-open at the reset timeout, the caller holding the first permit', () => {
      // Prepare
      const state = open(T0);
      const now = T0 + 30_000;

      // Act
      const admission = admit(state, config, now, 'p1');

      // Assess
      expect(admission.allowed).toBe(true);
      expect(admission.reason).toBeUndefined();
      expect(admission.next).toEqual({
        ...state,
        state: 'half-open',
        permits: { p1: now + 60_000 },
        successes: 0,
        version: 8,
        updatedAt: now,
      });
    });

    it('treats an open breaker without openedAt as past its reset timeout', () => {
      // Prepare
      const state = closed({ state: 'open', failureCount: 5 });

      // Act
      const admission = admit(state, config, T0, 'p1');

      // Assess
      expect(admission.allowed).toBe(true);
      expect(admission.next?.state).toBe('half-open');
    });

    it('grants permits in half-open until halfOpenRequests are held, then refuses', () => {
      // Prepare
      let state = halfOpen({ p1: T0 + 60_000 });

      // Act
      const second = admit(state, config, T0 + 1, 'p2');
      state = second.next!;
      const third = admit(state, config, T0 + 2, 'p3');
      state = third.next!;
      const fourth = admit(state, config, T0 + 3, 'p4');

      // Assess
      expect(second.allowed).toBe(true);
      expect(third.allowed).toBe(true);
      expect(state.permits).toEqual({ p1: T0 + 60_000, p2: T0 + 60_001, p3: T0 + 60_002 });
      expect(state.version).toBe(9);
      expect(fourth).toEqual({ allowed: false, reason: 'half-open-full', retryAfterMs: 59_997 });
    });

    it('reclaims permits whose lease has ended, so a full half-open breaker can never wedge', () => {
      // Prepare: three probes whose Lambdas died without reporting
      const state = halfOpen({ dead1: T0 + 60_000, dead2: T0 + 60_000, dead3: T0 + 70_000 });

      // Act
      const before = admit(state, config, T0 + 59_999, 'p4');
      const atLeaseEnd = admit(state, config, T0 + 60_000, 'p4');

      // Assess
      expect(before.allowed).toBe(false);
      expect(atLeaseEnd.allowed).toBe(true);
      expect(atLeaseEnd.next?.permits).toEqual({ dead3: T0 + 70_000, p4: T0 + 120_000 });
      expect(livePermitCount(atLeaseEnd.next!, T0 + 60_000)).toBe(2);
    });

    it('renews the lease of a permit already held instead of granting a second one', () => {
      // Prepare
      const state = halfOpen({ p1: T0 + 10, p2: T0 + 10, p3: T0 + 10 });

      // Act
      const admission = admit(state, config, T0 + 5, 'p2');

      // Assess
      expect(admission.allowed).toBe(true);
      expect(admission.next?.permits).toEqual({ p1: T0 + 10, p2: T0 + 60_005, p3: T0 + 10 });
    });

    it('rejects an invalid configuration or a clock that is not finite', () => {
      // Act / Assess
      expect(() => admit(closed(), { ...config, halfOpenRequests: 0 }, T0, 'p')).toThrow(RangeError);
      expect(() => admit(closed(), { ...config, failureThreshold: 1.5 }, T0, 'p')).toThrow(RangeError);
      expect(() => admit(closed(), { ...config, permitLeaseMs: 0 }, T0, 'p')).toThrow(RangeError);
      expect(() => admit(closed(), { ...config, resetTimeoutMs: Number.NaN }, T0, 'p')).toThrow(RangeError);
      expect(() => admit(closed(), config, Number.NaN, 'p')).toThrow(RangeError);
    });
  });

  describe('recordSuccess', () => {
    it('writes nothing for a success on a healthy closed breaker', () => {
      // Act
      const next = recordSuccess(closed(), config, T0, 'p1');

      // Assess
      expect(next).toBeUndefined();
    });

    it('resets the failure count of a closed breaker that had failures', () => {
      // Act
      const next = recordSuccess(closed({ failureCount: 3 }), config, T0, 'p1');

      // Assess
      expect(next).toEqual(closed({ failureCount: 0, version: 8, updatedAt: T0 }));
    });

    it('changes nothing for a late success arriving while open', () => {
      // Act
      const next = recordSuccess(open(T0), config, T0 + 1, 'from-before-opening');

      // Assess
      expect(next).toBeUndefined();
    });

    it('releases the permit and counts the success in half-open', () => {
      // Prepare
      const state = halfOpen({ p1: T0 + 60_000, p2: T0 + 60_000 });

      // Act
      const next = recordSuccess(state, config, T0 + 100, 'p1');

      // Assess
      expect(next).toEqual({ ...state, permits: { p2: T0 + 60_000 }, successes: 1, version: 8, updatedAt: T0 + 100 });
    });

    it('closes the breaker at halfOpenRequests successes, clearing failures, permits and openedAt', () => {
      // Prepare
      const state = halfOpen({ p3: T0 + 60_000, p4: T0 + 60_000 }, { successes: 2 });

      // Act
      const next = recordSuccess(state, config, T0 + 100, 'p3');

      // Assess
      expect(next).toEqual({
        instanceId: 'orders-1',
        state: 'closed',
        failureCount: 0,
        permits: {},
        successes: 0,
        version: 8,
        updatedAt: T0 + 100,
      });
      expect(next).not.toHaveProperty('openedAt');
    });

    it('ignores a half-open success that holds no permit of this period', () => {
      // Prepare
      const state = halfOpen({ p1: T0 + 60_000 });

      // Act
      const admittedWhileClosed = recordSuccess(state, config, T0, 'old-call');
      const withoutPermit = recordSuccess(state, config, T0);

      // Assess
      expect(admittedWhileClosed).toBeUndefined();
      expect(withoutPermit).toBeUndefined();
    });

    it('counts a success whose lease ended but was not reclaimed yet', () => {
      // Prepare
      const state = halfOpen({ slow: T0 });

      // Act
      const next = recordSuccess(state, config, T0 + 5_000, 'slow');

      // Assess
      expect(next?.successes).toBe(1);
      expect(next?.permits).toEqual({});
    });
  });

  describe('recordFailure', () => {
    it('counts failures on a closed breaker below the threshold', () => {
      // Act
      const next = recordFailure(closed({ failureCount: 3 }), config, T0);

      // Assess
      expect(next).toEqual(closed({ failureCount: 4, version: 8, updatedAt: T0 }));
    });

    it('opens a closed breaker at the threshold', () => {
      // Act
      const next = recordFailure(closed({ failureCount: 4 }), config, T0, 'p1');

      // Assess
      expect(next).toEqual(
        closed({ state: 'open', failureCount: 5, openedAt: T0, permits: {}, successes: 0, version: 8, updatedAt: T0 }),
      );
    });

    it('opens at the first failure when the threshold is 1', () => {
      // Act
      const next = recordFailure(closed(), { ...config, failureThreshold: 1 }, T0);

      // Assess
      expect(next?.state).toBe('open');
    });

    it('re-opens a half-open breaker on any failure, restarting the reset timeout', () => {
      // Prepare
      const state = halfOpen({ p1: T0 + 60_000, p2: T0 + 60_000 }, { successes: 2 });

      // Act
      const withPermit = recordFailure(state, config, T0 + 500, 'p1');
      const withoutPermit = recordFailure(state, config, T0 + 500);

      // Assess
      const reopened = { ...state, state: 'open', openedAt: T0 + 500, permits: {}, successes: 0, version: 8 };
      expect(withPermit).toEqual({ ...reopened, updatedAt: T0 + 500 });
      expect(withoutPermit).toEqual(withPermit);
      expect(admit(withPermit!, config, T0 + 30_499, 'p9').allowed).toBe(false);
      expect(admit(withPermit!, config, T0 + 30_500, 'p9').allowed).toBe(true);
    });

    it('changes nothing for a failure while already open', () => {
      // Act
      const next = recordFailure(open(T0), config, T0 + 10, 'p1');

      // Assess
      expect(next).toBeUndefined();
    });
  });

  describe('a full cycle', () => {
    it('goes closed → open → half-open → closed, version + 1 on every write', () => {
      // Prepare
      let state = initialBreakerState('worker-1');
      const versions: number[] = [];
      const apply = (next: BreakerState | undefined) => {
        if (next) {
          expect(next.version).toBe(state.version + 1);
          state = next;
          versions.push(next.version);
        }
      };

      // Act
      for (let i = 0; i < 5; i++) apply(recordFailure(state, config, T0 + i));
      const refused = admit(state, config, T0 + 10_000, 'a');
      for (const id of ['a', 'b', 'c']) apply(admit(state, config, T0 + 40_000, id).next);
      for (const id of ['a', 'b', 'c']) apply(recordSuccess(state, config, T0 + 41_000, id));

      // Assess
      expect(refused.allowed).toBe(false);
      expect(state.state).toBe('closed');
      expect(versions).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      expect(state.updatedAt).toBe(T0 + 41_000);
    });
  });
});
