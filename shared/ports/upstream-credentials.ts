import type { Owner } from '../domain/auth/owner';
import type { UpstreamCredential } from '../domain/mesh/upstream-credential';

/** A service's stored upstream credential reference and who stored it. */
export type StoredUpstreamCredential = { credential: UpstreamCredential; owner: Owner };

/**
 * Per-service upstream credential references (secret name and header, never the secret), kept per
 * tenant beside the service's breaker settings (same error contract as ServiceRegistry).
 */
export interface UpstreamCredentialRepository {
  /** The tenant's reference for the service, or undefined when none is stored. */
  get(tenant: string, service: string): Promise<StoredUpstreamCredential | undefined>;
  /** Stores (replaces) `owner.tenant`'s reference for the service in one write. */
  put(service: string, credential: UpstreamCredential, owner: Owner): Promise<void>;
  /** Removes the tenant's reference; false when there was none. */
  delete(tenant: string, service: string): Promise<boolean>;
}

/**
 * Reads secrets by name (Secrets Manager in AWS, a local file or map locally), caching them as the
 * adapter decides.
 */
export interface SecretStore {
  /**
   * The secret's string value.
   *
   * @throws {UpstreamFailedError} when the secret does not exist, has no string value or may not be read
   * @throws {DependencyUnavailableError} when the store is throttling or unreachable
   */
  getSecret(name: string): Promise<string>;
}
