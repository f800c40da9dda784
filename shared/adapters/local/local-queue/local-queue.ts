import { randomUUID } from 'node:crypto';
import { type Clock, nowMs, systemClock } from '../../../ports/clock';
import { attributesSizeBytes, copyAttributes, md5Hex, md5OfMessageAttributes, priorityOf } from './attributes';
import { ReceiptHandleIsInvalidError } from './errors';
import {
  checkInteger,
  INVALID_CHARACTER,
  MAX_DELAY_SECONDS,
  MAX_MESSAGE_SIZE_BYTES,
  MAX_RECEIVE_BATCH,
  MAX_RETENTION_SECONDS,
  MAX_VISIBILITY_TIMEOUT_SECONDS,
  MIN_MESSAGE_SIZE_BYTES,
  MIN_RETENTION_SECONDS,
  QUEUE_NAME,
} from './limits';
import { MessageStore } from './message-store';
import { checkedRedrivePolicy, mustRedrive, redrivenCopy } from './redrive';
import { type StoredMessage, snapshot } from './stored-message';
import type {
  LocalQueueCounts,
  LocalQueueMessage,
  LocalQueueOptions,
  LocalReceiveOptions,
  LocalRedrivePolicy,
  LocalSendOptions,
} from './types';
import { changedVisibleAt, countsAt, nextVisibleAfter } from './visibility';

/**
 * An in-process Amazon SQS standard queue for `npm run dev` and tests: the delivery queue and its
 * dead-letter queue when there is no AWS. Synchronous, single-process, in memory.
 *
 * What it keeps from SQS (Amazon SQS Developer Guide: "Visibility timeout", "Delay queues",
 * "Using dead-letter queues", "Amazon SQS quotas"):
 * - a received message is invisible for the visibility timeout and comes back unless deleted;
 *   each receive increments `ApproximateReceiveCount` and issues a new receipt handle, and the
 *   earlier handles of that message stop working ({@link ReceiptHandleIsInvalidError});
 * - `changeVisibility` counts from now, 0–43 200 s, and never beyond 12 h after the receive; the
 *   next receive uses the queue's timeout again;
 * - per-message and queue-level delays (0–900 s), retention from the first send (4 days by default);
 * - redrive: with a `redrivePolicy`, the receive that would make a message's count exceed
 *   `maxReceiveCount` moves it to the dead-letter queue instead (same message id, body, attributes,
 *   sent timestamp and receive count, plus `DeadLetterQueueSourceArn`), visible there at once;
 * - the limits SQS enforces on input: at most 10 messages per receive and 10 attributes per message,
 *   XML characters only, size including attributes, attribute name and data-type rules — broken
 *   ones throw `RangeError` where SQS answers `InvalidParameterValue`/`InvalidMessageContents`.
 *
 * Where it differs, on purpose: receives are exact (SQS samples servers and may return fewer or
 * duplicates; code must not rely on either), and messages are delivered in an order: higher
 * `priority` Number attribute first among visible messages, then earliest visible, then earliest
 * sent. AWS gives a standard queue no ordering guarantee, so this ordering is a local convenience
 * (higher-priority subscriptions are delivered first in `npm run dev`), not a contract.
 *
 * Time comes from `clock`, so a test moves time instead of waiting. Changes that can make a message
 * receivable (send, changeVisibility, delete, purge) are announced to `subscribe`rs; the time a
 * hidden message will become visible is {@link LocalQueue.nextVisibleAt}.
 *
 * @example
 * const deadLetters = new LocalQueue({ name: 'deliveries-dlq' });
 * const queue = new LocalQueue({ name: 'deliveries', redrivePolicy: { deadLetterQueue: deadLetters, maxReceiveCount: 3 } });
 * queue.send('{"n":1}');
 * const [message] = queue.receive(10); // invisible for 30 s, ApproximateReceiveCount '1'
 * queue.delete(message!.receiptHandle);
 */
