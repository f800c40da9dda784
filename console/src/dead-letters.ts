import { api } from './api';
import { h, replace, table } from './dom';
import type { DeadLetterList, Redrive } from './types';

/**
 * The dead-letters view: the newest page of deliveries given up on (`GET /v1/dead-letters`), each
 * with a Redrive button, plus one that redrives the whole page (`POST /v1/dead-letters/redrive`,
 * by ids). The count carries `data-testid="dead-letter-count"`.
 */
export async function renderDeadLetters(root: HTMLElement, notice = ''): Promise<void> {
  const page = await api<DeadLetterList>('/v1/dead-letters?limit=100');
  const redrive = async (ids: string[]) => {
    try {
      const report = await api<Redrive>('/v1/dead-letters/redrive', { method: 'POST', body: { ids } });
      const skipped = [
        ...report.notFound.map((id) => `${id} (gone)`),
        ...report.inProgress.map((id) => `${id} (busy)`),
      ];
      await renderDeadLetters(
        root,
        `Redriven: ${report.redriven}${skipped.length ? `; skipped ${skipped.join(', ')}` : ''}`,
      );
    } catch (error) {
      await renderDeadLetters(root, `Redrive failed: ${(error as Error).message}`);
    }
  };
  const rows = page.items.map((letter) => [
    letter.createdAt,
    letter.subscriptionId,
    letter.eventType,
    letter.eventId,
    letter.attempts,
    `${letter.reason}${letter.lastStatus === undefined ? '' : ` (HTTP ${letter.lastStatus})`}: ${letter.lastError.message}`,
    h('button', { type: 'button', 'data-redrive': letter.id, onclick: () => void redrive([letter.id]) }, 'Redrive'),
  ]);
  replace(
    root,
    h(
      'p',
      { class: 'summary' },
      h('span', { 'data-testid': 'dead-letter-count' }, String(page.items.length)),
      page.nextCursor
        ? '+ dead letters (the newest 100 shown)'
        : page.items.length === 1
          ? ' dead letter'
          : ' dead letters',
      page.items.length > 0 &&
        h(
          'button',
          {
            type: 'button',
            class: 'primary',
            'data-redrive-all': '',
            onclick: () => void redrive(page.items.map((l) => l.id)),
          },
          'Redrive all shown',
        ),
    ),
    notice && h('p', { class: 'notice', role: 'status' }, notice),
    table(['Created', 'Subscription', 'Type', 'Event', 'Attempts', 'Why', ''], rows, 'No dead letters.'),
  );
}
