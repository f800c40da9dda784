import type { Owner } from '../domain/auth/owner';
import type { IntegrationEvent } from '../domain/events/integration-event';
import type { Page } from './contract-repository';

/** An event as the log keeps it. */
export type EventRecord = {
  event: IntegrationEvent;
  /** SHA-256 of the canonical JSON of the event: the same id with other content is a conflict. */
  contentHash: string;
  /**
   * `pending`: claimed by a publisher (until `leaseUntil`); `published`: on the bus; `failed`: the
   * bus refused it (a later publish of the same id and content may try again).
   */
  status: 'pending' | 'published' | 'failed';
  /** When the log first saw the id, ISO 8601. */
  receivedAt: string;
  publishedAt?: string;
  eventBridgeId?: string;
  error?: { code: string; message: string };
  /** Milliseconds since the Unix epoch until which a `pending` claim is held. */
  leaseUntil?: number;
  /** The publisher: the event belongs to its tenant (ids are unique per tenant). */
  owner: Owner;
};

/** What claiming an id for publication found. */
export type ClaimResult = { claimed: true } | { claimed: false; existing: EventRecord };

/**
 * The event log: one record per (tenant, event id), written with conditions so that one id is
 * published once per tenant. Every read names the tenant: another tenant's events do not exist.
 *
 * Implementations throw `DependencyUnavailableError` when storage throttles or is unreachable,
 * `InputTooLargeError` for an event the store cannot hold, and `MalformedInputError` for a cursor
 * they did not issue.
 */
export interface EventLog {
  /**
   * Claims an id in `record.owner.tenant` for publishing with one conditional write: succeeds when the id is new there, or when
   * an earlier record with the same content failed or its claim expired (a publisher that died).
   *
   * @param expiresAt - epoch seconds after which the record may be deleted (TTL retention)
   * @param now - the current time, milliseconds since the Unix epoch: a `pending` record whose
   *   `leaseUntil` is before it may be taken over (passed in so the clock stays injectable)
   */
  claim(
    record: EventRecord & { status: 'pending'; leaseUntil: number },
    expiresAt: number,
    now: number,
  ): Promise<ClaimResult>;
  /** Marks a claimed record published (with EventBridge's id when there is one). */
  markPublished(tenant: string, id: string, publishedAt: string, eventBridgeId?: string): Promise<void>;
  /** Marks a claimed record failed, releasing the claim. */
  markFailed(tenant: string, id: string, error: { code: string; message: string }): Promise<void>;
  get(tenant: string, id: string): Promise<EventRecord | undefined>;
  /** One tenant's published events of one correlation id, oldest first (by timestamp, then id). */
  listByCorrelation(
    tenant: string,
    correlationId: string,
    options: { limit: number; cursor?: string },
  ): Promise<Page<EventRecord>>;
  /** One tenant's published events with `from ≤ timestamp < to` (ms), oldest first: the local replay's source. */
  listPublishedBetween(tenant: string, from: number, to: number): AsyncIterable<IntegrationEvent>;
}
