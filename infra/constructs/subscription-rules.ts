import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Grant, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { acknowledgeWildcardResource } from './nag';

/**
 * Longest subscription rule prefix: EventBridge rule names hold at most 64 characters and
 * subscription ids at most 40 (SUBSCRIPTION_RULE_PREFIX in shared/config.ts has the same bound).
 */
export const MAX_SUBSCRIPTION_RULE_PREFIX_LENGTH = 24;

// The characters of an EventBridge rule name; none of them is an IAM or ArnLike wildcard.
const RULE_PREFIX_PATTERN = /^[A-Za-z0-9._-]+$/;

/** The rule actions the events function needs to create, update and delete subscription rules. */
export const SUBSCRIPTION_RULE_ACTIONS = [
  'events:PutRule',
  'events:PutTargets',
  'events:RemoveTargets',
  'events:DeleteRule',
  'events:DescribeRule',
  'events:ListTargetsByRule',
] as const;

/**
 * Checks a subscription rule prefix: 1–24 of the characters a rule name may hold (letters,
 * digits, `.`, `-`, `_`), so no wildcard can widen the policies built from it.
 *
 * @throws {Error} when the prefix is empty, too long, or holds other characters
 * @example assertSubscriptionRulePrefix('aif-dev-sub-');
 */
export function assertSubscriptionRulePrefix(prefix: string): void {
  if (prefix.length === 0 || prefix.length > MAX_SUBSCRIPTION_RULE_PREFIX_LENGTH || !RULE_PREFIX_PATTERN.test(prefix)) {
    throw new Error(
      `A subscription rule prefix must be 1–${MAX_SUBSCRIPTION_RULE_PREFIX_LENGTH} letters, digits, ".", "-" or "_", got "${prefix}"`,
    );
  }
}

/**
 * The ARN pattern of every subscription rule: `arn:<partition>:events:<region>:<account>:rule/<bus name>/<prefix>*`
 * (rules on a custom bus carry the bus name in their ARN), in the region and account of `scope`'s stack.
 *
 * @example subscriptionRuleArnPattern(this, stateful.eventBus, 'aif-dev-sub-')
 */
export function subscriptionRuleArnPattern(scope: IConstruct, eventBus: IEventBus, rulePrefix: string): string {
  assertSubscriptionRulePrefix(rulePrefix);
  return Stack.of(scope).formatArn({
    service: 'events',
    resource: 'rule',
    resourceName: `${eventBus.eventBusName}/${rulePrefix}*`,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

/**
 * Lets the subscription rules send to a queue: a queue policy statement for `events.amazonaws.com`
 * with `sqs:SendMessage`, only when the sending rule is one of `eventBus` named with `rulePrefix`
 * (`ArnLike aws:SourceArn`). Other rules, on this bus or any other, cannot use the queue.
 *
 * @param queue - the delivery queue or the dead-letter queue of the rules' target
 * @example allowSubscriptionRulesToSend(deliveryQueue, eventBus, 'aif-dev-sub-');
 */
export function allowSubscriptionRulesToSend(queue: IQueue, eventBus: IEventBus, rulePrefix: string): void {
  queue.addToResourcePolicy(
    new PolicyStatement({
      sid: 'SubscriptionRulesSendMessage',
      principals: [new ServicePrincipal('events.amazonaws.com')],
      actions: ['sqs:SendMessage'],
      resources: [queue.queueArn],
      conditions: { ArnLike: { 'aws:SourceArn': subscriptionRuleArnPattern(queue, eventBus, rulePrefix) } },
    }),
  );
}

/** Props of {@link bindSubscriptionRules}. */
export interface SubscriptionRulesBinding {
  /** The custom bus the subscription rules live on. */
  readonly eventBus: IEventBus;
  /** Name prefix of the subscription rules (SUBSCRIPTION_RULE_PREFIX). */
  readonly rulePrefix: string;
  /** Target of every rule (DELIVERY_QUEUE_ARN). */
  readonly deliveryQueue: IQueue;
  /** The rules' target DeadLetterConfig (EVENTS_DLQ_ARN). */
  readonly eventsDeadLetterQueue: IQueue;
}

/**
 * Lets a function manage the subscription rules: sets SUBSCRIPTION_RULE_PREFIX, DELIVERY_QUEUE_ARN
 * and EVENTS_DLQ_ARN, and grants PutRule, PutTargets, RemoveTargets, DeleteRule, DescribeRule and
 * ListTargetsByRule on the rules of `eventBus` named with the prefix only — not on the bus's other
 * rules. The queues' own policies ({@link allowSubscriptionRulesToSend}) let those rules deliver;
 * SQS targets need no role, so no `iam:PassRole` is granted.
 *
 * @returns the IAM grant
 * @example
 * bindSubscriptionRules(events.function, { eventBus, rulePrefix: 'aif-dev-sub-', deliveryQueue, eventsDeadLetterQueue });
 */
export function bindSubscriptionRules(fn: LambdaFunction, binding: SubscriptionRulesBinding): Grant {
  const ruleArns = subscriptionRuleArnPattern(fn, binding.eventBus, binding.rulePrefix);
  fn.addEnvironment('SUBSCRIPTION_RULE_PREFIX', binding.rulePrefix);
  fn.addEnvironment('DELIVERY_QUEUE_ARN', binding.deliveryQueue.queueArn);
  fn.addEnvironment('EVENTS_DLQ_ARN', binding.eventsDeadLetterQueue.queueArn);
  const grant = Grant.addToPrincipal({
    grantee: fn,
    actions: [...SUBSCRIPTION_RULE_ACTIONS],
    resourceArns: [ruleArns],
  });
  acknowledgeWildcardResource(
    fn.role ?? fn,
    ruleArns,
    `Subscription rules are created at run time, one per subscription, named <prefix><subscription id>-<hash of tenant and id>: the rule actions are granted on rule/<this bus>/${binding.rulePrefix}* — this bus's subscription rules only, not its other rules or other buses' — because the names are not known at deployment.`,
  );
  return grant;
}
