import { describe, expect, it } from 'vitest';
import { MalformedInputError } from '../../../../shared/domain/errors';
import type { EventLog, EventRecord } from '../../../../shared/ports/event-log';
import { listEventsByTime, MAX_EVENT_RANGE_MS } from '../../../../shared/use-cases/event-queries';
import { fixedClock } from '../../../support/clock';

const NOW = Date.parse('2026-11-30T10:00:00.000Z');
const HOUR = 3_600_000;

/** An event log that records the listing asked of it and answers one record carrying a lease. */
function recordingLog() {
  const calls: { tenant: string; from: number; to: number; options: { type?: string; limit: number } }[] = [];
  const record = { event: { id: 'evt-1' }, status: 'published', leaseUntil: 1 } as unknown as EventRecord;
  const eventLog = {
    listPublishedRecords: async (
      tenant: string,
      from: number,
      to: number,
      options: { type?: string; limit: number },
    ) => {
      calls.push({ tenant, from, to, options });
      return [record];
    },
  } as unknown as EventLog;
  return { eventLog, calls };
}

describe('listEventsByTime', () => {
  it('reads an hour either side of now by default, and answers the records without their lease', async () => {
    // Prepare
    const { eventLog, calls } = recordingLog();

    // Act
    const page = await listEventsByTime({ eventLog, clock: fixedClock(NOW) }, 'acme', { limit: 25 });

    // Assess
    expect(calls).toEqual([{ tenant: 'acme', from: NOW - HOUR, to: NOW + HOUR, options: { limit: 25 } }]);
    expect(page.items).toEqual([{ event: { id: 'evt-1' }, status: 'published' }]);
  });

  it('passes the range and type given', async () => {
    // Prepare
    const { eventLog, calls } = recordingLog();

    // Act
    await listEventsByTime({ eventLog, clock: fixedClock(NOW) }, 'acme', {
      from: NOW - 5 * HOUR,
      to: NOW - 4 * HOUR,
      type: 'order.created',
      limit: 3,
    });

    // Assess
    expect(calls[0]).toMatchObject({
      from: NOW - 5 * HOUR,
      to: NOW - 4 * HOUR,
      options: { type: 'order.created', limit: 3 },
    });
  });

  it('rejects a range that ends before it starts, or spans more than 7 days, naming /to', async () => {
    // Prepare
    const { eventLog, calls } = recordingLog();
    const deps = { eventLog, clock: fixedClock(NOW) };

    // Act
    const backwards = listEventsByTime(deps, 'acme', { from: NOW, to: NOW, limit: 1 });
    const tooLong = listEventsByTime(deps, 'acme', { from: NOW - MAX_EVENT_RANGE_MS - 1, to: NOW, limit: 1 });

    // Assess
    await expect(backwards).rejects.toMatchObject({
      constructor: MalformedInputError,
      message: 'to must be after from',
    });
    await expect(tooLong).rejects.toMatchObject({ message: 'the range from..to spans more than 7 days' });
    expect(calls).toEqual([]);
  });
});
