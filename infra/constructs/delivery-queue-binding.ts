import type { Grant } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';

/**
 * What a function does with the delivery queue beyond consuming it: `send` enqueues new messages
 * (redrive of dead letters); `changeVisibility` delays a received message's next attempt (the
 * dispatcher's retries with backoff).
 */
export type DeliveryQueueAccess = 'send' | 'changeVisibility';

/**
 * Gives a function the delivery queue: sets `DELIVERY_QUEUE_URL` and grants the access, in one call.
 * Consuming (the dispatcher's event source) is granted by the event source mapping itself.
 *
 * @param fn - the function that uses the queue
 * @param queue - the stateful stack's delivery queue
 * @param access - `send` (sqs:SendMessage) or `changeVisibility` (sqs:ChangeMessageVisibility)
 * @returns the IAM grant
 * @example bindDeliveryQueue(events.function, stateful.deliveryQueue, 'send');
 */
export function bindDeliveryQueue(fn: LambdaFunction, queue: IQueue, access: DeliveryQueueAccess): Grant {
  fn.addEnvironment('DELIVERY_QUEUE_URL', queue.queueUrl);
  return access === 'send' ? queue.grantSendMessages(fn) : queue.grant(fn, 'sqs:ChangeMessageVisibility');
}
