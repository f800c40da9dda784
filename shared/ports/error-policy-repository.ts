import type { Owner } from '../domain/auth/owner';
import type { ExpectedRevision } from '../domain/expected-revision';
import type { ErrorPolicy } from '../domain/resilience/policy';

/** A policy an operator stored, with its optimistic-concurrency revision. */
export type StoredErrorPolicy = {
  key: string;
  policy: ErrorPolicy;
  /** +1 on every write of the key, deletes included, and never reused; the HTTP ETag. */
  revision: number;
  /** ISO 8601 time of the last write. */
  updatedAt: string;
  /**
   * Who made the last write (its caller's tenant and principal). Policies are framework-wide
   * administration (`errors:admin`), not a tenant's objects: every tenant's errors use them.
   * Absent only on policies written before writers were recorded.
   */
  updatedBy?: Owner;
};

/** One write of a policy (put or delete): when, ISO 8601, and by whom. */
export type PolicyWrite = { at: string; by: Owner };

/**
 * Storage of operator-defined error policies. Every write is a single conditional write.
 *
 * Implementations throw `RevisionMismatchError` when the ExpectedRevision does not hold and
 * `DependencyUnavailableError` when storage throttles or is unreachable.
 */
export interface ErrorPolicyRepository {
  /** Every stored policy (at most a few hundred are expected; listing reads all pages). */
  list(): Promise<StoredErrorPolicy[]>;
  get(key: string): Promise<StoredErrorPolicy | undefined>;
  /** Creates or replaces a policy, recording `write.by` as `updatedBy`; `created` is true when none was stored before. */
  put(
    key: string,
    policy: ErrorPolicy,
    write: PolicyWrite,
    expected?: ExpectedRevision,
  ): Promise<{ stored: StoredErrorPolicy; created: boolean }>;
  /** Removes a policy (the tombstone keeps who deleted it); false when there was none (and the condition allowed that). */
  delete(key: string, write: PolicyWrite, expected?: ExpectedRevision): Promise<boolean>;
}

/**
 * One page of stored policies: at most `limit` of them, in key order.
 * `more` is true exactly when further policies follow the last one.
 */
export type StoredPolicyPage = { items: StoredErrorPolicy[]; more: boolean };

/**
 * Pages of the stored policies in key order, for the API's listing (the use case makes the cursor).
 *
 * Implementations throw `MalformedInputError` (pointer `/query/cursor`) when storage refuses
 * `after` as a key and `DependencyUnavailableError` when storage throttles or is unreachable.
 */
export interface ErrorPolicyPages {
  /**
   * At most `limit` stored policies (0 only asks whether any follow) whose keys sort after `after`
   * (from the first when absent), skipping the keys in `except`.
   */
  listPage(page: { limit: number; after?: string; except?: readonly string[] }): Promise<StoredPolicyPage>;
}
