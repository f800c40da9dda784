import {
  AccessDeniedException,
  DeleteRuleCommand,
  EventBridgeClient,
  InternalException,
  InvalidEventPatternException,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  ResourceNotFoundException,
  ThrottlingException,
} from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EventBridgeSubscriptionRules,
  type EventBridgeSubscriptionRulesOptions,
  subscriptionRuleName,
} from '../../../../../shared/adapters/eventbridge/subscription-rules';
import { DependencyUnavailableError } from '../../../../../shared/domain/errors';
import type { Subscription } from '../../../../../shared/domain/events/subscription';
import { rejectionOf } from '../../../../support/rejection';
import { PLACEHOLDER_SECRET } from '../../../../support/secrets';

const eventBridge = mockClient(EventBridgeClient);

const OPTIONS: EventBridgeSubscriptionRulesOptions = {
  eventBusName: 'aif-dev-bus',
  rulePrefix: 'aif-dev-sub-',
  deliveryQueueArn: 'arn:aws:sqs:eu-west-1:123456789012:aif-dev-delivery',
  deadLetterQueueArn: 'arn:aws:sqs:eu-west-1:123456789012:aif-dev-delivery-dlq',
};
const OWNER = { tenant: 'acme', principal: 'agent-1' };
/** The rule of acme's orders-sub: the prefix, the id, and a digest of tenant and id. */
const RULE_NAME = subscriptionRuleName('aif-dev-sub-', { tenant: 'acme', id: 'orders-sub' });
const RULE_ARN = `arn:aws:events:eu-west-1:123456789012:rule/aif-dev-bus/${RULE_NAME}`;
const TENANT_CONDITION = { metadata: { 'aif-tenant': ['acme'] } };

const subscription: Subscription = {
  owner: OWNER,
  id: 'orders-sub',
  eventType: 'order.created',
  filter: { total: [{ numeric: ['>', 100] }] },
  target: { type: 'webhook', url: 'https://hooks.example.com/orders', secrets: [PLACEHOLDER_SECRET] },
  maxRetries: 5,
  retryPolicy: { backoffStrategy: 'exponential', initialDelayMs: 1_000, maxDelayMs: 60_000, jitter: 'full' },
  timeoutMs: 10_000,
  priority: 0,
  status: 'provisioning',
  createdAt: '2026-11-30T10:00:00.000Z',
};

const rules = (options: Partial<EventBridgeSubscriptionRulesOptions> = {}) =>
  new EventBridgeSubscriptionRules(new EventBridgeClient({}), { ...OPTIONS, ...options });

const notFound = () =>
  new ResourceNotFoundException({ message: 'Rule does not exist', $metadata: { httpStatusCode: 400 } });

