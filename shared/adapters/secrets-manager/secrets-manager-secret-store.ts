import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DependencyUnavailableError, UpstreamFailedError } from '../../domain/errors';
import type { SecretStore } from '../../ports/upstream-credentials';

/** Secrets Manager errors that no retry cures: the secret is missing, deleted, or not this function's to read. */
const PERMANENT = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'InvalidRequestException',
  'DecryptionFailure',
  'ParameterNotFoundError',
]);

/**
 * SecretStore on AWS Secrets Manager through Powertools Parameters (`SecretsProvider.get`): each
 * secret is fetched once per `maxAgeSeconds` per Lambda instance (Powertools' in-memory cache), so
 * the router's hot path makes no Secrets Manager call. The function's role may read only the
 * stack's secret name prefix (infra/constructs/upstream-secrets-binding.ts).
 *
 * @example new SecretsManagerSecretStore(new SecretsManagerClient({}), { maxAgeSeconds: 300 })
 */
export class SecretsManagerSecretStore implements SecretStore {
  private readonly provider: SecretsProvider;
  private readonly maxAgeSeconds: number;

  /**
   * @param client - a Secrets Manager client built once per cold start
   * @param options - how long a fetched value is reused, seconds (0: fetched on every call)
   */
  constructor(client: SecretsManagerClient = new SecretsManagerClient({}), options: { maxAgeSeconds: number }) {
    this.provider = new SecretsProvider({ awsSdkV3Client: client });
    this.maxAgeSeconds = options.maxAgeSeconds;
  }

  /**
   * The secret's `SecretString`.
   *
   * @throws {UpstreamFailedError} 502 when the secret is missing, binary, or may not be read
   * @throws {DependencyUnavailableError} 503 when Secrets Manager throttles or fails
   */
  async getSecret(name: string): Promise<string> {
    let value: unknown;
    try {
      value = await this.provider.get(name, { maxAge: this.maxAgeSeconds });
    } catch (error) {
      const cause = (error as { cause?: { name?: string } }).cause;
      const kind = cause?.name ?? (error as Error).name;
      if (PERMANENT.has(kind)) {
        throw new UpstreamFailedError(`The upstream credential secret ${name} cannot be read (${kind})`);
      }
      throw new DependencyUnavailableError(`Secrets Manager did not answer for ${name} (${kind})`, 5);
    }
    if (typeof value !== 'string') {
      throw new UpstreamFailedError(`The upstream credential secret ${name} has no string value`);
    }
    return value;
  }
}
