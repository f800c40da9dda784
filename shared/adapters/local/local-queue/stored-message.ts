import { randomBytes } from 'node:crypto';
import { copyAttributes } from './attributes';
import type { LocalMessageAttributeValue, LocalQueueMessage } from './types';

/** A message as the queue keeps it: what was sent, plus the state its receives change. */
export type StoredMessage = {
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

/** A new opaque receipt handle. */
export function newReceiptHandle(): string {
  // Opaque like SQS's (which start with "AQEB" and are base64); random so handles never repeat.
  return `AQEB${randomBytes(48).toString('base64')}`;
}

/** One receive's view of a message: a copy the caller may change freely. */
export function snapshot(message: StoredMessage, receiptHandle: string): LocalQueueMessage {
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

/**
 * Local delivery order: higher `priority` first, then earliest visible, then earliest sent (a
 * local convenience; SQS standard queues promise no order).
 */
export function deliveryOrder(a: StoredMessage, b: StoredMessage): number {
  return b.priority - a.priority || a.visibleAt - b.visibleAt || a.sequence - b.sequence;
}
