import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { canonicalJson } from '../../domain/canonical-json';
import { SecretUnsealError } from '../../domain/events/errors';
import type { SecretCipher } from '../../ports/secret-cipher';

/** AES-256 keys are 32 bytes; GCM's recommended nonce is 12 bytes and its full tag 16 (NIST SP 800-38D). */
export const LOCAL_SECRET_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** The envelope's first byte, so a later format can be told apart. */
const FORMAT_V1 = 1;

/**
 * SecretCipher for the local runner: AES-256-GCM under a 32-byte local key (kept in the `--data`
 * folder, or in memory), the encryption context's canonical JSON as additional authenticated data
 * — as KMS binds its ciphertext to the context, a secret sealed for one subscription does not open
 * for another. Ciphertext: base64 of `0x01 ‖ iv (12) ‖ tag (16) ‖ encrypted bytes`.
 *
 * @example const cipher = new LocalSecretCipher(randomBytes(32)); await cipher.decrypt(await cipher.encrypt(s, ctx), ctx) === s
 */
export class LocalSecretCipher implements SecretCipher {
  /** @throws {RangeError} when the key is not 32 bytes */
  constructor(private readonly key: Buffer) {
    if (key.length !== LOCAL_SECRET_KEY_BYTES)
      throw new RangeError(`a local secret key is ${LOCAL_SECRET_KEY_BYTES} bytes`);
  }

  /** Seals with a fresh random nonce (never reused under one key). */
  async encrypt(plaintext: string, context: Readonly<Record<string, string>>): Promise<string> {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(canonicalJson(context), 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([FORMAT_V1]), iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** @throws {SecretUnsealError} when the envelope is malformed, or its tag fails (other key, context or altered bytes) */
  async decrypt(ciphertext: string, context: Readonly<Record<string, string>>): Promise<string> {
    const bytes = Buffer.from(ciphertext, 'base64');
    if (bytes.length < 1 + IV_BYTES + TAG_BYTES || bytes[0] !== FORMAT_V1) {
      throw new SecretUnsealError('The sealed secret is not a local AES-256-GCM envelope');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(1, 1 + IV_BYTES), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAuthTag(bytes.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES));
    decipher.setAAD(Buffer.from(canonicalJson(context), 'utf8'));
    try {
      return Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
        'utf8',
      );
    } catch (error) {
      throw new SecretUnsealError('The sealed secret does not open under this key and encryption context', {
        cause: error,
      });
    }
  }
}
