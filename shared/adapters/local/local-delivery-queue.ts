import type { DeliveryMessage, DeliveryQueue } from '../../ports/delivery-queue';
import { ReceiptExpiredError } from '../sqs/sqs-delivery-queue';
import { LocalQueue, MessageNotInflightError, PRIORITY_ATTRIBUTE, ReceiptHandleIsInvalidError } from './local-queue';

/** Options of {@link LocalDeliveryQueue.send} beyond the port's. */
export type LocalDeliverySendOptions = {
  /**
   * Delivery priority: among visible messages, higher is received first (locally only — SQS has no
   * ordering). Carried as the `priority` Number message attribute.
   * @default none (counts as 0)
   */
  priority?: number;
};

/**
 * DeliveryQueue on the in-process {@link LocalQueue}: what the dispatcher and redrive use in `npm run dev`.
 *
 * `send` puts the DeliveryMessage as a JSON body (exactly what `SqsDeliveryQueue` sends) and, when
 * given, its `priority` as a Number message attribute; `changeVisibility` delegates. The local queue's
 * `ReceiptHandleIsInvalid` and `MessageNotInflight` become {@link ReceiptExpiredError}, as in AWS, so
 * the dispatcher handles both modes alike. The in-process queue cannot throttle, so
 * `DependencyUnavailableError` never comes from here.
 *
 * @example
 * const queue = new LocalDeliveryQueue(createLocalDeliveryQueues().delivery);
 * await queue.send({ subscriptionId: 'orders-sub', event }, 0, { priority: 10 });
 */
export class LocalDeliveryQueue implements DeliveryQueue {
  /** @param queue - the local delivery queue, usually `createLocalDeliveryQueues().delivery` */
  constructor(private readonly queue: LocalQueue) {}

  /**
   * Enqueues the message as a new one (receive count 0).
   *
   * @param message - serialised with `JSON.stringify`
   * @param delaySeconds - 0–900; omitted: the queue's default delay
   * @param options - local-only extras, see {@link LocalDeliverySendOptions}
   * @throws {RangeError} when `delaySeconds` is out of range, `priority` is not a finite number, or the
   *   message is larger than the queue accepts
   * @example
   * await queue.send({ subscriptionId: 'orders-sub', event }, 30); // redrive in 30 s
   */
  async send(message: DeliveryMessage, delaySeconds?: number, options: LocalDeliverySendOptions = {}): Promise<void> {
    const { priority } = options;
    if (priority !== undefined && !Number.isFinite(priority)) {
      throw new RangeError(`priority must be a finite number, got ${priority}`);
    }
    this.queue.send(JSON.stringify(message), {
      ...(delaySeconds !== undefined && { delaySeconds }),
      ...(priority !== undefined && {
        messageAttributes: { [PRIORITY_ATTRIBUTE]: { dataType: 'Number', stringValue: String(priority) } },
      }),
    });
  }

  /**
   * Sets how long the received message stays invisible, from now.
   *
   * @param receiptHandle - the handle of the record being processed
   * @param visibilityTimeoutSeconds - 0–43 200, ending at most 12 h after the receive
   * @throws {ReceiptExpiredError} when the handle is stale, its message gone, or no longer in flight
   * @throws {RangeError} when the timeout is out of range or ends more than 12 h after the receive
   * @example
   * await queue.changeVisibility(record.receiptHandle, 0); // retry at once
   */
  async changeVisibility(receiptHandle: string, visibilityTimeoutSeconds: number): Promise<void> {
    try {
      this.queue.changeVisibility(receiptHandle, visibilityTimeoutSeconds);
    } catch (error) {
      if (error instanceof ReceiptHandleIsInvalidError || error instanceof MessageNotInflightError) {
        throw new ReceiptExpiredError(
          `The receipt handle no longer designates an in-flight message of ${this.queue.name} (${error.code})`,
          { cause: error },
        );
      }
      throw error;
    }
  }
}

/** The process-wide delivery queue and its dead-letter queue. */
export type LocalDeliveryQueues = { delivery: LocalQueue; deadLetters: LocalQueue };

/** Name of the local delivery queue (its ARN: `arn:aws:sqs:local:000000000000:aif-delivery`). */
export const LOCAL_DELIVERY_QUEUE_NAME = 'aif-delivery';
/** Name of the local delivery dead-letter queue. */
export const LOCAL_DELIVERY_DLQ_NAME = 'aif-delivery-dlq';
/**
 * Visibility timeout of the local delivery queue, seconds: the deployed queue's, six times the
 * dispatcher's 60 s function timeout (infra `DISPATCHER_TIMEOUT`), AWS's advice for a queue feeding
 * Lambda (AWS Lambda Developer Guide, "Using Lambda with Amazon SQS"). Keep the two equal.
 */
export const LOCAL_DELIVERY_VISIBILITY_TIMEOUT_SECONDS = 360;
/**
 * Receives before the local delivery queue moves a message to its DLQ: the deployed queue's
 * (infra `DELIVERY_MAX_RECEIVE_COUNT`) — above the most delivery attempts a subscription can ask for
 * (1 + MAX_POLICY_RETRIES = 101), so the dispatcher records its own dead letter and the DLQ only
 * catches what it could not handle at all. Keep the two equal.
 */
export const LOCAL_DELIVERY_MAX_RECEIVE_COUNT = 110;
/** Retention of both local queues, seconds: 14 days, as deployed. */
export const LOCAL_DELIVERY_RETENTION_SECONDS = 1_209_600;

/**
 * The local delivery queue and its DLQ, as the stateful stack deploys them: one pair per local
 * server, shared by the poller (which feeds `delivery` to the dispatcher's handler) and the
 * functions (which send and change visibility through {@link LocalDeliveryQueue}).
 *
 * `delivery`: {@link LOCAL_DELIVERY_QUEUE_NAME}, visibility {@link LOCAL_DELIVERY_VISIBILITY_TIMEOUT_SECONDS} s,
 * redrive to `deadLetters` after {@link LOCAL_DELIVERY_MAX_RECEIVE_COUNT} receives. `deadLetters`:
 * {@link LOCAL_DELIVERY_DLQ_NAME}. Both keep messages {@link LOCAL_DELIVERY_RETENTION_SECONDS} (14 days,
 * as deployed), take messages up to 1 MiB (SQS's quota since 2025, as EventBridge entries can be)
 * and use the wall clock.
 *
 * @example
 * const { delivery, deadLetters } = createLocalDeliveryQueues();
 * new LocalQueuePoller(delivery, dispatcherHandler).start(); // in the local runner
 * const queue = new LocalDeliveryQueue(delivery); // in the dispatcher's local deps
 */
export function createLocalDeliveryQueues(): LocalDeliveryQueues {
  const deadLetters = new LocalQueue({
    name: LOCAL_DELIVERY_DLQ_NAME,
    messageRetentionPeriodSeconds: LOCAL_DELIVERY_RETENTION_SECONDS,
    maximumMessageSizeBytes: 1_048_576,
  });
  const delivery = new LocalQueue({
    name: LOCAL_DELIVERY_QUEUE_NAME,
    messageRetentionPeriodSeconds: LOCAL_DELIVERY_RETENTION_SECONDS,
    maximumMessageSizeBytes: 1_048_576,
    visibilityTimeoutSeconds: LOCAL_DELIVERY_VISIBILITY_TIMEOUT_SECONDS,
    redrivePolicy: { deadLetterQueue: deadLetters, maxReceiveCount: LOCAL_DELIVERY_MAX_RECEIVE_COUNT },
  });
  return { delivery, deadLetters };
}
