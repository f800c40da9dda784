import { compileEventPattern, type EventPattern } from '../../domain/events/event-pattern';
import type { IntegrationEvent } from '../../domain/events/integration-event';
import {
  rulePattern,
  type Subscription,
  type SubscriptionKey,
  subscriptionKey,
  toEventBridgeEvent,
} from '../../domain/events/subscription';
import type { DeliveryMessage } from '../../ports/delivery-queue';
import type { SubscriptionRules } from '../../ports/subscriptions';

/** Where the rules put matched events: the local delivery queue (the rules' target). */
export type LocalDeliveryTarget = {
  send(message: DeliveryMessage, delaySeconds?: number, options?: { priority?: number }): Promise<void>;
};

type Rule = { key: SubscriptionKey; priority: number; matches: (event: unknown) => boolean };

/** One map key per tenant and id; the length prefix keeps keys apart whatever the tenant holds. */
const ruleId = ({ tenant, id }: SubscriptionKey) => `${tenant.length}:${tenant}/${id}`;

/**
 * The in-process stand-in for the subscriptions' EventBridge rules: each subscription's rule
 * pattern (`rulePattern`: detail-type plus the payload filter, ANDed with the owner's tenant),
 * compiled by the same matcher as `POST /v1/event-patterns/test`, matched against the event as
 * EventBridge delivers it; a match puts `{ tenant, subscriptionId, event }` on the delivery queue —
 * what the rule's input transformer does in AWS. A rule never matches another tenant's events. Matching subscriptions are enqueued highest priority first, and the queue delivers
 * higher priorities first (EventBridge makes no ordering promise).
 *
 * @example
 * const rules = new LocalSubscriptionRules(queue);
 * await rules.put(subscription);
 * await rules.sendToTargets(event); // one message per matching subscription
 */
export class LocalSubscriptionRules implements SubscriptionRules {
  private readonly rules = new Map<string, Rule>();

  constructor(private readonly target: LocalDeliveryTarget) {}

  async put(subscription: Subscription): Promise<{ ruleArn?: string }> {
    const key = subscriptionKey(subscription);
    this.rules.set(ruleId(key), {
      key,
      priority: subscription.priority,
      matches: compileEventPattern(rulePattern(subscription) as EventPattern),
    });
    return {};
  }

  async remove(key: SubscriptionKey): Promise<void> {
    this.rules.delete(ruleId(key));
  }

  /**
   * Enqueues the event for every subscription whose rule matches it.
   *
   * @param only.tenant - restrict to this tenant's subscriptions (replays: `Destination.FilterArns`)
   * @param only.eventTypes - restrict to these event types (replays)
   * @returns the ids of the subscriptions it was enqueued for, highest priority first
   */
  async sendToTargets(
    event: IntegrationEvent,
    only: { tenant?: string; eventTypes?: readonly string[] } = {},
  ): Promise<string[]> {
    if (only.eventTypes && !only.eventTypes.includes(event.type)) return [];
    const shaped = toEventBridgeEvent(event);
    const matched = [...this.rules.values()]
      .filter((rule) => (only.tenant === undefined || rule.key.tenant === only.tenant) && rule.matches(shaped))
      .sort((a, b) => b.priority - a.priority || (a.key.id < b.key.id ? -1 : 1));
    for (const { key, priority } of matched) {
      await this.target.send({ tenant: key.tenant, subscriptionId: key.id, event }, 0, { priority });
    }
    return matched.map((rule) => rule.key.id);
  }
}
