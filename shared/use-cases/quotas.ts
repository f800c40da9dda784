import { QuotaExceededError, ServiceQuotaExceededError } from '../domain/quotas/errors';
import { EVENTBRIDGE_RULES_QUOTA, type QuotaSlot } from '../domain/quotas/quota';
import type { QuotaCounter } from '../ports/quota-counter';

/**
 * Takes every slot in order, or none: when one is full, the slots taken so far are given back.
 *
 * @throws {QuotaExceededError} 409 naming the first full tenant quota and its value
 * @throws {ServiceQuotaExceededError} 503 when the full one is the deployment's (EventBridge rules)
 */
export async function acquireSlots(counter: QuotaCounter, slots: readonly QuotaSlot[]): Promise<void> {
  const taken: QuotaSlot[] = [];
  for (const slot of slots) {
    if (await counter.acquire(slot)) {
      taken.push(slot);
      continue;
    }
    await releaseSlots(counter, taken);
    throw quotaError(slot);
  }
}

/** Gives every slot back (in parallel). */
export async function releaseSlots(counter: QuotaCounter, slots: readonly QuotaSlot[]): Promise<void> {
  await Promise.all(slots.map((slot) => counter.release(slot)));
}

/**
 * Runs a write that may create a counted item while holding a slot of each quota: the slots are
 * taken first (so racing writers cannot both pass the last one), and given back when the write
 * throws or `keeps(result)` says it created nothing (a replacement, an idempotent repeat).
 *
 * @param keeps - whether the write's result holds the slots (it created the item)
 * @throws {QuotaExceededError} / {ServiceQuotaExceededError} when a slot is not free (the write is not run)
 * @throws whatever `write` throws, after giving the slots back
 * @example const { created } = await withSlots(quotas, slots, () => rules.put(rule, owner), (r) => r.created);
 */
export async function withSlots<T>(
  counter: QuotaCounter,
  slots: readonly QuotaSlot[],
  write: () => Promise<T>,
  keeps: (result: T) => boolean,
): Promise<T> {
  await acquireSlots(counter, slots);
  let result: T;
  try {
    result = await write();
  } catch (error) {
    await releaseSlots(counter, slots).catch(() => undefined);
    throw error;
  }
  if (!keeps(result)) await releaseSlots(counter, slots);
  return result;
}

function quotaError(slot: QuotaSlot): QuotaExceededError | ServiceQuotaExceededError {
  if (slot.scope === 'global') return new ServiceQuotaExceededError(slot.quota, slot.limit, EVENTBRIDGE_RULES_QUOTA);
  const where = slot.scope.service === undefined ? '' : ` for the service ${slot.scope.service}`;
  return new QuotaExceededError(
    slot.quota,
    slot.limit,
    [],
    `The tenant holds ${slot.limit} of ${slot.limit} allowed (${slot.quota})${where}; delete one first or ask for a higher quota`,
  );
}
