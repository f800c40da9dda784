import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IAlarmAction,
  MathExpression,
  type Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { type IEventBus, type IRuleTarget, Rule } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  FilterPattern,
  type ILogGroup,
  LogGroup,
  MetricFilter,
  ResourcePolicy,
  RetentionDays,
} from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { AUDIT_EVENT_SOURCE } from '../../shared/adapters/audit/event-audit-trail';

/** CloudWatch namespace of the audit metrics (the functions' POWERTOOLS_METRICS_NAMESPACE). */
const NAMESPACE = 'AgentIntegrationFramework';

/** Props of {@link AuditLog}. */
export interface AuditLogProps {
  /** The framework's bus: every `aif.audit` event on it is written to the log group. */
  readonly eventBus: IEventBus;
  /**
   * How long the audit log group keeps records.
   *
   * @default RetentionDays.ONE_YEAR
   */
  readonly retention?: RetentionDays;
}

/**
 * The audit trail's long-term home in AWS: a dedicated CloudWatch log group (retained on stack
 * deletion) and an EventBridge rule sending `source: ["aif.audit"]` from the bus to it, with the
 * log group resource policy that lets EventBridge write there (what the CDK `CloudWatchLogGroup`
 * target installs, here as a plain `AWS::Logs::ResourcePolicy` instead of its custom-resource
 * Lambda). A metric filter counts denials (`AuditDenials`: records whose outcome is `denied`).
 *
 * @example new AuditLog(this, 'AuditLog', { eventBus: this.eventBus, retention: RetentionDays.ONE_YEAR });
 */
export class AuditLog extends Construct {
  readonly logGroup: LogGroup;
  readonly rule: Rule;
  /** Records with outcome `denied`, per period (sum). */
  readonly denials: Metric;

  constructor(scope: Construct, id: string, props: AuditLogProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.retention ?? RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.rule = new Rule(this, 'Rule', {
      eventBus: props.eventBus,
      description: 'Audit records (aif.audit) to the audit log group',
      eventPattern: { source: [AUDIT_EVENT_SOURCE] },
    });
    const { logGroupName } = this.logGroup;
    const stack = Stack.of(this);
    // EventBridge's target ARN of a log group is the group's ARN without the trailing `:*`.
    const logGroupArn = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: logGroupName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const target: IRuleTarget = { bind: () => ({ arn: logGroupArn }) };
    this.rule.addTarget(target);
    new ResourcePolicy(this, 'EventsCanWrite', {
      policyStatements: [
        new PolicyStatement({
          principals: [
            new ServicePrincipal('events.amazonaws.com'),
            new ServicePrincipal('delivery.logs.amazonaws.com'),
          ],
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [this.logGroup.logGroupArn],
        }),
      ],
    });
    const filter = new MetricFilter(this, 'DenialsFilter', {
      logGroup: this.logGroup,
      metricNamespace: NAMESPACE,
      metricName: 'AuditDenials',
      // The log event is the EventBridge event; its detail is the IntegrationEvent, whose payload the record.
      filterPattern: FilterPattern.stringValue('$.detail.payload.outcome', '=', 'denied'),
      metricValue: '1',
    });
    this.denials = filter.metric({ statistic: 'Sum', period: Duration.minutes(5) });
  }
}

/** Props of {@link AuthFailureAlarm}. */
export interface AuthFailureAlarmProps {
  /** The API's access log group (JSON lines with a `status` field). */
  readonly accessLogGroup: ILogGroup;
  /**
   * 401 and 403 answers per period that raise the alarm.
   *
   * @default 50
   */
  readonly threshold?: number;
  /** @default Duration.minutes(5) */
  readonly period?: Duration;
  /** Where the alarm goes (an SNS topic's action…). @default none — the stack's alarms have no actions yet */
  readonly alarmActions?: readonly IAlarmAction[];
}

/**
 * Counts every 401 and 403 the API answers from its access log (`GatewayAuthFailures`) — including
 * those API Gateway answers without running any code (a missing `Authorization` header, a cached
 * authorizer policy that does not allow the method), which no function can audit — and alarms on
 * bursts of them.
 *
 * @example new AuthFailureAlarm(this, 'AuthFailures', { accessLogGroup: api.accessLogGroup, threshold: 50 });
 */
export class AuthFailureAlarm extends Construct {
  /** 401/403 answers per period (sum). */
  readonly authFailures: Metric;
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: AuthFailureAlarmProps) {
    super(scope, id);
    const period = props.period ?? Duration.minutes(5);
    const filter = new MetricFilter(this, 'AccessLogFilter', {
      logGroup: props.accessLogGroup,
      metricNamespace: NAMESPACE,
      metricName: 'GatewayAuthFailures',
      // The access log format quotes `$context.status`: it is a JSON string.
      filterPattern: FilterPattern.any(
        FilterPattern.stringValue('$.status', '=', '401'),
        FilterPattern.stringValue('$.status', '=', '403'),
      ),
      metricValue: '1',
    });
    this.authFailures = filter.metric({ statistic: 'Sum', period });
    this.alarm = new Alarm(this, 'Alarm', {
      alarmDescription: 'Bursts of authentication/authorization failures (401/403) on the API',
      metric: new MathExpression({
        expression: 'FILL(m0, 0)',
        usingMetrics: { m0: this.authFailures },
        label: '401/403 answers',
        period,
      }),
      threshold: props.threshold ?? 50,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    for (const action of props.alarmActions ?? []) this.alarm.addAlarmAction(action);
  }
}
