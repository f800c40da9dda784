import { describe, expect, it } from 'vitest';
import { backoffDelayMs, baseDelayMs } from '../../../../../shared/domain/resilience/backoff';
import { decide } from '../../../../../shared/domain/resilience/decide';
import { BUILT_IN_POLICIES, type ErrorPolicy, resolvePolicy } from '../../../../../shared/domain/resilience/policy';

const transient503 = { code: 'HTTP_503', category: 'transient' as const, retryable: true };
const midpoint = { random: () => 0.5 };

function custom(policy: Partial<ErrorPolicy>, key = 'custom') {
  return { key, origin: 'custom' as const, policy: { ...BUILT_IN_POLICIES.transient, ...policy } };
}

describe('backoff', () => {
  describe('baseDelayMs', () => {
    it('gives the documented sequences for retries 1 to 6', () => {
      // Act
      const sequence = (s: Parameters<typeof baseDelayMs>[0]) =>
        [1, 2, 3, 4, 5, 6].map((n) => baseDelayMs(s, 100, n, Number.POSITIVE_INFINITY));

      // Assess
      expect(sequence('linear')).toEqual([100, 200, 300, 400, 500, 600]);
      expect(sequence('exponential')).toEqual([100, 200, 400, 800, 1600, 3200]);
      expect(sequence('fibonacci')).toEqual([100, 100, 200, 300, 500, 800]);
      expect(sequence('constant')).toEqual([100, 100, 100, 100, 100, 100]);
    });

    it('stops at the cap and stays finite for huge retry numbers and a zero initial delay', () => {
      // Act
      const huge = baseDelayMs('exponential', 100, 10_000, 30_000);
      const zero = baseDelayMs('fibonacci', 0, 10_000, 30_000);

      // Assess
      expect(huge).toBe(30_000);
      expect(zero).toBe(0);
    });

    it('rejects a retry number that is not a positive integer', () => {
      // Act / Assess
      expect(() => baseDelayMs('linear', 100, 0, 1_000)).toThrow(RangeError);
      expect(() => baseDelayMs('linear', 100, 1.5, 1_000)).toThrow(RangeError);
    });
  });

  describe('backoffDelayMs', () => {
    const policy = { backoffStrategy: 'exponential', initialDelayMs: 100, maxDelayMs: 30_000 } as const;

    it('adds 10 to 20 percent with proportional jitter', () => {
      // Act
      const low = backoffDelayMs({ ...policy, jitter: 'proportional' }, 3, { random: () => 0 });
      const high = backoffDelayMs({ ...policy, jitter: 'proportional' }, 3, { random: () => 0.999_999 });

      // Assess
      expect(low).toBe(440);
      expect(high).toBe(479);
    });

    it('draws full jitter from [0, base)', () => {
      // Act
      const delay = backoffDelayMs({ ...policy, jitter: 'full' }, 3, { random: () => 0.25 });

      // Assess
      expect(delay).toBe(100);
    });

    it('draws decorrelated jitter from [initial, 3 × previous delay]', () => {
      // Act
      const delay = backoffDelayMs({ ...policy, jitter: 'decorrelated' }, 7, {
        random: () => 0.5,
        previousDelayMs: 1_000,
      });

      // Assess
      expect(delay).toBe(1_550);
    });

    it('caps after jitter', () => {
      // Act
      const delay = backoffDelayMs({ ...policy, maxDelayMs: 420, jitter: 'proportional' }, 3, { random: () => 0.9 });

      // Assess
      expect(delay).toBe(420);
    });

    it('rejects a random source outside [0, 1)', () => {
      // Act / Assess
      expect(() => backoffDelayMs({ ...policy, jitter: 'full' }, 1, { random: () => 1 })).toThrow(RangeError);
    });
  });
});

