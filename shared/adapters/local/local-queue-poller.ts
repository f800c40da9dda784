import { randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { nowMs } from '../../ports/clock';
import {
  type LocalQueue,
  type LocalQueueCounts,
  type LocalQueueMessage,
  ReceiptHandleIsInvalidError,
} from './local-queue';

/**
 * What an SQS handler may return: nothing (every message succeeded) or an `SQSBatchResponse`, as
 * aws-lambda's `SQSHandler` declares it.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: SQSHandler's result type is `SQSBatchResponse | void`
export type SqsBatchResult = SQSBatchResponse | undefined | void;

/**
 * A Lambda handler for an SQS event source with partial batch responses (`ReportBatchItemFailures`):
 * the dispatcher's handler, unchanged. What it returns is read as Lambda reads it (see
 * {@link LocalQueuePoller}), whatever its static type.
 *
 * @example
 * const handler: SqsBatchHandler = async (event) => ({ batchItemFailures: [] });
 */
export type SqsBatchHandler = (event: SQSEvent, context: Context) => Promise<SqsBatchResult> | SqsBatchResult;

/** Options of {@link LocalQueuePoller}. */
export type LocalQueuePollerOptions = {
  /**
   * Most records per invocation, 1–10 (the event source mapping's BatchSize, capped at one receive).
   * @default 10
   */
  batchSize?: number;
  /**
   * Most invocations at a time, ≥ 1 (like the mapping's MaximumConcurrency).
   * @default 2
   */
  concurrency?: number;
  /**
   * The function name the context reports.
   * @default `<queue name>-consumer`
   */
  functionName?: string;
  /**
   * The function timeout the context counts down from, ms. Only reported by `getRemainingTimeInMillis`:
   * a handler is never cut off.
   * @default 30_000
   */
  timeoutMs?: number;
  /**
   * Told when an invocation fails as a whole: the handler threw, or its response is one Lambda treats
   * as a complete failure; also when deleting a processed message fails unexpectedly.
   * @default logs with `console.error`, naming the queue and the message ids
   */
  onError?: (error: unknown, event: SQSEvent) => void;
};

/** Options of {@link LocalQueuePoller.drain}. */
export type DrainOptions = {
  /** Reject with {@link DrainTimeoutError} after this many ms (real or fake timers). @default wait for ever */
  timeoutMs?: number;
};

/**
 * `drain` gave up: the queue still held visible, delayed or in-flight messages, or a batch was running,
 * when its timeout ended.
 *
 * @example
 * await poller.drain({ timeoutMs: 5_000 }).catch((e) => { if (e instanceof DrainTimeoutError) console.log(e.counts); });
 */
export class DrainTimeoutError extends Error {
  /**
   * @param counts - the queue's counts when the timeout ended
   * @param runningBatches - invocations still running then
   */
  constructor(
    readonly counts: LocalQueueCounts,
    readonly runningBatches: number,
  ) {
    super(
      `The queue did not drain in time: ${counts.visible} visible, ${counts.inFlight} in flight, ${counts.delayed} delayed, ${runningBatches} batches running`,
    );
    this.name = 'DrainTimeoutError';
  }
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Lambda's SQS event source mapping, in process: receives batches from a {@link LocalQueue} and
 * invokes the same handler AWS would, with records shaped as AWS sends them (AWS Lambda Developer
 * Guide, "Using Lambda with Amazon SQS": example standard-queue event; partial batch responses).
 *
 * Per invocation:
 * - the event is `{ Records }`, one record per message: `messageId`, `receiptHandle`, `body`,
 *   `attributes` (ApproximateReceiveCount, SentTimestamp, SenderId, ApproximateFirstReceiveTimestamp,
 *   and DeadLetterQueueSourceArn on a redriven message), `messageAttributes` (with the empty
 *   `stringListValues`/`binaryListValues` Lambda adds), `md5OfBody` (MD5 hex of the body),
 *   `md5OfMessageAttributes` when there are attributes, `eventSource: 'aws:sqs'`, `eventSourceARN`
 *   (the queue's ARN, `arn:aws:sqs:local:000000000000:<name>` by default) and `awsRegion`;
 * - the response is read as Lambda reads it with ReportBatchItemFailures: nothing, `null`, or an empty
 *   or missing `batchItemFailures` → every message succeeded and is deleted; `batchItemFailures`
 *   listing message ids → those stay in flight (until their visibility timeout ends, or sooner if
 *   the handler changed it) and the others are deleted; a handler that throws, a response that is not
 *   a JSON object, or an `itemIdentifier` that is empty or not a message id of the batch → the whole
 *   batch failed and every message stays;
 * - a message the handler deleted itself (its receipt handle is refused) is not an error.
 *
 * Scheduling is event-driven, never a busy loop: up to `concurrency` invocations run at a time; the
 * poller receives again when an invocation ends, when the queue announces a change (a send, a
 * visibility change — so a message made visible with `changeVisibility(…, 0)` is picked up at once)
 * and on one timer set for the queue's next `nextVisibleAt()`. It differs from AWS in that it does
 * not wait to fill a batch (no batching window) and never scales beyond `concurrency`.
 *
 * @example
 * const { delivery } = sharedLocalDeliveryQueues();
 * const poller = new LocalQueuePoller(delivery, dispatcherHandler, { concurrency: 2 });
 * poller.start();
 * // … publish events …
 * await poller.drain({ timeoutMs: 10_000 }); // every delivery settled (done or dead-lettered)
 * await poller.stop();
 */
export class LocalQueuePoller {
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly functionName: string;
  private readonly timeoutMs: number;
  private readonly onError: (error: unknown, event: SQSEvent) => void;
  private readonly batches = new Set<Promise<void>>();
  private readonly drainWaiters = new Set<{ resolve: () => void }>();
  private running = false;
  private pumpScheduled = false;
  private wakeTimer: ReturnType<typeof setTimeout> | undefined;
  private unsubscribe: (() => void) | undefined;

  /**
   * @param queue - the queue to consume
   * @param handler - the Lambda handler to invoke, e.g. the dispatcher's
   * @param options - see {@link LocalQueuePollerOptions}
   * @throws {RangeError} when `batchSize` is not 1–10, `concurrency` not a positive integer, or
   *   `timeoutMs` not a positive integer
   */
  constructor(
    private readonly queue: LocalQueue,
    private readonly handler: SqsBatchHandler,
    options: LocalQueuePollerOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 10;
    this.concurrency = options.concurrency ?? 2;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1 || this.batchSize > 10) {
      throw new RangeError(`batchSize must be an integer from 1 to 10, got ${options.batchSize}`);
    }
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new RangeError(`concurrency must be a positive integer, got ${options.concurrency}`);
    }
    if (!Number.isInteger(this.timeoutMs) || this.timeoutMs < 1) {
      throw new RangeError(`timeoutMs must be a positive integer, got ${options.timeoutMs}`);
    }
    this.functionName = options.functionName ?? `${queue.name}-consumer`;
    this.onError =
      options.onError ??
      ((error, event) =>
        console.error(
          `LocalQueuePoller ${queue.name}: batch failed (${event.Records.map((record) => record.messageId).join(', ')})`,
          error,
        ));
  }

  /** Whether the poller is started (between `start()` and `stop()`). */
  get started(): boolean {
    return this.running;
  }

  /**
   * Starts consuming: receives what is visible now, then follows the queue's changes and timers.
   * Calling it again while started does nothing.
   *
   * @example
   * poller.start();
   */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.queue.subscribe(() => this.schedulePump());
    this.schedulePump();
  }

  /**
   * Stops receiving and waits for the invocations already running (their deletes included). Messages
   * left in the queue stay there; `start()` again resumes.
   *
   * @returns resolves once no invocation is running
   * @example
   * await poller.stop(); // before closing the local runner
   */
  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.clearWakeTimer();
    while (this.batches.size > 0) await Promise.allSettled([...this.batches]);
  }

  /**
   * Waits until the queue holds nothing visible, delayed or in flight and no invocation is running —
   * every message was processed, or moved to the dead-letter queue (which is not counted). Failed
   * messages keep it waiting until they are retried and succeed or are redriven, so with a real clock
   * that can take their visibility timeouts. A stopped poller consumes nothing: drain then resolves
   * only once something else deletes or purges what is left.
   *
   * @param options - see {@link DrainOptions}
   * @returns resolves when drained (at once if already drained)
   * @throws {DrainTimeoutError} (as a rejection) when `timeoutMs` passes first
   * @example
   * await poller.drain({ timeoutMs: 10_000 });
   */
  drain(options: DrainOptions = {}): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      // Also watched while stopped: a delete or purge by someone else can empty the queue.
      const unsubscribe = this.queue.subscribe(() => this.settleDrainWaiters());
      const waiter = {
        resolve: () => {
          unsubscribe();
          if (timer !== undefined) clearTimeout(timer);
          resolve();
        },
      };
      this.drainWaiters.add(waiter);
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(
          () => {
            unsubscribe();
            this.drainWaiters.delete(waiter);
            reject(new DrainTimeoutError(this.queue.approximateCounts(), this.batches.size));
          },
          Math.min(Math.max(0, options.timeoutMs), MAX_TIMER_MS),
        );
      }
      this.settleDrainWaiters();
    });
  }

  /** Coalesces wake-ups (a send inside a handler, several changes in a row) into one pump on the microtask queue. */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.running) {
      this.clearWakeTimer();
      while (this.batches.size < this.concurrency) {
        const messages = this.queue.receive(this.batchSize);
        if (messages.length === 0) break;
        this.startBatch(messages);
      }
      if (this.batches.size < this.concurrency) this.armWakeTimer();
    }
    this.settleDrainWaiters();
  }

  private startBatch(messages: LocalQueueMessage[]): void {
    // Deferred to a microtask so the batch is counted before the handler runs (and may send or change visibility).
    const batch: Promise<void> = Promise.resolve()
      .then(() => this.invoke(messages))
      .catch((error: unknown) => this.report(error, { Records: [] }))
      .finally(() => {
        this.batches.delete(batch);
        this.schedulePump();
      });
    this.batches.add(batch);
  }

  private async invoke(messages: LocalQueueMessage[]): Promise<void> {
    const event: SQSEvent = { Records: messages.map((message) => toSqsRecord(message, this.queue)) };
    let response: unknown;
    try {
      // Lambda serialises the response: what JSON cannot carry does not reach the event source mapping.
      const returned = await this.handler(event, this.context());
      response = returned === undefined ? undefined : JSON.parse(JSON.stringify(returned));
    } catch (error) {
      this.report(error, event);
      return;
    }
    const failed = failedMessageIds(response, messages);
    if (failed instanceof Error) {
      this.report(failed, event);
      return;
    }
    for (const message of messages) {
      if (failed.has(message.messageId)) continue;
      try {
        this.queue.delete(message.receiptHandle);
      } catch (error) {
        // Deleted (or received again) by the handler itself: nothing left to do for this message.
        if (!(error instanceof ReceiptHandleIsInvalidError)) this.report(error, event);
      }
    }
  }

  private context(): Context {
    const deadline = nowMs(this.queue.clock) + this.timeoutMs;
    const awsRequestId = randomUUID();
    const day = new Date(nowMs(this.queue.clock)).toISOString().slice(0, 10).replaceAll('-', '/');
    return {
      callbackWaitsForEmptyEventLoop: true,
      functionName: this.functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${this.queue.region}:000000000000:function:${this.functionName}`,
      memoryLimitInMB: '128',
      awsRequestId,
      logGroupName: `/aws/lambda/${this.functionName}`,
      logStreamName: `${day}/[$LATEST]${awsRequestId.replaceAll('-', '')}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - nowMs(this.queue.clock)),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
  }

  private armWakeTimer(): void {
    const at = this.queue.nextVisibleAt();
    if (at === undefined) return;
    const delayMs = Math.min(Math.max(0, at - nowMs(this.queue.clock)), MAX_TIMER_MS);
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.pump();
    }, delayMs);
    // The local runner's HTTP server keeps the process alive; a pending retry alone should not.
    this.wakeTimer.unref?.();
  }

  private clearWakeTimer(): void {
    if (this.wakeTimer === undefined) return;
    clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
  }

  private settleDrainWaiters(): void {
    if (this.drainWaiters.size === 0 || this.batches.size > 0) return;
    const counts = this.queue.approximateCounts();
    if (counts.visible + counts.inFlight + counts.delayed > 0) return;
    const waiters = [...this.drainWaiters];
    this.drainWaiters.clear();
    for (const waiter of waiters) waiter.resolve();
  }

  private report(error: unknown, event: SQSEvent): void {
    try {
      this.onError(error, event);
    } catch (reporterError) {
      console.error(`LocalQueuePoller ${this.queue.name}: onError failed`, reporterError, error);
    }
  }
}

