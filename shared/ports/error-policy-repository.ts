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
};

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
  /** Creates or replaces a policy; `created` is true when none was stored before. */
  put(
    key: string,
    policy: ErrorPolicy,
    updatedAt: string,
    expected?: ExpectedRevision,
  ): Promise<{ stored: StoredErrorPolicy; created: boolean }>;
  /** Removes a policy; false when there was none (and the condition allowed that). */
  delete(key: string, updatedAt: string, expected?: ExpectedRevision): Promise<boolean>;
}
