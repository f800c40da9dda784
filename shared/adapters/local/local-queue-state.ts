import type { QueueRole, QueueState, QueueStateReader } from '../../ports/queue-state';
import type { LocalQueue } from './local-queue';

/**
 * QueueStateReader on the in-process queues of `npm run dev`: the counts and the oldest message's
 * age are exact and current (the local queue's own), where SQS's are approximate and CloudWatch's
 * age lags by a minute or more.
 *
 * @example new LocalQueueStateReader([{ role: 'delivery', queue: queues.delivery }, { role: 'delivery-dlq', queue: queues.deadLetters }])
 */
export class LocalQueueStateReader implements QueueStateReader {
  constructor(private readonly queues: ReadonlyArray<{ readonly role: QueueRole; readonly queue: LocalQueue }>) {}

  async read(): Promise<QueueState[]> {
    return this.queues.map(({ role, queue }) => ({
      queue: role,
      ...queue.approximateCounts(),
      oldestMessageAgeSeconds: queue.oldestMessageAgeSeconds() ?? null,
    }));
  }
}