/**
 * One received message as a Lambda SQS record, exactly as the event source mapping shapes it (AWS
 * Lambda Developer Guide, "Using Lambda with Amazon SQS", example standard-queue message event).
 *
 * @param message - from {@link LocalQueue.receive}
 * @param queue - the queue it came from (its ARN and region)
 * @returns a fresh record; message attributes carry the empty `stringListValues`/`binaryListValues` Lambda adds
 * @example
 * const event = { Records: queue.receive(10).map((message) => toSqsRecord(message, queue)) };
 */
export function toSqsRecord(message: LocalQueueMessage, queue: Pick<LocalQueue, 'arn' | 'region'>): SQSRecord {
  const messageAttributes: SQSRecord['messageAttributes'] = {};
  for (const [name, attribute] of Object.entries(message.messageAttributes)) {
    messageAttributes[name] = {
      ...(attribute.stringValue !== undefined && { stringValue: attribute.stringValue }),
      ...(attribute.binaryValue !== undefined && { binaryValue: attribute.binaryValue }),
      stringListValues: [],
      binaryListValues: [],
      dataType: attribute.dataType,
    };
  }
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle,
    body: message.body,
    attributes: { ...message.attributes },
    messageAttributes,
    md5OfBody: message.md5OfBody,
    ...(message.md5OfMessageAttributes !== undefined && { md5OfMessageAttributes: message.md5OfMessageAttributes }),
    eventSource: 'aws:sqs',
    eventSourceARN: queue.arn,
    awsRegion: queue.region,
  };
}

/**
 * The ids a partial batch response reports as failed, or an Error when Lambda would treat the whole
 * batch as failed (AWS Lambda Developer Guide, "Handling errors for an SQS event source": success and
 * failure conditions of a batch item failure response).
 */
function failedMessageIds(response: unknown, messages: readonly LocalQueueMessage[]): Set<string> | Error {
  if (response === undefined || response === null) return new Set();
  if (typeof response !== 'object' || Array.isArray(response)) {
    return new TypeError('The handler returned something other than a JSON object: Lambda fails the whole batch');
  }
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) {
    return new TypeError('batchItemFailures is not an array: Lambda fails the whole batch');
  }
  const ids = new Set(messages.map((message) => message.messageId));
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id.length === 0 || !ids.has(id)) {
      return new TypeError(
        `batchItemFailures holds ${JSON.stringify(failure)}, not a messageId of this batch: Lambda fails the whole batch`,
      );
    }
    failed.add(id);
  }
  return failed;
}
