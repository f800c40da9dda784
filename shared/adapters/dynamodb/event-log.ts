import { gunzipSync, gzipSync } from 'node:zlib';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { InputTooLargeError } from '../../domain/errors';
import type { IntegrationEvent } from '../../domain/events/integration-event';
import { decodeCursor } from '../../domain/page-cursor';
import type { Page } from '../../ports/contract-repository';
import type { ClaimResult, EventLog, EventRecord } from '../../ports/event-log';
import { inTable } from './errors';
import { queryPage } from './partition';
import { tenantSegment } from './tenant-key';

/** DynamoDB's item size limit is 400 KB including attribute names (DynamoDB quotas). */
const MAX_ITEM_BYTES = 400 * 1024;
/** Room kept for the item's other attributes (status, hashes, index keys, error message…). */
const ITEM_OVERHEAD_BYTES = 4 * 1024;
/** The largest compressed event an item holds, bytes. */
export const MAX_COMPRESSED_EVENT_BYTES = MAX_ITEM_BYTES - ITEM_OVERHEAD_BYTES;

const HOUR_MS = 3_600_000;

const eventPk = (tenant: string, id: string) => `EVENT#${tenantSegment(tenant)}#${id}`;
const correlationPk = (tenant: string, correlationId: string) => `CORR#${tenantSegment(tenant)}#${correlationId}`;
/** `HOUR#<tenant>#yyyy-mm-ddThh` of a timestamp (ms), in UTC. */
const hourPk = (tenant: string, timestamp: number) =>
  `HOUR#${tenantSegment(tenant)}#${new Date(timestamp).toISOString().slice(0, 13)}`;
/** 16 digits hold every valid timestamp (at most 8.64e15 ms), so strings sort as numbers. */
const paddedTimestamp = (timestamp: number) => String(timestamp).padStart(16, '0');
const timeSk = (timestamp: number, id: string) => `${paddedTimestamp(timestamp)}#${id}`;

type EventItem = {
  pk: string;
  /** The IntegrationEvent as gzip-compressed JSON: events reach ~1 MB of JSON, items 400 KB. */
  event: Uint8Array;
  status: EventRecord['status'];
  contentHash: string;
  receivedAt: string;
  leaseUntil?: number;
  publishedAt?: string;
  eventBridgeId?: string;
  error?: { code: string; message: string };
  type: string;
  source: string;
  timestamp: number;
  correlationId?: string;
  /** Epoch seconds (the table's TTL attribute). */
  expiresAt: number;
  owner: { tenant: string; principal: string };
  /** `CORR#<correlationId>`, set once published: the `byCorrelation` index is sparse. */
  gsi1pk?: string;
  gsi1sk?: string;
  /** `HOUR#<yyyy-mm-ddThh>`, set once published. */
  gsi2pk?: string;
  gsi2sk?: string;
};

/**
 * EventLog on the events table (see `eventsTable`): one item per tenant and event id under
 * `pk = EVENT#<tenant>#<id>` (the tenant percent-encoded, `tenantSegment`), the event stored
 * gzip-compressed next to plain `owner` ({tenant, principal}), `status`, `contentHash`,
 * `receivedAt`, `leaseUntil` (ms), `publishedAt`, `eventBridgeId`, `error`, `type`, `source`,
 * `timestamp` (ms), `correlationId` and `expiresAt` (epoch seconds, TTL). Two tenants publishing
 * the same id are two events.
 *
 * The index keys are written only by `markPublished`, so both indexes list published events only,
 * each partitioned by tenant so a listing never reads another tenant's items:
 * `byCorrelation` (`gsi1pk = CORR#<tenant>#<correlationId>`, events with a correlation id) and
 * `byHour` (`gsi2pk = HOUR#<tenant>#<yyyy-mm-ddThh>` of the event's timestamp, UTC); both sort by
 * `<timestamp, 16 digits>#<id>`. Index reads are eventually consistent (DynamoDB GSIs), so an
 * event published a moment ago may not be listed yet.
 *
 * Every expression uses `#name` placeholders (`status`, `source`, `timestamp`… are reserved words).
 *
 * @example
 * const log = new DynamoDbEventLog(documentClient, 'aif-events');
 * const claim = await log.claim({ event, contentHash, status: 'pending', receivedAt, leaseUntil }, expiresAt, nowMs(clock));
 */
