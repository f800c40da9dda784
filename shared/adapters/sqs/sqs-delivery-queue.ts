import { ChangeMessageVisibilityCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DependencyUnavailableError } from '../../domain/errors';
import { classifyError } from '../../domain/resilience/classify';
import { nowMs, systemClock } from '../../ports/clock';
import type { DeliveryMessage, DeliveryQueue } from '../../ports/delivery-queue';

/** SendMessage DelaySeconds bounds (Amazon SQS API Reference, SendMessage). */
const MAX_DELAY_SECONDS = 900;
/** ChangeMessageVisibility VisibilityTimeout bounds (Amazon SQS API Reference, ChangeMessageVisibility). */
const MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;

/**
 * Error names that mean "this receipt handle no longer designates an in-flight message". SQS models
 * `ReceiptHandleIsInvalid` and `MessageNotInflight`; an expired or superseded handle is usually answered
 * with the unmodelled `InvalidParameterValue` ("The receipt handle has expired", "Message does not
 * exist or is not available for visibility timeout change"), whose name depends on the protocol — so
 * the query-compatible `Code` is checked too.
 */
const RECEIPT_GONE_CODES: ReadonlySet<string> = new Set([
  'ReceiptHandleIsInvalid',
  'MessageNotInflight',
  'InvalidParameterValue',
  'InvalidParameterValueException',
]);

/** SQS names of throttling that `classifyError` does not count as transient (KMS throttles SQS's data key calls). */
const EXTRA_THROTTLING_CODES: ReadonlySet<string> = new Set(['KmsThrottled']);

/**
 * The receipt handle given to `changeVisibility` no longer designates an in-flight message: the message
 * was received again (a newer handle exists), deleted, moved to the dead-letter queue, or its
 * visibility timeout ended. Nothing is wrong with the queue: the message is (or will be) someone
 * else's to process, so the dispatcher stops handling it in this invocation.
 *
 * Thrown by `SqsDeliveryQueue` for SQS's `ReceiptHandleIsInvalid`, `MessageNotInflight` and
 * `InvalidParameterValue` on ChangeMessageVisibility, and by `LocalDeliveryQueue` for the in-process
 * queue's equivalents, so the dispatcher recognises it the same way in both modes. In AWS,
 * `InvalidParameterValue` also answers a timeout ending more than 12 hours after the receive: keep
 * delays under that limit (the local queue reports it as a RangeError instead).
 *
 * @example
 * try { await queue.changeVisibility(record.receiptHandle, 60); }
 * catch (e) { if (!(e instanceof ReceiptExpiredError)) throw e; } // someone else owns the message now
 */
export class ReceiptExpiredError extends Error {
  /**
   * @param message - what happened, without the receipt handle itself
   * @param options - `cause`: the queue's original error
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReceiptExpiredError';
  }
}

/** Options of {@link SqsDeliveryQueue}. */
export type SqsDeliveryQueueOptions = {
  /** The current time, ms since the epoch, for error classification (Retry-After dates). @default the system clock */
  now?: () => number;
};

/**
 * DeliveryQueue on Amazon SQS: `send` is SendMessage with the DeliveryMessage as a JSON body,
 * `changeVisibility` is ChangeMessageVisibility.
 *
 * Errors, after the SDK's own retries, classified by `classifyError` (never by message text):
 * - `transient` (throttling such as `RequestThrottled`, `KmsThrottled`, timeouts, socket errors,
 *   5xx that the SDK marks retryable) → {@link DependencyUnavailableError} with `retryAfterSeconds`
 *   from the server's Retry-After (at least 1 s), the original as `cause`;
 * - on ChangeMessageVisibility, `ReceiptHandleIsInvalid`, `MessageNotInflight` and
 *   `InvalidParameterValue` → {@link ReceiptExpiredError};
 * - anything else (QueueDoesNotExist, access denied, …) is rethrown unchanged.
 *
 * @example
 * const queue = new SqsDeliveryQueue(new SQSClient({}), process.env.DELIVERY_QUEUE_URL!);
 * await queue.send({ subscriptionId: 'orders-sub', event }, 30); // redrive in 30 s
 */
export class SqsDeliveryQueue implements DeliveryQueue {
  private readonly source: string;
  private readonly now: () => number;

