import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { SubscriptionKey } from './subscription';

/**
 * A subscription's signing secret as stored: sealed (encrypted under the subscription's encryption
 * context by a `SecretCipher`), never in plain text, with what may be shown instead of it.
 */
export type SealedSecret = {
  /** The ciphertext, base64: a KMS CiphertextBlob in AWS, an AES-256-GCM envelope locally. */
  sealed: string;
  /** The secret's last 4 characters: enough for a person to tell secrets apart, useless to sign with. */
  last4: string;
  /**
   * SHA-256 of the secret, base64url: recognises a repeated create with the same secret without
   * decrypting (the events function may only encrypt). A secret is 24–64 bytes (Standard Webhooks,
   * "Signature scheme"), so the digest cannot be searched back to it.
   */
  digest: string;
  /** When it was made or given, ISO 8601. */
  createdAt: string;
  /** When it stops signing, ISO 8601: set on the previous secret during a rotation's overlap window. */
  expiresAt?: string;
};

/** What the API shows of a secret after the answer that returned it. */
export type SecretHint = Pick<SealedSecret, 'last4' | 'createdAt' | 'expiresAt'>;

/**
 * The encryption context of a subscription's secrets: the owner's tenant and the subscription id.
 * KMS (and the local cipher, as AES-GCM additional data) binds the ciphertext to it, so a sealed
 * secret copied to another subscription or tenant does not decrypt; IAM conditions on these keys.
 *
 * @example encryptionContextOf({ tenant: 'acme', id: 'orders' }) // { 'aif-tenant': 'acme', 'aif-subscription': 'orders' }
 */
export function encryptionContextOf(key: SubscriptionKey): Record<string, string> {
  return { [SECRET_CONTEXT_KEYS.tenant]: key.tenant, [SECRET_CONTEXT_KEYS.subscription]: key.id };
}

/** The encryption context's keys (infra conditions `kms:EncryptionContextKeys` on them). */
export const SECRET_CONTEXT_KEYS = { tenant: 'aif-tenant', subscription: 'aif-subscription' } as const;

/** The longest rotation overlap, seconds: 7 days, long enough for any receiver to deploy its new secret. */
export const MAX_ROTATION_OVERLAP_SECONDS = 7 * 24 * 3600;

/** `POST /v1/subscriptions/{id}/rotate-secret`: the overlap window, seconds (default: the ROTATION_OVERLAP_SECONDS setting). */
export const RotateSecretInputSchema = z
  .object({
    overlapSeconds: z.number().int().min(0).max(MAX_ROTATION_OVERLAP_SECONDS).optional().meta({
      description: 'How long the previous secret keeps signing beside the new one, seconds; 0 ends it now',
    }),
  })
  .strict();

/** What is stored of a secret besides its ciphertext. */
export function describeSecret(secret: string, createdAt: Date): Omit<SealedSecret, 'sealed'> {
  return {
    last4: secret.slice(-4),
    digest: createHash('sha256').update(secret, 'utf8').digest('base64url'),
    createdAt: createdAt.toISOString(),
  };
}

/**
 * The secrets that sign at `now`: those without `expiresAt`, or expiring after `now`, newest first.
 *
 * @example signingSecrets([current, { ...previous, expiresAt: '2026-01-02T00:00:00.000Z' }], new Date('2026-01-03T00:00:00Z')) // [current]
 */
export function signingSecrets(secrets: readonly SealedSecret[], now: Date): SealedSecret[] {
  return secrets.filter((s) => s.expiresAt === undefined || Date.parse(s.expiresAt) > now.getTime());
}

/**
 * The secrets after a rotation: the new one first, then the current one (the newest that signs
 * now) until `now + overlapSeconds`. Older secrets — a previous rotation's, still in their window
 * or not — are dropped, so deliveries never carry more than two signatures; an overlap of 0 drops
 * the current one at once.
 *
 * @param current - the stored secrets, newest first
 * @param next - the new secret, sealed
 * @param overlapSeconds - how long the current secret keeps signing, seconds
 */
export function rotatedSecrets(
  current: readonly SealedSecret[],
  next: SealedSecret,
  now: Date,
  overlapSeconds: number,
): SealedSecret[] {
  const previous = signingSecrets(current, now)[0];
  if (!previous || overlapSeconds === 0) return [next];
  return [next, { ...previous, expiresAt: new Date(now.getTime() + overlapSeconds * 1000).toISOString() }];
}

/** The hints of stored secrets, newest first. */
export const secretHints = (secrets: readonly SealedSecret[]): SecretHint[] =>
  secrets.map(({ last4, createdAt, expiresAt }) => ({ last4, createdAt, ...(expiresAt && { expiresAt }) }));
