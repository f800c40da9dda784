import { windowStart } from '../domain/resilience/counting';
import { type AlertWindow, WINDOW_MS } from '../domain/resilience/policy';
import type { Clock } from '../ports/clock';
import type { ErrorCounterRepository } from '../ports/error-counter';

/** One counter as `GET /v1/errors/stats` shows it. */
export type ErrorStatsItem = {
  source: string;
  code: string;
  category: string;
  count: number;
  /** ISO 8601 time of the latest error counted. */
  lastSeenAt: string;
  alert?: { eventId: string; raisedAt: string; state: 'pending' | 'published'; threshold: number };
};

/** One window's counters. */
export type ErrorStats = {
  window: AlertWindow;
  /** ISO 8601 start (inclusive) and end (exclusive) of the window. */
  windowStart: string;
  windowEnd: string;
  items: ErrorStatsItem[];
  nextCursor?: string;
};

/**
 * One tenant's error counts per `source:code` in one window: the current one, or the one containing `at`.
 *
 * @param input.tenant - whose counters: the caller's (other tenants' are never read)
 * @param input.at - any time inside the wanted window, milliseconds since the Unix epoch (default now)
 * @throws {MalformedInputError} for a cursor that was not issued for this tenant's window
 * @throws {DependencyUnavailableError} when storage is unavailable
 */
export async function getErrorStats(
  deps: { counters: ErrorCounterRepository; clock: Clock },
  input: { tenant: string; window: AlertWindow; source?: string; at?: number; limit: number; cursor?: string },
): Promise<ErrorStats> {
  const start = windowStart(input.window, input.at ?? deps.clock.now().getTime());
  const page = await deps.counters.list(input.tenant, input.window, start, {
    limit: input.limit,
    ...(input.source !== undefined && { source: input.source }),
    ...(input.cursor !== undefined && { cursor: input.cursor }),
  });
  return {
    window: input.window,
    windowStart: new Date(start).toISOString(),
    windowEnd: new Date(start + WINDOW_MS[input.window]).toISOString(),
    items: page.items.map((c) => ({
      source: c.source,
      code: c.code,
      category: c.category,
      count: c.count,
      lastSeenAt: new Date(c.lastSeenAt).toISOString(),
      ...(c.alert && {
        alert: {
          eventId: c.alert.eventId,
          raisedAt: new Date(c.alert.raisedAt).toISOString(),
          state: c.alert.state,
          threshold: c.alert.threshold,
        },
      }),
    })),
    ...(page.nextCursor && { nextCursor: page.nextCursor }),
  };
}
