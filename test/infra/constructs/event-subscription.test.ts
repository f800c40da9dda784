import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { type CfnEventBus, type CfnRule, EventBus } from 'aws-cdk-lib/aws-events';
import { type CfnFunction, Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import type { CfnQueue, Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { EventSubscription, type EventSubscriptionProps } from '../../../infra/constructs/event-subscription';

type CfnResource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };
type Statement = { Effect: string; Action: string | string[]; Principal?: unknown; Condition?: unknown };

/** A user's stack: a bus, a handler (30 s timeout) and the subscription under test. */
function buildStack(props: Partial<EventSubscriptionProps> = {}) {
  const stack = new Stack(new App(), 'Consumer');
  const eventBus = new EventBus(stack, 'Bus');
  const handler = new LambdaFunction(stack, 'Handler', {
    runtime: Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
    timeout: Duration.seconds(30),
  });
  const subscription = new EventSubscription(stack, 'OrdersCreated', {
    eventBus,
    eventPattern: { detailType: ['order.created'] },
    handler,
    ...props,
  });
  const template = Template.fromStack(stack);
  const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as CfnQueue | CfnRule | CfnEventBus | CfnFunction);
  const queueArn = (queue: Queue) => ({ 'Fn::GetAtt': [logicalId(queue), 'Arn'] });
  return { stack, eventBus, handler, subscription, template, logicalId, queueArn };
}

