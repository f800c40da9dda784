import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { functionManifest } from '../../functions/manifest';
import {
  DEFAULT_MAX_CHECKS_PER_RUN,
  healthCheckSpreadMs,
  MAX_CHECKS_PER_RUN_LIMIT,
} from '../../shared/domain/mesh/health-check-budget';
import { createManifestFunction } from './manifest-function';
import { acknowledgeWildcardResource } from './nag';
import type { NodeFunction } from './node-function';

/** Props of the {@link HealthCheck}. */
export interface HealthCheckProps {
  /** Reserve the manifest's concurrency for the function (`FunctionResources.reserveConcurrency`). @default true */
  readonly reserveConcurrency?: boolean;
  /**
   * The tables keyed by definition id; the function manifest's `health-check` record says which it
   * uses: the mesh registry (instances read, their status and last check written, stale ones
   * deregistered) and the error policies (read: the DynamoDB client's retries follow them).
   */
  readonly tables: Readonly<Record<string, ITableV2>>;
  /** The framework's bus: `mesh.instance.status-changed` events are published there. */
  readonly eventBus: IEventBus;
  /**
   * How often the check runs: a rate schedule, whole minutes.
   *
   * @default Duration.minutes(1)
   */
  readonly interval?: Duration;
  /**
   * How long an instance may fail its checks before it is reported stale (STALE_INSTANCE_AFTER_MS);
   * at least one minute.
   *
   * @default Duration.minutes(10)
   */
  readonly staleInstanceAfter?: Duration;
  /**
   * Deregister stale instances instead of only reporting them (DEREGISTER_STALE).
   *
   * @default false
   */
  readonly deregisterStale?: boolean;
  /**
   * Most instances one run checks (HEALTH_CHECK_MAX_PER_RUN), the least recently checked first; the
   * others wait for the next runs (the `DeferredInstances` metric); 1–10 000. Each run also spreads
   * its check starts over HEALTH_CHECK_SPREAD_MS = min(interval, function timeout) − 15 s, in
   * milliseconds (45 000 with the defaults: 1-minute interval, 60 s timeout).
   *
   * @default 500
   */
  readonly maxChecksPerRun?: number;
  /**
   * Times EventBridge Scheduler retries an invocation Lambda did not accept (throttled, unavailable);
   * 0–185.
   *
   * @default 2
   */
  readonly retryAttempts?: number;
  /**
   * Unhealthy instances in one run that raise the unhealthy-instances alarm.
   *
   * @default 1
   */
  readonly unhealthyInstancesThreshold?: number;
  /**
   * Retention of the function's logs.
   *
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
}

/**
 * The mesh's scheduled health check: the Lambda function `functions/health-check/handler.ts`,
 * invoked by an EventBridge Scheduler rate schedule, that probes every registered instance, records
 * its status in the mesh table, publishes status changes to the bus and reports (optionally
 * deregisters) instances failing longer than `staleInstanceAfter`. Probes obey the same outbound
 * policy as registrations: loopback and private addresses are refused.
 *
 * Failed invocations are not retried late: a check that did not run is superseded by the next one.
 * The scheduler retries only invocations Lambda did not accept, within one interval, and Lambda
 * does not retry a failed run; both kinds of failure land on the {@link deadLetterQueue}.
 *
 * Alarms: the function's errors and throttles (its {@link NodeFunction}), any message on the
 * dead-letter queue, and unhealthy instances (the handler's `UnhealthyInstances` metric, maximum of
 * a run within 5 minutes, ≥ `unhealthyInstancesThreshold`).
 *
 * Outbound budget: a run checks at most `maxChecksPerRun` instances, the least recently checked
 * first, and spreads their starts over min(interval, function timeout) − 15 s rather than one burst
 * at the top of the interval.
 *
 * @throws {Error} when `interval` is not a whole number of minutes (at least one), `staleInstanceAfter`
 *   is shorter than a minute, `retryAttempts` is outside 0–185, or `maxChecksPerRun` is not a whole
 *   number from 1 to 10 000
 * @example
 * const healthCheck = new HealthCheck(this, 'HealthCheck', {
 *   tables: stateful.tables,
 *   eventBus: stateful.eventBus,
 *   interval: Duration.minutes(1),
 * });
 * healthCheck.unhealthyInstancesAlarm.addAlarmAction(new SnsAction(topic));
 */
export class HealthCheck extends Construct {
  /** The health-check function. */
  readonly function: NodeFunction;
  /** The rate schedule that invokes the function. */
  readonly schedule: Schedule;
  /** The schedule's execution role: invokes the function, sends to the dead-letter queue. */
  readonly scheduleRole: Role;
  /** Invocations that failed: not accepted by Lambda after the scheduler's retries, or failed runs. */
  readonly deadLetterQueue: Queue;
  /** Messages visible on the dead-letter queue ≥ 1. */
  readonly deadLetterQueueAlarm: Alarm;
  /** `UnhealthyInstances` of a run ≥ the threshold within 5 minutes. */
  readonly unhealthyInstancesAlarm: Alarm;

