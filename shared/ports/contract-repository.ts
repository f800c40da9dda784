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
 * `MalformedInputError` for a cursor they did not issue, and `InputTooLargeError` for a version
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
   * joins a set, so recording it again is harmless (a retried registration repairs the summary).
   */
  recordVersionAdded(name: string, version: string, compatibility: CompatibilityMode, at: Date): Promise<void>;
  /**
   * Takes the name's registration lease for `owner` unless another owner holds an unexpired one
   * (one conditional write). The lease expires `leaseMs` milliseconds after `now`.
   *
   * @returns true when `owner` now holds the lease
   */
  acquireRegistrationLease(name: string, owner: string, now: Date, leaseMs: number): Promise<boolean>;
  /** Gives the lease back if `owner` still holds it. */
  releaseRegistrationLease(name: string, owner: string): Promise<void>;
  /** Names in ascending order, `limit` per page. */
  listSummaries(limit: number, cursor?: string): Promise<Page<ContractSummary>>;
  /** Resolves when the store answers; throws `DependencyUnavailableError` otherwise. */
  ping(): Promise<void>;
}