export class DynamoDbEventLog implements EventLog {
  /**
   * @param client - a document client built once per cold start (`removeUndefinedValues` on)
   * @param tableName - the physical name of the events table
   */
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Claims `record.event.id` in `record.owner.tenant` with one conditional UpdateItem:
   * `attribute_not_exists(pk) OR (contentHash = :hash AND (status = :failed OR (status = :pending AND leaseUntil < :now)))`.
   * An UpdateItem rather than a PutItem so a takeover keeps the first `receivedAt`
   * (`if_not_exists`) and drops the earlier attempt's `error`.
   *
   * @param record - the pending record; `leaseUntil` in ms since the epoch
   * @param expiresAt - epoch seconds (TTL)
   * @param now - ms since the epoch: pending records with `leaseUntil < now` are taken over
   * @returns `{ claimed: true }`, or the record that holds the id (read strongly consistent)
   * @throws {InputTooLargeError} when the compressed event exceeds ~396 KB (the 400 KB item limit)
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example
   * const result = await log.claim(record, expiresAt, clock.now().getTime());
   * if (!result.claimed && result.existing.contentHash !== record.contentHash) // 409: another event has the id
   */
  async claim(
    record: EventRecord & { status: 'pending'; leaseUntil: number },
    expiresAt: number,
    now: number,
  ): Promise<ClaimResult> {
    const { event, owner } = record;
    const { sets, names, values } = claimUpdate(record, expiresAt, now);
    return inTable(
      this.tableName,
      async () => {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: eventPk(owner.tenant, event.id) },
            UpdateExpression: `SET ${sets.join(', ')} REMOVE #error, #publishedAt, #eventBridgeId`,
            // Flat on purpose (AND binds tighter than OR, DynamoDB condition precedence): the same condition
            // as `new OR (same hash AND (failed OR expired pending))`, which dynalite parses 40× slower.
            ConditionExpression:
              'attribute_not_exists(#pk) OR #contentHash = :hash AND #status = :failed OR #contentHash = :hash AND #status = :pending AND #leaseUntil < :now',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { claimed: true };
      },
      async (error) => {
        // The document client does not unmarshall the item attached to the exception, and dynalite
        // may not attach it at all: read it then.
        const old = (error as { Item?: Record<string, AttributeValue> }).Item;
        const existing = old?.event ? toRecord(unmarshall(old) as EventItem) : await this.get(owner.tenant, event.id);
        if (!existing) throw error;
        return { claimed: false, existing };
      },
    );
  }

  /**
   * Marks a pending record published and writes its index keys (`byHour` always, `byCorrelation`
   * when the event has a correlation id). Index keys are computed from the stored timestamp and
   * correlation id, so this reads the item first (one strongly consistent GetItem), then writes
   * under `status = pending AND contentHash = <read hash>`. A record that is absent or no longer
   * pending is left as it is.
   *
   * @param tenant - the publisher's tenant
   * @param id - the event id
   * @param publishedAt - ISO 8601
   * @param eventBridgeId - PutEvents' EventId, when there is one
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example await log.markPublished('acme', 'evt-1', clock.now().toISOString(), 'eb-123')
   */
  async markPublished(tenant: string, id: string, publishedAt: string, eventBridgeId?: string): Promise<void> {
    const current = await inTable(this.tableName, async () => {
      const out = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: eventPk(tenant, id) },
          ProjectionExpression: '#status, #contentHash, #timestamp, #correlationId',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#contentHash': 'contentHash',
            '#timestamp': 'timestamp',
            '#correlationId': 'correlationId',
          },
          ConsistentRead: true,
        }),
      );
      return out.Item as Pick<EventItem, 'status' | 'contentHash' | 'timestamp' | 'correlationId'> | undefined;
    });
    if (current?.status !== 'pending') return;

    const sortKey = timeSk(current.timestamp, id);
    const names: Record<string, string> = {
      '#status': 'status',
      '#contentHash': 'contentHash',
      '#publishedAt': 'publishedAt',
      '#leaseUntil': 'leaseUntil',
      '#gsi2pk': 'gsi2pk',
      '#gsi2sk': 'gsi2sk',
    };
    const values: Record<string, unknown> = {
      ':published': 'published',
      ':pending': 'pending',
      ':hash': current.contentHash,
      ':publishedAt': publishedAt,
      ':hourPk': hourPk(tenant, current.timestamp),
      ':timeSk': sortKey,
    };
    const sets = ['#status = :published', '#publishedAt = :publishedAt', '#gsi2pk = :hourPk', '#gsi2sk = :timeSk'];
    if (eventBridgeId !== undefined) {
      names['#eventBridgeId'] = 'eventBridgeId';
      values[':eventBridgeId'] = eventBridgeId;
      sets.push('#eventBridgeId = :eventBridgeId');
    }
    if (current.correlationId !== undefined) {
      names['#gsi1pk'] = 'gsi1pk';
      names['#gsi1sk'] = 'gsi1sk';
      values[':correlationPk'] = correlationPk(tenant, current.correlationId);
      sets.push('#gsi1pk = :correlationPk', '#gsi1sk = :timeSk');
    }
    await this.updateIfPending(tenant, id, `SET ${sets.join(', ')} REMOVE #leaseUntil`, names, values, true);
  }

  /**
   * Marks a pending record failed and releases its claim (removes `leaseUntil`), so a later
   * publish of the same id and content takes it over at once. A record that is absent or no
   * longer pending is left as it is.
   *
   * @param tenant - the publisher's tenant
   * @param id - the event id
   * @param error - the bus's error code and message
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example await log.markFailed('acme', 'evt-1', { code: 'InternalFailure', message: 'try again' })
   */
  async markFailed(tenant: string, id: string, error: { code: string; message: string }): Promise<void> {
    await this.updateIfPending(
      tenant,
      id,
      'SET #status = :failed, #error = :error REMOVE #leaseUntil',
      { '#status': 'status', '#error': 'error', '#leaseUntil': 'leaseUntil' },
      { ':failed': 'failed', ':pending': 'pending', ':error': { code: error.code, message: error.message } },
      false,
    );
  }

  /**
   * Reads one of a tenant's records, strongly consistent.
   *
   * @returns the record, or undefined when the tenant's log has no such id
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example const record = await log.get('acme', 'evt-1'); // { status: 'published', event: {…}, owner, … }
   */
  async get(tenant: string, id: string): Promise<EventRecord | undefined> {
    return inTable(this.tableName, async () => {
      const out = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: eventPk(tenant, id) }, ConsistentRead: true }),
      );
      return out.Item ? toRecord(out.Item as EventItem) : undefined;
    });
  }

  /**
   * One page of a tenant's published events of a correlation id, oldest first (timestamp, then
   * id), from the `byCorrelation` index (partitioned by tenant and correlation id).
   *
   * @param options - `limit` items per page (DynamoDB's Query `Limit`), and the previous page's `nextCursor`
   * @returns the page; `nextCursor` when DynamoDB has more to read (the next page may be empty)
   * @throws {MalformedInputError} for a cursor not issued by this listing of this tenant and correlation id
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example const { items, nextCursor } = await log.listByCorrelation('acme', 'corr-1', { limit: 50 });
   */
  async listByCorrelation(
    tenant: string,
    correlationId: string,
    options: { limit: number; cursor?: string },
  ): Promise<Page<EventRecord>> {
    const gsi1pk = correlationPk(tenant, correlationId);
    const exclusiveStartKey = decodeCursor(options.cursor, ['pk', 'gsi1pk', 'gsi1sk'], { gsi1pk });
    return queryPage(
      this.client,
      this.tableName,
      {
        IndexName: 'byCorrelation',
        KeyConditionExpression: '#gsi1pk = :gsi1pk',
        ExpressionAttributeNames: { '#gsi1pk': 'gsi1pk' },
        ExpressionAttributeValues: { ':gsi1pk': gsi1pk },
        ScanIndexForward: true,
        Limit: options.limit,
      },
      exclusiveStartKey,
      (item) => toRecord(item as EventItem),
    );
  }

  /**
   * A tenant's published events with `from ≤ timestamp < to` (ms since the epoch), oldest first
   * (timestamp, then id): one `byHour` Query per tenant and UTC hour from the hour of `from` to the hour of `to - 1`, each
   * read to its last page, with `gsi2sk BETWEEN <from, 16 digits> AND <to, 16 digits>` (a bare
   * timestamp sorts before every `<timestamp>#<id>` key, so `to` itself is excluded). Pages are
   * read as the caller iterates; a long range costs one Query per hour even where it is empty.
   *
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example for await (const event of log.listPublishedBetween('acme', Date.parse('2026-11-30T10:00Z'), nowMs(clock))) bus.put(event);
   */
  async *listPublishedBetween(tenant: string, from: number, to: number): AsyncIterable<IntegrationEvent> {
    if (!(from < to)) return;
    const first = Math.max(0, from);
    for (let hour = Math.floor(first / HOUR_MS) * HOUR_MS; hour < to; hour += HOUR_MS) {
      let exclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const items = await inTable(this.tableName, async () => {
          const out = await this.client.send(
            new QueryCommand({
              TableName: this.tableName,
              IndexName: 'byHour',
              KeyConditionExpression: '#gsi2pk = :hourPk AND #gsi2sk BETWEEN :from AND :to',
              ExpressionAttributeNames: { '#gsi2pk': 'gsi2pk', '#gsi2sk': 'gsi2sk' },
              ExpressionAttributeValues: {
                ':hourPk': hourPk(tenant, hour),
                ':from': paddedTimestamp(first),
                ':to': paddedTimestamp(to),
              },
              ScanIndexForward: true,
              ExclusiveStartKey: exclusiveStartKey,
            }),
          );
          exclusiveStartKey = out.LastEvaluatedKey;
          return out.Items ?? [];
        });
        for (const item of items) yield decompressEvent((item as EventItem).event);
      } while (exclusiveStartKey);
    }
  }

  /** One UpdateItem under `status = pending` (and the read content hash, when `matchHash`); a failed condition is fine. */
  private async updateIfPending(
    tenant: string,
    id: string,
    updateExpression: string,
    names: Record<string, string>,
    values: Record<string, unknown>,
    matchHash: boolean,
  ): Promise<void> {
    await inTable(
      this.tableName,
      async () => {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: eventPk(tenant, id) },
            UpdateExpression: updateExpression,
            ConditionExpression: matchHash ? '#status = :pending AND #contentHash = :hash' : '#status = :pending',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        );
      },
      () => {
        // Absent (expired), or another publisher took the id over and owns its state now.
        return undefined;
      },
    );
  }
}

