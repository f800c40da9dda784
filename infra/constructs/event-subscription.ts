import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { type EventPattern, type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { type IFunction, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption, type QueueProps } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Props of an {@link EventSubscription}. */
export interface EventSubscriptionProps {
  /** The bus to subscribe to: the framework's bus, or any bus the stack can reference. */
  readonly eventBus: IEventBus;
  /** Which events of the bus to receive (EventBridge event pattern), e.g. `{ detailType: ['order.created'] }`. */
  readonly eventPattern: EventPattern;
  /** The function that handles the events, in batches of SQS records; it should return partial batch failures. */
  readonly handler: IFunction;
  /**
   * Receives of a message (handler attempts) before SQS moves it to the dead-letter queue, 1–1000.
   *
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * Retries of EventBridge when it cannot send an event to the queue, 0–185 (target RetryPolicy).
   *
   * @default 185
   */
  readonly retryAttempts?: number;
  /**
   * How long EventBridge keeps retrying an event it cannot send to the queue, 1 minute–24 hours
   * (target RetryPolicy); then the event goes to the target dead-letter queue.
   *
   * @default Duration.hours(24)
   */
  readonly maxEventAge?: Duration;
  /**
   * Records per handler invocation, 1–10 (larger batches need a batching window; use the queue directly).
   *
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * How long a received message stays invisible to other consumers. Lambda requires at least the
   * handler's timeout and advises six times it.
   *
   * @default - six times the handler's timeout when the handler is a `lambda.Function` with one set
   *   (at most 12 hours), otherwise 15 minutes (Lambda's longest timeout, so the event source mapping
   *   is always accepted)
   */
  readonly visibilityTimeout?: Duration;
  /**
   * What happens to the three queues when they leave the stack: retained by default, because they
   * may hold undelivered events.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * A description of the rule.
   *
   * @default - none
   */
  readonly description?: string;
}

/** Lambda's longest function timeout: an unknown handler's timeout is at most this. */
const MAX_LAMBDA_TIMEOUT = Duration.minutes(15);
/** SQS's longest visibility timeout. */
const MAX_VISIBILITY_TIMEOUT = Duration.hours(12);

/**
 * A durable subscription to an EventBridge bus for your own stacks: a rule on the bus sends the
 * matching events to an SQS queue, and the queue invokes your function in batches.
 *
 * ```
 * bus ──rule (eventPattern)──> queue ──SqsEventSource (ReportBatchItemFailures)──> handler
 *          │ RetryPolicy, then           │ after maxReceiveCount receives
 *          └─> targetDeadLetterQueue     └─> deadLetterQueue
 * ```
 *
 * Nothing is dropped silently: the rule target sets its RetryPolicy and DeadLetterConfig
 * explicitly (without a DLQ, EventBridge drops an event whose retries run out), the queue redrives
 * to its own DLQ, and an alarm watches each DLQ (≥ 1 visible message). Queues are encrypted
 * (SQS-managed keys), require TLS, keep messages 14 days, and are retained when the stack is
 * deleted (`removalPolicy`). The handler reports failed records (`batchItemFailures`, e.g. Powertools'
 * `processPartialResponse`), so one bad record does not redeliver its whole batch.
 *
 * @example
 * const subscription = new EventSubscription(this, 'OrdersCreated', {
 *   eventBus: EventBus.fromEventBusName(this, 'Bus', 'aif-bus'),
 *   eventPattern: { detailType: ['order.created'] },
 *   handler: ordersFunction,
 *   maxReceiveCount: 3,
 * });
 * subscription.deadLetterQueueAlarm.addAlarmAction(new SnsAction(topic));
 */
export class EventSubscription extends Construct {
  /** The rule on the bus. */
  readonly rule: Rule;
  /** The queue the rule sends to and the handler consumes. */
  readonly queue: Queue;
  /** Where SQS moves a message the handler failed `maxReceiveCount` times. */
  readonly deadLetterQueue: Queue;
  /** The rule target's DeadLetterConfig: events EventBridge could not send to the queue. */
  readonly targetDeadLetterQueue: Queue;
  /** The handler's event source on the queue. */
  readonly eventSource: SqsEventSource;
  /** Messages visible on `deadLetterQueue` ≥ 1. */
  readonly deadLetterQueueAlarm: Alarm;
  /** Messages visible on `targetDeadLetterQueue` ≥ 1. */
  readonly targetDeadLetterQueueAlarm: Alarm;

  /**
   * @throws {Error} when a setting is outside the range AWS accepts (`maxReceiveCount` 1–1000,
   *   `retryAttempts` 0–185, `maxEventAge` 1 minute–24 hours, `batchSize` 1–10, `visibilityTimeout`
   *   up to 12 hours)
   */
  constructor(scope: Construct, id: string, props: EventSubscriptionProps) {
    super(scope, id);
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    const retryAttempts = props.retryAttempts ?? 185;
    const maxEventAge = props.maxEventAge ?? Duration.hours(24);
    const batchSize = props.batchSize ?? 10;
    checkInteger('maxReceiveCount', maxReceiveCount, 1, 1000);
    checkInteger('retryAttempts', retryAttempts, 0, 185);
    checkInteger('batchSize', batchSize, 1, 10);
    if (!maxEventAge.isUnresolved() && (maxEventAge.toSeconds() < 60 || maxEventAge.toSeconds() > 86_400)) {
      throw new Error(`EventSubscription maxEventAge must be 1 minute to 24 hours, got ${maxEventAge.toHumanString()}`);
    }
    const visibilityTimeout = props.visibilityTimeout ?? defaultVisibilityTimeout(props.handler);
    if (!visibilityTimeout.isUnresolved() && visibilityTimeout.toSeconds() > MAX_VISIBILITY_TIMEOUT.toSeconds()) {
      throw new Error(
        `EventSubscription visibilityTimeout must be at most 12 hours, got ${visibilityTimeout.toHumanString()}`,
      );
    }

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.deadLetterQueue = newQueue(this, 'DeadLetterQueue', { removalPolicy });
    this.queue = newQueue(this, 'Queue', {
      removalPolicy,
      visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });
    this.targetDeadLetterQueue = newQueue(this, 'TargetDeadLetterQueue', { removalPolicy });
    Validations.of(this.targetDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is a dead-letter queue: the rule target's DeadLetterConfig (EventBridge, not an SQS redrive policy, which is all cdk-nag recognises); a DLQ of a DLQ would only move the problem. Its depth is alarmed.",
    });

    this.rule = new Rule(this, 'Rule', {
      eventBus: props.eventBus,
      eventPattern: props.eventPattern,
      ...(props.description && { description: props.description }),
    });
    // SqsQueue adds the queue policies: events.amazonaws.com may send to the queue and to the
    // target DLQ, for this rule only (aws:SourceArn).
    this.rule.addTarget(
      new SqsQueue(this.queue, {
        deadLetterQueue: this.targetDeadLetterQueue,
        retryAttempts,
        maxEventAge,
      }),
    );

    this.eventSource = new SqsEventSource(this.queue, { batchSize, reportBatchItemFailures: true });
    props.handler.addEventSource(this.eventSource);

    this.deadLetterQueueAlarm = depthAlarm(
      this,
      'DeadLetterQueueAlarm',
      this.deadLetterQueue,
      `Subscription ${this.node.path}: messages the handler failed ${maxReceiveCount} times`,
    );
    this.targetDeadLetterQueueAlarm = depthAlarm(
      this,
      'TargetDeadLetterQueueAlarm',
      this.targetDeadLetterQueue,
      `Subscription ${this.node.path}: events EventBridge could not send to the queue`,
    );
  }
}

function defaultVisibilityTimeout(handler: IFunction): Duration {
  const timeout = handler instanceof LambdaFunction ? handler.timeout : undefined;
  if (!timeout || timeout.isUnresolved()) return MAX_LAMBDA_TIMEOUT;
  return Duration.seconds(Math.min(timeout.toSeconds() * 6, MAX_VISIBILITY_TIMEOUT.toSeconds()));
}

function newQueue(scope: Construct, id: string, props: QueueProps): Queue {
  return new Queue(scope, id, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    ...props,
  });
}

function depthAlarm(scope: Construct, id: string, queue: Queue, description: string): Alarm {
  return new Alarm(scope, id, {
    alarmDescription: description,
    metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`EventSubscription ${name} must be a whole number from ${min} to ${max}, got ${value}`);
  }
}
