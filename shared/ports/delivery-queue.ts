/**
 * A message on the delivery queue: one event for one subscription of one tenant. In AWS the
 * subscription's EventBridge rule target writes it (its input transformer wraps the event with the
 * subscription's tenant and id); locally the in-process bus does.
 */
export type DeliveryMessage = {
  /** The subscription's tenant (its owner's): subscription ids are unique per tenant only. */
  tenant: string;
  subscriptionId: string;
  /** The IntegrationEvent envelope, as published. */
  event: Record<string, unknown>;
  /**
   * Delivery attempts made on earlier copies of this message: a delivery deferred for want of a
   * concurrency slot is sent again as a new message (whose receive count starts again), carrying
   * them. Absent (the rule targets' messages): none.
   */
  attemptsBefore?: number;
};

/**
 * The delivery queue as the dispatcher and redrive see it: SQS in AWS, the in-process queue
 * locally. Implementations throw `DependencyUnavailableError` when the queue throttles or is
 * unreachable.
 */
export interface DeliveryQueue {
  /**
   * Enqueues a message (redrive): a new message, so its receive count starts at 0.
   *
   * @param delaySeconds - 0–900 (SQS DelaySeconds)
   */
  send(message: DeliveryMessage, delaySeconds?: number): Promise<void>;
  /**
   * Makes a received message visible again after `visibilityTimeoutSeconds` (0–43 200, SQS
   * ChangeMessageVisibility): how the dispatcher waits between delivery attempts.
   */
  changeVisibility(receiptHandle: string, visibilityTimeoutSeconds: number): Promise<void>;
}
