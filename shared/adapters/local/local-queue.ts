import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { type Clock, nowMs, systemClock } from '../../ports/clock';

/**
 * One message attribute as a Lambda SQS record carries it: `dataType` is `String`, `Number` or `Binary`,
 * optionally with a custom suffix (`Number.int`); `stringValue` for String and Number, `binaryValue`
 * (base64) for Binary.
 */
export type LocalMessageAttributeValue = {
  dataType: string;
  stringValue?: string;
  binaryValue?: string;
};

/**
 * The system attributes of a received message, as strings, the way ReceiveMessage and Lambda's SQS
 * records give them. Timestamps are milliseconds since the Unix epoch.
 */
export type LocalMessageSystemAttributes = {
  ApproximateReceiveCount: string;
  SentTimestamp: string;
  SenderId: string;
  ApproximateFirstReceiveTimestamp: string;
  /** Only on a message that was moved to this queue as to a dead-letter queue: the source queue's ARN. */
  DeadLetterQueueSourceArn?: string;
};

/** A message as {@link LocalQueue.receive} returns it: one receive's view, with that receive's receipt handle. */
export type LocalQueueMessage = {
  messageId: string;
  /** Valid until the message is received again or deleted. */
  receiptHandle: string;
  body: string;
  /** MD5 of the UTF-8 body, lowercase hex (what SQS returns as MD5OfBody). */
  md5OfBody: string;
  /** Only when the message has attributes: SQS's MD5OfMessageAttributes, lowercase hex. */
  md5OfMessageAttributes?: string;
  messageAttributes: Record<string, LocalMessageAttributeValue>;
  attributes: LocalMessageSystemAttributes;
};

/** Options of {@link LocalQueue.send}. */
export type LocalSendOptions = {
  /**
   * Seconds before the message can first be received, 0–900 (SQS SendMessage DelaySeconds).
   * @default the queue's `delaySeconds`
   */
  delaySeconds?: number;
  /** At most 10 (SQS message quotas); a Number attribute named `priority` orders delivery, see {@link LocalQueue}. */
  messageAttributes?: Record<string, LocalMessageAttributeValue>;
};

/** Options of {@link LocalQueue.receive}. */
export type LocalReceiveOptions = {
  /**
   * How long the received messages stay invisible, seconds, 0–43 200 (SQS ReceiveMessage VisibilityTimeout).
   * @default the queue's `visibilityTimeoutSeconds`
   */
  visibilityTimeoutSeconds?: number;
};

/**
 * Where messages go once received too often (SQS RedrivePolicy): `maxReceiveCount` 1–1000, and the
 * dead-letter queue itself instead of its ARN.
 */
export type LocalRedrivePolicy = {
  deadLetterQueue: LocalQueue;
  maxReceiveCount: number;
};

/** Options of {@link LocalQueue}; the defaults are those of SQS CreateQueue. */
export type LocalQueueOptions = {
  /** 1–80 characters: letters, digits, `-`, `_` (a standard queue's name rules). */
  name: string;
  /**
   * Seconds a received message stays invisible, 0–43 200.
   * @default 30
   */
  visibilityTimeoutSeconds?: number;
  /**
   * Queue-level delivery delay, seconds, 0–900.
   * @default 0
   */
  delaySeconds?: number;
  /**
   * Seconds a message is kept after it was first sent, 60–1 209 600; older messages disappear, in flight or not.
   * @default 345_600 (4 days)
   */
  messageRetentionPeriodSeconds?: number;
  /**
   * Largest message, bytes: the UTF-8 body plus each attribute's name, data type and value, 1024–1 048 576.
   * @default 262_144 (256 KiB)
   */
  maximumMessageSizeBytes?: number;
  /** @default none — messages are received for ever (until retention ends) */
  redrivePolicy?: LocalRedrivePolicy;
  /** Only `now` is read; injected so tests need no real waiting. @default {@link systemClock} */
  clock?: Pick<Clock, 'now'>;
  /**
   * The region in the queue's ARN and in Lambda records' `awsRegion`.
   * @default 'local'
   */
  region?: string;
  /**
   * The account in the queue's ARN.
   * @default '000000000000'
   */
  accountId?: string;
  /**
   * The `SenderId` attribute of every message sent here.
   * @default the account id
   */
  senderId?: string;
};

/**
 * The approximate counts SQS reports in GetQueueAttributes: `visible` is ApproximateNumberOfMessages,
 * `inFlight` ApproximateNumberOfMessagesNotVisible (received, not deleted, still invisible), `delayed`
 * ApproximateNumberOfMessagesDelayed (sent with a delay that has not ended). Locally they are exact.
 */
export type LocalQueueCounts = { visible: number; inFlight: number; delayed: number };