export class LocalQueue {
  /** The queue name. */
  readonly name: string;
  /** Region of the ARN and of Lambda records' `awsRegion`. */
  readonly region: string;
  /** `arn:aws:sqs:<region>:<account>:<name>` — Lambda records' `eventSourceARN`. */
  readonly arn: string;
  /** The time source every timestamp and timeout of this queue uses. */
  readonly clock: Pick<Clock, 'now'>;
  /** Default seconds a received message stays invisible. */
  readonly visibilityTimeoutSeconds: number;
  /** Default seconds a new message is delayed. */
  readonly delaySeconds: number;
  /** Seconds a message is kept after it was sent. */
  readonly messageRetentionPeriodSeconds: number;
  /** Largest accepted message, bytes. */
  readonly maximumMessageSizeBytes: number;
  /** The dead-letter queue and when messages move there, when configured. */
  readonly redrivePolicy: LocalRedrivePolicy | undefined;
  private readonly senderId: string;
  private readonly messages: MessageStore;
  private readonly listeners = new Set<{ listener: () => void }>();

  /**
   * @param options - see {@link LocalQueueOptions}
   * @throws {RangeError} when the name or a number is outside SQS's bounds
   */
  constructor(options: LocalQueueOptions) {
    if (!QUEUE_NAME.test(options.name)) {
      throw new RangeError(`Queue name must be 1–80 letters, digits, '-' or '_', got '${options.name}'`);
    }
    this.name = options.name;
    this.region = options.region ?? 'local';
    const accountId = options.accountId ?? '000000000000';
    this.arn = `arn:aws:sqs:${this.region}:${accountId}:${this.name}`;
    this.senderId = options.senderId ?? accountId;
    this.clock = options.clock ?? systemClock;
    this.visibilityTimeoutSeconds = checkInteger(
      'visibilityTimeoutSeconds',
      options.visibilityTimeoutSeconds ?? 30,
      0,
      MAX_VISIBILITY_TIMEOUT_SECONDS,
    );
    this.delaySeconds = checkInteger('delaySeconds', options.delaySeconds ?? 0, 0, MAX_DELAY_SECONDS);
    this.messageRetentionPeriodSeconds = checkInteger(
      'messageRetentionPeriodSeconds',
      options.messageRetentionPeriodSeconds ?? 345_600,
      MIN_RETENTION_SECONDS,
      MAX_RETENTION_SECONDS,
    );
    this.maximumMessageSizeBytes = checkInteger(
      'maximumMessageSizeBytes',
      options.maximumMessageSizeBytes ?? 262_144,
      MIN_MESSAGE_SIZE_BYTES,
      MAX_MESSAGE_SIZE_BYTES,
    );
    if (options.redrivePolicy) this.redrivePolicy = checkedRedrivePolicy(options.redrivePolicy, this);
    this.messages = new MessageStore(this.messageRetentionPeriodSeconds * 1000);
  }

  /**
   * Adds a message (SQS SendMessage).
   *
   * @param body - at least one character, XML characters only
   * @param options - delay (0–900 s) and message attributes, see {@link LocalSendOptions}
   * @returns the new message's id (a UUID)
   * @throws {RangeError} when the body is empty, holds a character SQS refuses, the message (body and
   *   attributes) exceeds `maximumMessageSizeBytes`, the delay is out of range, or an attribute breaks
   *   SQS's rules (more than 10, bad name or data type, missing or malformed value)
   * @example
   * const id = queue.send(JSON.stringify(message), { delaySeconds: 5, messageAttributes: { priority: { dataType: 'Number', stringValue: '10' } } });
   */
  send(body: string, options: LocalSendOptions = {}): string {
    const now = nowMs(this.clock);
    const delaySeconds = checkInteger('delaySeconds', options.delaySeconds ?? this.delaySeconds, 0, MAX_DELAY_SECONDS);
    if (typeof body !== 'string' || body.length === 0) throw new RangeError('The message body must not be empty');
    if (INVALID_CHARACTER.test(body)) {
      throw new RangeError('The message body contains a character SQS does not accept (XML 1.0 characters only)');
    }
    const messageAttributes = copyAttributes(options.messageAttributes ?? {});
    const sizeBytes = Buffer.byteLength(body, 'utf8') + attributesSizeBytes(messageAttributes);
    if (sizeBytes > this.maximumMessageSizeBytes) {
      throw new RangeError(
        `The message is ${sizeBytes} bytes; this queue accepts at most ${this.maximumMessageSizeBytes} (body and attributes)`,
      );
    }
    const messageId = randomUUID();
    this.store({
      messageId,
      body,
      md5OfBody: md5Hex(Buffer.from(body, 'utf8')),
      md5OfMessageAttributes: md5OfMessageAttributes(messageAttributes),
      messageAttributes,
      sentTimestamp: now,
      senderId: this.senderId,
      priority: priorityOf(messageAttributes),
      deadLetterQueueSourceArn: undefined,
      sequence: 0,
      visibleAt: now + delaySeconds * 1000,
      receiveCount: 0,
      firstReceiveTimestamp: undefined,
      receiptHandle: undefined,
      receivedAt: undefined,
    });
    return messageId;
  }

