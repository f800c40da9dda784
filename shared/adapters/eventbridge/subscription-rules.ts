import {
  DeleteRuleCommand,
  type EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  type Target,
} from '@aws-sdk/client-eventbridge';
import { DependencyUnavailableError } from '../../domain/errors';
import {
  rulePattern,
  type Subscription,
  type SubscriptionKey,
  subscriptionKey,
} from '../../domain/events/subscription';
import { physicalName } from '../../domain/events/tenancy';
import type { SubscriptionRules } from '../../ports/subscriptions';
import { rethrowAwsError } from '../aws/rethrow';

/** The one target of every subscription rule. */
export const DELIVERY_TARGET_ID = 'delivery';

/** RetryPolicy ranges (EventBridge API Reference, RetryPolicy): 0–185 attempts, 60–86 400 s. */
const RETRY_ATTEMPTS_RANGE = [0, 185] as const;
const EVENT_AGE_SECONDS_RANGE = [60, 86_400] as const;

/**
 * PutTargets/RemoveTargets per-entry error codes that a later call may not meet: the service's
 * internal error, throttling, and a concurrent change to the same rule.
 */
const RETRYABLE_ENTRY_CODES: ReadonlySet<string> = new Set([
  'InternalException',
  'ThrottlingException',
  'ConcurrentModificationException',
]);

/** Options of {@link EventBridgeSubscriptionRules}. */
export type EventBridgeSubscriptionRulesOptions = {
  /** Name (or ARN) of the custom bus the rules live on. */
  eventBusName: string;
  /**
   * Prefix of every rule name, e.g. `aif-dev-sub-` (at most 24 characters): the rule of a
   * subscription is {@link subscriptionRuleName}, unique per tenant and id.
   */
  rulePrefix: string;
  /** ARN of the SQS delivery queue every rule targets. */
  deliveryQueueArn: string;
  /** ARN of the SQS queue EventBridge sends an event to once its retries to the target run out. */
  deadLetterQueueArn: string;
  /**
   * Retries of a failed delivery to the queue, 0–185 (RetryPolicy). @default 185 (EventBridge's own default)
   */
  maximumRetryAttempts?: number;
  /**
   * How long EventBridge keeps retrying, seconds, 60–86 400 (RetryPolicy). @default 86_400 (24 hours)
   */
  maximumEventAgeSeconds?: number;
};

/**
 * The EventBridge rule name of a tenant's subscription: `<prefix><id, cut to fit>-<16 hex digits
 * of SHA-256(tenant, id)>` (`physicalName`), at most 64 characters (PutRule) with a prefix of at
 * most 24 — rule names are per account and region, subscription ids per tenant.
 *
 * @example subscriptionRuleName('aif-dev-sub-', { tenant: 'acme', id: 'orders' }) // 'aif-dev-sub-orders-…'
 */
export const subscriptionRuleName = (rulePrefix: string, key: SubscriptionKey): string =>
  physicalName(rulePrefix, key.tenant, key.id);

/**
 * SubscriptionRules on EventBridge: one rule per subscription on the custom bus, with one target,
 * the delivery queue.
 *
 * - The rule's name is {@link subscriptionRuleName}; its EventPattern is `rulePattern(subscription)`
 *   (detail-type and payload filter, ANDed with the owner's tenant: the rule matches only events
 *   published for that tenant).
 * - The target's InputTransformer wraps the event for the dispatcher:
 *   `{"tenant":"<tenant>","subscriptionId":"<id>","event":<event>}` with `event` from `$.detail`
 *   (the whole IntegrationEvent envelope, see `EventBridgeEventPublisher`): a DeliveryMessage.
 * - RetryPolicy and DeadLetterConfig are always set explicitly: without a dead-letter queue,
 *   EventBridge drops an event whose retries run out (User Guide, "Using dead-letter queues to
 *   process undelivered events").
 *
 * Errors: throttling, timeouts and EventBridge's own 5xx become `DependencyUnavailableError`
 * (the decision is `classifyError`'s); anything else is rethrown unchanged.
 *
 * @example
 * const rules = new EventBridgeSubscriptionRules(new EventBridgeClient({}), {
 *   eventBusName: 'aif-dev-bus', rulePrefix: 'aif-dev-sub-',
 *   deliveryQueueArn: 'arn:aws:sqs:eu-west-1:123456789012:aif-dev-delivery',
 *   deadLetterQueueArn: 'arn:aws:sqs:eu-west-1:123456789012:aif-dev-delivery-dlq',
 * });
 * const { ruleArn } = await rules.put(subscription);
 */
export class EventBridgeSubscriptionRules implements SubscriptionRules {
  private readonly maximumRetryAttempts: number;
  private readonly maximumEventAgeSeconds: number;

  /**
   * @param client - a client built once per cold start
   * @param options - see {@link EventBridgeSubscriptionRulesOptions}
   * @throws {RangeError} when a retry setting is outside EventBridge's range
   */
  constructor(
    private readonly client: EventBridgeClient,
    private readonly options: EventBridgeSubscriptionRulesOptions,
  ) {
    this.maximumRetryAttempts = inRange(
      'maximumRetryAttempts',
      options.maximumRetryAttempts ?? RETRY_ATTEMPTS_RANGE[1],
      RETRY_ATTEMPTS_RANGE,
    );
    this.maximumEventAgeSeconds = inRange(
      'maximumEventAgeSeconds',
      options.maximumEventAgeSeconds ?? EVENT_AGE_SECONDS_RANGE[1],
      EVENT_AGE_SECONDS_RANGE,
    );
  }

