import { Grant } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { acknowledgeWildcardResource } from './nag';

/** The queues whose depth a function reads (`readsQueueState`). */
export interface QueueStateBinding {
  /** DELIVERY_QUEUE_URL. */
  readonly deliveryQueue: IQueue;
  /** DELIVERY_DLQ_URL. */
  readonly deliveryDeadLetterQueue: IQueue;
  /** EVENTS_DLQ_URL. */
  readonly eventsDeadLetterQueue: IQueue;
}

/**
 * Lets a function read the delivery path's depth (`GET /v1/state`): sets DELIVERY_QUEUE_URL,
 * DELIVERY_DLQ_URL and EVENTS_DLQ_URL; grants `sqs:GetQueueAttributes` on those three queues only,
 * and `cloudwatch:GetMetricData` (their ApproximateAgeOfOldestMessage), which IAM accepts on `*`
 * only — the action has no resource type (Service Authorization Reference, Amazon CloudWatch).
 *
 * @returns the two grants
 * @example bindQueueState(system.function, { deliveryQueue, deliveryDeadLetterQueue, eventsDeadLetterQueue });
 */
export function bindQueueState(fn: LambdaFunction, queues: QueueStateBinding): Grant[] {
  fn.addEnvironment('DELIVERY_QUEUE_URL', queues.deliveryQueue.queueUrl);
  fn.addEnvironment('DELIVERY_DLQ_URL', queues.deliveryDeadLetterQueue.queueUrl);
  fn.addEnvironment('EVENTS_DLQ_URL', queues.eventsDeadLetterQueue.queueUrl);
  const attributes = [queues.deliveryQueue, queues.deliveryDeadLetterQueue, queues.eventsDeadLetterQueue].map((queue) =>
    queue.grant(fn, 'sqs:GetQueueAttributes'),
  );
  const metrics = Grant.addToPrincipal({ grantee: fn, actions: ['cloudwatch:GetMetricData'], resourceArns: ['*'] });
  acknowledgeWildcardResource(
    fn.role ?? fn,
    '*',
    "cloudwatch:GetMetricData supports no resource-level permissions (its only resource is *); the function reads the delivery queues' ApproximateAgeOfOldestMessage with it, and it reads metrics only.",
  );
  return [...attributes, metrics];
}
