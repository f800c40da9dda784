import { listAll } from './api';
import { h, replace, table } from './dom';
import type { Breaker } from './types';

/**
 * The breakers view: every breaker's shared state (`GET /v1/breakers`), refreshed by the console's
 * poll; an open breaker shows when it opened, a half-open one its probes in flight.
 */
export async function renderBreakers(root: HTMLElement): Promise<void> {
  const breakers = await listAll<Breaker>('/v1/breakers');
  const rows = breakers
    .sort((a, b) => (a.service ?? '').localeCompare(b.service ?? '') || a.instanceId.localeCompare(b.instanceId))
    .map((b) => [
      b.service ?? '(deregistered)',
      b.instanceId,
      h('span', { class: `badge breaker-${b.state}`, 'data-breaker-state': b.state }, b.state),
      b.failureCount,
      b.openedAt === undefined ? '' : new Date(b.openedAt).toISOString(),
      Object.keys(b.permits).length,
      b.updatedAt === undefined ? '' : new Date(b.updatedAt).toISOString(),
    ]);
  replace(
    root,
    h(
      'p',
      { class: 'summary' },
      `${breakers.filter((b) => b.state !== 'closed').length} of ${breakers.length} breakers not closed`,
    ),
    table(
      ['Service', 'Instance', 'State', 'Failures', 'Opened at', 'Probes in flight', 'Updated at'],
      rows,
      'No breaker has recorded a call yet (breakers appear with the first routed call).',
    ),
  );
}
