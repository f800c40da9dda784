import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { type CfnEventBus, EventBus } from 'aws-cdk-lib/aws-events';
import { type CfnLogGroup, LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { AuditLog, AuthFailureAlarm } from '../../../infra/constructs/audit-trail';

/** A stack with a bus, the audit log on it, an access log group and the auth-failure alarm on it. */
function buildStack(props: { retention?: RetentionDays; threshold?: number } = {}) {
  const app = new App();
  const stack = new Stack(app, 'Audit');
  const eventBus = new EventBus(stack, 'Bus');
  const audit = new AuditLog(stack, 'AuditLog', { eventBus, ...(props.retention && { retention: props.retention }) });
  const accessLogGroup = new LogGroup(stack, 'AccessLogs', { retention: RetentionDays.ONE_MONTH });
  const alarm = new AuthFailureAlarm(stack, 'AuthFailures', {
    accessLogGroup,
    ...(props.threshold && { threshold: props.threshold }),
  });
  const template = Template.fromStack(stack);
  const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as CfnLogGroup | CfnEventBus);
  return { app, stack, eventBus, audit, accessLogGroup, alarm, template, logicalId };
}

describe('AuditLog', () => {
  it('keeps the audit log group a year by default, retained when the stack is deleted', () => {
    // Prepare / Act
    const { template } = buildStack();

    // Assess
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 365 },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('keeps it as long as configured', () => {
    const { template } = buildStack({ retention: RetentionDays.TEN_YEARS });

    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 3653 });
  });

  it('sends source aif.audit from the bus to the log group, which lets EventBridge write to it', () => {
    // Prepare / Act
    const { template, eventBus, audit, logicalId } = buildStack();

    // Assess
    const group = logicalId(audit.logGroup);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: logicalId(eventBus) },
      EventPattern: { source: ['aif.audit'] },
      Targets: [
        {
          Arn: {
            'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':log-group:'), { Ref: group }])],
          },
          Id: Match.anyValue(),
        },
      ],
    });
    const policies = template.findResources('AWS::Logs::ResourcePolicy');
    const documents = Object.values(policies).map((p) => JSON.stringify(p.Properties.PolicyDocument));
    expect(documents).toHaveLength(1);
    expect(documents[0]).toContain('events.amazonaws.com');
    expect(documents[0]).toContain('logs:PutLogEvents');
    expect(documents[0]).toContain(group);
  });

  it('counts denials from the records with a metric filter', () => {
    const { template, audit, logicalId } = buildStack();

    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: logicalId(audit.logGroup) },
      FilterPattern: '{ $.detail.payload.outcome = "denied" }',
      MetricTransformations: [
        { MetricName: 'AuditDenials', MetricNamespace: 'AgentIntegrationFramework', MetricValue: '1' },
      ],
    });
  });
});

describe('AuthFailureAlarm', () => {
  it('counts every 401 and 403 of the access log, including those API Gateway answers without code', () => {
    const { template, accessLogGroup, logicalId } = buildStack();

    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: logicalId(accessLogGroup) },
      FilterPattern: '{ ($.status = "401") || ($.status = "403") }',
      MetricTransformations: [{ MetricName: 'GatewayAuthFailures', MetricValue: '1' }],
    });
  });

  it('alarms on a burst of them at the configured threshold', () => {
    // Prepare / Act
    const { template } = buildStack({ threshold: 20 });

    // Assess
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 20,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      Metrics: Match.arrayWith([
        Match.objectLike({
          MetricStat: Match.objectLike({
            Metric: { MetricName: 'GatewayAuthFailures', Namespace: 'AgentIntegrationFramework' },
            Period: 300,
            Stat: 'Sum',
          }),
        }),
      ]),
    });
  });

  it('passes the AwsSolutions checks', () => {
    const { app } = buildStack();

    const { violations } = new AwsSolutionsChecks().validateScope(app);

    expect(violations.map((v) => v.ruleName)).toEqual([]);
  });
});
