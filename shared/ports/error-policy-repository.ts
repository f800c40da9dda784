import type { ErrorPolicy } from '../domain/resilience/policy';

/** A policy an operator stored, with its optimistic-concurrency revision. */
export type StoredErrorPolicy = {
  key: string;
  policy: ErrorPolicy;
  /** Starts at 1, +1 on every replace; the HTTP ETag. */
  revision: number;
  /** ISO 8601 time of the last write. */
  updatedAt: string;
};

/**
 * What a write requires of the stored state: `absent` (create only), a revision (replace only that
 * revision), or nothing (create or replace unconditionally).
 */
export type RevisionCondition = { expected?: number | 'absent' };

/**
 * Storage of operator-defined error policies. Every write is a single conditional write.
 *
 * Implementations throw `PreconditionFailedError` when a revision condition does not hold and
 * `DependencyUnavailableError` when storage throttles or is unreachable.
 */
export interface ErrorPolicyRepository {
  /** Every stored policy (at most a few hundred are expected; listing reads all pages). */
  list(): Promise<StoredErrorPolicy[]>;
  get(key: string): Promise<StoredErrorPolicy | undefined>;
  /** Creates or replaces a policy; the result carries the new revision. */
  put(key: string, policy: ErrorPolicy, updatedAt: string, condition?: RevisionCondition): Promise<StoredErrorPolicy>;
  /** Removes a policy; false when there was none. */
  delete(key: string, condition?: RevisionCondition): Promise<boolean>;
}
