import { type BackoffOptions, backoffDelayMs } from './backoff';
import type { ErrorCategory, IntegrationError } from './integration-error';
import type { ResolvedPolicy } from './policy';

/** What `decide` reads of an error: an IntegrationError or anything shaped like its classification. */
export type ClassifiedError = Pick<IntegrationError, 'code' | 'category' | 'retryable'> & {
  /** The server's Retry-After, milliseconds from now. */
  retryAfterMs?: number;
};

/** Why an operation is not retried: the error cannot succeed on retry, or the policy's retries are used up. */
export type GiveUpReason = 'not-retryable' | 'retries-exhausted';

/** Fields every resolution carries. */
type ResolutionBase = {
  /** The key the policy was resolved under (`HTTP_503`, `transient`, `default`…). */
  policyKey: string;
  /** The error's category. */
  category: ErrorCategory;
  /** One sentence for logs and operators. */
  message: string;
};

/**
 * The one decision for a failed attempt:
 * - `retry` after `delayMs` milliseconds, as retry number `retryNumber` (1 = first retry);
 * - `fallback`: stop and do the policy's `fallbackAction` instead;
 * - `fail`: stop and report the error.
 */
export type Resolution =
  | (ResolutionBase & { action: 'retry'; delayMs: number; retryNumber: number })
  | (ResolutionBase & { action: 'fail'; reason: GiveUpReason })
  | (ResolutionBase & { action: 'fallback'; fallbackAction: string; reason: GiveUpReason });

/** The random source and the previous delay (for `decorrelated` jitter), as in backoffDelayMs. */
export type DecideOptions = BackoffOptions;

/**
 * Decides what to do after attempt number `attempt` of one operation failed with `error`: the
 * framework's one place for the retry / fail / fallback decision.
 *
 * - No retry when the error is not retryable or either the error or the policy is `permanent`
 *   (the seed: permanent errors are never retried);
 * - otherwise retry while `attempt ≤ policy.maxRetries` (an operation makes at most maxRetries + 1
 *   attempts), after `backoffDelayMs(policy, attempt)`; a longer `retryAfterMs` from the server
 *   replaces that delay (RFC 9110 §10.2.3), still capped at `maxDelayMs`;
 * - when not retrying: `fallback` if the policy names a `fallbackAction`, else `fail`.
 *
 * @param error - the classified error (code, category, retryable, optional retryAfterMs)
 * @param attempt - 1-based number of the attempt of this operation that just failed (not a global count)
 * @param resolved - the policy for this error, from `resolvePolicy`
 * @param options - random source and previous delay for the backoff
 * @returns the resolution; `delayMs` is integer milliseconds in [0, maxDelayMs]
 * @throws {RangeError} when `attempt` is not a positive integer (or the policy's durations are invalid)
 * @example
 * const resolved = resolvePolicy(new Map(), { code: 'HTTP_503', category: 'transient' });
 * decide({ code: 'HTTP_503', category: 'transient', retryable: true }, 1, resolved);
 * // { action: 'retry', retryNumber: 1, delayMs: 110–119, policyKey: 'transient', … }
 */
export function decide(
  error: ClassifiedError,
  attempt: number,
  resolved: ResolvedPolicy,
  options: DecideOptions = {},
): Resolution {
  if (!Number.isSafeInteger(attempt) || attempt < 1) {
    throw new RangeError(`attempt must be a positive integer, got ${attempt}`);
  }
  const { key: policyKey, policy } = resolved;
  const base = { policyKey, category: error.category };

  const retryable = error.retryable && error.category !== 'permanent' && policy.category !== 'permanent';
  if (retryable && attempt <= policy.maxRetries) {
    const computed = backoffDelayMs(policy, attempt, options);
    const retryAfterMs = error.retryAfterMs;
    const delayMs =
      retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs > computed
        ? Math.floor(Math.min(policy.maxDelayMs, retryAfterMs))
        : computed;
    return {
      ...base,
      action: 'retry',
      delayMs,
      retryNumber: attempt,
      message: `${error.code}: retry ${attempt} of ${policy.maxRetries} in ${delayMs} ms (policy ${policyKey})`,
    };
  }

  const reason: GiveUpReason = retryable ? 'retries-exhausted' : 'not-retryable';
  const why = retryable ? `${policy.maxRetries} retries used` : 'not retryable';
  if (policy.fallbackAction !== undefined) {
    return {
      ...base,
      action: 'fallback',
      fallbackAction: policy.fallbackAction,
      reason,
      message: `${error.code}: ${why}; fall back to ${policy.fallbackAction} (policy ${policyKey})`,
    };
  }
  return { ...base, action: 'fail', reason, message: `${error.code}: ${why}; fail (policy ${policyKey})` };
}
