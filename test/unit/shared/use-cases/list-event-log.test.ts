import { describe, expect, it } from 'vitest';
import { MalformedInputError, ValidationError } from '../../../../shared/domain/errors';
import type { IntegrationEvent } from '../../../../shared/domain/events/integration-event';
import { listEventLog } from '../../../../shared/use-cases/list-event-log';
import { fixedClock } from '../../../support/clock';

const T0 = Date.parse('2026-11-30T10:00:00.000Z');
const HOUR = 3_600_000;

const event = (id: string, timestamp: number, type = 'order.created', source = 'shop'): IntegrationEvent => ({
  id,
  type,
  version: '1.0.0',
  source,
  timestamp,
  payload: {},
  metadata: {},
});

/** An event log holding `events` of tenant `t1`, sorted as the store's index is (timestamp, then id); records each window read. */
function eventLog(events: IntegrationEvent[]) {
  const windows: Array<[number, number]> = [];
  const sorted = [...events].sort((a, b) => a.timestamp - b.timestamp || (a.id < b.id ? -1 : 1));
  return {
    windows,
    async *listPublishedBetween(tenant: string, from: number, to: number) {
      windows.push([from, to]);
      for (const e of sorted) if (tenant === 't1' && e.timestamp >= from && e.timestamp < to) yield e;
    },
  };
}

describe('listEventLog', () => {
  it('reads the hour before now by default and keeps the events matching type and source', async () => {
    // Prepare
    const log = eventLog([
      event('e-old', T0 - 2 * HOUR),
      event('e-1', T0 - 30 * 60_000),
      event('e-other-type', T0 - 20 * 60_000, 'order.paid'),
      event('e-other-source', T0 - 10 * 60_000, 'order.created', 'crm'),
    ]);

    // Act
    const page = await listEventLog({ eventLog: log, clock: fixedClock(T0) }, 't1', {
      type: 'order.created',
      source: 'shop',
      limit: 10,
    });

    // Assess
    expect(log.windows).toEqual([[T0 - HOUR, T0]]);
    expect(page).toEqual({ items: [event('e-1', T0 - 30 * 60_000)] });
  });

  it('pages through a window with cursors, events of one millisecond included once each', async () => {
    // Prepare
    const log = eventLog([event('e-a', T0), event('e-b', T0), event('e-c', T0), event('e-d', T0 + 1)]);
    const deps = { eventLog: log, clock: fixedClock(T0 + HOUR) };
    const query = { from: T0, limit: 2 };

    // Act
    const first = await listEventLog(deps, 't1', query);
    const second = await listEventLog(deps, 't1', { ...query, cursor: first.nextCursor });

    // Assess
    expect(first.items.map((e) => e.id)).toEqual(['e-a', 'e-b']);
    expect(second.items.map((e) => e.id)).toEqual(['e-c', 'e-d']);
    expect(second.nextCursor).toBeUndefined();
  });

  it('rejects a window that ends before it starts, or spans more than 24 hours', async () => {
    // Prepare
    const deps = { eventLog: eventLog([]), clock: fixedClock(T0) };

    // Act
    const reversed = listEventLog(deps, 't1', { from: T0, to: T0, limit: 10 });
    const tooLong = listEventLog(deps, 't1', { from: T0, to: T0 + 24 * HOUR + 1, limit: 10 });

    // Assess
    await expect(reversed).rejects.toBeInstanceOf(ValidationError);
    await expect(reversed).rejects.toMatchObject({ problems: [{ pointer: '/query/from' }] });
    await expect(tooLong).rejects.toMatchObject({ problems: [{ pointer: '/query/to' }] });
  });

  it('rejects a cursor it did not issue', async () => {
    // Prepare
    const deps = { eventLog: eventLog([]), clock: fixedClock(T0) };
    const forged = Buffer.from(JSON.stringify({ at: 'soon', id: 'e-1' })).toString('base64url');

    // Act
    const failure = listEventLog(deps, 't1', { limit: 10, cursor: forged });

    // Assess
    await expect(failure).rejects.toBeInstanceOf(MalformedInputError);
  });
});