/** Name of the Number message attribute that orders delivery locally (higher first). */
export const PRIORITY_ATTRIBUTE = 'priority';

/** SQS limits (Amazon SQS Developer Guide, "Amazon SQS quotas"; API Reference for each action). */
const MAX_DELAY_SECONDS = 900;
const MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;
const MAX_RECEIVE_BATCH = 10;
const MAX_MESSAGE_ATTRIBUTES = 10;
const MIN_RETENTION_SECONDS = 60;
const MAX_RETENTION_SECONDS = 1_209_600;
const MIN_MESSAGE_SIZE_BYTES = 1024;
const MAX_MESSAGE_SIZE_BYTES = 1_048_576;
const MAX_MAX_RECEIVE_COUNT = 1000;

/** XML 1.0 characters, the only ones SQS accepts in a body or attribute value (SQS message quotas, "Message content"). */
const INVALID_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;
const DATA_TYPE = /^(String|Number|Binary)(\.[\x20-\x7E]+)?$/;
const NUMBER_VALUE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * SQS refused a receipt handle: it was never issued by this queue, belongs to an earlier receive of a
 * message received again since, or its message was deleted or moved to the dead-letter queue (SQS
 * error `ReceiptHandleIsInvalid`).
 *
 * Locally every stale handle is refused; AWS is looser (it may accept an old handle, or answer
 * `InvalidParameterValue` "The receipt handle has expired"), so code that works here works there.
 *
 * @example
 * try { queue.delete(handle); } catch (e) { if (e instanceof ReceiptHandleIsInvalidError) { … already gone … } }
 */
export class ReceiptHandleIsInvalidError extends Error {
  /** The SQS error code this mirrors. */
  readonly code = 'ReceiptHandleIsInvalid';

  /** @param receiptHandle - the refused handle; only its first characters go into the message */
  constructor(readonly receiptHandle: string) {
    super(`The receipt handle ${abbreviate(receiptHandle)} is not valid (stale, deleted or never issued)`);
    this.name = 'ReceiptHandleIsInvalidError';
  }
}

/**
 * `changeVisibility` was given the current receipt handle of a message that is no longer in flight: its
 * visibility timeout has ended (SQS error `MessageNotInflight`).
 *
 * @example
 * queue.changeVisibility(handle, 60); // after the visibility timeout ended -> MessageNotInflightError
 */
export class MessageNotInflightError extends Error {
  /** The SQS error code this mirrors. */
  readonly code = 'MessageNotInflight';

  /** @param messageId - the message whose visibility was to change */
  constructor(readonly messageId: string) {
    super(`Message ${messageId} is not in flight: its visibility timeout has ended`);
    this.name = 'MessageNotInflightError';
  }
}

