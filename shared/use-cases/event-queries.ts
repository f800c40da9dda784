import { MalformedInputError, NotFoundError } from '../domain/errors';
import { compileEventPattern, validateEventPattern } from '../domain/events/event-pattern';
import type { Clock } from '../ports/clock';
import { nowMs } from '../ports/clock';
import type { Page } from '../ports/contract-repository';
import type { EventLog, EventRecord } from '../ports/event-log';

/**
 * One of the tenant's events from the log, with its publication state and owner.
 *
 * @param tenant - the caller's tenant: another tenant's event of that id is not found
 * @throws {NotFoundError} when the tenant's log has no such id (never published by it, or past its retention)
 */
export async function getEvent(deps: { eventLog: EventLog }, tenant: string, id: string): Promise<EventRecord> {
  const record = await deps.eventLog.get(tenant, id);
  if (!record) throw new NotFoundError(`No event ${id} in the event log`);
  const { leaseUntil: _lease, ...shown } = record;
  return shown;
}

/** The tenant's published events of one correlation id — the causation chain — oldest first. */
export async function listEventsByCorrelation(
  deps: { eventLog: EventLog },
  tenant: string,
  query: { correlationId: string; limit: number; cursor?: string },
): Promise<Page<EventRecord>> {
  const page = await deps.eventLog.listByCorrelation(tenant, query.correlationId, {
    limit: query.limit,
    ...(query.cursor !== undefined && { cursor: query.cursor }),
  });
  return { ...page, items: page.items.map(({ leaseUntil: _lease, ...shown }) => shown) };
}

/** How far a listing by time may reach: one DynamoDB Query per hour of the range. */
export const MAX_EVENT_RANGE_MS = 7 * 24 * 3_600_000;
const DEFAULT_REACH_MS = 3_600_000;

/**
 * The tenant's published events with `from ≤ timestamp < to` (ms since the epoch), oldest first,
 * of `type` when given, at most `limit`: the event log by time (`aif events list`, `tail`). The
 * range defaults to an hour either side of now (publishers' clocks may run ahead); to read on,
 * ask again from the last event's timestamp.
 *
 * @throws {MalformedInputError} when `to ≤ from` or the range exceeds 7 days (`MAX_EVENT_RANGE_MS`)
 */
export async function listEventsByTime(
  deps: { eventLog: EventLog; clock: Clock },
  tenant: string,
  query: { from?: number; to?: number; type?: string; limit: number },
): Promise<Page<EventRecord>> {
  const now = nowMs(deps.clock);
  const from = query.from ?? now - DEFAULT_REACH_MS;
  const to = query.to ?? Math.max(now + DEFAULT_REACH_MS, from + 1);
  if (!(from < to) || to - from > MAX_EVENT_RANGE_MS) {
    const message = from < to ? 'the range from..to spans more than 7 days' : 'to must be after from';
    throw new MalformedInputError(message, [{ pointer: '/to', message }]);
  }
  const items = await deps.eventLog.listPublishedRecords(tenant, from, to, {
    ...(query.type !== undefined && { type: query.type }),
    limit: query.limit,
  });
  return { items: items.map(({ leaseUntil: _lease, ...shown }) => shown) };
}

/**
 * EventBridge's TestEventPattern, served by the same matcher the local bus uses
 * (`POST /v1/event-patterns/test`).
 *
 * @throws {MalformedInputError} with EventBridge's reason when the pattern is invalid (as TestEventPattern's 400)
 */
export function testEventPattern(input: { pattern: unknown; event: unknown }): { matches: boolean } {
  const validated = validateEventPattern(input.pattern);
  if (!validated.valid) {
    throw new MalformedInputError(validated.reason, [
      { pointer: '/pattern', message: validated.reason, keyword: 'eventPattern' },
    ]);
  }
  return { matches: compileEventPattern(validated.pattern)(input.event) };
}
