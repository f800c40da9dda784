import type { BucketState, BucketWrite } from '../domain/rate-limits/token-bucket';

/** What one conditional write did: applied (and the state it left), or not (and the state that stopped it). */
export type BucketWriteOutcome =
  | { readonly applied: true; readonly state: BucketState }
  | { readonly applied: false; readonly state: BucketState | undefined };

/**
 * Where token buckets live, shared by every Lambda instance (the DynamoDB RateLimits table, on
 * dynalite locally). A bucket is one item under an opaque key; the store knows nothing of limits.
 *
 * Implementations throw `DependencyUnavailableError` when storage throttles or is unreachable; the
 * rate limiter then refuses the request (fail closed).
 */
export interface TokenBucketStore {
  /**
   * Applies `write` to the bucket under `key` if its condition holds, atomically — one conditional
   * write (DynamoDB: one UpdateItem) — and sets the bucket's expiry to `expiresAt` (epoch seconds).
   *
   * @returns applied and the new state; or not applied and the state the condition failed on
   *   (undefined: no bucket stored), strongly consistent
   */
  apply(key: string, write: BucketWrite, expiresAt: number): Promise<BucketWriteOutcome>;
}