type StoredMessage = {
  readonly messageId: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly md5OfMessageAttributes: string | undefined;
  readonly messageAttributes: Readonly<Record<string, LocalMessageAttributeValue>>;
  readonly sentTimestamp: number;
  readonly senderId: string;
  readonly priority: number;
  readonly deadLetterQueueSourceArn: string | undefined;
  /** Send order in this queue: the last tie-breaker of delivery order. */
  sequence: number;
  /** When the message can be received (again): end of its delay or of its visibility timeout. */
  visibleAt: number;
  receiveCount: number;
  firstReceiveTimestamp: number | undefined;
  /** The current receive's handle; earlier ones are stale. */
  receiptHandle: string | undefined;
  /** When the current receive happened: the 12-hour visibility limit counts from it. */
  receivedAt: number | undefined;
};

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
  private readonly messages = new Map<string, StoredMessage>();
  private readonly byReceiptHandle = new Map<string, StoredMessage>();
  private readonly listeners = new Set<{ listener: () => void }>();
  private nextSequence = 0;

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
    if (options.redrivePolicy) {
      checkInteger('redrivePolicy.maxReceiveCount', options.redrivePolicy.maxReceiveCount, 1, MAX_MAX_RECEIVE_COUNT);
      if (options.redrivePolicy.deadLetterQueue === this) {
        throw new RangeError('A queue cannot be its own dead-letter queue');
      }
      this.redrivePolicy = { ...options.redrivePolicy };
    }
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
    this.expire(now);
    const candidates = [...this.messages.values()].filter((message) => message.visibleAt <= now).sort(deliveryOrder);
    const received: LocalQueueMessage[] = [];
    for (const message of candidates) {
      if (received.length === maxNumberOfMessages) break;
      if (this.redrivePolicy && message.receiveCount >= this.redrivePolicy.maxReceiveCount) {
        this.remove(message);
        this.redrivePolicy.deadLetterQueue.acceptRedriven(message, this.arn);
        continue;
      }
      if (message.receiptHandle !== undefined) this.byReceiptHandle.delete(message.receiptHandle);
      message.receiveCount += 1;
      message.firstReceiveTimestamp ??= now;
      message.receivedAt = now;
      message.visibleAt = now + visibilitySeconds * 1000;
      message.receiptHandle = newReceiptHandle();
      this.byReceiptHandle.set(message.receiptHandle, message);
      received.push(snapshot(message, message.receiptHandle));
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
    const message = this.messageFor(receiptHandle);
    this.remove(message);
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
    const now = nowMs(this.clock);
    if (message.visibleAt <= now) throw new MessageNotInflightError(message.messageId);
    const visibleAt = now + visibilityTimeoutSeconds * 1000;
    const limit = (message.receivedAt ?? now) + MAX_VISIBILITY_TIMEOUT_SECONDS * 1000;
    if (visibleAt > limit) {
      throw new RangeError(
        `A visibility timeout of ${visibilityTimeoutSeconds} s would end more than 12 hours after the receive (at most ${Math.floor((limit - now) / 1000)} s now)`,
      );
    }
    message.visibleAt = visibleAt;
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
    const count = this.messages.size;
    this.messages.clear();
    this.byReceiptHandle.clear();
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
    this.expire(now);
    const counts: LocalQueueCounts = { visible: 0, inFlight: 0, delayed: 0 };
    for (const message of this.messages.values()) {
      if (message.visibleAt <= now) counts.visible += 1;
      else if (message.receiveCount > 0) counts.inFlight += 1;
      else counts.delayed += 1;
    }
    return counts;
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
    this.expire(now);
    let next: number | undefined;
    for (const message of this.messages.values()) {
      if (message.visibleAt > now && (next === undefined || message.visibleAt < next)) next = message.visibleAt;
    }
    return next;
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
    this.store({
      ...message,
      deadLetterQueueSourceArn: sourceArn,
      visibleAt: nowMs(this.clock),
      receiptHandle: undefined,
      receivedAt: undefined,
    });
  }

  private store(message: StoredMessage): void {
    message.sequence = this.nextSequence++;
    this.messages.set(message.messageId, message);
    this.notify();
  }

  private messageFor(receiptHandle: string): StoredMessage {
    this.expire(nowMs(this.clock));
    const message = this.byReceiptHandle.get(receiptHandle);
    if (!message) throw new ReceiptHandleIsInvalidError(String(receiptHandle));
    return message;
  }

  private remove(message: StoredMessage): void {
    this.messages.delete(message.messageId);
    if (message.receiptHandle !== undefined) this.byReceiptHandle.delete(message.receiptHandle);
  }

  /** Drops messages past the retention period, counted from the first send (as SQS does for standard queues). */
  private expire(now: number): void {
    const oldest = now - this.messageRetentionPeriodSeconds * 1000;
    for (const message of this.messages.values()) {
      if (message.sentTimestamp < oldest) this.remove(message);
    }
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

/**
 * SQS's MD5OfMessageAttributes: the MD5 of the attributes sorted by name, each encoded as name, data
 * type, transport type (1 = String/Number, 2 = Binary) and value, every variable part preceded by its
 * length as a 4-byte big-endian integer (Amazon SQS Developer Guide, "Calculating the MD5 message
 * digest for message attributes").
 *
 * @param attributes - valid attributes (see {@link LocalQueue.send})
 * @returns lowercase hex, or `undefined` when there are no attributes (SQS then returns none)
 * @example
 * md5OfMessageAttributes({ timestamp: { dataType: 'Number', stringValue: '1493147359900' } }); // '235c5c510d26fb653d073faed50ae77c'
 */
export function md5OfMessageAttributes(attributes: Record<string, LocalMessageAttributeValue>): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const parts: Buffer[] = [];
  const withLength = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  };
  for (const name of names) {
    const attribute = attributes[name]!;
    withLength(Buffer.from(name, 'utf8'));
    withLength(Buffer.from(attribute.dataType, 'utf8'));
    if (attribute.dataType.startsWith('Binary')) {
      parts.push(Buffer.from([2]));
      withLength(Buffer.from(attribute.binaryValue ?? '', 'base64'));
    } else {
      parts.push(Buffer.from([1]));
      withLength(Buffer.from(attribute.stringValue ?? '', 'utf8'));
    }
  }
  return md5Hex(Buffer.concat(parts));
}

function md5Hex(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('hex');
}

function newReceiptHandle(): string {
  // Opaque like SQS's (which start with "AQEB" and are base64); random so handles never repeat.
  return `AQEB${randomBytes(48).toString('base64')}`;
}

