import type { CompatibilityMode, ContractSummary, ContractVersion } from '../domain/contracts/contract';

/** What listing a name's versions returns: enough to resolve "latest" without loading documents. */
export type ContractVersionHeader = Pick<
  ContractVersion,
  'name' | 'version' | 'deprecated' | 'createdAt' | 'contentHash' | 'owner'
>;

/** One page of a paginated listing; `nextCursor` is opaque and absent on the last page. */
export type Page<T> = { items: T[]; nextCursor?: string };

/** One page of a listing as a client asks for it: at most `limit` items (1–100), after the opaque `cursor`. */
export type PageRequest = { limit: number; cursor?: string };

/**
 * Storage of contract versions and per-name summaries, in one namespace per tenant: every method
 * takes the tenant whose contracts it acts on (the caller's), and nothing of another tenant is ever
 * read, listed or written — another tenant's name is as absent as one never registered. Every
 * racing write is a single conditional or atomic operation in the implementation.
 *
 * Implementations throw `DependencyUnavailableError` when storage throttles or is unreachable,
 * `MalformedInputError` for a cursor they did not issue (or issued to another tenant), and
 * `InputTooLargeError` for a version that exceeds the store's item size.
 */
export interface ContractRepository {
  /**
   * Stores a version in its owner's tenant (`version.owner.tenant`) only if no version with the
   * same name and version exists there (conditional put).
   * @returns `{ created: true }`, or the version already stored under that key
   */
  putVersion(version: ContractVersion): Promise<{ created: true } | { created: false; existing: ContractVersion }>;
  /** One version of the tenant's name, or undefined. */
  getVersion(tenant: string, name: string, version: string): Promise<ContractVersion | undefined>;
  /** Every version of the tenant's name (headers only), in no particular order. */
  listVersionHeaders(tenant: string, name: string): Promise<ContractVersionHeader[]>;
  /**
   * Marks a version deprecated (idempotent; keeps the first deprecation time).
   * @returns the updated version, or undefined when the tenant has no such version
   */
  deprecateVersion(tenant: string, name: string, version: string, at: Date): Promise<ContractVersion | undefined>;
  /** The summary of the tenant's name, or undefined when the tenant registered nothing under it. */
  getSummary(tenant: string, name: string): Promise<ContractSummary | undefined>;
  /**
   * Records a stored version on the name's summary and sets its compatibility mode. The version
   * joins a set, so recording it again is harmless (a retried registration repairs the summary).
   */
  recordVersionAdded(
    tenant: string,
    name: string,
    version: string,
    compatibility: CompatibilityMode,
    at: Date,
  ): Promise<void>;
  /**
   * Takes the registration lease of the tenant's name for `holder` unless another holder has an
   * unexpired one (one conditional write). The lease expires `leaseMs` milliseconds after `now`.
   * Tenants registering the same name never wait for each other.
   *
   * @returns true when `holder` now holds the lease
   */
  acquireRegistrationLease(tenant: string, name: string, holder: string, now: Date, leaseMs: number): Promise<boolean>;
  /** Gives the lease back if `holder` still holds it. */
  releaseRegistrationLease(tenant: string, name: string, holder: string): Promise<void>;
  /** The tenant's names in ascending order, `limit` per page. */
  listSummaries(tenant: string, limit: number, cursor?: string): Promise<Page<ContractSummary>>;
  /** Resolves when the store answers; throws `DependencyUnavailableError` otherwise. */
  ping(): Promise<void>;
}
