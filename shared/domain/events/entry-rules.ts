import type { IntegrationEvent } from './integration-event';

/**
 * Most entries one PutEvents call accepts (Amazon EventBridge API Reference, PutEvents:
 * `Entries` holds 1 to 10 items).
 */
export const MAX_PUT_EVENTS_ENTRIES = 10;

/**
 * Default cap, in bytes, on the summed entry sizes of one PutEvents call, and so on a single
 * entry: 1 MiB. EventBridge raised its event payload limit from 256 KB to 1 MB on 29 January
 * 2026 (AWS Compute Blog, "More room to build: serverless services now support payloads up to
 * 1 MB"); some User Guide pages still say 256 KB. Pass a smaller `maxEntryBytes` to stay under
 * an older or stricter limit.
 */
export const DEFAULT_MAX_ENTRY_BYTES = 1_048_576;

/**
 * Longest `DetailType`, in characters (Unicode code points, as Smithy's `@length` counts them):
 * "Free-form string, with a maximum of 128 characters" (Amazon EventBridge API Reference,
 * PutEventsRequestEntry).
 */
export const MAX_DETAIL_TYPE_CHARS = 128;

/**
 * Longest `Source`, in characters (Unicode code points). The PutEventsRequestEntry reference gives no
 * number; 256 is the length constraint EventBridge documents for `Source` where it does give one
 * (EventBridge Scheduler API Reference, EventBridgeParameters: "Maximum length of 256").
 */
export const MAX_SOURCE_CHARS = 256;

/** Bytes the `Time` field counts for when present (Amazon EventBridge User Guide, "Calculating PutEvents event entry size"). */
const TIME_BYTES = 14;

/**
 * The fields of a PutEvents request entry that EventBridge's entry rules look at, in the API's own
 * words. Structurally a subset of the SDK's `PutEventsRequestEntry`, so the domain needs no AWS import.
 * `EventBusName` and `TraceHeader` are left out: neither counts towards the entry size.
 */
export type PutEventsEntry = {
  /** The event's `source`, e.g. `aif.errors`. */
  Source: string;
  /** The event's `detail-type`, e.g. `integration.alert`. */
  DetailType: string;
  /** A JSON object, serialised. */
  Detail: string;
  /** When the event happened. */
  Time?: Date;
  /** ARNs the event concerns. */
  Resources?: readonly string[];
};

/**
 * Why an entry is refused before any call is made. `errorCode` uses EventBridge's own per-entry
 * codes where one fits (`InvalidArgument`, `MalformedDetail`), and `EntryTooLarge` for the size rule.
 */
export type EntryProblem = {
  errorCode: 'InvalidArgument' | 'MalformedDetail' | 'EntryTooLarge';
  errorMessage: string;
};

/** An event turned into an entry that passed every rule, with its size in bytes. */
export type PreparedEntry = { entry: PutEventsEntry; sizeBytes: number };

/**
 * Computes the size EventBridge charges a PutEvents entry against its size limit.
 *
 * The formula is EventBridge's own (Amazon EventBridge User Guide, "Calculating PutEvents event entry
 * size"): `Time` counts 14 bytes when present; `Source`, `DetailType`, `Detail` and each `Resources`
 * item count the bytes of their UTF-8 encoding. The event EventBridge delivers is larger than this
 * (it adds the envelope's keys), so this is a bound on what you send, not on what targets receive.
 *
 * @param entry - the entry as it will be sent
 * @returns size in bytes
 * @example
 * putEventsEntrySize({ Source: 'aif', DetailType: 'x', Detail: '{}', Time: clock.now() }); // 14 + 3 + 1 + 2 = 20
 */
export function putEventsEntrySize(entry: PutEventsEntry): number {
  let size = entry.Time !== undefined ? TIME_BYTES : 0;
  size += Buffer.byteLength(entry.Source, 'utf8');
  size += Buffer.byteLength(entry.DetailType, 'utf8');
  size += Buffer.byteLength(entry.Detail, 'utf8');
  for (const resource of entry.Resources ?? []) size += Buffer.byteLength(resource, 'utf8');
  return size;
}

/**
 * Turns an IntegrationEvent into its PutEvents entry and checks it against the rules EventBridge
 * would otherwise enforce only after the call: `Source = event.source`, `DetailType = event.type`,
 * `Detail = JSON.stringify(event)` (the whole envelope), `Time = new Date(event.timestamp)`.
 *
 * Refused, each for this event alone:
 * - `InvalidArgument`: a missing or empty `type` or `source` (`DetailType` and `Source` are required, PutEventsRequestEntry), `type` over
 *   {@link MAX_DETAIL_TYPE_CHARS} or `source` over {@link MAX_SOURCE_CHARS} code points, or a
 *   `timestamp` that is not a valid date (the SDK could not serialise `Time`, failing the whole call);
 * - `MalformedDetail`: the event does not serialise to a JSON object (circular or BigInt payload,
 *   a `toJSON` returning a non-object) — `Detail` must be "A valid JSON object";
 * - `EntryTooLarge`: {@link putEventsEntrySize} above `maxEntryBytes`.
 *
 * @param event - the event to publish
 * @param options.maxEntryBytes - largest accepted entry, bytes; default {@link DEFAULT_MAX_ENTRY_BYTES}
 * @returns the entry and its size in bytes, or the first rule it breaks; never throws
 * @example
 * const prepared = preparePutEventsEntry(event);
 * if ('problem' in prepared) return { id: event.id, status: 'failed', ...prepared.problem, retryable: false };
 */