function snapshot(message: StoredMessage, receiptHandle: string): LocalQueueMessage {
  return {
    messageId: message.messageId,
    receiptHandle,
    body: message.body,
    md5OfBody: message.md5OfBody,
    ...(message.md5OfMessageAttributes !== undefined && { md5OfMessageAttributes: message.md5OfMessageAttributes }),
    messageAttributes: copyAttributes(message.messageAttributes, false),
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentTimestamp),
      SenderId: message.senderId,
      ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp ?? message.receivedAt),
      ...(message.deadLetterQueueSourceArn !== undefined && {
        DeadLetterQueueSourceArn: message.deadLetterQueueSourceArn,
      }),
    },
  };
}

function deliveryOrder(a: StoredMessage, b: StoredMessage): number {
  return b.priority - a.priority || a.visibleAt - b.visibleAt || a.sequence - b.sequence;
}

/** The `priority` Number attribute's value; 0 when absent or not a Number. */
function priorityOf(attributes: Record<string, LocalMessageAttributeValue>): number {
  const attribute = attributes[PRIORITY_ATTRIBUTE];
  if (!attribute?.dataType.startsWith('Number') || attribute.stringValue === undefined) return 0;
  return Number(attribute.stringValue);
}

/** Validated copy (when `validate`), so later changes to the caller's objects don't show. */
function copyAttributes(
  attributes: Readonly<Record<string, LocalMessageAttributeValue>>,
  validate = true,
): Record<string, LocalMessageAttributeValue> {
  const entries = Object.entries(attributes);
  if (validate && entries.length > MAX_MESSAGE_ATTRIBUTES) {
    throw new RangeError(`A message has at most ${MAX_MESSAGE_ATTRIBUTES} attributes, got ${entries.length}`);
  }
  const copy: Record<string, LocalMessageAttributeValue> = {};
  for (const [name, attribute] of entries) {
    if (validate) checkAttribute(name, attribute);
    copy[name] = {
      dataType: attribute.dataType,
      ...(attribute.stringValue !== undefined && { stringValue: attribute.stringValue }),
      ...(attribute.binaryValue !== undefined && { binaryValue: attribute.binaryValue }),
    };
  }
  return copy;
}

/** SQS's rules for message attributes (Amazon SQS Developer Guide, "Amazon SQS message attributes"). */
function checkAttribute(name: string, attribute: LocalMessageAttributeValue): void {
  const lower = name.toLowerCase();
  if (
    !ATTRIBUTE_NAME.test(name) ||
    name.startsWith('.') ||
    name.endsWith('.') ||
    name.includes('..') ||
    lower.startsWith('aws.') ||
    lower.startsWith('amazon.')
  ) {
    throw new RangeError(
      `Attribute name '${name}' is invalid: 1–256 of A–Z a–z 0–9 _ - ., no leading, trailing or double '.', no AWS./Amazon. prefix`,
    );
  }
  const dataType = typeof attribute?.dataType === 'string' ? attribute.dataType : '';
  if (!DATA_TYPE.test(dataType) || dataType.length > 256) {
    throw new RangeError(
      `Attribute '${name}' has data type '${dataType}': use String, Number or Binary (optionally .suffix)`,
    );
  }
  if (dataType.startsWith('Binary')) {
    if (
      typeof attribute.binaryValue !== 'string' ||
      attribute.binaryValue.length === 0 ||
      !BASE64.test(attribute.binaryValue)
    ) {
      throw new RangeError(`Binary attribute '${name}' needs a non-empty base64 binaryValue`);
    }
    return;
  }
  const value = attribute.stringValue;
  if (typeof value !== 'string' || value.length === 0) {
    throw new RangeError(`Attribute '${name}' of type ${dataType} needs a non-empty stringValue`);
  }
  if (INVALID_CHARACTER.test(value)) {
    throw new RangeError(`Attribute '${name}' contains a character SQS does not accept (XML 1.0 characters only)`);
  }
  if (dataType.startsWith('Number') && !(NUMBER_VALUE.test(value) && Number.isFinite(Number(value)))) {
    throw new RangeError(`Number attribute '${name}' has the non-numeric value '${value}'`);
  }
}

/** What attributes add to a message's size: each name, data type and value (SQS message quotas). */
function attributesSizeBytes(attributes: Record<string, LocalMessageAttributeValue>): number {
  let size = 0;
  for (const [name, attribute] of Object.entries(attributes)) {
    size += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(attribute.dataType, 'utf8');
    size +=
      attribute.binaryValue !== undefined
        ? Buffer.from(attribute.binaryValue, 'base64').length
        : Buffer.byteLength(attribute.stringValue ?? '', 'utf8');
  }
  return size;
}

function checkInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}

function abbreviate(receiptHandle: string): string {
  return receiptHandle.length > 16 ? `${receiptHandle.slice(0, 16)}…` : receiptHandle;
}
