import type { Clock } from '../../../ports/clock';
import type { LocalQueue } from './local-queue';

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
