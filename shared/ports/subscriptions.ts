import type { Subscription, SubscriptionKey } from '../domain/events/subscription';
import type { SealedSecret } from '../domain/events/webhook-secret';
import type { Page, PageRequest } from './contract-repository';

/**
 * Storage of subscriptions, each in its owner's tenant: ids are unique per tenant, and every read
 * names the tenant, so one tenant's subscriptions are invisible to another. Implementations throw
 * `DependencyUnavailableError` when storage throttles or is unreachable.
 */
export interface SubscriptionRepository {
  /**
   * Stores a new subscription only if its id is free in its owner's tenant (conditional put);
   * else returns the stored one.
   */
  create(subscription: Subscription): Promise<{ created: true } | { created: false; existing: Subscription }>;
  /** Marks a subscription active once its rule exists (conditional on it still existing). */
  activate(key: SubscriptionKey, ruleArn?: string): Promise<Subscription | undefined>;
  get(key: SubscriptionKey): Promise<Subscription | undefined>;
  /** Every subscription of one tenant, ordered by id. */
  list(tenant: string): Promise<Subscription[]>;
  /** One page of one tenant's subscriptions in id order (cursor bound to the tenant). */
  page(tenant: string, page: PageRequest): Promise<Page<Subscription>>;
  /** Every subscription of every tenant: only for rebuilding in-process rules at start-up. */
  listAll(): Promise<Subscription[]>;
  /**
   * Replaces the sealed secrets in one conditional write, only if the newest stored secret is still
   * `expectedNewest` (what the caller read; undefined: none).
   * @returns the subscription as stored afterwards; `changed` when another write came first; `not-found`
   */
  replaceSecrets(
    key: SubscriptionKey,
    expectedNewest: string | undefined,
    secrets: SealedSecret[],
  ): Promise<Subscription | 'changed' | 'not-found'>;
  /** Removes a subscription; false when there was none. */
  delete(key: SubscriptionKey): Promise<boolean>;
}

/**
 * Where events reach subscriptions: EventBridge rules in AWS (one rule per subscription on the
 * custom bus, targeting the delivery queue), the in-process subscription rules locally. Each rule
 * matches its owner's tenant's events only (`rulePattern`). Implementations throw
 * `DependencyUnavailableError` when the service throttles or is unreachable.
 */
export interface SubscriptionRules {
  /** Creates or updates the subscription's rule and target. @returns the rule ARN in AWS */
  put(subscription: Subscription): Promise<{ ruleArn?: string }>;
  /** Removes the subscription's targets, then its rule; absent ones are fine. */
  remove(key: SubscriptionKey): Promise<void>;
}
