import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, baseDelayMs } from '../../../../../shared/domain/resilience/backoff';
import { decide } from '../../../../../shared/domain/resilience/decide';
import { ERROR_CATEGORIES } from '../../../../../shared/domain/resilience/integration-error';
import {
  BACKOFF_STRATEGIES,
  type BackoffStrategy,
  type ErrorPolicy,
  JITTER_MODES,
  MAX_POLICY_DELAY_MS,
  MAX_POLICY_RETRIES,
} from '../../../../../shared/domain/resilience/policy';

const strategy = fc.constantFrom(...BACKOFF_STRATEGIES);
const jitter = fc.constantFrom(...JITTER_MODES);
const monotoneJitter = fc.constantFrom('proportional', 'full', 'none' as const);
/** Delays with the edges drawn often: 0, 1 and the largest a policy may ask for. */
const delayMs = fc.oneof(
  fc.constantFrom(0, 1, MAX_POLICY_DELAY_MS),
  fc.integer({ min: 0, max: 1_000 }),
  fc.integer({ min: 0, max: MAX_POLICY_DELAY_MS }),
);
const retryNumber = fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 10_000 }), fc.constant(10_000));
/** One uniform draw in [0, 1), as Math.random gives. */
const draw = fc.oneof(
  fc.constantFrom(0, 0.5, 1 - Number.EPSILON),
  fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
);
const backoffPolicy = fc.record({ backoffStrategy: strategy, initialDelayMs: delayMs, maxDelayMs: delayMs, jitter });

const errorPolicy: fc.Arbitrary<ErrorPolicy> = fc.record({
  category: fc.constantFrom(...ERROR_CATEGORIES),
  maxRetries: fc.integer({ min: 0, max: MAX_POLICY_RETRIES }),
  backoffStrategy: strategy,
  initialDelayMs: delayMs,
  maxDelayMs: delayMs,
  jitter,
  alertThreshold: fc.constant(1),
  alertWindow: fc.constant('1m' as const),
});
const classified = fc.record({
  code: fc.constantFrom('HTTP_503', 'ECONNRESET', 'HTTP_404', 'UNCLASSIFIED'),
  category: fc.constantFrom(...ERROR_CATEGORIES),
  retryable: fc.boolean(),
});
const attempt = fc.integer({ min: 1, max: 10_000 });

const fibonacciMemo = new Map<number, bigint>();
/** F(k) by its recursive definition, memoised: F(1) = F(2) = 1, F(k) = F(k−1) + F(k−2). */
function fibonacci(k: number): bigint {
  if (k <= 2) return 1n;
  const known = fibonacciMemo.get(k);
  if (known !== undefined) return known;
  const value = fibonacci(k - 1) + fibonacci(k - 2);
  fibonacciMemo.set(k, value);
  return value;
}

/** Independent reference: the strategy's n-th value in exact integer arithmetic. */
function referenceBase(name: BackoffStrategy, initial: number, n: number): bigint {
  const factor = { linear: BigInt(n), exponential: 2n ** BigInt(n - 1), fibonacci: fibonacci(n), constant: 1n }[name];
  return BigInt(initial) * factor;
}

