/**
 * What a write did, in domain words: `created` (nothing was stored before), `replaced` (a stored
 * one was overwritten or re-registered), `unchanged` (the same thing was already stored: an
 * idempotent repeat). `shared/http/outcome-status.ts` maps each to an HTTP status.
 */
export type WriteOutcome = 'created' | 'replaced' | 'unchanged';
