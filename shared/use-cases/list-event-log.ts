import { ValidationError } from '../domain/errors';
import type { IntegrationEvent } from '../domain/events/integration-event';
import { decodeCursor, encodeCursor, invalidCursorError } from '../domain/page-cursor';
import type { Clock } from '../ports/clock';
import type { EventLog } from '../ports/event-log';

/** The default window of a listing without `from`: the hour before `to`. */
export const DEFAULT_EVENT_LOG_WINDOW_MS = 60 * 60 * 1000;
/**
 * The longest window one listing reads, ms: the log is indexed by UTC hour and a window costs one
 * Query per hour even where it is empty (`EventLog.listPublishedBetween`), so 24 Queries at most.
 */
export const MAX_EVENT_LOG_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Filters of {@link listEventLog}; times are ms since the Unix epoch, `from` inclusive, `to` exclusive. */
export type EventLogQuery = {
  type?: string;
  source?: string;
  from?: number;
  to?: number;
  limit: number;
  cursor?: string;
};

/**
 * One page of the tenant's published events in a time window, oldest first (timestamp, then id),
 * keeping those whose `type` and `source` equal the filters given. `to` defaults to now and `from`
 * to one hour before `to`. `nextCursor` (the last answered event's timestamp and id) continues the
 * same window after that event; it is absent when the window holds no more matching events.
 *
 * @throws {ValidationError} when `from` is not before `to`, or the window exceeds 24 hours (pointers `/query/from`, `/query/to`)
 * @throws {MalformedInputError} for a cursor this listing did not issue
 * @example
 * await listEventLog(deps, 'acme', { type: 'order.created', limit: 50 }); // the last hour's order.created events
 */
export async function listEventLog(
  deps: { eventLog: Pick<EventLog, 'listPublishedBetween'>; clock: Clock },
  tenant: string,
  query: EventLogQuery,
): Promise<{ items: IntegrationEvent[]; nextCursor?: string }> {
  const to = query.to ?? deps.clock.now().getTime();
  const from = query.from ?? to - DEFAULT_EVENT_LOG_WINDOW_MS;
  checkWindow(from, to);
  const after = decodeCursor(query.cursor, ['at', 'id']);
  const afterAt = after === undefined ? undefined : Number(after.at);
  if (afterAt !== undefined && !Number.isSafeInteger(afterAt)) throw invalidCursorError();
  const items: IntegrationEvent[] = [];
  // Resume at the cursor's timestamp: events of that same millisecond sort by id, so skip to past its id.
  const start = afterAt === undefined ? from : Math.max(from, afterAt);
  for await (const event of deps.eventLog.listPublishedBetween(tenant, start, to)) {
    if (after?.id !== undefined && event.timestamp === afterAt && event.id <= after.id) continue;
    if (
      (query.type !== undefined && event.type !== query.type) ||
      (query.source !== undefined && event.source !== query.source)
    ) {
      continue;
    }
    if (items.length === query.limit) {
      const last = items[items.length - 1] as IntegrationEvent;
      return { items, nextCursor: encodeCursor({ at: String(last.timestamp), id: last.id }) as string };
    }
    items.push(event);
  }
  return { items };
}

function checkWindow(from: number, to: number): void {
  const problems = [];
  if (!(from < to)) problems.push({ pointer: '/query/from', message: 'must be before to' });
  else if (to - from > MAX_EVENT_LOG_WINDOW_MS) {
    problems.push({ pointer: '/query/to', message: 'at most 24 hours after from (one listing reads one day)' });
  }
  if (problems.length > 0) throw new ValidationError('The time window of the event log listing is invalid', problems);
}
