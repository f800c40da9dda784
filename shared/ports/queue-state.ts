/**
 * Which queue of the delivery path: the delivery queue (the subscription rules' target, the
 * dispatcher's source), the delivery DLQ (messages SQS moved after too many receives) and the events
 * DLQ (events EventBridge could not put on the delivery queue; AWS only — the local bus has none).
 */
export type QueueRole = 'delivery' | 'delivery-dlq' | 'events-dlq';

/** One queue's depth, as `GET /v1/state` shows it. */
export type QueueState = {
  queue: QueueRole;
  /** Messages available to receive (SQS ApproximateNumberOfMessages). */
  visible: number;
  /** Messages received and not yet deleted (ApproximateNumberOfMessagesNotVisible). */
  inFlight: number;
  /** Messages sent with a delay that has not passed (ApproximateNumberOfMessagesDelayed). */
  delayed: number;
  /**
   * Age of the oldest message, whole seconds; null when the queue is empty or (AWS) CloudWatch has no
   * datapoint of `ApproximateAgeOfOldestMessage` in the last 15 minutes.
   */
  oldestMessageAgeSeconds: number | null;
};

/**
 * Reads the depth of the delivery path's queues: SQS GetQueueAttributes and CloudWatch in AWS, the
 * in-process queues locally. The queues are shared by every tenant: their depth is the deployment's.
 * Implementations throw `DependencyUnavailableError` when a service throttles or is unreachable.
 */
export interface QueueStateReader {
  /** Every queue of the deployment, in the order delivery, delivery-dlq, events-dlq (those that exist). */
  read(): Promise<QueueState[]>;
}
