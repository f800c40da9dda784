import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { functionManifest } from '../../functions/manifest';
import { DEFAULT_WEBHOOK_MAX_IN_FLIGHT } from '../../shared/domain/concurrency/leases';
import { createManifestFunction } from './manifest-function';
import type { NodeFunction } from './node-function';

/**
 * Longest run of one dispatcher invocation (a batch of up to 10 deliveries, each an HTTP call
 * with its own, shorter timeout), from the function manifest. The delivery queue's visibility
 * timeout is six times this (Lambda's advice for SQS event sources), so a batch in flight is never
 * received twice.
 */
export const DISPATCHER_TIMEOUT = Duration.seconds(functionManifest.dispatcher.timeoutSeconds);

/** Props of the {@link Dispatcher}. */
export interface DispatcherProps {
  /** Reserve the manifest's concurrency for the function (`FunctionResources.reserveConcurrency`). @default true */
  readonly reserveConcurrency?: boolean;
  /** The queue the subscription rules fill: the dispatcher's event source. */
  readonly deliveryQueue: IQueue;
  /** Where SQS moves a message the dispatcher could not handle at all (redrive policy): alarmed. */
  readonly deliveryDeadLetterQueue: IQueue;
  /** Where EventBridge puts events it could not send to the delivery queue (rule target DeadLetterConfig): alarmed. */
  readonly eventsDeadLetterQueue: IQueue;
  /** The framework's bus: the dispatcher publishes alerts there. */
  readonly eventBus: IEventBus;
  /**
   * The tables keyed by definition id; the function manifest's `dispatcher` record says which it
   * uses and how (subscriptions and dead letters, the event log, error policies and counters).
   */
  readonly tables: Readonly<Record<string, ITableV2>>;
  /** The KMS key sealing webhook secrets: the dispatcher may decrypt with it (to sign). */
  readonly webhookSecretKey: IKey;
  /**
   * How long dead letters are kept (EVENT_RETENTION_DAYS: their TTL), as the event log keeps events.
   *
   * @default Duration.days(30)
   */
  readonly eventRetention?: Duration;
  /**
   * Webhook deliveries one tenant may have in flight (WEBHOOK_MAX_IN_FLIGHT_PER_TENANT), 0 for no
   * limit; keep it below the function's reserved concurrency.
   *
   * @default DEFAULT_WEBHOOK_MAX_IN_FLIGHT (10)
   */
  readonly maxInFlightPerTenant?: number;
  /**
   * Records per invocation.
   *
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * How long the event source gathers records before invoking.
   *
   * @default Duration.seconds(1)
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Age of the oldest message on the delivery queue that raises the backlog alarm.
   *
   * @default Duration.minutes(15)
   */
  readonly oldestMessageAgeThreshold?: Duration;
  /**
   * Retention of the function's logs.
   *
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
}

/**
 * The dispatcher: the Lambda function (`functions/dispatcher/handler.ts`) behind an SQS event
 * source on the delivery queue (batches of 10 within 1 s, partial batch responses), that delivers
 * each event to its subscriber over HTTP, retries by delaying the message (ChangeMessageVisibility),
 * and stores a dead letter when the retries run out. Outbound calls to loopback and private
 * addresses are refused (OUTBOUND_ALLOW_LOOPBACK/OUTBOUND_ALLOW_PRIVATE = false).
 *
 * It owns the alarms of the delivery path: any message on the delivery DLQ or the events DLQ, and a
 * delivery backlog (oldest message ≥ 15 minutes); the function's own errors and throttles are
 * alarmed by its {@link NodeFunction}.
 *
 * @example
 * const dispatcher = new Dispatcher(this, 'Dispatcher', {
 *   deliveryQueue: stateful.deliveryQueue,
 *   deliveryDeadLetterQueue: stateful.deliveryDeadLetterQueue,
 *   eventsDeadLetterQueue: stateful.eventsDeadLetterQueue,
 *   eventBus: stateful.eventBus,
 *   tables: stateful.tables,
 * });
 * dispatcher.deliveryDeadLetterQueueAlarm.addAlarmAction(new SnsAction(topic));
 */
export class Dispatcher extends Construct {
  /** The dispatcher function. */
  readonly function: NodeFunction;
  /** The SQS event source on the delivery queue (ReportBatchItemFailures). */
  readonly eventSource: SqsEventSource;
  /** Messages visible on the delivery DLQ ≥ 1: deliveries the dispatcher could not handle at all. */
  readonly deliveryDeadLetterQueueAlarm: Alarm;
  /** Messages visible on the events DLQ ≥ 1: events EventBridge could not put on the delivery queue. */
  readonly eventsDeadLetterQueueAlarm: Alarm;
  /** Oldest message on the delivery queue ≥ the threshold: deliveries are falling behind. */
  readonly deliveryBacklogAlarm: Alarm;

  constructor(scope: Construct, id: string, props: DispatcherProps) {
    super(scope, id);
    this.function = createManifestFunction(
      this,
      'Function',
      'dispatcher',
      {
        tables: props.tables,
        eventBus: props.eventBus,
        deliveryQueue: props.deliveryQueue,
        ...(props.reserveConcurrency === false && { reserveConcurrency: false }),
        webhookSecretKey: props.webhookSecretKey,
      },
      {
        logRetention: props.logRetention ?? RetentionDays.ONE_MONTH,
        environment: {
          EVENT_RETENTION_DAYS: String((props.eventRetention ?? Duration.days(30)).toDays()),
          WEBHOOK_MAX_IN_FLIGHT_PER_TENANT: String(props.maxInFlightPerTenant ?? DEFAULT_WEBHOOK_MAX_IN_FLIGHT),
        },
      },
    );
    const fn = this.function.function;

    this.eventSource = new SqsEventSource(props.deliveryQueue, {
      batchSize: props.batchSize ?? 10,
      maxBatchingWindow: props.maxBatchingWindow ?? Duration.seconds(1),
      reportBatchItemFailures: true,
    });
    fn.addEventSource(this.eventSource);

    const period = Duration.minutes(5);
    this.deliveryDeadLetterQueueAlarm = new Alarm(this, 'DeliveryDeadLetterQueueAlarm', {
      alarmDescription:
        'Delivery DLQ: messages the dispatcher could not handle at all (unreadable, or failing past maxReceiveCount)',
      metric: props.deliveryDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.eventsDeadLetterQueueAlarm = new Alarm(this, 'EventsDeadLetterQueueAlarm', {
      alarmDescription: 'Events DLQ: events EventBridge could not send to the delivery queue after its retries',
      metric: props.eventsDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const backlog = props.oldestMessageAgeThreshold ?? Duration.minutes(15);
    this.deliveryBacklogAlarm = new Alarm(this, 'DeliveryBacklogAlarm', {
      alarmDescription: `Delivery queue: the oldest message waited ${backlog.toHumanString()} or longer (deliveries falling behind or retrying)`,
      metric: props.deliveryQueue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' }),
      threshold: backlog.toSeconds(),
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
