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
