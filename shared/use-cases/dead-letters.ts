import { NotFoundError, ValidationError } from '../domain/errors';
import type { Clock } from '../ports/clock';
import type { Page } from '../ports/contract-repository';
import type { DeadLetter, DeadLetterRepository } from '../ports/dead-letters';
import type { DeliveryQueue } from '../ports/delivery-queue';

/** Most dead letters one redrive request moves. */
export const MAX_REDRIVE = 100;
/** A redrive claim older than this is considered abandoned (its Lambda died), milliseconds. */
const CLAIM_STALE_MS = 60_000;

/** What dead-letter management needs. */
export type DeadLetterDeps = {
  deadLetters: DeadLetterRepository;
  queue: Pick<DeliveryQueue, 'send'>;
  clock: Clock;
};

/** The tenant's dead letters, newest first, of one subscription or event type or all. */
export async function listDeadLetters(
  deps: Pick<DeadLetterDeps, 'deadLetters'>,
  tenant: string,
  query: { subscriptionId?: string; type?: string; limit: number; cursor?: string },
): Promise<Page<DeadLetter>> {
  if (query.subscriptionId !== undefined && query.type !== undefined) {
    throw new ValidationError('Filter by subscriptionId or by type, not both', [
      { pointer: '/query/type', message: 'cannot be combined with subscriptionId' },
    ]);
  }
  return deps.deadLetters.list(tenant, query);
}

/** How a redrive went: dead letters put back on the delivery queue, and those not found or busy. */
export type RedriveReport = { redriven: number; notFound: string[]; inProgress: string[]; redrivenIds: string[] };

/**
 * Puts the tenant's dead letters back on the delivery queue (`POST /v1/dead-letters/redrive`), by
 * ids or all of one of its subscriptions' (up to 100 per request; repeat while `redriven` is 100).
 * Another tenant's ids are `notFound`, and its letters are never touched (every key holds the tenant). Each is claimed with one
 * conditional write (one of racing redrives wins), sent as a new message (attempts count again from
 * 1), then deleted. If sending fails the claim is released and the dead letter stays.
 *
 * @throws {ValidationError} without ids or subscriptionId, or with both
 * @throws {DependencyUnavailableError} when storage or the queue is unavailable (what was sent stays sent)
 */
export async function redriveDeadLetters(
  deps: DeadLetterDeps,
  tenant: string,
  input: { ids?: string[]; subscriptionId?: string },
): Promise<RedriveReport> {
  if ((input.ids === undefined) === (input.subscriptionId === undefined)) {
    throw new ValidationError('Give the dead letters to redrive: ids, or a subscriptionId', [
      { pointer: '/ids', message: 'give ids or subscriptionId (exactly one of them)' },
    ]);
  }
  const ids =
    input.ids ??
    (
      await deps.deadLetters.list(tenant, { subscriptionId: input.subscriptionId as string, limit: MAX_REDRIVE })
    ).items.map((d) => d.id);
  const report: RedriveReport = { redriven: 0, notFound: [], inProgress: [], redrivenIds: [] };
  for (const id of [...new Set(ids)]) {
    const now = deps.clock.now().getTime();
    const claimed = await deps.deadLetters.claim(tenant, id, now, now - CLAIM_STALE_MS);
    if (!claimed) {
      if (await deps.deadLetters.get(tenant, id)) report.inProgress.push(id);
      else report.notFound.push(id);
      continue;
    }
    try {
      await deps.queue.send({ tenant, subscriptionId: claimed.subscriptionId, event: claimed.event });
    } catch (error) {
      await deps.deadLetters.release(tenant, id);
      throw error;
    }
    await deps.deadLetters.delete(tenant, id);
    report.redriven += 1;
    report.redrivenIds.push(id);
  }
  return report;
}

/**
 * Deletes one of the tenant's dead letters (the delivery is given up for good).
 *
 * @throws {NotFoundError} when the tenant has none of that id
 */
export async function deleteDeadLetter(
  deps: Pick<DeadLetterDeps, 'deadLetters'>,
  tenant: string,
  id: string,
): Promise<void> {
  if (!(await deps.deadLetters.delete(tenant, id))) throw new NotFoundError(`No dead letter ${id}`);
}
