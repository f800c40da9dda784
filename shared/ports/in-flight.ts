/**
 * Reads how many slots are taken under a concurrency key (the leases `ConcurrencyLimiter` holds).
 * Implementations throw `DependencyUnavailableError` when storage throttles or is unreachable.
 */
export interface InFlightReader {
  /**
   * Live leases under `key` at `nowMs` (expiry after `nowMs`), 0 when the key holds none.
   *
   * @param nowMs - epoch milliseconds
   */
  inFlight(key: string, nowMs: number): Promise<number>;
}
