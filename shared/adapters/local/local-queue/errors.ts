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

function abbreviate(receiptHandle: string): string {
  return receiptHandle.length > 16 ? `${receiptHandle.slice(0, 16)}…` : receiptHandle;
}