/**
 * The SET clauses and placeholders of `claim`'s UpdateItem: every attribute of a pending record
 * (the event compressed, `receivedAt` only if not yet set), `correlationId` when the event has one,
 * and the `:hash`, `:failed`, `:pending` and `:now` its condition compares with.
 *
 * @param record - the pending record; `leaseUntil` in ms since the epoch
 * @param expiresAt - epoch seconds (TTL)
 * @param now - ms since the epoch
 * @returns `sets` (`#name = :value` clauses, to join with commas), `names` (ExpressionAttributeNames
 *   including `#pk`, `#error`, `#publishedAt`, `#eventBridgeId` for the condition and REMOVE) and
 *   `values` (ExpressionAttributeValues)
 * @throws {InputTooLargeError} when the compressed event exceeds ~396 KB (the 400 KB item limit)
 */
function claimUpdate(
  record: EventRecord & { status: 'pending'; leaseUntil: number },
  expiresAt: number,
  now: number,
): { sets: string[]; names: Record<string, string>; values: Record<string, unknown> } {
  const { event, owner } = record;
  const compressed = compressEvent(event);
  const names: Record<string, string> = {
    '#pk': 'pk',
    '#event': 'event',
    '#status': 'status',
    '#contentHash': 'contentHash',
    '#receivedAt': 'receivedAt',
    '#leaseUntil': 'leaseUntil',
    '#type': 'type',
    '#source': 'source',
    '#timestamp': 'timestamp',
    '#expiresAt': 'expiresAt',
    '#error': 'error',
    '#publishedAt': 'publishedAt',
    '#eventBridgeId': 'eventBridgeId',
    '#owner': 'owner',
  };
  const values: Record<string, unknown> = {
    ':event': compressed,
    ':owner': { tenant: owner.tenant, principal: owner.principal },
    ':pending': 'pending',
    ':failed': 'failed',
    ':hash': record.contentHash,
    ':receivedAt': record.receivedAt,
    ':leaseUntil': record.leaseUntil,
    ':type': event.type,
    ':source': event.source,
    ':timestamp': event.timestamp,
    ':expiresAt': expiresAt,
    ':now': now,
  };
  const sets = [
    '#event = :event',
    '#status = :pending',
    '#contentHash = :hash',
    '#receivedAt = if_not_exists(#receivedAt, :receivedAt)',
    '#leaseUntil = :leaseUntil',
    '#type = :type',
    '#source = :source',
    '#timestamp = :timestamp',
    '#expiresAt = :expiresAt',
    '#owner = :owner',
  ];
  if (event.correlationId !== undefined) {
    names['#correlationId'] = 'correlationId';
    values[':correlationId'] = event.correlationId;
    sets.push('#correlationId = :correlationId');
  }
  return { sets, names, values };
}

