import { DecryptCommand, EncryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import { canonicalJson } from '../../domain/canonical-json';
import { SecretUnsealError } from '../../domain/events/errors';
import type { SecretCipher } from '../../ports/secret-cipher';
import { rethrowAwsError } from './rethrow';

/** KMS Encrypt accepts at most 4096 bytes of plaintext (KMS API reference, Encrypt). */
export const KMS_MAX_PLAINTEXT_BYTES = 4096;

/** What KMS answers when a ciphertext does not belong to the key or context given (KMS Decrypt errors). */
const UNSEAL_ERRORS = new Set(['InvalidCiphertextException', 'IncorrectKeyException']);

/** Options of {@link KmsSecretCipher}. */
export type KmsSecretCipherOptions = {
  /** How long a decrypted secret is kept in this Lambda instance, milliseconds. @default 300_000 */
  decryptCacheTtlMs?: number;
  /** Most decrypted secrets kept; the oldest go first. @default 1000 */
  decryptCacheSize?: number;
  /** The clock of the cache, epoch milliseconds. @default Date.now */
  nowMs?: () => number;
};

/**
 * SecretCipher on a customer-managed KMS key, calling KMS Encrypt and Decrypt directly: a secret
 * (`whsec_` + base64 of at most 64 bytes, under 100 bytes) is far inside Encrypt's 4096-byte limit,
 * so envelope encryption (the AWS Encryption SDK) would add a bundle and a data-key cache for no
 * gain. The encryption context is passed on both calls (KMS binds the ciphertext to it, and
 * CloudTrail records it); Decrypt names the key, so a ciphertext of another key is refused.
 * Decrypted secrets are cached per instance (keyed by ciphertext and context) so a burst of
 * deliveries costs one Decrypt per secret, not one per delivery.
 *
 * @example new KmsSecretCipher(new KMSClient({}), 'arn:aws:kms:eu-west-1:123456789012:alias/aif-webhook-secrets')
 */
export class KmsSecretCipher implements SecretCipher {
  private readonly cache = new Map<string, { plaintext: string; atMs: number }>();
  private readonly ttlMs: number;
  private readonly size: number;
  private readonly nowMs: () => number;

  /**
   * @param client - a KMS client built once per cold start
   * @param keyId - the key's ARN or alias ARN (WEBHOOK_SECRET_KEY_ARN)
   */
  constructor(
    private readonly client: KMSClient,
    private readonly keyId: string,
    options: KmsSecretCipherOptions = {},
  ) {
    this.ttlMs = options.decryptCacheTtlMs ?? 300_000;
    this.size = options.decryptCacheSize ?? 1000;
    this.nowMs = options.nowMs ?? Date.now;
  }

  /**
   * KMS Encrypt under the key, with the context.
   *
   * @throws {RangeError} when the plaintext exceeds 4096 bytes (KMS would refuse it)
   * @throws {DependencyUnavailableError} when KMS throttles or is unavailable
   */
  async encrypt(plaintext: string, context: Readonly<Record<string, string>>): Promise<string> {
    const bytes = Buffer.from(plaintext, 'utf8');
    if (bytes.length > KMS_MAX_PLAINTEXT_BYTES) {
      throw new RangeError(`KMS Encrypt accepts at most ${KMS_MAX_PLAINTEXT_BYTES} bytes of plaintext`);
    }
    try {
      const out = await this.client.send(
        new EncryptCommand({ KeyId: this.keyId, Plaintext: bytes, EncryptionContext: { ...context } }),
      );
      if (!out.CiphertextBlob) throw new Error('KMS Encrypt answered no CiphertextBlob');
      return Buffer.from(out.CiphertextBlob).toString('base64');
    } catch (error) {
      rethrowAwsError(error, { source: 'kms', what: 'KMS Encrypt' });
    }
  }

  /**
   * KMS Decrypt with the key and context (or the instance's cached answer).
   *
   * @throws {SecretUnsealError} when KMS answers InvalidCiphertextException or IncorrectKeyException
   *   (another context or key, or altered bytes)
   * @throws {DependencyUnavailableError} when KMS throttles or is unavailable
   */
  async decrypt(ciphertext: string, context: Readonly<Record<string, string>>): Promise<string> {
    const cacheKey = `${ciphertext}\n${canonicalJson(context)}`;
    const cached = this.cache.get(cacheKey);
    if (cached && this.nowMs() - cached.atMs < this.ttlMs) return cached.plaintext;
    let plaintext: string;
    try {
      const out = await this.client.send(
        new DecryptCommand({
          KeyId: this.keyId,
          CiphertextBlob: Buffer.from(ciphertext, 'base64'),
          EncryptionContext: { ...context },
        }),
      );
      if (!out.Plaintext) throw new Error('KMS Decrypt answered no Plaintext');
      plaintext = Buffer.from(out.Plaintext).toString('utf8');
    } catch (error) {
      const name = (error as { name?: string }).name ?? '';
      if (UNSEAL_ERRORS.has(name)) {
        throw new SecretUnsealError(`KMS refused to decrypt the sealed secret (${name})`, { cause: error });
      }
      rethrowAwsError(error, { source: 'kms', what: 'KMS Decrypt' });
    }
    this.remember(cacheKey, plaintext);
    return plaintext;
  }

  private remember(cacheKey: string, plaintext: string): void {
    this.cache.delete(cacheKey);
    if (this.cache.size >= this.size) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(cacheKey, { plaintext, atMs: this.nowMs() });
  }
}
