import type { Subscription } from '../domain/events/subscription';

/**
 * Storage of subscriptions. Implementations throw `DependencyUnavailableError` when storage
 * throttles or is unreachable.
 */
export interface SubscriptionRepository {
  /** Stores a new subscription only if its id is free (conditional put); else returns the stored one. */
  create(subscription: Subscription): Promise<{ created: true } | { created: false; existing: Subscription }>;
  /** Marks a subscription active once its rule exists (conditional on it still existing). */
  activate(id: string, ruleArn?: string): Promise<Subscription | undefined>;
  get(id: string): Promise<Subscription | undefined>;
  /** Every subscription, ordered by id. */
  list(): Promise<Subscription[]>;
  /** Removes a subscription; false when there was none. */
  delete(id: string): Promise<boolean>;
}

/**
 * Where events reach subscriptions: EventBridge rules in AWS (one rule per subscription on the
 * custom bus, targeting the delivery queue), the in-process subscription rules locally. Implementations throw
 * `DependencyUnavailableError` when the service throttles or is unreachable.
 */
export interface SubscriptionRules {
  /** Creates or updates the subscription's rule and target. @returns the rule ARN in AWS */
  put(subscription: Subscription): Promise<{ ruleArn?: string }>;
  /** Removes the subscription's targets, then its rule; absent ones are fine. */
  remove(subscriptionId: string): Promise<void>;
}
