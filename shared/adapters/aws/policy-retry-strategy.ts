import type { RetryErrorInfo, RetryErrorType, RetryStrategyV2, RetryToken } from '@smithy/types';
import { classifyError } from '../../domain/resilience/classify';
import { decide, type Resolution } from '../../domain/resilience/decide';
import { type ErrorCategory, IntegrationError, withErrorContext } from '../../domain/resilience/integration-error';
import { type PolicyOverrides, resolvePolicy } from '../../domain/resilience/policy';
import { nowMs, systemClock } from '../../ports/clock';

/** Default time an SDK operation may spend sleeping between its attempts, milliseconds. */
export const DEFAULT_MAX_TOTAL_DELAY_MS = 5_000;

/** Options of {@link PolicyRetryStrategy}. */
export type PolicyRetryStrategyOptions = {
  /** Where errors are attributed, e.g. `dynamodb:Contracts`. */
  source: string;
  /** The operator's policies as they are now; called once per failed attempt, so it must not block. */
  policies: () => PolicyOverrides;
  /** Budget of all sleeps of one SDK operation (one `send`), milliseconds. @default 5000 */
  maxTotalDelayMs?: number;
  /** Uniform draws in [0, 1) for jitter. @default Math.random */
  random?: () => number;
  /** The current time, epoch milliseconds (turns the SDK's Retry-After date into a delay). @default the system clock */
  now?: () => number;
  /** Called before each retry the strategy grants (log, count). Must not throw — see the class docs. */
  onRetry?: (error: IntegrationError, resolution: Resolution) => void;
  /** Receives what `onRetry` throws. @default process.emitWarning */
  onHookError?: (hookError: unknown, error: IntegrationError) => void;
};

/** What `errorType` means when the SDK gives no error object. */
const ERROR_TYPE_CATEGORY: Readonly<Record<RetryErrorType, ErrorCategory>> = {
  THROTTLING: 'transient',
  TRANSIENT: 'transient',
  SERVER_ERROR: 'system',
  CLIENT_ERROR: 'permanent',
};

/** The state of one SDK operation's retries; each refresh returns a new token. */
class PolicyRetryToken implements RetryToken {
  constructor(
    /** Retries granted so far (0 for the first attempt). */
    readonly retryCount: number,
    /** Delay the middleware sleeps before the next attempt, milliseconds. */
    readonly delayMs: number,
    /** Sum of all granted delays of this operation, milliseconds. */
    readonly totalDelayMs: number,
  ) {}

  getRetryCount(): number {
    return this.retryCount;
  }

  getRetryDelay(): number {
    return this.delayMs;
  }
}

/**
 * An AWS SDK v3 retry strategy (`RetryStrategyV2`) that asks the framework's error policies
 * instead of the SDK's fixed standard mode: every failed attempt is classified (`classifyError`),
 * its policy resolved from `policies()` and `decide` called with attempt = retries so far + 1.
 *
 * The SDK's retry middleware (@smithy/core `retryMiddleware`) calls `refreshRetryTokenForRetry`
 * after each failed attempt and sleeps the returned token's `getRetryDelay()`; when refresh
 * throws, it rethrows the operation's last error. So this strategy never sleeps itself; it
 * throws when the decision is not `retry` or when the new delay would take the operation's sleeps
 * past `maxTotalDelayMs` (a Lambda has a deadline; a long outage should surface as a 503
 * quickly, not be waited out).
 *
 * The SDK's `retryAfterHint` (from `Retry-After`/`x-amz-retry-after`) counts like a server's
 * Retry-After: it lengthens the delay, capped at the policy's `maxDelayMs`. There is no retry
 * quota (token bucket) as in standard mode; the policies and the budget bound the retries.
 *
 * Hook errors: whatever refresh throws is dropped by the middleware (it rethrows the service
 * error), so an `onRetry` that throws could neither stop the retry visibly nor be seen. Its error
 * goes to `onHookError` (by default `process.emitWarning`, which Node prints to stderr) and the
 * retry proceeds.
 *
 * @example
 * const client = new DynamoDBClient({
 *   retryStrategy: new PolicyRetryStrategy({ source: 'dynamodb:Contracts', policies: () => policyCache.snapshot() }),
 * });
 */
export class PolicyRetryStrategy implements RetryStrategyV2 {
  readonly #options: PolicyRetryStrategyOptions;
  readonly #maxTotalDelayMs: number;