describe('backoff (property)', () => {
  describe('backoffDelayMs', () => {
    it('returns an integer in [0, maxDelayMs] for every strategy, jitter mode, policy, retry number and draw', () => {
      fc.assert(
        fc.property(
          backoffPolicy,
          retryNumber,
          draw,
          fc.option(delayMs, { nil: undefined }),
          (policy, n, r, previous) => {
            // Act
            const delay = backoffDelayMs(policy, n, { random: () => r, previousDelayMs: previous });

            // Assess
            expect(Number.isInteger(delay)).toBe(true);
            expect(delay).toBeGreaterThanOrEqual(0);
            expect(delay).toBeLessThanOrEqual(policy.maxDelayMs);
          },
        ),
      );
    });

    it('is non-decreasing in the retry number for one draw with proportional, full and no jitter', () => {
      // Non-decreasing for every fixed draw implies non-decreasing in expectation.
      fc.assert(
        fc.property(backoffPolicy, monotoneJitter, retryNumber, retryNumber, draw, (policy, mode, a, b, r) => {
          // Prepare
          const [earlier, later] = a <= b ? [a, b] : [b, a];
          const withMode = { ...policy, jitter: mode };

          // Act
          const first = backoffDelayMs(withMode, earlier, { random: () => r });
          const second = backoffDelayMs(withMode, later, { random: () => r });

          // Assess
          expect(first).toBeLessThanOrEqual(second);
        }),
      );
    });

    it('keeps decorrelated jitter within [min(initialDelayMs, maxDelayMs), maxDelayMs]', () => {
      fc.assert(
        fc.property(backoffPolicy, retryNumber, draw, delayMs, (policy, n, r, previous) => {
          // Act
          const delay = backoffDelayMs({ ...policy, jitter: 'decorrelated' }, n, {
            random: () => r,
            previousDelayMs: previous,
          });

          // Assess
          expect(delay).toBeGreaterThanOrEqual(Math.min(policy.initialDelayMs, policy.maxDelayMs));
          expect(delay).toBeLessThanOrEqual(policy.maxDelayMs);
        }),
      );
    });

    it('adds 10 to 20 % with proportional jitter below the cap', () => {
      fc.assert(
        fc.property(
          strategy,
          fc.integer({ min: 0, max: 1_000 }),
          fc.integer({ min: 1, max: 10 }),
          draw,
          (s, initial, n, r) => {
            // Prepare
            const policy = {
              backoffStrategy: s,
              initialDelayMs: initial,
              maxDelayMs: MAX_POLICY_DELAY_MS,
              jitter: 'proportional' as const,
            };
            const base = baseDelayMs(s, initial, n, MAX_POLICY_DELAY_MS);

            // Act
            const delay = backoffDelayMs(policy, n, { random: () => r });

            // Assess
            expect(delay).toBeGreaterThanOrEqual(Math.floor(base * 1.1));
            expect(delay).toBeLessThanOrEqual(Math.ceil(base * 1.2));
          },
        ),
      );
    });
  });

  describe('baseDelayMs', () => {
    it('follows the linear, exponential, fibonacci and constant definitions', () => {
      fc.assert(
        fc.property(strategy, delayMs, fc.integer({ min: 1, max: 40 }), (s, initial, n) => {
          // Act
          const uncapped = baseDelayMs(s, initial, n, Number.POSITIVE_INFINITY);

          // Assess
          expect(uncapped).toBe(Number(referenceBase(s, initial, n)));
        }),
      );
    });

    it('equals the capped definition and gives the unjittered delay with no jitter', () => {
      fc.assert(
        fc.property(strategy, delayMs, delayMs, fc.integer({ min: 1, max: 40 }), (s, initial, cap, n) => {
          // Prepare
          const expected = Number(
            referenceBase(s, initial, n) < BigInt(cap) ? referenceBase(s, initial, n) : BigInt(cap),
          );

          // Act
          const base = baseDelayMs(s, initial, n, cap);
          const delay = backoffDelayMs(
            { backoffStrategy: s, initialDelayMs: initial, maxDelayMs: cap, jitter: 'none' },
            n,
          );

          // Assess
          expect(base).toBe(expected);
          expect(delay).toBe(expected);
        }),
      );
    });
  });
});

describe('decide (property)', () => {
  describe('decide', () => {
    it('never retries a permanent or non-retryable error, nor under a permanent policy', () => {
      fc.assert(
        fc.property(classified, errorPolicy, attempt, (error, policy, n) => {
          // Prepare
          fc.pre(!error.retryable || error.category === 'permanent' || policy.category === 'permanent');

          // Act
          const resolution = decide(error, n, { key: 'k', policy, origin: 'custom' });

          // Assess
          expect(resolution.action).not.toBe('retry');
          expect(resolution).toMatchObject({ reason: 'not-retryable' });
        }),
      );
    });

    it('retries a retryable error exactly while the attempt is at most maxRetries', () => {
      fc.assert(
        fc.property(classified, errorPolicy, attempt, draw, (error, policy, n, r) => {
          // Prepare
          fc.pre(error.retryable && error.category !== 'permanent' && policy.category !== 'permanent');

          // Act
          const resolution = decide(error, n, { key: 'k', policy, origin: 'custom' }, { random: () => r });

          // Assess
          if (n <= policy.maxRetries) {
            expect(resolution).toMatchObject({ action: 'retry', retryNumber: n });
          } else {
            expect(resolution.action).not.toBe('retry');
            expect(resolution).toMatchObject({ reason: 'retries-exhausted' });
          }
        }),
      );
    });

    it('honours Retry-After up to maxDelayMs and never past it', () => {
      fc.assert(
        fc.property(
          errorPolicy,
          fc.integer({ min: 1, max: MAX_POLICY_RETRIES }),
          fc.oneof(delayMs, fc.integer({ min: 0, max: 10 * MAX_POLICY_DELAY_MS })),
          draw,
          (policy, n, retryAfterMs, r) => {
            // Prepare
            const retrying = { ...policy, category: 'transient' as const, maxRetries: MAX_POLICY_RETRIES };
            const error = { code: 'HTTP_429', category: 'transient' as const, retryable: true, retryAfterMs };

            // Act
            const resolution = decide(error, n, { key: 'k', policy: retrying, origin: 'custom' }, { random: () => r });

            // Assess
            if (resolution.action !== 'retry') throw new Error('expected a retry');
            expect(resolution.delayMs).toBeLessThanOrEqual(policy.maxDelayMs);
            expect(resolution.delayMs).toBeGreaterThanOrEqual(Math.min(retryAfterMs, policy.maxDelayMs));
            expect(Number.isInteger(resolution.delayMs)).toBe(true);
          },
        ),
      );
    });
  });
});