/**
 * @throws {InputTooLargeError} when the compressed event does not fit an item
 */
function compressEvent(event: IntegrationEvent): Uint8Array {
  const compressed = gzipSync(JSON.stringify(event));
  if (compressed.byteLength > MAX_COMPRESSED_EVENT_BYTES) {
    throw new InputTooLargeError(
      `The event ${event.id} is ${compressed.byteLength} bytes after compression; the event log holds at most ${MAX_COMPRESSED_EVENT_BYTES} (DynamoDB items are limited to 400 KB)`,
      [{ pointer: '/payload', message: 'send large content by reference (a URL or object key) instead' }],
    );
  }
  return compressed;
}

function decompressEvent(compressed: Uint8Array): IntegrationEvent {
  return JSON.parse(gunzipSync(compressed).toString('utf8')) as IntegrationEvent;
}

function toRecord(item: EventItem): EventRecord {
  return {
    event: decompressEvent(item.event),
    contentHash: item.contentHash,
    status: item.status,
    receivedAt: item.receivedAt,
    ...(item.publishedAt !== undefined && { publishedAt: item.publishedAt }),
    ...(item.eventBridgeId !== undefined && { eventBridgeId: item.eventBridgeId }),
    ...(item.error !== undefined && { error: { code: item.error.code, message: item.error.message } }),
    ...(item.leaseUntil !== undefined && { leaseUntil: Number(item.leaseUntil) }),
    owner: { tenant: item.owner.tenant, principal: item.owner.principal },
  };
}