  /** @throws {RangeError} when `maxTotalDelayMs` is negative or not a number */
  constructor(options: PolicyRetryStrategyOptions) {
    const maxTotalDelayMs = options.maxTotalDelayMs ?? DEFAULT_MAX_TOTAL_DELAY_MS;
    if (!(maxTotalDelayMs >= 0)) throw new RangeError(`maxTotalDelayMs must be ≥ 0, got ${maxTotalDelayMs}`);
    this.#options = options;
    this.#maxTotalDelayMs = maxTotalDelayMs;
  }

  /** A fresh token for a new operation: no retries, no delay. */
  async acquireInitialRetryToken(_retryTokenScope: string): Promise<RetryToken> {
    return new PolicyRetryToken(0, 0, 0);
  }

  /**
   * Decides on the failed attempt and grants the next one.
   *
   * @returns a token whose `getRetryDelay()` is the policy's delay, milliseconds
   * @throws {IntegrationError} the classified error (with `context.stopReason`) when the policy
   *   does not retry or the delay budget is spent; the SDK middleware then rethrows its own last error
   */
  async refreshRetryTokenForRetry(tokenToRenew: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    const token =
      tokenToRenew instanceof PolicyRetryToken
        ? tokenToRenew
        : new PolicyRetryToken(tokenToRenew.getRetryCount(), 0, 0);
    const now = this.#options.now ?? (() => nowMs(systemClock));
    const classified = errorInfo.error
      ? classifyError(errorInfo.error, { source: this.#options.source, now })
      : new IntegrationError(`AWS SDK error of type ${errorInfo.errorType}`, {
          code: errorInfo.errorType,
          category: ERROR_TYPE_CATEGORY[errorInfo.errorType] ?? 'system',
          source: this.#options.source,
          timestamp: now(),
        });
    const hintMs = errorInfo.retryAfterHint ? Math.max(0, errorInfo.retryAfterHint.getTime() - now()) : undefined;
    const retryAfterMs =
      hintMs !== undefined && (classified.retryAfterMs === undefined || hintMs > classified.retryAfterMs)
        ? hintMs
        : classified.retryAfterMs;

    const attempt = token.retryCount + 1;
    const resolved = resolvePolicy(this.#options.policies(), classified);
    const resolution = decide(
      {
        code: classified.code,
        category: classified.category,
        retryable: classified.retryable,
        ...(retryAfterMs !== undefined && { retryAfterMs }),
      },
      attempt,
      resolved,
      {
        ...(this.#options.random && { random: this.#options.random }),
        ...(token.retryCount > 0 && { previousDelayMs: token.delayMs }),
      },
    );
    if (resolution.action !== 'retry')
      throw withErrorContext(classified, { attempts: attempt, stopReason: resolution.reason });
    if (token.totalDelayMs + resolution.delayMs > this.#maxTotalDelayMs) {
      throw withErrorContext(classified, { attempts: attempt, stopReason: 'budget' });
    }
    if (this.#options.onRetry) {
      try {
        this.#options.onRetry(classified, resolution);
      } catch (hookError) {
        (this.#options.onHookError ?? emitHookWarning)(hookError, classified);
      }
    }
    return new PolicyRetryToken(attempt, resolution.delayMs, token.totalDelayMs + resolution.delayMs);
  }

  /** Nothing to record: policies keep no state between operations. */
  recordSuccess(_token: RetryToken): void {}
}

/**
 * Creates a {@link PolicyRetryStrategy}.
 *
 * @param options - source, policy snapshot, delay budget (milliseconds), random source, hooks
 * @throws {RangeError} when `maxTotalDelayMs` is negative
 * @example
 * createDocumentClient(config.DYNAMODB_ENDPOINT, {
 *   retryStrategy: createPolicyRetryStrategy({ source: 'dynamodb:Contracts', policies: () => new Map() }),
 * });
 */
export function createPolicyRetryStrategy(options: PolicyRetryStrategyOptions): PolicyRetryStrategy {
  return new PolicyRetryStrategy(options);
}

function emitHookWarning(hookError: unknown, error: IntegrationError): void {
  process.emitWarning(hookError instanceof Error ? hookError : String(hookError), {
    type: 'PolicyRetryStrategyHookWarning',
    detail: `onRetry failed while handling ${error.code} from ${error.source}`,
  });
}
