import { LocalSecretCipher } from '../../shared/adapters/local/local-secret-cipher';
import type { SubscriptionKey } from '../../shared/domain/events/subscription';
import { describeSecret, encryptionContextOf, type SealedSecret } from '../../shared/domain/events/webhook-secret';

/** The tests' local key for sealing webhook secrets (AES-256-GCM). */
export const TEST_SECRET_KEY = Buffer.alloc(32, 7);

/** The cipher the handler and use-case tests seal and unseal with. */
export const testCipher = new LocalSecretCipher(TEST_SECRET_KEY);

/** A secret sealed by {@link testCipher} for the subscription `key` names, as the events function stores it. */
export async function sealedSecret(
  key: SubscriptionKey,
  secret: string,
  createdAt = new Date('2026-01-01T00:00:00.000Z'),
): Promise<SealedSecret> {
  return { sealed: await testCipher.encrypt(secret, encryptionContextOf(key)), ...describeSecret(secret, createdAt) };
}

/** A stored-secret entry for tests that never sign (rules, repositories): it opens under no key. */
export const PLACEHOLDER_SECRET: SealedSecret = {
  sealed: 'AQ==',
  last4: 'AAA=',
  digest: 'placeholder',
  createdAt: '2026-01-01T00:00:00.000Z',
};
