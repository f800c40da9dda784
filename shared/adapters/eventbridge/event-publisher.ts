import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { isThrottlingError, isTransientError } from '@smithy/core/retry';
import {
  DEFAULT_MAX_ENTRY_BYTES,
  type EntryProblem,
  preparePutEventsEntry,
  toPutEventsBatches,
} from '../../domain/events/entry-rules';
import type { IntegrationEvent } from '../../domain/events/integration-event';
import type { EventPublisher, PublishOutcome } from '../../ports/event-publisher';

/**
 * Per-entry ErrorCodes that may succeed on a later attempt. `InternalFailure` and `ThrottlingException`
 * are the ones the API Reference lists as retryable (PutEventsResultEntry); `InternalException` and
 * `ServiceUnavailable` are the service-side names of the same conditions in EventBridge's Common Errors.
 * Every throttling name the SDK knows is retryable as well (see {@link isRetryableEntryCode}).
 */
const RETRYABLE_ENTRY_CODES = new Set([
  'InternalFailure',
  'InternalException',
  'ServiceUnavailable',
  'ThrottlingException',
]);

/** The error shape `@smithy/core/retry`'s classifiers take. */
type SdkErrorLike = Parameters<typeof isThrottlingError>[0];

/** Options of {@link EventBridgeEventPublisher}. */
export type EventBridgeEventPublisherOptions = {
  /**
   * Cap on one entry and on the summed entry sizes of one PutEvents call, bytes (EventBridge's formula,
   * see `putEventsEntrySize`).
   * @default 1_048_576 (1 MiB, EventBridge's payload limit since January 2026)
   */
  maxEntryBytes?: number;
};

type Sendable = { index: number; id: string; entry: PutEventsRequestEntry; sizeBytes: number };

/**
 * EventPublisher on an EventBridge bus through `PutEvents`.
 *
 * Each IntegrationEvent becomes one entry: `Source = source`, `DetailType = type`, `Detail` = the whole
 * envelope as JSON, `Time = timestamp`, `EventBusName`, and `TraceHeader` = `metadata['x-amzn-trace-id']`
 * when present (TraceHeader carries an X-Ray `X-Amzn-Trace-Id` header — Amazon EventBridge User Guide,
 * "EventBridge integration with AWS X-Ray" — so a W3C `traceparent` is not copied into it).
 *
 * Events are sent in calls of at most 10 entries and `maxEntryBytes` total, one call at a time so a
 * throttled bus is not hit by a burst. The outcome of each event, in input order:
 * - refused before any call (bad type/source/timestamp, Detail not a JSON object, entry over
 *   `maxEntryBytes` → `EntryTooLarge`): `failed`, not retryable, and not sent;
 * - `Entries[i].EventId` in the response: `published` with that `eventBridgeId`;
 * - `Entries[i].ErrorCode`: `failed` with EventBridge's code and message, retryable for internal,
 *   unavailable and throttling codes;
 * - neither (a response shorter than the request): `failed` with `MissingResultEntry`, retryable —
 *   the event may or may not be on the bus, and its id makes a second publish idempotent for consumers;
 * - the call itself threw (after the SDK's own retries): every event of that call `failed` with the
 *   error's name, retryable for `$retryable`, throttling, transient and 5xx errors; other calls go on.
 * `FailedEntryCount` only says how many entries failed, not which, so each entry is read instead.
 *
 * @example
 * const publisher = new EventBridgeEventPublisher(new EventBridgeClient({}), 'aif-bus');
 * const outcomes = await publisher.publish(events);
 * const retry = events.filter((_, i) => outcomes[i]?.status === 'failed' && outcomes[i].retryable);
 */
export class EventBridgeEventPublisher implements EventPublisher {
  private readonly maxEntryBytes: number;

  /**
   * @param client - a client built once per cold start
   * @param eventBusName - name or ARN of the bus every entry goes to
   * @param options - see {@link EventBridgeEventPublisherOptions}
   * @throws {RangeError} when `maxEntryBytes` is not a positive integer
   */
  constructor(
    private readonly client: EventBridgeClient,
    private readonly eventBusName: string,
    options: EventBridgeEventPublisherOptions = {},
  ) {
    this.maxEntryBytes = options.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES;
    if (!Number.isInteger(this.maxEntryBytes) || this.maxEntryBytes < 1) {
      throw new RangeError(`maxEntryBytes must be a positive integer, got ${options.maxEntryBytes}`);
    }
  }

