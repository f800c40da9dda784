import type { BackoffStrategy, ErrorPolicy } from './policy';

/** The policy fields a delay depends on. */
export type BackoffPolicy = Pick<ErrorPolicy, 'backoffStrategy' | 'initialDelayMs' | 'maxDelayMs' | 'jitter'>;

/** Where the randomness of one delay comes from and what came before it. */
export type BackoffOptions = {
  /** Uniform draws in [0, 1). @default Math.random */
  random?: () => number;
  /** The delay slept before the previous retry, milliseconds; only `decorrelated` jitter uses it. @default initialDelayMs */
  previousDelayMs?: number;
};

/**
 * The delay a strategy gives retry number `n` before jitter, capped at `capMs`, in milliseconds:
 * `linear` initial × n, `exponential` initial × 2^(n−1), `fibonacci` initial × F(n) with
 * F(1) = F(2) = 1, `constant` initial.
 *
 * The sequence stops growing once it reaches the cap, so the result is finite for any `n` and an
 * `initialDelayMs` of 0 gives 0 (never `Infinity × 0 = NaN`). Not rounded: jitter is applied to the
 * exact value and {@link backoffDelayMs} rounds once at the end.
 *
 * @param strategy - one of BACKOFF_STRATEGIES (policy.ts)
 * @param initialDelayMs - the strategy's unit, milliseconds, finite and ≥ 0
 * @param n - the retry number, a positive integer (1 for the first retry)
 * @param capMs - the largest value returned, milliseconds, ≥ 0 (may be `Infinity`)
 * @returns min(capMs, strategy(n)), milliseconds
 * @throws {RangeError} when `n` is not a positive integer or a duration is negative or NaN
 * @example baseDelayMs('fibonacci', 100, 5, 30_000) // 500 (F(5) = 5)
 */
export function baseDelayMs(strategy: BackoffStrategy, initialDelayMs: number, n: number, capMs: number): number {
  assertRetryNumber(n);
  assertDuration('initialDelayMs', initialDelayMs);
  if (Number.isNaN(capMs) || capMs < 0) throw new RangeError(`capMs must be ≥ 0, got ${capMs}`);
  if (initialDelayMs === 0 || capMs === 0) return 0;
  switch (strategy) {
    case 'constant':
      return Math.min(capMs, initialDelayMs);
    case 'linear':
      // initial ≥ the smallest positive double and n ≤ MAX_SAFE_INTEGER: the product is finite or Infinity, never NaN.
      return Math.min(capMs, initialDelayMs * n);
    case 'exponential': {
      // 2^1023 is the largest finite power of two; beyond it the product only gets larger.
      const product = initialDelayMs * 2 ** Math.min(n - 1, 1023);
      return Math.min(capMs, product);
    }
    case 'fibonacci': {
      let previous = 0;
      let current = 1;
      for (let i = 1; i < n; i++) {
        [previous, current] = [current, previous + current];
        if (initialDelayMs * current >= capMs) return capMs;
      }
      return Math.min(capMs, initialDelayMs * current);
    }
    default:
      throw new RangeError(`unknown backoff strategy ${String(strategy satisfies never)}`);
  }
}

/**
 * How long to wait before retry number `retryNumber`, in whole milliseconds.
 *
 * 1. The strategy's base delay ({@link baseDelayMs}, capped at `maxDelayMs`);
 * 2. jitter (JITTER_MODES in policy.ts; AWS Architecture Blog, "Exponential Backoff and Jitter"),
 *    with `r` one draw of `random`:
 *    - `proportional`: base × (1.1 + 0.1 r), the seed's + 10–20 %;
 *    - `full`: r × base;
 *    - `decorrelated`: uniform in [initialDelayMs, 3 × previousDelayMs] — it ignores the strategy
 *      and grows from the previous delay instead;
 *    - `none`: base;
 * 3. the cap: min(maxDelayMs, jittered), rounded down.
 *
 * Capping is the last step, so jitter never pushes a delay past `maxDelayMs`. The result is an
 * integer in [0, maxDelayMs] for every retry number (no NaN or Infinity, even with
 * `initialDelayMs` 0 or `retryNumber` 10 000) and, for one fixed draw, non-decreasing in the retry
 * number for every mode but `decorrelated`.
 *
 * @param policy - the policy's strategy, initial delay, cap (milliseconds) and jitter mode
 * @param retryNumber - 1 for the first retry (the second attempt), a positive integer
 * @param options - the random source and, for `decorrelated`, the previous delay
 * @returns the delay, integer milliseconds in [0, maxDelayMs]
 * @throws {RangeError} when `retryNumber` is not a positive integer, a duration is negative or not
 *   finite, or `random` returns a value outside [0, 1)
 * @example
 * const policy = { backoffStrategy: 'exponential', initialDelayMs: 100, maxDelayMs: 30_000, jitter: 'proportional' } as const;
 * backoffDelayMs(policy, 3, { random: () => 0.5 }); // 400 × 1.15 = 460
 */
export function backoffDelayMs(policy: BackoffPolicy, retryNumber: number, options: BackoffOptions = {}): number {
  const { backoffStrategy, initialDelayMs, maxDelayMs, jitter } = policy;
  assertRetryNumber(retryNumber);
  assertDuration('initialDelayMs', initialDelayMs);
  assertDuration('maxDelayMs', maxDelayMs);
  const previousDelayMs = options.previousDelayMs ?? initialDelayMs;
  assertDuration('previousDelayMs', previousDelayMs);
  const draw = () => {
    const r = (options.random ?? Math.random)();
    if (!(r >= 0 && r < 1)) throw new RangeError(`random() must return a number in [0, 1), got ${r}`);
    return r;
  };

  let jittered: number;
  switch (jitter) {
    case 'decorrelated': {
      const high = Math.max(initialDelayMs, 3 * previousDelayMs);
      jittered = initialDelayMs + draw() * (high - initialDelayMs);
      break;
    }
    case 'proportional':
      jittered = baseDelayMs(backoffStrategy, initialDelayMs, retryNumber, maxDelayMs) * (1.1 + 0.1 * draw());
      break;
    case 'full':
      jittered = draw() * baseDelayMs(backoffStrategy, initialDelayMs, retryNumber, maxDelayMs);
      break;
    case 'none':
      jittered = baseDelayMs(backoffStrategy, initialDelayMs, retryNumber, maxDelayMs);
      break;
    default:
      throw new RangeError(`unknown jitter mode ${String(jitter satisfies never)}`);
  }
  return Math.floor(Math.min(maxDelayMs, jittered));
}

function assertRetryNumber(n: number): void {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`retry number must be a positive integer, got ${n}`);
}

function assertDuration(name: string, ms: number): void {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`${name} must be a finite number ≥ 0, got ${ms}`);
}