export function preparePutEventsEntry(
  event: IntegrationEvent,
  options: { maxEntryBytes?: number } = {},
): PreparedEntry | { problem: EntryProblem } {
  const maxEntryBytes = options.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES;
  const invalid = (errorMessage: string) => ({ problem: { errorCode: 'InvalidArgument' as const, errorMessage } });

  // Checked at run time too: events also arrive from JavaScript callers and parsed JSON.
  if (typeof event.type !== 'string' || event.type.length === 0) {
    return invalid('type (detail-type) must be a non-empty string');
  }
  if (typeof event.source !== 'string' || event.source.length === 0) {
    return invalid('source must be a non-empty string');
  }
  if (exceedsCodePoints(event.type, MAX_DETAIL_TYPE_CHARS)) {
    return invalid(`type (detail-type) is longer than ${MAX_DETAIL_TYPE_CHARS} characters`);
  }
  if (exceedsCodePoints(event.source, MAX_SOURCE_CHARS)) {
    return invalid(`source is longer than ${MAX_SOURCE_CHARS} characters`);
  }
  const time = new Date(event.timestamp);
  if (Number.isNaN(time.getTime())) return invalid(`timestamp ${String(event.timestamp)} is not a valid time`);

  let detail: string | undefined;
  try {
    detail = JSON.stringify(event);
  } catch (error) {
    return malformed(
      `the event cannot be serialised as JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  // JSON.stringify yields an object's text unless a toJSON() replaced it (or returned undefined).
  if (detail === undefined || !detail.startsWith('{')) {
    return malformed('the event does not serialise to a JSON object');
  }

  const entry: PutEventsEntry = { Source: event.source, DetailType: event.type, Detail: detail, Time: time };
  const sizeBytes = putEventsEntrySize(entry);
  if (sizeBytes > maxEntryBytes) {
    return {
      problem: {
        errorCode: 'EntryTooLarge',
        errorMessage: `the entry is ${sizeBytes} bytes; at most ${maxEntryBytes} bytes are accepted`,
      },
    };
  }
  return { entry, sizeBytes };
}

/**
 * Packs entries into PutEvents calls, greedily and in input order: a call is closed when one more
 * entry would exceed `maxEntries` items or `maxBatchBytes` summed entry size (Amazon EventBridge API
 * Reference, PutEvents: at most 10 entries; User Guide, "Calculating PutEvents event entry size":
 * the total entry size of a request is limited).
 *
 * @param items - anything carrying its entry size in bytes (see {@link putEventsEntrySize}); filter
 *   oversized entries out first
 * @param limits.maxEntries - items per batch; default {@link MAX_PUT_EVENTS_ENTRIES}
 * @param limits.maxBatchBytes - summed `sizeBytes` per batch; default {@link DEFAULT_MAX_ENTRY_BYTES}
 * @returns batches in input order; every item appears in exactly one batch; `[]` for no items
 * @throws {RangeError} when one item alone is larger than `maxBatchBytes`, or a limit is not a positive integer
 * @example
 * toPutEventsBatches(Array.from({ length: 25 }, () => ({ sizeBytes: 100 }))).map((b) => b.length); // [10, 10, 5]
 */
export function toPutEventsBatches<T extends { sizeBytes: number }>(
  items: readonly T[],
  limits: { maxEntries?: number; maxBatchBytes?: number } = {},
): T[][] {
  const maxEntries = limits.maxEntries ?? MAX_PUT_EVENTS_ENTRIES;
  const maxBatchBytes = limits.maxBatchBytes ?? DEFAULT_MAX_ENTRY_BYTES;
  if (!Number.isInteger(maxEntries) || maxEntries < 1)
    throw new RangeError(`maxEntries must be ≥ 1, got ${maxEntries}`);
  if (!Number.isInteger(maxBatchBytes) || maxBatchBytes < 1) {
    throw new RangeError(`maxBatchBytes must be ≥ 1, got ${maxBatchBytes}`);
  }

  const batches: T[][] = [];
  let current: T[] = [];
  let currentBytes = 0;
  for (const item of items) {
    if (item.sizeBytes > maxBatchBytes) {
      throw new RangeError(`an entry of ${item.sizeBytes} bytes cannot fit a PutEvents call of ${maxBatchBytes} bytes`);
    }
    if (current.length === maxEntries || currentBytes + item.sizeBytes > maxBatchBytes) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(item);
    currentBytes += item.sizeBytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function malformed(errorMessage: string): { problem: EntryProblem } {
  return { problem: { errorCode: 'MalformedDetail', errorMessage } };
}

/** True when `text` has more than `max` code points; UTF-16 length is an upper bound, so short strings skip the count. */
function exceedsCodePoints(text: string, max: number): boolean {
  if (text.length <= max) return false;
  let count = 0;
  for (const _codePoint of text) {
    count += 1;
    if (count > max) return true;
  }
  return false;
}
