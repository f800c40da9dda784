import { api } from './api';
import { h, replace, table } from './dom';
import type { EventLogPage } from './types';

/**
 * The event log view: published events of a time window, oldest first, filtered by type and
 * source (`GET /v1/event-log`); the window defaults to the last hour, and "Next page" follows
 * `nextCursor` within the same filters.
 */
export function renderEvents(root: HTMLElement): Promise<void> {
  const field = (name: string, label: string, type = 'text') =>
    h('label', {}, `${label} `, h('input', { name, type, ...(type === 'datetime-local' && { step: 1 }) }));
  const results = h('div', { class: 'events' });
  const form = h(
    'form',
    { class: 'inline filters' },
    field('type', 'Type'),
    field('source', 'Source'),
    field('from', 'From (local time)', 'datetime-local'),
    field('to', 'To', 'datetime-local'),
    h('button', { type: 'submit' }, 'Show'),
  );
  const show = async (cursor?: string) => {
    const query = new URLSearchParams({ limit: '50' });
    const data = new FormData(form);
    for (const name of ['type', 'source']) {
      const value = String(data.get(name) ?? '').trim();
      if (value !== '') query.set(name, value);
    }
    for (const name of ['from', 'to']) {
      const value = String(data.get(name) ?? '');
      // datetime-local has no zone: read it as the browser's local time, send it as UTC.
      if (value !== '') query.set(name, new Date(value).toISOString());
    }
    if (cursor) query.set('cursor', cursor);
    try {
      showPage(results, await api<EventLogPage>(`/v1/event-log?${query}`), show);
    } catch (error) {
      replace(results, h('p', { class: 'error' }, (error as Error).message));
    }
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void show();
  });
  replace(root, form, results);
  return show();
}

function showPage(root: HTMLElement, page: EventLogPage, show: (cursor?: string) => Promise<void>): void {
  replace(
    root,
    table(
      ['Time', 'Type', 'Source', 'Id', 'Correlation', 'Payload'],
      page.items.map((event) => [
        new Date(event.timestamp).toISOString(),
        event.type,
        event.source,
        event.id,
        event.correlationId ?? '',
        h('code', {}, abbreviate(JSON.stringify(event.payload))),
      ]),
      'No events match in this window.',
    ),
    page.nextCursor && h('button', { type: 'button', onclick: () => void show(page.nextCursor) }, 'Next page'),
  );
}

function abbreviate(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}
