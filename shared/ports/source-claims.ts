import type { Owner } from '../domain/auth/owner';

/**
 * Which tenant each event `source` belongs to: the first tenant to publish a source claims it.
 * Implementations throw `DependencyUnavailableError` when storage throttles or is unreachable.
 */
export interface SourceClaims {
  /**
   * Claims `source` for `owner.tenant` with one conditional write, or confirms the tenant holds it
   * already (idempotent for the owner).
   *
   * @returns `true` when the source is (now) the tenant's, `false` when another tenant holds it
   */
  claim(source: string, owner: Owner): Promise<boolean>;
}