  /**
   * Puts the events on the bus.
   *
   * @param events - any number of events, in the order they should reach the bus
   * @returns one outcome per event, in input order; never rejects for a per-event or per-call failure
   * @example
   * const [outcome] = await publisher.publish([event]); // { id, status: 'published', eventBridgeId: '…' }
   */
  async publish(events: readonly IntegrationEvent[]): Promise<PublishOutcome[]> {
    const outcomes = new Array<PublishOutcome>(events.length);
    const sendable: Sendable[] = [];
    events.forEach((event, index) => {
      const prepared = preparePutEventsEntry(event, { maxEntryBytes: this.maxEntryBytes });
      if ('problem' in prepared) {
        outcomes[index] = failed(event.id, prepared.problem, false);
        return;
      }
      const traceHeader = event.metadata?.['x-amzn-trace-id'];
      const { Source, DetailType, Detail, Time } = prepared.entry;
      sendable.push({
        index,
        id: event.id,
        sizeBytes: prepared.sizeBytes,
        entry: {
          Source,
          DetailType,
          Detail,
          Time,
          EventBusName: this.eventBusName,
          ...(traceHeader ? { TraceHeader: traceHeader } : {}),
        },
      });
    });

    for (const batch of toPutEventsBatches(sendable, { maxBatchBytes: this.maxEntryBytes })) {
      const batchOutcomes = await this.putEvents(batch);
      batch.forEach((item, i) => {
        outcomes[item.index] = batchOutcomes[i]!;
      });
    }
    return outcomes;
  }

  /** One PutEvents call; returns one outcome per item of `batch`, in order. */
  private async putEvents(batch: readonly Sendable[]): Promise<PublishOutcome[]> {
    let resultEntries: PutEventsResultEntry[];
    try {
      const output = await this.client.send(new PutEventsCommand({ Entries: batch.map((item) => item.entry) }));
      resultEntries = output.Entries ?? [];
    } catch (error) {
      const failure = describeCallFailure(error);
      return batch.map((item) => failed(item.id, failure, failure.retryable));
    }
    // EventBridge answers entry i at Entries[i] (User Guide, "Sending events with PutEvents").
    return batch.map((item, i) => toOutcome(item.id, resultEntries[i]));
  }
}

function toOutcome(id: string, result: PutEventsResultEntry | undefined): PublishOutcome {
  if (result?.ErrorCode) {
    return failed(
      id,
      { errorCode: result.ErrorCode, errorMessage: result.ErrorMessage ?? result.ErrorCode },
      isRetryableEntryCode(result.ErrorCode),
    );
  }
  if (result?.EventId) return { id, status: 'published', eventBridgeId: result.EventId };
  return failed(
    id,
    { errorCode: 'MissingResultEntry', errorMessage: 'EventBridge returned no result for this entry' },
    true,
  );
}

function failed(
  id: string,
  problem: { errorCode: string; errorMessage: string } | EntryProblem,
  retryable: boolean,
): PublishOutcome {
  return { id, status: 'failed', errorCode: problem.errorCode, errorMessage: problem.errorMessage, retryable };
}

function isRetryableEntryCode(code: string): boolean {
  return RETRYABLE_ENTRY_CODES.has(code) || isThrottlingError({ name: code, message: '' } as SdkErrorLike);
}

/** Classifies an error the SDK threw by its name, `$retryable`, `$fault` and HTTP status — never its message. */
function describeCallFailure(error: unknown): { errorCode: string; errorMessage: string; retryable: boolean } {
  if (typeof error !== 'object' || error === null) {
    return { errorCode: 'Error', errorMessage: String(error), retryable: false };
  }
  const e = error as SdkErrorLike & { $fault?: string };
  const status = e.$metadata?.httpStatusCode;
  const retryable =
    isThrottlingError(e) || isTransientError(e) || e.$fault === 'server' || (status !== undefined && status >= 500);
  const errorCode = typeof e.name === 'string' && e.name.length > 0 ? e.name : 'Error';
  const errorMessage = typeof e.message === 'string' && e.message.length > 0 ? e.message : errorCode;
  return { errorCode, errorMessage, retryable };
}