  constructor(scope: Construct, id: string, props: HealthCheckProps) {
    super(scope, id);
    const { interval, staleAfter, retryAttempts } = checkedTiming(props);
    const maxChecksPerRun = checkedMaxChecksPerRun(props.maxChecksPerRun);
    // The checks are paced over the run itself: the window must end before the function's timeout.
    const timeout = Duration.seconds(functionManifest['health-check'].timeoutSeconds);
    const spreadMs = healthCheckSpreadMs(interval.toMilliseconds(), timeout.toMilliseconds());
    this.function = createManifestFunction(
      this,
      'Function',
      'health-check',
      {
        tables: props.tables,
        eventBus: props.eventBus,
        ...(props.reserveConcurrency === false && { reserveConcurrency: false }),
      },
      {
        logRetention: props.logRetention ?? RetentionDays.ONE_MONTH,
        environment: {
          STALE_INSTANCE_AFTER_MS: String(staleAfter.toMilliseconds()),
          DEREGISTER_STALE: String(props.deregisterStale ?? false),
          HEALTH_CHECK_MAX_PER_RUN: String(maxChecksPerRun),
          HEALTH_CHECK_SPREAD_MS: String(spreadMs),
        },
      },
    );
    const fn = this.function.function;
    this.deadLetterQueue = this.createDeadLetterQueue();

    // A run is worth doing only before the next one is due: no retry runs beside a scheduled one.
    // (Lambda keeps an asynchronous event at most 6 hours, the scheduler 24.)
    const maxEventAge = Duration.seconds(Math.min(interval.toSeconds(), 21_600));
    fn.configureAsyncInvoke({ retryAttempts: 0, maxEventAge, onFailure: new SqsDestination(this.deadLetterQueue) });
    this.scheduleRole = this.createScheduleRole();
    this.schedule = new Schedule(this, 'Schedule', {
      description: `Agent Integration Framework: health checks of the mesh instances, every ${interval.toHumanString()}`,
      schedule: ScheduleExpression.rate(interval),
      target: new LambdaInvoke(fn, {
        role: this.scheduleRole,
        retryAttempts,
        maxEventAge,
        deadLetterQueue: this.deadLetterQueue,
      }),
    });
    acknowledgeWildcardResource(
      this.scheduleRole,
      `${fn.functionArn}:*`,
      "CDK's grantInvoke also covers the function's versions and aliases (<function ARN>:*); the wildcard reaches only this one function, and only EventBridge Scheduler may assume the role, for this account's schedules.",
    );

    const period = Duration.minutes(5);
    this.deadLetterQueueAlarm = new Alarm(this, 'DeadLetterQueueAlarm', {
      alarmDescription: 'Health check DLQ: scheduled health checks that could not be invoked or failed',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      ...ALARM_ON_ANY,
      threshold: 1,
    });
    const threshold = props.unhealthyInstancesThreshold ?? 1;
    this.unhealthyInstancesAlarm = new Alarm(this, 'UnhealthyInstancesAlarm', {
      alarmDescription: `Mesh: ${threshold} or more registered instances failed their health checks`,
      metric: this.metricUnhealthyInstances({ period }),
      ...ALARM_ON_ANY,
      threshold,
    });
  }

