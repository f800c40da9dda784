import type { AuditOutcome, AuditRecord } from '../domain/audit/audit-record';
import type { Page } from './contract-repository';

/**
 * Where audit records go: the audit table, `aif.audit` events on the bus, the log. The HTTP
 * pipeline, the authorizer and the local gateway record through it.
 */
export interface AuditTrail {
  /**
   * Stores the records (any number; adapters batch as their service allows).
   *
   * @throws {Error} when the destination is unavailable — callers log and count it and never fail
   *   the call they audit (`auditTrail` middleware)
   */
  record(records: readonly AuditRecord[]): Promise<void>;
}

/** The filters of `GET /v1/audit`; every one optional. Times are ISO 8601 and inclusive. */
export type AuditQuery = {
  tenant?: string;
  principal?: string;
  outcome?: AuditOutcome;
  operationId?: string;
  from?: string;
  to?: string;
  /** Records per page, 1–100. */
  limit: number;
  /** The previous page's `nextCursor`. */
  cursor?: string;
};

/** Reads the audit trail back, newest first. */
export interface AuditLog {
  /**
   * One page of records matching `query`, newest first.
   *
   * @throws {MalformedInputError} for a cursor this listing did not issue
   * @throws {DependencyUnavailableError} when the store is unavailable
   */
  list(query: AuditQuery): Promise<Page<AuditRecord>>;
}
