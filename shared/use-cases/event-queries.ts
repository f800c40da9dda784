import { MalformedInputError, NotFoundError } from '../domain/errors';
import { compileEventPattern, validateEventPattern } from '../domain/events/event-pattern';
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