  /** The queue for invocations that failed (the schedule target's and the function's own). */
  private createDeadLetterQueue(): Queue {
    const queue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is the dead-letter queue of the health check's schedule target and of the function's asynchronous invocations; a DLQ of a DLQ would only move the problem. Its depth is alarmed.",
    });
    return queue;
  }

  /**
   * The scheduler's execution role, here rather than the one the target would create at stack
   * level: only EventBridge Scheduler may assume it, for schedules of this account's default group.
   */
  private createScheduleRole(): Role {
    const stack = Stack.of(this);
    return new Role(this, 'ScheduleRole', {
      description: 'EventBridge Scheduler: invokes the health-check function and sends failed invocations to its DLQ',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': stack.account,
            'aws:SourceArn': stack.formatArn({
              service: 'scheduler',
              resource: 'schedule-group',
              resourceName: 'default',
              arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
            }),
          },
        },
      }),
    });
  }

  /**
   * Unhealthy instances found by a run (the handler's `UnhealthyInstances` metric, namespace
   * `AgentIntegrationFramework`, dimension `service = health-check`): a gauge, so the maximum.
   *
   * @param options - period (default 5 minutes) and statistic (default `Maximum`)
   */
  metricUnhealthyInstances(options: { period?: Duration; statistic?: string } = {}): Metric {
    return new Metric({
      namespace: 'AgentIntegrationFramework',
      metricName: 'UnhealthyInstances',
      dimensionsMap: { service: 'health-check' },
      statistic: options.statistic ?? 'Maximum',
      period: options.period ?? Duration.minutes(5),
    });
  }
}

/** What both alarms share: one 5-minute period at or above the threshold; no data is no alarm. */
const ALARM_ON_ANY = {
  evaluationPeriods: 1,
  comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  treatMissingData: TreatMissingData.NOT_BREACHING,
} as const;

/**
 * The props' timing, with their defaults, checked.
 *
 * @throws {Error} when `interval` is not a whole number of minutes (at least one), `staleInstanceAfter`
 *   is shorter than a minute, or `retryAttempts` is outside 0–185 (EventBridge Scheduler's limit)
 */
function checkedTiming(props: HealthCheckProps): { interval: Duration; staleAfter: Duration; retryAttempts: number } {
  const interval = props.interval ?? Duration.minutes(1);
  const intervalMinutes = interval.toMinutes({ integral: false });
  if (!Number.isInteger(intervalMinutes) || intervalMinutes < 1) {
    throw new Error(`HealthCheck interval must be a whole number of minutes, got ${interval.toHumanString()}`);
  }
  const staleAfter = props.staleInstanceAfter ?? Duration.minutes(10);
  if (staleAfter.toMilliseconds() < 60_000) {
    throw new Error(`HealthCheck staleInstanceAfter must be at least 1 minute, got ${staleAfter.toHumanString()}`);
  }
  const retryAttempts = props.retryAttempts ?? 2;
  if (!Number.isInteger(retryAttempts) || retryAttempts < 0 || retryAttempts > 185) {
    throw new Error(`HealthCheck retryAttempts must be a whole number from 0 to 185, got ${retryAttempts}`);
  }
  return { interval, staleAfter, retryAttempts };
}

/**
 * `maxChecksPerRun` with its default, checked.
 *
 * @throws {Error} when it is not a whole number from 1 to 10 000
 */
function checkedMaxChecksPerRun(value: number | undefined): number {
  const max = value ?? DEFAULT_MAX_CHECKS_PER_RUN;
  if (!Number.isInteger(max) || max < 1 || max > MAX_CHECKS_PER_RUN_LIMIT) {
    throw new Error(
      `HealthCheck maxChecksPerRun must be a whole number from 1 to ${MAX_CHECKS_PER_RUN_LIMIT}, got ${max}`,
    );
  }
  return max;
}
