import { DependencyUnavailableError, InputTooLargeError } from '../domain/errors';
import type { IntegrationEvent } from '../domain/events/integration-event';
import type { EventRecord } from '../ports/event-log';
import type { EventResult } from './publish-events';

/** What `publishEvents` answers for an event whose id it could not claim in the event log. */

/**
 * The result of an event whose claim threw: `rejected` (413, a `maxSize` problem at `/payload`, or
 * `/<index>/payload` in a batch) when the compressed event does not fit a DynamoDB item, `failed`
 * (503) when the log is unavailable.
 *
 * @param error - what `EventLog.claim` threw
 * @param batch - whether the request was an array (problem pointers then start with the index)
 * @throws the error itself when it is neither {@link InputTooLargeError} nor {@link DependencyUnavailableError}
 */
export function claimFailure(error: unknown, index: number, event: IntegrationEvent, batch: boolean): EventResult {
  if (!(error instanceof InputTooLargeError || error instanceof DependencyUnavailableError)) throw error;
  const tooLarge = error instanceof InputTooLargeError;
  return {
    index,
    id: event.id,
    status: tooLarge ? 'rejected' : 'failed',
    httpStatus: tooLarge ? 413 : 503,
    detail: error.message,
    ...(tooLarge && {
      errors: [
        {
          pointer: `${batch ? `/${index}` : ''}/payload`,
          message: 'too large for the event log even compressed (DynamoDB items hold 400 KB)',
          keyword: 'maxSize',
        },
      ],
    }),
  };
}

/**
 * The result of an event whose id the log already holds (`existing`): `duplicate` with the first
 * publish's EventBridge id and time when the content is the same and published; `conflict` (409)
 * when the content differs (ids identify events) or another request is still publishing it.
 *
 * @param hash - the content hash of `event` (`contentHash`), compared with `existing.contentHash`
 */
export function claimRefusal(index: number, event: IntegrationEvent, hash: string, existing: EventRecord): EventResult {
  if (existing.contentHash !== hash) {
    return {
      index,
      id: event.id,
      status: 'conflict',
      httpStatus: 409,
      detail: `Another event with the id ${event.id} and different content was published; ids identify events`,
    };
  }
  if (existing.status === 'published') {
    return {
      index,
      id: event.id,
      status: 'duplicate',
      ...(existing.eventBridgeId && { eventBridgeId: existing.eventBridgeId }),
      ...(existing.publishedAt && { publishedAt: existing.publishedAt }),
    };
  }
  return {
    index,
    id: event.id,
    status: 'conflict',
    httpStatus: 409,
    detail: `The event ${event.id} is being published by another request; retry after a minute if it does not appear`,
  };
}