  /**
   * Receives up to `maxNumberOfMessages` visible messages (SQS ReceiveMessage, short polling).
   *
   * Each one becomes invisible for the visibility timeout, has its receive count incremented and gets
   * a new receipt handle. With a redrive policy, a message already received `maxReceiveCount` times
   * is moved to the dead-letter queue instead of being returned. Order: higher `priority` first, then
   * earliest visible, then earliest sent (a local convenience — see {@link LocalQueue}).
   *
   * @param maxNumberOfMessages - 1–10 (SQS MaxNumberOfMessages)
   * @param options - a visibility timeout for this receive only, 0–43 200 s
   * @returns at most `maxNumberOfMessages` messages, none when nothing is visible; copies, so changing
   *   them changes nothing in the queue
   * @throws {RangeError} when `maxNumberOfMessages` is not 1–10 or the timeout is out of range
   * @example
   * const messages = queue.receive(10, { visibilityTimeoutSeconds: 60 });
   */
  receive(maxNumberOfMessages = 1, options: LocalReceiveOptions = {}): LocalQueueMessage[] {
    checkInteger('maxNumberOfMessages', maxNumberOfMessages, 1, MAX_RECEIVE_BATCH);
    const visibilitySeconds = checkInteger(
      'visibilityTimeoutSeconds',
      options.visibilityTimeoutSeconds ?? this.visibilityTimeoutSeconds,
      0,
      MAX_VISIBILITY_TIMEOUT_SECONDS,
    );
    const now = nowMs(this.clock);
    const received: LocalQueueMessage[] = [];
    for (const message of this.messages.visible(now)) {
      if (received.length === maxNumberOfMessages) break;
      if (this.redrivePolicy && mustRedrive(message, this.redrivePolicy)) {
        this.messages.remove(message);
        this.redrivePolicy.deadLetterQueue.acceptRedriven(message, this.arn);
        continue;
      }
      received.push(snapshot(message, this.messages.markReceived(message, now, visibilitySeconds * 1000)));
    }
    return received;
  }

  /**
   * Deletes a received message (SQS DeleteMessage). The current receipt handle works even after the
   * visibility timeout ended, as long as nobody received the message again.
   *
   * @param receiptHandle - the handle of the message's latest receive
   * @throws {ReceiptHandleIsInvalidError} when the handle is stale (the message was received again),
   *   its message is gone (deleted, expired, moved to the dead-letter queue), or it was never issued
   * @example
   * for (const message of queue.receive(10)) { await work(message); queue.delete(message.receiptHandle); }
   */
  delete(receiptHandle: string): void {
    this.messages.remove(this.messageFor(receiptHandle));
    this.notify();
  }

