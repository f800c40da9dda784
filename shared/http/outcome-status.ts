import type { WriteOutcome } from '../domain/write-outcome';

/**
 * The HTTP status of each outcome a use case reports (errors map in `problem.ts`). A dry run
 * answers 200: nothing was stored.
 */
const STATUS_OF_OUTCOME: Readonly<Record<WriteOutcome | 'dry-run', number>> = {
  created: 201,
  replaced: 200,
  unchanged: 200,
  'dry-run': 200,
};

/**
 * The status to answer for a use case's outcome.
 *
 * @example statusOf('created') // 201
 */
export function statusOf(outcome: WriteOutcome | 'dry-run'): number {
  return STATUS_OF_OUTCOME[outcome];
}
