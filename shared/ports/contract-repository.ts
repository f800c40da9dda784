import type { CompatibilityMode, ContractSummary, ContractVersion } from '../domain/contracts/contract';

/** What listing a name's versions returns: enough to resolve "latest" without loading documents. */
export type ContractVersionHeader = Pick<
  ContractVersion,
  'name' | 'version' | 'deprecated' | 'createdAt' | 'contentHash'
>;

/** One page of a paginated listing; `nextCursor` is opaque and absent on the last page. */
export type Page<T> = { items: T[]; nextCursor?: string };

/**
 * Storage of contract versions and per-name summaries. Every racing write is a single
 * conditional or atomic operation in the implementation.
 *
 * Implementations throw `DependencyUnavailableError` when storage throttles or is unreachable,
 * `BadRequestError` for a cursor they did not issue, and `PayloadTooLargeError` for a version
 * that exceeds the store's item size.
 */
export interface ContractRepository {
  /**
   * Stores a version only if no version with the same name and version exists (conditional put).
   * @returns `{ created: true }`, or the version already stored under that key
   */
  putVersion(version: ContractVersion): Promise<{ created: true } | { created: false; existing: ContractVersion }>;
  /** One version, or undefined. */
  getVersion(name: string, version: string): Promise<ContractVersion | undefined>;
  /** Every version of a name (headers only), in no particular order. */
  listVersionHeaders(name: string): Promise<ContractVersionHeader[]>;
  /**
   * Marks a version deprecated (idempotent; keeps the first deprecation time).
   * @returns the updated version, or undefined when it does not exist
   */
  deprecateVersion(name: string, version: string, at: Date): Promise<ContractVersion | undefined>;
  /** The summary of a name, or undefined when nothing is registered under it. */
  getSummary(name: string): Promise<ContractSummary | undefined>;
  /**
   * Records a stored version on the name's summary and sets its compatibility mode. The version
   * joins a set, so recording it again is harmless. With `expectedRevision`, the write is
   * conditional on the summary still being at that revision and increments it: that is how
   * concurrent registrations of one name find out that the history they checked has changed.
   *
   * @returns false when `expectedRevision` no longer holds (nothing was written), true otherwise
   */
  recordVersionAdded(
    name: string,
    version: string,
    compatibility: CompatibilityMode,
    at: Date,
    expectedRevision?: number,
  ): Promise<boolean>;
  /** Removes a version only if it still has `contentHash` (undoing a registration that lost a race). */
  deleteVersion(name: string, version: string, contentHash: string): Promise<void>;
  /** Names in ascending order, `limit` per page. */
  listSummaries(limit: number, cursor?: string): Promise<Page<ContractSummary>>;
  /** Resolves when the store answers; throws `DependencyUnavailableError` otherwise. */
  ping(): Promise<void>;
}
