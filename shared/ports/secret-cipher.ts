/**
 * Seals and unseals webhook signing secrets at the application layer, bound to an encryption
 * context (`encryptionContextOf`: the subscription's tenant and id). In AWS a customer-managed KMS
 * key (`KmsSecretCipher`), locally AES-256-GCM under a local key (`LocalSecretCipher`) with the
 * context as additional authenticated data — the same calls either way.
 */
export interface SecretCipher {
  /**
   * @param plaintext - the secret, `whsec_…` (KMS Encrypt accepts at most 4096 bytes of plaintext)
   * @returns the ciphertext, base64
   * @throws {DependencyUnavailableError} when the key service throttles or is unreachable
   */
  encrypt(plaintext: string, context: Readonly<Record<string, string>>): Promise<string>;
  /**
   * @returns the plaintext the ciphertext was sealed from
   * @throws {SecretUnsealError} when it was not sealed under this context (or key), or was altered
   * @throws {DependencyUnavailableError} when the key service throttles or is unreachable
   */
  decrypt(ciphertext: string, context: Readonly<Record<string, string>>): Promise<string>;
}