describe('EventSubscription', () => {
  describe('rule', () => {
    it('matches the event pattern on the bus and targets the queue with an explicit RetryPolicy and DeadLetterConfig', () => {
      // Prepare / Act
      const { template, subscription, eventBus, logicalId, queueArn } = buildStack();

      // Assess
      template.resourceCountIs('AWS::Events::Rule', 1);
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: { Ref: logicalId(eventBus) },
        EventPattern: { 'detail-type': ['order.created'] },
        State: 'ENABLED',
        Targets: [
          {
            Arn: queueArn(subscription.queue),
            Id: Match.anyValue(),
            RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
            DeadLetterConfig: { Arn: queueArn(subscription.targetDeadLetterQueue) },
          },
        ],
      });
    });

    it('uses the retry settings it is given', () => {
      const { template } = buildStack({ retryAttempts: 10, maxEventAge: Duration.hours(2) });

      template.hasResourceProperties('AWS::Events::Rule', {
        Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 7200 } })],
      });
    });

    it.each([
      ['queue', 'queue'],
      ['target DLQ', 'targetDeadLetterQueue'],
    ] as const)('lets only this rule send to the %s, over TLS', (_name, property) => {
      // Prepare
      const { template, subscription, logicalId } = buildStack();
      const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy')) as CfnResource[];

      // Act
      const policy = policies.find(
        (p) => JSON.stringify(p.Properties.Queues) === JSON.stringify([{ Ref: logicalId(subscription[property]) }]),
      );
      const statements = (policy!.Properties.PolicyDocument as { Statement: Statement[] }).Statement;

      // Assess
      const allows = statements.filter((s) => s.Effect === 'Allow');
      expect(allows).toHaveLength(1);
      expect([allows[0]!.Action].flat()).toContain('sqs:SendMessage');
      expect(allows[0]).toMatchObject({
        Principal: { Service: 'events.amazonaws.com' },
        Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalId(subscription.rule), 'Arn'] } } },
      });
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    });
  });

  describe('queues', () => {
    it('redrives the queue to its DLQ after 5 receives by default and times visibility at six times the handler timeout', () => {
      const { template, subscription, logicalId, queueArn } = buildStack();

      const queue = template.toJSON().Resources[logicalId(subscription.queue)] as CfnResource;

      expect(queue.Properties).toMatchObject({
        VisibilityTimeout: 180,
        RedrivePolicy: { deadLetterTargetArn: queueArn(subscription.deadLetterQueue), maxReceiveCount: 5 },
      });
    });

    it('uses the maxReceiveCount it is given', () => {
      const { template, subscription, logicalId } = buildStack({ maxReceiveCount: 3 });

      const queue = template.toJSON().Resources[logicalId(subscription.queue)] as CfnResource;

      expect(queue.Properties.RedrivePolicy).toMatchObject({ maxReceiveCount: 3 });
    });

    it('times visibility at 15 minutes when the handler timeout is unknown', () => {
      // Prepare
      const stack = new Stack(new App(), 'Consumer');
      const handler = LambdaFunction.fromFunctionArn(
        stack,
        'Imported',
        'arn:aws:lambda:eu-west-1:123456789012:function:orders',
      );

      // Act
      const subscription = new EventSubscription(stack, 'Sub', {
        eventBus: EventBus.fromEventBusName(stack, 'Bus', 'aif-bus'),
        eventPattern: { source: ['orders'] },
        handler,
      });

      // Assess
      const queue = Template.fromStack(stack).toJSON().Resources[
        stack.getLogicalId(subscription.queue.node.defaultChild as CfnQueue)
      ] as CfnResource;
      expect(queue.Properties.VisibilityTimeout).toBe(900);
    });

    it('encrypts all three queues, keeps messages 14 days and retains them by default', () => {
      const { template } = buildStack();

      const queues = Object.values(template.findResources('AWS::SQS::Queue')) as CfnResource[];

      expect(queues).toHaveLength(3);
      for (const queue of queues) {
        expect(queue.DeletionPolicy).toBe('Retain');
        expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
      }
    });

    it('applies the removal policy it is given', () => {
      const { template } = buildStack({ removalPolicy: RemovalPolicy.DESTROY });

      const queues = Object.values(template.findResources('AWS::SQS::Queue')) as CfnResource[];

      expect(queues.map((q) => q.DeletionPolicy)).toEqual(['Delete', 'Delete', 'Delete']);
    });
  });

  describe('event source', () => {
    it('invokes the handler with batches of 10 and partial batch failures', () => {
      const { template, subscription, handler, logicalId, queueArn } = buildStack();

      template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: logicalId(handler) },
        EventSourceArn: queueArn(subscription.queue),
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    });

    it('uses the batch size it is given', () => {
      const { template } = buildStack({ batchSize: 5 });

      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 5 });
    });
  });

  describe('alarms', () => {
    it('alarms on any message in either dead-letter queue', () => {
      // Prepare
      const { template, subscription } = buildStack();
      const alarmOn = (queue: Queue) =>
        Object.values(
          template.findResources('AWS::CloudWatch::Alarm', {
            Properties: {
              Namespace: 'AWS/SQS',
              MetricName: 'ApproximateNumberOfMessagesVisible',
              Dimensions: [
                {
                  Name: 'QueueName',
                  Value: {
                    'Fn::GetAtt': [Stack.of(queue).getLogicalId(queue.node.defaultChild as CfnQueue), 'QueueName'],
                  },
                },
              ],
            },
          }),
        ) as CfnResource[];

      // Act
      const alarms = [alarmOn(subscription.deadLetterQueue), alarmOn(subscription.targetDeadLetterQueue)];

      // Assess
      for (const found of alarms) {
        expect(found).toHaveLength(1);
        expect(found[0]!.Properties).toMatchObject({
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
        });
      }
      expect(subscription.deadLetterQueueAlarm).toBeDefined();
      expect(subscription.targetDeadLetterQueueAlarm).toBeDefined();
    });
  });

  describe('cdk-nag', () => {
    it('reports no unacknowledged AwsSolutions findings on the construct', () => {
      // Prepare
      const { subscription } = buildStack();

      // Act
      const { violations } = new AwsSolutionsChecks().validateScope(subscription);

      // Assess
      const findings = violations.map((v) => ({
        rule: v.ruleName,
        resources: v.violatingResources.map((r) => r.constructPath),
      }));
      expect(findings, JSON.stringify(findings, null, 2)).toEqual([]);
    });
  });

  describe('validation', () => {
    it.each([
      [{ maxReceiveCount: 0 }, /maxReceiveCount/],
      [{ maxReceiveCount: 1001 }, /maxReceiveCount/],
      [{ retryAttempts: 186 }, /retryAttempts/],
      [{ retryAttempts: -1 }, /retryAttempts/],
      [{ maxEventAge: Duration.seconds(30) }, /maxEventAge/],
      [{ maxEventAge: Duration.hours(25) }, /maxEventAge/],
      [{ batchSize: 0 }, /batchSize/],
      [{ batchSize: 11 }, /batchSize/],
      [{ visibilityTimeout: Duration.hours(13) }, /visibilityTimeout/],
    ] as Array<[Partial<EventSubscriptionProps>, RegExp]>)('rejects %o', (props, message) => {
      expect(() => buildStack(props)).toThrow(message);
    });
  });
});
