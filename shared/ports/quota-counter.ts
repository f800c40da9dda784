import type { QuotaSlot } from '../domain/quotas/quota';

/**
 * Counters of what a tenant (or the deployment) holds, one per (scope, quota). Taking a slot is
 * one atomic conditional write, so of callers racing for the last slot exactly one gets it.
 * Implementations throw `DependencyUnavailableError` when storage throttles or is unreachable.
 */
export interface QuotaCounter {
  /**
   * Takes one slot if fewer than `slot.limit` are taken.
   *
   * @returns false when the counter is at (or above) its limit; nothing changed then
   */
  acquire(slot: QuotaSlot): Promise<boolean>;
  /** Gives one slot back; a counter never goes below 0. */
  release(slot: QuotaSlot): Promise<void>;
}
