import { describe, expect, it } from 'vitest';
import {
  admissionWrite,
  admit,
  allowedIn,
  BUCKET_EXPIRY_MARGIN_SECONDS,
  type BucketLimit,
  BucketLimitSchema,
  type BucketState,
  emissionIntervalUs,
  expiresAtSeconds,
  phaseOf,
  tokensLeft,
  toleranceUs,
  windowSeconds,
} from '../../../../../shared/domain/rate-limits/token-bucket';

const SECOND = 1_000_000;
const T0 = Date.parse('2026-11-30T10:00:00Z') * 1000;
const limit: BucketLimit = { requestsPerSecond: 10, burstSize: 5 };

/** Admits requests one after another at `times`, as one writer would; returns which were admitted. */
function run(times: readonly number[], shape: BucketLimit = limit): boolean[] {
  let state: BucketState | undefined;
  return times.map((at) => {
    const decision = admit(state, shape, at);
    if (decision.allowed) state = decision.next;
    return decision.allowed;
  });
}

describe('token bucket (GCRA)', () => {
  describe('shape', () => {
    it('refills one token every 1/requestsPerSecond, rounded up to a whole microsecond', () => {
      // Act / Assess
      expect(emissionIntervalUs({ requestsPerSecond: 10, burstSize: 1 })).toBe(100_000);
      expect(emissionIntervalUs({ requestsPerSecond: 3, burstSize: 1 })).toBe(333_334);
      expect(emissionIntervalUs({ requestsPerSecond: 0.1, burstSize: 1 })).toBe(10 * SECOND);
      expect(emissionIntervalUs({ requestsPerSecond: 5_000_000, burstSize: 1 })).toBe(1);
      expect(toleranceUs(limit)).toBe(400_000);
    });

    it('accepts positive rates up to 1000/s and whole bursts of at least 1', () => {
      // Act / Assess
      expect(BucketLimitSchema.safeParse({ requestsPerSecond: 0.5, burstSize: 1 }).success).toBe(true);
      expect(BucketLimitSchema.safeParse({ requestsPerSecond: 0, burstSize: 1 }).success).toBe(false);
      expect(BucketLimitSchema.safeParse({ requestsPerSecond: 1001, burstSize: 1 }).success).toBe(false);
      expect(BucketLimitSchema.safeParse({ requestsPerSecond: 1, burstSize: 0 }).success).toBe(false);
      expect(BucketLimitSchema.safeParse({ requestsPerSecond: 1, burstSize: 2.5 }).success).toBe(false);
    });

    it('states the window as the time an empty bucket takes to fill, whole seconds', () => {
      // Act / Assess
      expect(windowSeconds({ requestsPerSecond: 50, burstSize: 100 })).toBe(2);
      expect(windowSeconds({ requestsPerSecond: 20, burstSize: 40 })).toBe(2);
      expect(windowSeconds({ requestsPerSecond: 0.1, burstSize: 5 })).toBe(50);
      expect(windowSeconds({ requestsPerSecond: 1000, burstSize: 1 })).toBe(1);
    });
  });

  describe('admit', () => {
    it('admits a full burst at once, then refuses with the time until one token is back', () => {
      // Act
      const admitted = run([T0, T0, T0, T0, T0, T0]);
      let state: BucketState | undefined;
      for (let i = 0; i < 5; i++) state = (admit(state, limit, T0) as { next: BucketState }).next;
      const refused = admit(state, limit, T0);

      // Assess
      expect(admitted).toEqual([true, true, true, true, true, false]);
      expect(refused).toEqual({ allowed: false, retryAfterUs: 100_000, remaining: 0, resetUs: 500_000 });
    });

    it('refills from elapsed time, one token per interval, never above the burst', () => {
      // Prepare: an empty bucket at T0
      let state: BucketState | undefined;
      for (let i = 0; i < 5; i++) state = (admit(state, limit, T0) as { next: BucketState }).next;

      // Act / Assess
      expect(tokensLeft(state, limit, T0)).toBe(0);
      expect(tokensLeft(state, limit, T0 + 99_999)).toBe(0);
      expect(tokensLeft(state, limit, T0 + 100_000)).toBe(1);
      expect(tokensLeft(state, limit, T0 + 250_000)).toBe(2);
      expect(tokensLeft(state, limit, T0 + 500_000)).toBe(5);
      expect(tokensLeft(state, limit, T0 + 60 * SECOND)).toBe(5);
      expect(tokensLeft(undefined, limit, T0)).toBe(5);
      expect(admit(state, limit, T0 + 100_000).allowed).toBe(true);
    });

    it('reports the tokens left and the time until full after each admission', () => {
      // Act
      const first = admit(undefined, limit, T0);
      const second = admit(first.allowed ? first.next : undefined, limit, T0 + 10_000);

      // Assess
      expect(first).toEqual({ allowed: true, next: { tat: T0 + 100_000 }, remaining: 4, resetUs: 100_000 });
      expect(second).toEqual({ allowed: true, next: { tat: T0 + 200_000 }, remaining: 3, resetUs: 190_000 });
    });

    it('treats a bucket whose tat has passed as full (the state of an idle bucket does not bank tokens)', () => {
      // Act
      const decision = admit({ tat: T0 - 3600 * SECOND }, limit, T0);

      // Assess
      expect(decision).toEqual({ allowed: true, next: { tat: T0 + 100_000 }, remaining: 4, resetUs: 100_000 });
    });

    it('never admits more than burst + elapsed × rate in any window, whatever the arrival times', () => {
      // Prepare: 2,000 arrivals over 10 s, bunched pseudo-randomly (a fixed LCG)
      let seed = 42;
      const next = () => {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        return seed / 2 ** 31;
      };
      const times: number[] = [];
      let at = T0;
      for (let i = 0; i < 2000; i++) {
        at += Math.floor(next() ** 3 * 30_000);
        times.push(at);
      }

      // Act
      const admitted = run(times);
      const admittedTimes = times.filter((_, i) => admitted[i]);

      // Assess: every window between two admitted requests holds at most allowedIn of them
      for (let i = 0; i < admittedTimes.length; i += 7) {
        for (let j = i; j < admittedTimes.length; j += 13) {
          const span = (admittedTimes[j] as number) - (admittedTimes[i] as number);
          expect(j - i + 1).toBeLessThanOrEqual(allowedIn(limit, span));
        }
      }
      expect(admittedTimes.length).toBeLessThanOrEqual(allowedIn(limit, at - T0));
      expect(admittedTimes.length).toBeGreaterThan(allowedIn(limit, at - T0) * 0.9);
    });
  });

  describe('the conditional write', () => {
    it('sets tat when the bucket is full, and advances it by one interval while it drains', () => {
      // Act / Assess
      expect(phaseOf(undefined, T0)).toBe('full');
      expect(phaseOf({ tat: T0 - 1 }, T0)).toBe('full');
      expect(phaseOf({ tat: T0 }, T0)).toBe('draining');
      expect(admissionWrite(limit, T0, 'full')).toEqual({ phase: 'full', set: T0 + 100_000, before: T0 });
      expect(admissionWrite(limit, T0, 'draining')).toEqual({
        phase: 'draining',
        add: 100_000,
        atLeast: T0,
        atMost: T0 + 400_000,
      });
    });

    it('admits exactly what admit decides: the draining condition holds iff a token is left', () => {
      // Prepare
      const write = admissionWrite(limit, T0, 'draining');
      if (write.phase !== 'draining') throw new Error('draining expected');

      // Act / Assess: for tat in [now, now + burst × T], the write's condition and admit agree
      for (let tat = T0; tat <= T0 + 500_000; tat += 50_000) {
        const holds = tat >= write.atLeast && tat <= write.atMost;
        const decision = admit({ tat }, limit, T0);
        expect(holds).toBe(decision.allowed);
        if (decision.allowed) expect(decision.next.tat).toBe(tat + write.add);
      }
    });

    it('expires the item a margin after the latest tat a write at now can leave', () => {
      // Act
      const expiresAt = expiresAtSeconds(limit, T0);

      // Assess: the latest tat is now + burst × T = T0 + 0.5 s
      expect(expiresAt).toBe(Math.ceil((T0 + 500_000) / SECOND) + BUCKET_EXPIRY_MARGIN_SECONDS);
      expect(expiresAt * SECOND).toBeGreaterThan(T0 + 500_000);
    });
  });

  describe('allowedIn', () => {
    it('is the burst plus one token per whole interval', () => {
      // Act / Assess
      expect(allowedIn(limit, 0)).toBe(5);
      expect(allowedIn(limit, 99_999)).toBe(5);
      expect(allowedIn(limit, SECOND)).toBe(15);
      expect(allowedIn(limit, -5)).toBe(5);
    });
  });
});