  /**
   * Changes how long a received message stays invisible, counting from now (SQS ChangeMessageVisibility).
   * 0 makes it visible at once. The change holds for this receive only: the next receive uses the queue's
   * timeout again.
   *
   * @param receiptHandle - the handle of the message's latest receive
   * @param visibilityTimeoutSeconds - 0–43 200, and now + this at most 12 hours after the receive
   * @throws {RangeError} when the timeout is not an integer 0–43 200 or would end more than 12 hours after the receive
   * @throws {ReceiptHandleIsInvalidError} when the handle is stale, its message gone, or never issued
   * @throws {MessageNotInflightError} when the message's visibility timeout has already ended
   * @example
   * queue.changeVisibility(message.receiptHandle, 30); // try again in 30 s
   */
  changeVisibility(receiptHandle: string, visibilityTimeoutSeconds: number): void {
    checkInteger('visibilityTimeoutSeconds', visibilityTimeoutSeconds, 0, MAX_VISIBILITY_TIMEOUT_SECONDS);
    const message = this.messageFor(receiptHandle);
    message.visibleAt = changedVisibleAt(message, nowMs(this.clock), visibilityTimeoutSeconds);
    this.notify();
  }

  /**
   * Deletes every message, in flight or not (SQS PurgeQueue, without its once-a-minute limit).
   *
   * @returns how many messages were deleted
   * @example
   * queue.purge(); // between e2e tests
   */
  purge(): number {
    const count = this.messages.clear();
    this.notify();
    return count;
  }

  /**
   * How many messages are visible, in flight and delayed, right now (SQS's approximate counts, exact here).
   * Messages past their retention period are dropped first.
   *
   * @returns see {@link LocalQueueCounts}
   * @example
   * queue.approximateCounts(); // { visible: 2, inFlight: 1, delayed: 0 }
   */
  approximateCounts(): LocalQueueCounts {
    const now = nowMs(this.clock);
    this.messages.expire(now);
    return countsAt(this.messages.values(), now);
  }

  /**
   * Age of the oldest message (visible, in flight or delayed), whole seconds since it was first
   * sent — what SQS's `ApproximateAgeOfOldestMessage` metric reports, exact here; undefined when the
   * queue is empty. Messages past their retention period are dropped first.
   *
   * @example queue.oldestMessageAgeSeconds(); // 42
   */
  oldestMessageAgeSeconds(): number | undefined {
    const now = nowMs(this.clock);
    this.messages.expire(now);
    let oldest: number | undefined;
    for (const message of this.messages.values()) {
      if (oldest === undefined || message.sentTimestamp < oldest) oldest = message.sentTimestamp;
    }
    return oldest === undefined ? undefined : Math.max(0, Math.floor((now - oldest) / 1000));
  }

  /**
   * When the next hidden message (delayed or in flight) becomes visible, ms since the epoch by `clock`.
   *
   * @returns the earliest such time, or `undefined` when no message is hidden
   * @example
   * const at = queue.nextVisibleAt(); if (at !== undefined) setTimeout(poll, at - nowMs(queue.clock));
   */
  nextVisibleAt(): number | undefined {
    const now = nowMs(this.clock);
    this.messages.expire(now);
    return nextVisibleAfter(this.messages.values(), now);
  }

  /**
   * Registers a listener told (synchronously, after the change) whenever a message is added, deleted or
   * has its visibility changed — anything that can make a message receivable sooner or empty the queue.
   * A receive does not notify. A listener's error is logged and does not fail the change.
   *
   * @param listener - called with no arguments
   * @returns a function that removes this subscription (calling it again does nothing)
   * @example
   * const unsubscribe = queue.subscribe(() => poller.wake());
   */
  subscribe(listener: () => void): () => void {
    const subscription = { listener };
    this.listeners.add(subscription);
    return () => {
      this.listeners.delete(subscription);
    };
  }

  /** Takes a message the source queue's redrive moved here: same id, body, attributes and counts. */
  private acceptRedriven(message: StoredMessage, sourceArn: string): void {
    this.store(redrivenCopy(message, sourceArn, nowMs(this.clock)));
  }

  private store(message: StoredMessage): void {
    this.messages.add(message);
    this.notify();
  }

  private messageFor(receiptHandle: string): StoredMessage {
    const message = this.messages.byHandle(receiptHandle, nowMs(this.clock));
    if (!message) throw new ReceiptHandleIsInvalidError(String(receiptHandle));
    return message;
  }

  private notify(): void {
    for (const { listener } of [...this.listeners]) {
      try {
        listener();
      } catch (error) {
        console.error(`LocalQueue ${this.name}: a change listener failed`, error);
      }
    }
  }
}
