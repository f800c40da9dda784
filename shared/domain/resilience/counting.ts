import * as z from 'zod';
import type { CounterKey } from '../../ports/error-counter';
import { ALERT_WINDOWS, type AlertWindow, WINDOW_MS } from './policy';

/**
 * An error source: who failed, e.g. `webhook:orders-sub`, `mesh:payments`, `agent/planner`.
 * Letters, digits and `_ . : / @ -`, at most 256 characters — never `#`, which separates the
 * source from the code in the counters' sort key.
 */
export const ErrorSourceSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z0-9_.:/@-]+$/, 'use letters, digits and _ . : / @ - only');

/**
 * How long counters are kept after their window ends, milliseconds: a day of one-minute windows
 * and eight days of one-hour windows (enough for "the same hour last week").
 */
export const COUNTER_RETENTION_MS: Readonly<Record<AlertWindow, number>> = {
  '1m': 24 * 60 * 60 * 1000,
  '1h': 8 * 24 * 60 * 60 * 1000,
};

/**
 * Start of the window that contains `atMs`, milliseconds since the Unix epoch. Windows are aligned
 * to the epoch (UTC minutes and hours), so every Lambda instance agrees on them without
 * coordination.
 *
 * @example windowStart('1m', Date.parse('2026-11-30T10:15:42Z')) // Date.parse('2026-11-30T10:15:00Z')
 */
export function windowStart(window: AlertWindow, atMs: number): number {
  return atMs - (((atMs % WINDOW_MS[window]) + WINDOW_MS[window]) % WINDOW_MS[window]);
}

/**
 * When a counter may be deleted (DynamoDB TTL), epoch **seconds**: the end of its window plus
 * {@link COUNTER_RETENTION_MS}.
 */
export function counterExpiresAt(window: AlertWindow, start: number): number {
  return Math.ceil((start + WINDOW_MS[window] + COUNTER_RETENTION_MS[window]) / 1000);
}

/** The counter keys one error of `tenant`'s at `atMs` increments: one per window. */
export function counterKeys(tenant: string, source: string, code: string, atMs: number): CounterKey[] {
  return ALERT_WINDOWS.map((window) => ({ tenant, window, windowStart: windowStart(window, atMs), source, code }));
}
