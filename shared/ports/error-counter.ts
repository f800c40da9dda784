import type { ErrorCategory } from '../domain/resilience/integration-error';
import type { AlertWindow } from '../domain/resilience/policy';
import type { Page } from './contract-repository';

/** Identifies one counter: one tenant's `source:code` pair in one window. */
export type CounterKey = {
  /**
   * Whose errors these are: the reporting caller's tenant, or for errors the framework records
   * outside a request the tenant of the object concerned (`tenantConcerned`), else `aif`.
   */
  tenant: string;
  window: AlertWindow;
  /** Start of the window, milliseconds since the Unix epoch (a multiple of the window length). */
  windowStart: number;
  source: string;
  code: string;
};

/** The alert raised for a counter: claimed first (`pending`), then `published` once on the bus. */
export type AlertMark = {
  /** Id of the `integration.alert` event; derived from the counter key, so retries reuse it. */
  eventId: string;
  /** When the alert was claimed, milliseconds since the Unix epoch. */
  raisedAt: number;
  state: 'pending' | 'published';
  /** The threshold that was reached. */
  threshold: number;
};

/** A counter's current state. */
export type ErrorCount = CounterKey & {
  /** Category of the most recent error counted. */
  category: ErrorCategory;
  count: number;
  /** Time of the most recent error counted, milliseconds since the Unix epoch. */
  lastSeenAt: number;
  alert?: AlertMark;
};

/**
 * Atomic error counters with an at-most-once alert mark per counter, kept per tenant: a key names
 * its tenant, and listing reads one tenant's counters only.
 *
 * Implementations throw `DependencyUnavailableError` when storage throttles or is unreachable, and
 * `MalformedInputError` for a cursor they did not issue.
 */
export interface ErrorCounterRepository {
  /**
   * Adds one to a counter in a single atomic update (DynamoDB `ADD`), creating it when absent.
   * Concurrent increments are never lost.
   *
   * @param expiresAt - epoch seconds after which the counter may be deleted (DynamoDB TTL)
   * @returns the counter after this increment
   */
  increment(
    key: CounterKey,
    fields: { category: ErrorCategory; seenAt: number; expiresAt: number },
  ): Promise<ErrorCount>;
  /**
   * Marks the counter as alerted with a conditional write: succeeds only when it has no alert, or
   * (to take over a publication that stalled) when its alert is still `pending` and was raised
   * before `takeOverPendingBefore`.
   *
   * @returns true for the one caller that won the mark
   */
  claimAlert(key: CounterKey, mark: AlertMark, takeOverPendingBefore: number): Promise<boolean>;
  /** One counter as stored now (strongly consistent), or undefined. */
  get(key: CounterKey): Promise<ErrorCount | undefined>;
  /** Sets a claimed alert's state to `published` (conditional on the same event id). */
  confirmAlert(key: CounterKey, eventId: string): Promise<void>;
  /**
   * One tenant's counters of one window, optionally of one source, ordered by source then code.
   * A cursor issued for another tenant, window or source is refused (`MalformedInputError`).
   */
  list(
    tenant: string,
    window: AlertWindow,
    windowStart: number,
    options: { source?: string; limit: number; cursor?: string },
  ): Promise<Page<ErrorCount>>;
}