  /**
   * Creates or updates the subscription's rule (PutRule, ENABLED), then its target (PutTargets
   * with Id `delivery`); both calls replace what was there, so repeating `put` is safe.
   *
   * @returns the rule's ARN
   * @throws {DependencyUnavailableError} when EventBridge throttles, times out or fails (also
   *   for a per-target `InternalException`, `ThrottlingException` or `ConcurrentModificationException`)
   * @throws {Error} when PutTargets refuses the target otherwise (`FailedEntryCount > 0`), naming its
   *   ErrorCode; the service's exception (e.g. `InvalidEventPatternException`) for other refusals
   * @example const { ruleArn } = await rules.put(subscription); // arn:aws:events:…:rule/aif-dev-bus/aif-dev-sub-orders-sub
   */
  async put(subscription: Subscription): Promise<{ ruleArn?: string }> {
    const key = subscriptionKey(subscription);
    const name = this.ruleName(key);
    const { eventBusName } = this.options;
    let ruleArn: string | undefined;
    try {
      const out = await this.client.send(
        new PutRuleCommand({
          Name: name,
          EventBusName: eventBusName,
          EventPattern: JSON.stringify(rulePattern(subscription)),
          State: 'ENABLED',
          Description:
            `Subscription ${subscription.id} of tenant ${subscription.owner.tenant}: ${subscription.eventType} to the delivery queue`.slice(
              0,
              512,
            ),
        }),
      );
      ruleArn = out.RuleArn;
    } catch (error) {
      rethrowEventBridgeError(error, `PutRule ${name}`);
    }

    let failed: { ErrorCode?: string; ErrorMessage?: string } | undefined;
    try {
      const out = await this.client.send(
        new PutTargetsCommand({ Rule: name, EventBusName: eventBusName, Targets: [this.target(key)] }),
      );
      if ((out.FailedEntryCount ?? 0) > 0) failed = out.FailedEntries?.[0] ?? {};
    } catch (error) {
      rethrowEventBridgeError(error, `PutTargets ${name}`);
    }
    if (failed) throw entryFailure('PutTargets', name, failed);
    return ruleArn === undefined ? {} : { ruleArn };
  }

  /**
   * Removes the subscription's target (RemoveTargets), then its rule (DeleteRule): EventBridge
   * refuses to delete a rule that still has targets. A missing target or rule
   * (`ResourceNotFoundException`) is fine, so removing twice is safe.
   *
   * @throws {DependencyUnavailableError} when EventBridge throttles, times out or fails
   * @throws {Error} when RemoveTargets refuses the target (`FailedEntryCount > 0`)
   * @example await rules.remove({ tenant: 'acme', id: 'orders-sub' });
   */
  async remove(key: SubscriptionKey): Promise<void> {
    const name = this.ruleName(key);
    const { eventBusName } = this.options;
    let failed: { ErrorCode?: string; ErrorMessage?: string } | undefined;
    try {
      const out = await this.client.send(
        new RemoveTargetsCommand({ Rule: name, EventBusName: eventBusName, Ids: [DELIVERY_TARGET_ID] }),
      );
      if ((out.FailedEntryCount ?? 0) > 0) failed = out.FailedEntries?.[0] ?? {};
    } catch (error) {
      if (!isResourceNotFound(error)) rethrowEventBridgeError(error, `RemoveTargets ${name}`);
    }
    if (failed) throw entryFailure('RemoveTargets', name, failed);
    try {
      await this.client.send(new DeleteRuleCommand({ Name: name, EventBusName: eventBusName }));
    } catch (error) {
      if (!isResourceNotFound(error)) rethrowEventBridgeError(error, `DeleteRule ${name}`);
    }
  }

  private ruleName(key: SubscriptionKey): string {
    return subscriptionRuleName(this.options.rulePrefix, key);
  }

  private target(key: SubscriptionKey): Target {
    return {
      Id: DELIVERY_TARGET_ID,
      Arn: this.options.deliveryQueueArn,
      InputTransformer: {
        InputPathsMap: { event: '$.detail' },
        // The placeholder is replaced by the JSON object at $.detail, unquoted.
        // The tenant is any string a token carries: `<` and `>` are escaped so it can never read as a placeholder.
        InputTemplate: `{"tenant":${templateString(key.tenant)},"subscriptionId":${templateString(key.id)},"event":<event>}`,
      },
      RetryPolicy: {
        MaximumRetryAttempts: this.maximumRetryAttempts,
        MaximumEventAgeInSeconds: this.maximumEventAgeSeconds,
      },
      DeadLetterConfig: { Arn: this.options.deadLetterQueueArn },
    };
  }
}

/**
 * Rethrows an EventBridge client error: retry-later errors as `DependencyUnavailableError`,
 * everything else unchanged (the rules are `rethrowAwsError`'s).
 *
 * @param operation - what was being done, for the message, e.g. `PutRule aif-dev-sub-orders`
 * @throws {DependencyUnavailableError} for retry-later errors; the original error otherwise
 */
export function rethrowEventBridgeError(error: unknown, operation: string): never {
  rethrowAwsError(error, { source: 'eventbridge', what: `EventBridge for ${operation}` });
}

/** A JSON string literal for an InputTemplate, with `<` and `>` escaped (`\u003c`, `\u003e`). */
function templateString(value: string): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
}

function isResourceNotFound(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'ResourceNotFoundException';
}

function entryFailure(operation: string, rule: string, entry: { ErrorCode?: string; ErrorMessage?: string }): Error {
  const code = entry.ErrorCode ?? 'Unknown';
  const message = `${operation} failed for rule ${rule}: ${code}${entry.ErrorMessage ? ` (${entry.ErrorMessage})` : ''}`;
  return RETRYABLE_ENTRY_CODES.has(code) ? new DependencyUnavailableError(message) : new Error(message);
}

function inRange(name: string, value: number, [min, max]: readonly [number, number]): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max} (EventBridge RetryPolicy), got ${value}`);
  }
  return value;
}
