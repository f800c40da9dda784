import type { Owner } from '../domain/auth/owner';
import type { IntegrationEvent } from '../domain/events/integration-event';
import type { ErrorCategory } from '../domain/resilience/integration-error';
import type { Page } from './contract-repository';

/** Why a delivery was given up. */
export type DeadLetterReason = 'retries-exhausted' | 'not-retryable' | 'subscription-not-found' | 'secret-missing';

/** A delivery that will not be retried any more, kept until redriven or deleted. */
export type DeadLetter = {
  /** Sorts by creation time: `dl-<13-digit ms>-<random>`. */
  id: string;
  subscriptionId: string;
  eventId: string;
  eventType: string;
  event: IntegrationEvent;
  /** Delivery attempts made. */
  attempts: number;
  reason: DeadLetterReason;
  /** HTTP status of the last attempt, when the subscriber answered. */
  lastStatus?: number;
  lastError: { code: string; category: ErrorCategory; message: string };
  createdAt: string;
  /** The subscription's owner: the dead letter belongs to its tenant. */
  owner: Owner;
};

/**
 * Storage of dead letters, each in its subscription's tenant: every read, listing, claim and delete
 * names the tenant, so one tenant never reaches another's. Implementations throw `DependencyUnavailableError` when storage throttles
 * or is unreachable, `InputTooLargeError` for an event it cannot hold, and `MalformedInputError` for a
 * cursor it did not issue.
 */
export interface DeadLetterRepository {
  /** Stores a dead letter in `deadLetter.owner.tenant`. */
  put(deadLetter: DeadLetter): Promise<void>;
  get(tenant: string, id: string): Promise<DeadLetter | undefined>;
  /** One tenant's dead letters, newest first; at most one of subscriptionId and type filters. */
  list(
    tenant: string,
    options: { subscriptionId?: string; type?: string; limit: number; cursor?: string },
  ): Promise<Page<DeadLetter>>;
  /**
   * Claims a dead letter for redrive with one conditional write (unclaimed, or claimed before
   * `staleBefore` ms): exactly one of racing redrives gets it.
   */
  claim(tenant: string, id: string, now: number, staleBefore: number): Promise<DeadLetter | undefined>;
  /** Releases a claim that could not be carried out. */
  release(tenant: string, id: string): Promise<void>;
  /** Removes a dead letter; false when there was none. */
  delete(tenant: string, id: string): Promise<boolean>;
}

/** One tenant's dead letters counted: in all, and by subscription. */
export type DeadLetterCount = {
  /** Dead letters counted (all of them unless `truncated`). */
  total: number;
  /** Counted dead letters by subscription id. */
  bySubscription: Record<string, number>;
  /** True when the tenant has more than the `max` counted: `total` is then a lower bound. */
  truncated: boolean;
};

/** Counting of one tenant's dead letters (same error contract as {@link DeadLetterRepository}). */
export interface DeadLetterCounts {
  /**
   * Counts the tenant's dead letters, reading at most `max` of them.
   *
   * @param max - most dead letters read, at least 1
   */
  count(tenant: string, max: number): Promise<DeadLetterCount>;
}
