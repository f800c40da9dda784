import type {
  TransformerSummary,
  TransformerVersion,
  TransformerVersionHeader,
} from '../domain/transformers/transformer';
import type { Page } from './contract-repository';

/**
 * Storage of transformer versions and per-name summaries, one namespace per tenant, like contracts
 * (`ContractRepository`): every method takes the tenant it acts in (the caller's), and nothing of
 * another tenant's is read, listed, written or deleted. Racing writes are single conditional
 * operations in the implementation.
 *
 * Implementations throw `DependencyUnavailableError` when storage throttles or is unreachable and
 * `MalformedInputError` for a cursor they did not issue (or issued to another tenant).
 */
export interface TransformerRepository {
  /**
   * Stores a version in its owner's tenant only if none with the same name and version exists
   * there (one conditional put), then records it on the name's summary.
   * @returns `{ created: true }`, or the version already stored under that key
   */
  putVersion(
    version: TransformerVersion,
  ): Promise<{ created: true } | { created: false; existing: TransformerVersion }>;
  /** One version of the tenant's name, or undefined. */
  getVersion(tenant: string, name: string, version: string): Promise<TransformerVersion | undefined>;
  /** Every version of the tenant's name (headers only), in no particular order. */
  listVersionHeaders(tenant: string, name: string): Promise<TransformerVersionHeader[]>;
  /**
   * The tenant's versions whose sides have these keys (`sideKey`), every name: the candidates of a
   * direct path. Read from an index, so a version registered within the last second may be missing.
   */
  findByPath(tenant: string, fromKey: string, toKey: string): Promise<TransformerVersionHeader[]>;
  /** The tenant's names in ascending order, `limit` per page. */
  listSummaries(tenant: string, limit: number, cursor?: string): Promise<Page<TransformerSummary>>;
  /**
   * Deletes one version (conditional on its existence), or every version of the name when
   * `version` is undefined; the summary goes with the last version.
   * @returns the versions deleted (none: the tenant has no such name or version)
   */
  deleteVersions(tenant: string, name: string, version?: string): Promise<string[]>;
}
