import { type Clock, systemClock } from '../../ports/clock';
import { classifyError } from './classify';
import { decide, type Resolution } from './decide';
import { type IntegrationError, withErrorContext } from './integration-error';
import { type PolicyOverrides, type ResolvedPolicy, resolvePolicy } from './policy';

/** Finds the policy for an error: a function (e.g. over a policy cache) or the operator's overrides map. */
export type PolicySource = ((error: IntegrationError) => ResolvedPolicy | Promise<ResolvedPolicy>) | PolicyOverrides;

/** Why `withRetry` stopped without a result; set as `context.stopReason` of the error it throws. */
export type StopReason = 'not-retryable' | 'retries-exhausted' | 'deadline' | 'aborted';

/** Options of {@link withRetry}. */
export type WithRetryOptions<T> = {
  /** Where errors are attributed, e.g. `webhook:orders-sub` (classifyError's `source`). */
  source: string;
  /** The policy for each classified error. */
  policies: PolicySource;
  /** Sleeps between attempts and tells the time for the deadline. @default systemClock */
  clock?: Clock;
  /** Epoch milliseconds: no sleep ends after it; when the next one would, `withRetry` stops instead. */
  deadline?: number;
  /** Aborting stops the retries (the current sleep ends at once); it is also handed to each attempt. */
  signal?: AbortSignal;
  /** Uniform draws in [0, 1) for jitter. @default Math.random */
  random?: () => number;
  /**
   * Called once per failed attempt, after the decision and before any sleep (count, log, alert).
   * If it throws or rejects, `withRetry` stops and rejects with an AggregateError of
   * [the operation's error, the hook's error] — see {@link withRetry}.
   */
  onError?: (error: IntegrationError, resolution: Resolution) => void | Promise<void>;
  /** Runs the policy's fallback action when the decision is `fallback`; its result (or error) becomes withRetry's. */
  fallback?: (action: string, error: IntegrationError) => Promise<T>;
};

/**
 * Runs an operation, retrying its failures as the error policies say: each failure is classified
 * (`classifyError`), its policy resolved, and `decide` called with the number of the attempt of
 * this call that failed — so concurrent calls never share counts. A `retry` sleeps `delayMs` on the
 * clock (the previous delay feeds `decorrelated` jitter); `fallback` runs `options.fallback` when
 * given; otherwise the last error is thrown.
 *
 * It stops early, throwing the last error, when the next sleep would end after `deadline` or when
 * `signal` aborts (before an attempt or during a sleep). The attempt itself is not cut short at the
 * deadline: bound it inside the operation (e.g. `AbortSignal.timeout`).
 *
 * The thrown error is the last IntegrationError copied with `context.attempts` (attempts made),
 * `context.stopReason` and `context.policyKey` added; its `cause` is what the operation threw.
 *
 * Hook errors: an `onError` that throws or rejects is a bug in the caller's own code, and quietly
 * dropping it would hide that bug; letting it replace the operation's error would hide the
 * operation's failure. So `withRetry` stops and rejects with
 * `AggregateError([operationError, hookError])`, both kept. A hook with expected failures (say,
 * counting errors in a store that can throttle) should catch them itself.
 *
 * @param operation - one attempt; gets the attempt number (1-based) and the abort signal
 * @param options - source, policies, clock, deadline, signal, random source, hooks
 * @returns the operation's result, or the fallback's
 * @throws {IntegrationError} the last classified error when retries end without a fallback
 * @throws {AggregateError} [operation error, hook error] when `onError` throws
 * @throws whatever `policies` or `fallback` throw, unchanged
 * @example
 * const order = await withRetry((attempt, signal) => getOrder(id, { signal }), {
 *   source: 'mesh:orders',
 *   policies: (error) => resolvePolicy(overrides, error),
 *   deadline: nowMs(clock) + 10_000,
 * });
 */
export async function withRetry<T>(
  operation: (attempt: number, signal: AbortSignal) => Promise<T>,
  options: WithRetryOptions<T>,
): Promise<T> {
  const clock = options.clock ?? systemClock;
  const signal = options.signal ?? new AbortController().signal;
  const classify = (error: unknown) =>
    classifyError(error, { source: options.source, now: () => clock.now().getTime() });
  let previousDelayMs: number | undefined;
  let last: IntegrationError | undefined;

  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) {
      throw finalError(last ?? classify(signal.reason), { attempts: attempt - 1, stopReason: 'aborted' });
    }
    try {
      return await operation(attempt, signal);
    } catch (thrown) {
      last = classify(thrown);
    }

    const resolved = await resolve(options.policies, last);
    const resolution = decide(last, attempt, resolved, {
      ...(options.random && { random: options.random }),
      ...(previousDelayMs !== undefined && { previousDelayMs }),
    });
    if (options.onError) {
      try {
        await options.onError(last, resolution);
      } catch (hookError) {
        throw new AggregateError([last, hookError], `onError hook failed while handling ${last.code}`);
      }
    }

    const stopped = { attempts: attempt, policyKey: resolution.policyKey };
    if (resolution.action === 'fallback' && options.fallback) {
      return options.fallback(
        resolution.fallbackAction,
        finalError(last, { ...stopped, stopReason: resolution.reason }),
      );
    }
    if (resolution.action !== 'retry') {
      throw finalError(last, {
        ...stopped,
        stopReason: resolution.reason,
        ...(resolution.action === 'fallback' && { fallbackAction: resolution.fallbackAction }),
      });
    }
    if (options.deadline !== undefined && clock.now().getTime() + resolution.delayMs > options.deadline) {
      throw finalError(last, { ...stopped, stopReason: 'deadline' });
    }
    if (!(await sleepUnlessAborted(clock, resolution.delayMs, signal))) {
      throw finalError(last, { ...stopped, stopReason: 'aborted' });
    }
    previousDelayMs = resolution.delayMs;
  }
}

async function resolve(policies: PolicySource, error: IntegrationError): Promise<ResolvedPolicy> {
  return typeof policies === 'function' ? policies(error) : resolvePolicy(policies, error);
}

/** The error as thrown at the end: a copy with the outcome in its context (the caller's object is not mutated). */
function finalError(
  error: IntegrationError,
  outcome: { attempts: number; stopReason: StopReason; policyKey?: string; fallbackAction?: string },
): IntegrationError {
  return withErrorContext(error, outcome);
}

/** True when the sleep ran its course, false when the signal aborted it. */
async function sleepUnlessAborted(clock: Clock, ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  let onAbort: () => void = () => {};
  const aborted = new Promise<false>((resolve) => {
    onAbort = () => resolve(false);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([clock.sleep(ms).then(() => true as const), aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
