/**
 * How an error should be treated (the seed's three categories):
 * - `transient`: the same request may succeed later (timeouts, connection resets, HTTP
 *   408/429/502/503/504, AWS throttling and `ServiceUnavailable`);
 * - `permanent`: repeating the request cannot help (HTTP 400/401/403/404/409/422 and other 4xx);
 * - `system`: our side or the platform is broken (HTTP 500, out of memory, disk full,
 *   configuration errors, anything unrecognised).
 */
export type ErrorCategory = 'transient' | 'permanent' | 'system';

/** The categories, in the order the API lists them. */
export const ERROR_CATEGORIES: readonly ErrorCategory[] = ['transient', 'permanent', 'system'];

/** What an IntegrationError carries besides the message (its constructor's second argument). */
export type IntegrationErrorFields = {
  /** Stable machine code: `HTTP_503`, `ECONNRESET`, `ProvisionedThroughputExceededException`, `TIMEOUT`… */
  code: string;
  category: ErrorCategory;
  /** Where it happened: a subscription, a service, a table — e.g. `webhook:orders-sub`, `dynamodb:Contracts`. */
  source: string;
  /**
   * When it happened, milliseconds since the Unix epoch — from the caller's injected clock
   * (`nowMs(deps.clock)`); the domain never reads the wall clock itself.
   */
  timestamp: number;
  /** Whether repeating the operation may succeed. @default category !== 'permanent' */
  retryable?: boolean;
  /** The server's `Retry-After`, converted to milliseconds from now (RFC 9110 §10.2.3). */
  retryAfterMs?: number;
  /** Anything that helps an operator: status, table, attempt, url… (no secrets). */
  context?: Record<string, unknown>;
  /** The underlying error, kept for logs; never serialized into responses or events. */
  cause?: unknown;
};

/**
 * An error as the framework handles it: classified once, then looked up in the error policies
 * (`decide`) and counted per `source:code`. The shape is the seed's IntegrationError with
 * `originalError` renamed to the standard `cause`.
 *
 * @example
 * new IntegrationError('orders service answered 503', {
 *   code: 'HTTP_503', category: 'transient', source: 'mesh:orders', timestamp: nowMs(deps.clock),
 * });
 */
export class IntegrationError extends Error {
  readonly code: string;
  readonly category: ErrorCategory;
  readonly source: string;
  /** Milliseconds since the Unix epoch. */
  readonly timestamp: number;
  readonly retryable: boolean;
  /** Milliseconds the server asked us to wait, when it said so. */
  readonly retryAfterMs?: number;
  readonly context: Record<string, unknown>;

  constructor(message: string, fields: IntegrationErrorFields) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = 'IntegrationError';
    this.code = fields.code;
    this.category = fields.category;
    this.source = fields.source;
    this.timestamp = fields.timestamp;
    this.retryable = fields.retryable ?? fields.category !== 'permanent';
    if (fields.retryAfterMs !== undefined) this.retryAfterMs = fields.retryAfterMs;
    this.context = fields.context ?? {};
  }

  /**
   * The one way to derive an error: a copy with `changes` applied, every other field (`cause`,
   * `timestamp` included) kept. A key given as `undefined` removes an optional field
   * (`{ retryAfterMs: undefined }`). The original is never mutated (callers may still hold it).
   *
   * @example error.copyWith({ context: { ...error.context, attempts: 3 } })
   */
  copyWith(changes: Partial<IntegrationErrorFields> & { message?: string }): IntegrationError {
    const { message = this.message, ...fields } = changes;
    return new IntegrationError(message, {
      code: this.code,
      category: this.category,
      source: this.source,
      timestamp: this.timestamp,
      retryable: this.retryable,
      ...(this.retryAfterMs !== undefined && { retryAfterMs: this.retryAfterMs }),
      context: this.context,
      cause: this.cause,
      ...fields,
    });
  }

  /** The error as JSON for logs, events and responses: every field except `cause` and the stack. */
  toJSON(): {
    code: string;
    category: ErrorCategory;
    message: string;
    source: string;
    timestamp: number;
    retryable: boolean;
    retryAfterMs?: number;
    context: Record<string, unknown>;
  } {
    return {
      code: this.code,
      category: this.category,
      message: this.message,
      source: this.source,
      timestamp: this.timestamp,
      retryable: this.retryable,
      ...(this.retryAfterMs !== undefined && { retryAfterMs: this.retryAfterMs }),
      context: this.context,
    };
  }
}

/**
 * A copy of `error` with `extra` merged into its context; every other field, `cause` included,
 * is kept. Used to record how handling ended (`attempts`, `stopReason`) without mutating an error
 * the caller may still hold.
 *
 * @param error - the error to copy
 * @param extra - context entries to add or replace (no secrets)
 * @example withErrorContext(error, { attempts: 3, stopReason: 'retries-exhausted' }).context.attempts // 3
 */
export function withErrorContext(error: IntegrationError, extra: Record<string, unknown>): IntegrationError {
  return error.copyWith({ context: { ...error.context, ...extra } });
}
