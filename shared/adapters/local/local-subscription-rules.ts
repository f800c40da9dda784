import { compileEventPattern, type EventPattern } from '../../domain/events/event-pattern';
import type { IntegrationEvent } from '../../domain/events/integration-event';
import { rulePattern, type Subscription, toEventBridgeEvent } from '../../domain/events/subscription';
import type { DeliveryMessage } from '../../ports/delivery-queue';
import type { SubscriptionRules } from '../../ports/subscriptions';

/** Where the rules put matched events: the local delivery queue (the rules' target). */
export type LocalDeliveryTarget = {
  send(message: DeliveryMessage, delaySeconds?: number, options?: { priority?: number }): Promise<void>;
};

type Rule = { id: string; priority: number; matches: (event: unknown) => boolean };

/**
 * The in-process stand-in for the subscriptions' EventBridge rules: each subscription's rule
 * pattern (`rulePattern`: detail-type plus the payload filter), compiled by the same matcher as
 * `POST /v1/event-patterns/test`, matched against the event as EventBridge delivers it; a match
 * puts `{ subscriptionId, event }` on the delivery queue — what the rule's input transformer does
 * in AWS. Matching subscriptions are enqueued highest priority first, and the queue delivers
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
    this.rules.set(subscription.id, {
      id: subscription.id,
      priority: subscription.priority,
      matches: compileEventPattern(rulePattern(subscription) as EventPattern),
    });
    return {};
  }

  async remove(subscriptionId: string): Promise<void> {
    this.rules.delete(subscriptionId);
  }

  /**
   * Enqueues the event for every subscription whose rule matches it.
   *
   * @param only - restrict to these event types (replays)
   * @returns the ids of the subscriptions it was enqueued for, highest priority first
   */
  async sendToTargets(event: IntegrationEvent, only?: readonly string[]): Promise<string[]> {
    if (only && !only.includes(event.type)) return [];
    const shaped = toEventBridgeEvent(event);
    const matched = [...this.rules.values()]
      .filter((rule) => rule.matches(shaped))
      .sort((a, b) => b.priority - a.priority || (a.id < b.id ? -1 : 1));
    for (const rule of matched) {
      await this.target.send({ subscriptionId: rule.id, event }, 0, { priority: rule.priority });
    }
    return matched.map((rule) => rule.id);
  }
}
