import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { composeApp } from '../../../infra/app';

/** The app as `cdk synth` composes it, with cdk.json's context and `extra`. */
function build(extra: Record<string, unknown>) {
  const { context } = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const composed = composeApp(new App({ context: { ...context, ...extra } }));
  return {
    ...composed,
    apiTemplate: Template.fromStack(composed.api),
    statefulTemplate: Template.fromStack(composed.stateful),
  };
}

const nagFindings = (app: App) =>
  new AwsSolutionsChecks().validateScope(app).violations.map((v) => ({
    rule: v.ruleName,
    resources: v.violatingResources.map((r) => r.constructPath),
  }));

/** The dashboard body as CloudFormation gets it (Fn::Join of strings and tokens), flattened to text. */
const dashboardBody = (template: Template): string => {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  return JSON.stringify(dashboard?.Properties.DashboardBody);
};

describe('operations (dashboard, alarm notifications, teardown)', () => {
  describe('by default', () => {
    let built: ReturnType<typeof build>;
    beforeAll(() => {
      built = build({ stage: 'ops' });
    });

    it('has one dashboard over the metrics the functions emit, per capability', () => {
      const body = dashboardBody(built.apiTemplate);

      for (const name of [
        'Http2xx',
        'Http5xx',
        'IntegrationErrors',
        'BreakerTransitions',
        'UnhealthyInstances',
        'DeliveryLatency',
        'Deliveries',
        'DeadLetters',
        'ApproximateNumberOfMessagesVisible',
        'ApproximateAgeOfOldestMessage',
        'IntegrationAlerts',
        'AuthenticationFailures',
      ]) {
        expect(body, name).toContain(`\\"${name}\\"`);
      }
      for (const service of ['contracts', 'errors', 'events', 'mesh', 'system', 'dispatcher', 'authorizer']) {
        expect(body, service).toContain(`\\"service\\",\\"${service}\\"`);
      }
      expect(body).toContain('AgentIntegrationFramework');
      expect(body).toContain('\\"type\\":\\"alarm\\"');
      built.apiTemplate.hasOutput('DashboardUrl', {});
    });

    it('shows every alarm of the stack in the alarm widget and notifies no topic', () => {
      const alarms = Object.keys(built.apiTemplate.findResources('AWS::CloudWatch::Alarm'));
      const body = dashboardBody(built.apiTemplate);

      expect(alarms.length).toBeGreaterThan(5);
      for (const id of alarms) expect(body, id).toContain(id);
      built.apiTemplate.resourceCountIs('AWS::SNS::Topic', 0);
      built.apiTemplate.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: Match.absent() });
    });

    it('retains the data: tables deletion protected, RETAIN everywhere data lives, stateful stack termination protected', () => {
      expect(built.stateful.terminationProtection).toBe(true);
      built.statefulTemplate.allResourcesProperties('AWS::DynamoDB::GlobalTable', {
        Replicas: [Match.objectLike({ DeletionProtectionEnabled: true })],
      });
      for (const type of ['AWS::DynamoDB::GlobalTable', 'AWS::SQS::Queue', 'AWS::Events::EventBus', 'AWS::KMS::Key']) {
        built.statefulTemplate.allResources(type, { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      }
    });

    it('keeps cdk-nag clean', () => {
      expect(nagFindings(built.app)).toEqual([]);
    });
  });

  describe('with -c destroyOnRemoval=true -c alarmEmail=…', () => {
    let built: ReturnType<typeof build>;
    beforeAll(() => {
      built = build({ stage: 'feature-login-redesign', destroyOnRemoval: 'true', alarmEmail: 'ops@example.com' });
    });

    it('deletes everything on cdk destroy: no termination or deletion protection, nothing retained', () => {
      expect(built.stateful.terminationProtection).toBe(false);
      built.statefulTemplate.allResourcesProperties('AWS::DynamoDB::GlobalTable', {
        Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })],
      });
      built.apiTemplate.allResourcesProperties('AWS::Cognito::UserPool', { DeletionProtection: 'INACTIVE' });
      for (const template of [built.statefulTemplate, built.apiTemplate]) {
        const retained = Object.entries(template.toJSON().Resources as Record<string, { DeletionPolicy?: string }>)
          .filter(([, resource]) => resource.DeletionPolicy === 'Retain')
          .map(([id]) => id);
        expect(retained).toEqual([]);
      }
    });

    it('creates a KMS-encrypted, TLS-only topic with the email subscription, and every alarm notifies it on ALARM and OK', () => {
      const topics = built.apiTemplate.findResources('AWS::SNS::Topic');
      const [topicId] = Object.keys(topics);

      expect(Object.keys(topics)).toHaveLength(1);
      expect(topics[topicId!]?.Properties.KmsMasterKeyId).toBeDefined();
      built.apiTemplate.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'ops@example.com',
      });
      built.apiTemplate.hasResourceProperties('AWS::KMS::Key', {
        EnableKeyRotation: true,
        KeyPolicy: Match.objectLike({
          Statement: Match.arrayWith([
            Match.objectLike({
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            }),
          ]),
        }),
      });
      built.apiTemplate.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: Match.objectLike({
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        }),
      });
      built.apiTemplate.allResourcesProperties('AWS::CloudWatch::Alarm', {
        AlarmActions: [{ Ref: topicId }],
        OKActions: [{ Ref: topicId }],
      });
    });

    it('keeps cdk-nag clean', () => {
      expect(nagFindings(built.app)).toEqual([]);
    });
  });

  it('notifies an existing topic given with -c alarmTopicArn, creating none', () => {
    const arn = 'arn:aws:sns:eu-west-1:123456789012:ops-alarms';

    const { apiTemplate } = build({ stage: 'ops', alarmTopicArn: arn });

    apiTemplate.resourceCountIs('AWS::SNS::Topic', 0);
    apiTemplate.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [arn], OKActions: [arn] });
  });
});
