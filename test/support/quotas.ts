import type { QuotaSlot } from '../../shared/domain/quotas/quota';
import { DEFAULT_QUOTA_LIMITS } from '../../shared/domain/quotas/quota';
import type { QuotaCounter } from '../../shared/ports/quota-counter';

/** The quota values without settings, for use-case tests. */
export const TEST_QUOTA_LIMITS = DEFAULT_QUOTA_LIMITS;

/** A QuotaCounter in memory (one process, so the check and the increment cannot interleave). */
export function memoryQuotaCounter(): QuotaCounter & { counts: Map<string, number> } {
  const counts = new Map<string, number>();
  const keyOf = (slot: QuotaSlot) =>
    slot.scope === 'global' ? slot.quota : `${slot.quota}|${slot.scope.tenant}|${slot.scope.service ?? ''}`;
  return {
    counts,
    acquire: async (slot) => {
      const count = counts.get(keyOf(slot)) ?? 0;
      if (count >= slot.limit) return false;
      counts.set(keyOf(slot), count + 1);
      return true;
    },
    release: async (slot) => {
      counts.set(keyOf(slot), Math.max(0, (counts.get(keyOf(slot)) ?? 0) - 1));
    },
  };
}