  /**
   * @param client - a client built once per cold start
   * @param queueUrl - the delivery queue's URL
   * @param options - see {@link SqsDeliveryQueueOptions}
   */
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    options: SqsDeliveryQueueOptions = {},
  ) {
    this.source = `sqs:${queueUrl.split('/').at(-1) || queueUrl}`;
    this.now = options.now ?? (() => nowMs(systemClock));
  }

  /**
   * Sends the message as a new SQS message (its receive count starts at 0).
   *
   * @param message - serialised with `JSON.stringify`
   * @param delaySeconds - 0–900; omitted: the queue's delivery delay applies
   * @throws {RangeError} when `delaySeconds` is not an integer 0–900 (checked before calling SQS)
   * @throws {DependencyUnavailableError} when SQS throttles or cannot be reached
   * @example
   * await queue.send({ subscriptionId: 'orders-sub', event }); // visible at once
   */
  async send(message: DeliveryMessage, delaySeconds?: number): Promise<void> {
    if (delaySeconds !== undefined) checkInteger('delaySeconds', delaySeconds, MAX_DELAY_SECONDS);
    try {
      await this.client.send(
        new SendMessageCommand({
          QueueUrl: this.queueUrl,
          MessageBody: JSON.stringify(message),
          ...(delaySeconds !== undefined && { DelaySeconds: delaySeconds }),
        }),
      );
    } catch (error) {
      throw this.translate(error, 'SendMessage');
    }
  }

  /**
   * Makes a received message visible again after `visibilityTimeoutSeconds`, counted from now.
   *
   * @param receiptHandle - the handle of the record being processed
   * @param visibilityTimeoutSeconds - 0–43 200 (and at most 12 h after the receive, SQS's limit)
   * @throws {RangeError} when the timeout is not an integer 0–43 200 (checked before calling SQS)
   * @throws {ReceiptExpiredError} when the handle no longer designates an in-flight message
   * @throws {DependencyUnavailableError} when SQS throttles or cannot be reached
   * @example
   * await queue.changeVisibility(record.receiptHandle, 120); // next attempt in 2 minutes
   */
  async changeVisibility(receiptHandle: string, visibilityTimeoutSeconds: number): Promise<void> {
    checkInteger('visibilityTimeoutSeconds', visibilityTimeoutSeconds, MAX_VISIBILITY_TIMEOUT_SECONDS);
    try {
      await this.client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.queueUrl,
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: visibilityTimeoutSeconds,
        }),
      );
    } catch (error) {
      if (isReceiptGone(error)) {
        throw new ReceiptExpiredError(
          `The receipt handle no longer designates an in-flight message of ${this.source} (${errorCode(error)})`,
          { cause: error },
        );
      }
      throw this.translate(error, 'ChangeMessageVisibility');
    }
  }

  private translate(error: unknown, operation: string): unknown {
    const code = errorCode(error);
    const classified = classifyError(error, { source: this.source, now: this.now });
    if (classified.category !== 'transient' && !(code !== undefined && EXTRA_THROTTLING_CODES.has(code))) return error;
    const retryAfterSeconds = Math.max(1, Math.ceil((classified.retryAfterMs ?? 1000) / 1000));
    return new DependencyUnavailableError(
      `SQS ${operation} on ${this.source} failed: ${classified.message}`,
      retryAfterSeconds,
      { cause: error },
    );
  }
}

function isReceiptGone(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && RECEIPT_GONE_CODES.has(code);
}

/** The error's name, or its query-compatible `Code` (`x-amzn-query-error`) when the name is generic. */
function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { name?: unknown; Code?: unknown; Error?: { Code?: unknown } };
  for (const candidate of [e.name, e.Code, e.Error?.Code]) {
    if (typeof candidate === 'string' && (RECEIPT_GONE_CODES.has(candidate) || EXTRA_THROTTLING_CODES.has(candidate))) {
      return candidate;
    }
  }
  return typeof e.name === 'string' ? e.name : undefined;
}

function checkInteger(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${name} must be an integer from 0 to ${max}, got ${value}`);
  }
}
