/** What one acquisition did: a slot taken (its lease), or none free. */
export type LeaseAcquisition =
  | { readonly acquired: true; readonly leaseId: string }
  | {
      readonly acquired: false;
      /** Live leases the store holds under the key (at least the `max` asked for). */
      readonly inFlight: number;
      /** Milliseconds until the earliest live lease expires: when a slot is free at the latest. */
      readonly retryAfterMs: number;
    };

/**
 * A distributed semaphore: slots under an opaque key, shared by every Lambda instance (the
 * DynamoDB RateLimits table, on dynalite locally). A slot is a lease that expires, so a holder that
 * never releases (a crashed Lambda) frees its slot at expiry. The limiter knows nothing of tenants
 * or scopes; `inFlightKey` names the keys.
 *
 * Implementations throw `DependencyUnavailableError` when storage throttles or is unreachable; the
 * caller then refuses the call (fail closed).
 */
export interface ConcurrencyLimiter {
  /**
   * Takes one of `max` slots under `key` for `leaseMs`, atomically: concurrent acquisitions never
   * hold more than `max` live leases together. Expired leases are reclaimed on the way.
   *
   * @param max - slots under the key, at least 1
   * @param leaseMs - how long the lease holds, milliseconds (at most `MAX_LEASE_MS`)
   * @param nowMs - the caller's time, epoch milliseconds (leases expire at `nowMs + leaseMs`)
   * @throws {DependencyUnavailableError} when the store throttles or is unavailable
   */
  acquire(key: string, max: number, leaseMs: number, nowMs: number): Promise<LeaseAcquisition>;
  /**
   * Gives a lease back; releasing a lease that has expired, was reclaimed or was released already
   * does nothing.
   *
   * @throws {DependencyUnavailableError} when the store throttles or is unavailable (the lease then
   *   frees itself at expiry)
   */
  release(key: string, leaseId: string): Promise<void>;
}