describe('EventBridgeSubscriptionRules', () => {
  afterEach(() => {
    eventBridge.reset();
  });

  describe('subscriptionRuleName', () => {
    it("names two tenants' subscriptions of one id apart, within 64 characters of the rule alphabet", () => {
      // Prepare
      const longId = 'x'.repeat(40);

      // Act
      const acme = subscriptionRuleName('aif-dev-sub-', { tenant: 'acme', id: 'orders-sub' });
      const globex = subscriptionRuleName('aif-dev-sub-', { tenant: 'globex', id: 'orders-sub' });
      const longest = subscriptionRuleName('p'.repeat(24), { tenant: 'a tenant/with#odd chars', id: longId });

      // Assess
      expect(acme).toMatch(/^aif-dev-sub-orders-sub-[0-9a-f]{16}$/);
      expect(globex).not.toBe(acme);
      expect(longest).toHaveLength(64);
      expect(longest).toMatch(/^[.\-_A-Za-z0-9]+$/);
      expect(subscriptionRuleName('aif-dev-sub-', { tenant: 'acme', id: 'orders-sub' })).toBe(acme);
    });
  });

  describe('put', () => {
    it('escapes angle brackets of a tenant in the input template, so no tenant reads as a placeholder', async () => {
      // Prepare
      eventBridge.on(PutRuleCommand).resolves({ RuleArn: RULE_ARN });
      eventBridge.on(PutTargetsCommand).resolves({ FailedEntryCount: 0 });

      // Act
      await rules().put({ ...subscription, owner: { tenant: '<event>', principal: 'p' } });

      // Assess
      const template = eventBridge.commandCalls(PutTargetsCommand)[0]!.args[0].input.Targets?.[0]?.InputTransformer
        ?.InputTemplate as string;
      expect(template).toBe('{"tenant":"\\u003cevent\\u003e","subscriptionId":"orders-sub","event":<event>}');
      expect(JSON.parse(template.replace('<event>', '{}')).tenant).toBe('<event>');
    });

    it('puts the rule with the subscription pattern, then the delivery target with retry policy and DLQ', async () => {
      // Prepare
      eventBridge.on(PutRuleCommand).resolves({ RuleArn: RULE_ARN });
      eventBridge.on(PutTargetsCommand).resolves({ FailedEntryCount: 0, FailedEntries: [] });

      // Act
      const result = await rules().put(subscription);

      // Assess
      expect(result).toEqual({ ruleArn: RULE_ARN });
      expect(eventBridge.calls().map((call) => call.args[0].constructor.name)).toEqual([
        'PutRuleCommand',
        'PutTargetsCommand',
      ]);
      const putRule = eventBridge.commandCalls(PutRuleCommand)[0]!.args[0].input;
      expect(putRule).toEqual({
        Name: RULE_NAME,
        EventBusName: 'aif-dev-bus',
        EventPattern: JSON.stringify({
          'detail-type': ['order.created'],
          detail: { payload: { total: [{ numeric: ['>', 100] }] }, ...TENANT_CONDITION },
        }),
        State: 'ENABLED',
        Description: 'Subscription orders-sub of tenant acme: order.created to the delivery queue',
      });
      const putTargets = eventBridge.commandCalls(PutTargetsCommand)[0]!.args[0].input;
      expect(putTargets).toEqual({
        Rule: RULE_NAME,
        EventBusName: 'aif-dev-bus',
        Targets: [
          {
            Id: 'delivery',
            Arn: 'arn:aws:sqs:eu-west-1:123456789012:aif-dev-delivery',
            InputTransformer: {
              InputPathsMap: { event: '$.detail' },
              InputTemplate: '{"tenant":"acme","subscriptionId":"orders-sub","event":<event>}',
            },
            RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
            DeadLetterConfig: { Arn: 'arn:aws:sqs:eu-west-1:123456789012:aif-dev-delivery-dlq' },
          },
        ],
      });
    });

    it('uses the configured retry policy and a pattern without payload filter when there is none', async () => {
      // Prepare
      eventBridge.on(PutRuleCommand).resolves({ RuleArn: RULE_ARN });
      eventBridge.on(PutTargetsCommand).resolves({ FailedEntryCount: 0 });
      const { filter: _filter, ...unfiltered } = subscription;

      // Act
      await rules({ maximumRetryAttempts: 0, maximumEventAgeSeconds: 60 }).put(unfiltered);

      // Assess
      expect(eventBridge.commandCalls(PutRuleCommand)[0]!.args[0].input.EventPattern).toBe(
        '{"detail-type":["order.created"],"detail":{"metadata":{"aif-tenant":["acme"]}}}',
      );
      expect(eventBridge.commandCalls(PutTargetsCommand)[0]!.args[0].input.Targets?.[0]?.RetryPolicy).toEqual({
        MaximumRetryAttempts: 0,
        MaximumEventAgeInSeconds: 60,
      });
    });

    it('fails when PutTargets reports a failed entry, naming its error code', async () => {
      // Prepare
      eventBridge.on(PutRuleCommand).resolves({ RuleArn: RULE_ARN });
      eventBridge.on(PutTargetsCommand).resolves({
        FailedEntryCount: 1,
        FailedEntries: [
          { TargetId: 'delivery', ErrorCode: 'AccessDeniedException', ErrorMessage: 'no sqs:SendMessage' },
        ],
      });

      // Act
      const error = await rejectionOf<Error>(rules().put(subscription));

      // Assess
      expect(error).not.toBeInstanceOf(DependencyUnavailableError);
      expect(error.message).toBe(`PutTargets failed for rule ${RULE_NAME}: AccessDeniedException (no sqs:SendMessage)`);
    });

    it('fails with DependencyUnavailableError when PutTargets reports a retryable failed entry', async () => {
      // Prepare
      eventBridge.on(PutRuleCommand).resolves({ RuleArn: RULE_ARN });
      eventBridge.on(PutTargetsCommand).resolves({
        FailedEntryCount: 1,
        FailedEntries: [{ TargetId: 'delivery', ErrorCode: 'ConcurrentModificationException' }],
      });

      // Act / Assess
      await expect(rules().put(subscription)).rejects.toBeInstanceOf(DependencyUnavailableError);
    });

    it('fails with DependencyUnavailableError when EventBridge throttles or fails, and rethrows refusals', async () => {
      // Prepare
      const throttled = new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
      const internal = new InternalException({ message: 'oops', $metadata: { httpStatusCode: 500 } });
      const badPattern = new InvalidEventPatternException({ message: 'bad', $metadata: { httpStatusCode: 400 } });

      // Act / Assess
      eventBridge.on(PutRuleCommand).rejects(throttled);
      const first = await rejectionOf<DependencyUnavailableError>(rules().put(subscription));
      expect(first).toBeInstanceOf(DependencyUnavailableError);
      expect(first.cause).toBe(throttled);
      expect(eventBridge.commandCalls(PutTargetsCommand)).toHaveLength(0);

      eventBridge.reset();
      eventBridge.on(PutRuleCommand).resolves({ RuleArn: RULE_ARN });
      eventBridge.on(PutTargetsCommand).rejects(internal);
      await expect(rules().put(subscription)).rejects.toBeInstanceOf(DependencyUnavailableError);

      eventBridge.reset();
      eventBridge.on(PutRuleCommand).rejects(badPattern);
      await expect(rules().put(subscription)).rejects.toBe(badPattern);
    });
  });

  describe('remove', () => {
    it('removes the target before deleting the rule', async () => {
      // Prepare
      eventBridge.on(RemoveTargetsCommand).resolves({ FailedEntryCount: 0 });
      eventBridge.on(DeleteRuleCommand).resolves({});

      // Act
      await rules().remove({ tenant: 'acme', id: 'orders-sub' });

      // Assess
      expect(eventBridge.calls().map((call) => call.args[0].input)).toEqual([
        { Rule: RULE_NAME, EventBusName: 'aif-dev-bus', Ids: ['delivery'] },
        { Name: RULE_NAME, EventBusName: 'aif-dev-bus' },
      ]);
      expect(eventBridge.calls()[0]!.args[0]).toBeInstanceOf(RemoveTargetsCommand);
      expect(eventBridge.calls()[1]!.args[0]).toBeInstanceOf(DeleteRuleCommand);
    });

    it('tolerates a missing target and a missing rule', async () => {
      // Prepare
      eventBridge.on(RemoveTargetsCommand).rejects(notFound());
      eventBridge.on(DeleteRuleCommand).rejects(notFound());

      // Act
      await rules().remove({ tenant: 'acme', id: 'gone-sub' });

      // Assess
      expect(eventBridge.commandCalls(RemoveTargetsCommand)).toHaveLength(1);
      expect(eventBridge.commandCalls(DeleteRuleCommand)).toHaveLength(1);
    });

    it('fails without deleting the rule when its target cannot be removed', async () => {
      // Prepare
      const denied = new AccessDeniedException({ message: 'not allowed', $metadata: { httpStatusCode: 400 } });
      eventBridge.on(RemoveTargetsCommand).rejects(denied);

      // Act / Assess
      await expect(rules().remove({ tenant: 'acme', id: 'orders-sub' })).rejects.toBe(denied);
      expect(eventBridge.commandCalls(DeleteRuleCommand)).toHaveLength(0);

      eventBridge.reset();
      eventBridge.on(RemoveTargetsCommand).resolves({
        FailedEntryCount: 1,
        FailedEntries: [{ TargetId: 'delivery', ErrorCode: 'InternalException', ErrorMessage: 'oops' }],
      });
      await expect(rules().remove({ tenant: 'acme', id: 'orders-sub' })).rejects.toBeInstanceOf(
        DependencyUnavailableError,
      );
      expect(eventBridge.commandCalls(DeleteRuleCommand)).toHaveLength(0);
    });

    it('fails with DependencyUnavailableError when DeleteRule is throttled', async () => {
      // Prepare
      eventBridge.on(RemoveTargetsCommand).resolves({ FailedEntryCount: 0 });
      eventBridge
        .on(DeleteRuleCommand)
        .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }));

      // Act / Assess
      await expect(rules().remove({ tenant: 'acme', id: 'orders-sub' })).rejects.toBeInstanceOf(
        DependencyUnavailableError,
      );
    });
  });

  describe('constructor', () => {
    it('rejects retry settings outside EventBridge RetryPolicy ranges', () => {
      expect(() => rules({ maximumRetryAttempts: 186 })).toThrow(RangeError);
      expect(() => rules({ maximumRetryAttempts: -1 })).toThrow(RangeError);
      expect(() => rules({ maximumEventAgeSeconds: 59 })).toThrow(RangeError);
      expect(() => rules({ maximumEventAgeSeconds: 86_401 })).toThrow(RangeError);
      expect(() => rules({ maximumEventAgeSeconds: 90.5 })).toThrow(RangeError);
    });
  });
});
