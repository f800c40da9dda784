import type { StoredMessage } from './stored-message';
import { deliveryOrder, newReceiptHandle } from './stored-message';

/**
 * The messages of one queue, by id and by their current receipt handle. A message has at most one
 * live handle: the one its latest receive issued; every earlier handle is forgotten, so it is refused.
 */
export class MessageStore {
  private readonly messages = new Map<string, StoredMessage>();
  private readonly byReceiptHandle = new Map<string, StoredMessage>();
  private nextSequence = 0;

  /** @param retentionMs - how long a message is kept after it was first sent */
  constructor(private readonly retentionMs: number) {}

  /** How many messages are stored (expired ones included until the next {@link expire}). */
  get size(): number {
    return this.messages.size;
  }

  /** Every stored message, in no particular order. */
  values(): IterableIterator<StoredMessage> {
    return this.messages.values();
  }

  /** Adds a message, numbering it after every earlier one (the last tie-breaker of delivery order). */
  add(message: StoredMessage): void {
    message.sequence = this.nextSequence++;
    this.messages.set(message.messageId, message);
  }

  /** Removes a message and its live receipt handle. */
  remove(message: StoredMessage): void {
    this.messages.delete(message.messageId);
    if (message.receiptHandle !== undefined) this.byReceiptHandle.delete(message.receiptHandle);
  }

  /** Removes every message; returns how many there were. */
  clear(): number {
    const count = this.messages.size;
    this.messages.clear();
    this.byReceiptHandle.clear();
    return count;
  }

  /** The message whose live receipt handle this is, after expiring old messages; undefined when none. */
  byHandle(receiptHandle: string, now: number): StoredMessage | undefined {
    this.expire(now);
    return this.byReceiptHandle.get(receiptHandle);
  }

  /** Drops messages past the retention period, counted from the first send (as SQS does for standard queues). */
  expire(now: number): void {
    const oldest = now - this.retentionMs;
    for (const message of this.messages.values()) {
      if (message.sentTimestamp < oldest) this.remove(message);
    }
  }

  /** The messages receivable at `now` (after expiring old ones), in delivery order. */
  visible(now: number): StoredMessage[] {
    this.expire(now);
    return [...this.messages.values()].filter((message) => message.visibleAt <= now).sort(deliveryOrder);
  }

  /**
   * Records a receive: the count goes up, the message hides for `visibilityMs`, and a new receipt
   * handle replaces the old one (which stops working).
   *
   * @returns the new receipt handle
   */
  markReceived(message: StoredMessage, now: number, visibilityMs: number): string {
    if (message.receiptHandle !== undefined) this.byReceiptHandle.delete(message.receiptHandle);
    message.receiveCount += 1;
    message.firstReceiveTimestamp ??= now;
    message.receivedAt = now;
    message.visibleAt = now + visibilityMs;
    message.receiptHandle = newReceiptHandle();
    this.byReceiptHandle.set(message.receiptHandle, message);
    return message.receiptHandle;
  }
}