describe('decide', () => {
  describe('decide', () => {
    it('retries a transient error with the policy backoff', () => {
      // Prepare
      const resolved = resolvePolicy(new Map(), transient503);

      // Act
      const resolution = decide(transient503, 2, resolved, midpoint);

      // Assess
      expect(resolution).toMatchObject({
        action: 'retry',
        retryNumber: 2,
        delayMs: 230,
        policyKey: 'transient',
        category: 'transient',
      });
      expect(resolution.message).toContain('retry 2 of 5');
    });

    it('fails a transient error once maxRetries retries are used', () => {
      // Prepare
      const resolved = resolvePolicy(new Map(), transient503);

      // Act
      const last = decide(transient503, 5, resolved, midpoint);
      const exhausted = decide(transient503, 6, resolved, midpoint);

      // Assess
      expect(last.action).toBe('retry');
      expect(exhausted).toMatchObject({ action: 'fail', reason: 'retries-exhausted', policyKey: 'transient' });
    });

    it('fails a permanent error at once', () => {
      // Prepare
      const error = { code: 'HTTP_404', category: 'permanent' as const, retryable: false };

      // Act
      const resolution = decide(error, 1, resolvePolicy(new Map(), error));

      // Assess
      expect(resolution).toMatchObject({ action: 'fail', reason: 'not-retryable', policyKey: 'permanent' });
    });

    it('does not retry an error marked not retryable even under a retrying policy', () => {
      // Prepare
      const error = { ...transient503, retryable: false };

      // Act
      const resolution = decide(error, 1, resolvePolicy(new Map(), error));

      // Assess
      expect(resolution).toMatchObject({ action: 'fail', reason: 'not-retryable' });
    });

    it('does not retry under a policy written for permanent errors', () => {
      // Act
      const resolution = decide(transient503, 1, custom({ category: 'permanent', maxRetries: 3 }));

      // Assess
      expect(resolution.action).toBe('fail');
    });

    it('falls back when the policy names a fallback action', () => {
      // Prepare
      const error = { code: 'HTTP_500', category: 'system' as const, retryable: true };
      const resolved = resolvePolicy(new Map(), error);

      // Act
      const retry = decide(error, 3, resolved, midpoint);
      const fallback = decide(error, 4, resolved, midpoint);

      // Assess
      expect(retry).toMatchObject({ action: 'retry', delayMs: 4_600 });
      expect(fallback).toMatchObject({
        action: 'fallback',
        fallbackAction: 'degrade_gracefully',
        reason: 'retries-exhausted',
        policyKey: 'system',
      });
    });

    it('waits as long as Retry-After asks when that is longer, up to maxDelayMs', () => {
      // Prepare
      const resolved = custom({ initialDelayMs: 10, maxDelayMs: 2_000, jitter: 'none' });

      // Act
      const shorter = decide({ ...transient503, retryAfterMs: 5 }, 1, resolved);
      const longer = decide({ ...transient503, retryAfterMs: 1_500 }, 1, resolved);
      const beyond = decide({ ...transient503, retryAfterMs: 60_000 }, 1, resolved);

      // Assess
      expect(shorter).toMatchObject({ action: 'retry', delayMs: 10 });
      expect(longer).toMatchObject({ action: 'retry', delayMs: 1_500 });
      expect(beyond).toMatchObject({ action: 'retry', delayMs: 2_000 });
    });

    it('uses the policy stored under the error code before the category policy', () => {
      // Prepare
      const stored = { ...BUILT_IN_POLICIES.transient, maxRetries: 1, fallbackAction: 'queue_for_later' };
      const resolved = resolvePolicy(new Map([['HTTP_503', stored]]), transient503);

      // Act
      const resolution = decide(transient503, 2, resolved);

      // Assess
      expect(resolution).toMatchObject({
        action: 'fallback',
        fallbackAction: 'queue_for_later',
        policyKey: 'HTTP_503',
      });
    });

    it('rejects an attempt that is not a positive integer', () => {
      // Prepare
      const resolved = resolvePolicy(new Map(), transient503);

      // Act / Assess
      expect(() => decide(transient503, 0, resolved)).toThrow(RangeError);
      expect(() => decide(transient503, 1.5, resolved)).toThrow(RangeError);
      expect(() => decide(transient503, Number.NaN, resolved)).toThrow(RangeError);
    });
  });
});
