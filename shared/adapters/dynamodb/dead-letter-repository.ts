import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { InputTooLargeError, ValidationError } from '../../domain/errors';
import type { IntegrationEvent } from '../../domain/events/integration-event';
import { decodeCursor, invalidCursorError } from '../../domain/page-cursor';
import type { Page } from '../../ports/contract-repository';
import type { DeadLetter, DeadLetterCount, DeadLetterCounts, DeadLetterRepository } from '../../ports/dead-letters';
import { inTable } from './errors';
import { deleteExisting, queryPage } from './partition';
import { tenantSegment } from './tenant-key';

/** DynamoDB's item size limit is 400 KB including attribute names (DynamoDB quotas). */
const MAX_ITEM_BYTES = 400 * 1024;
/** Room kept for the item's other attributes (ids, index keys, the last error's message…). */
const ITEM_OVERHEAD_BYTES = 4 * 1024;

/** The partition of one tenant's dead letters. */
const deadLettersPk = (tenant: string) => `DEADLETTER#${tenantSegment(tenant)}`;
const subscriptionPk = (tenant: string, subscriptionId: string) => `SUB#${tenantSegment(tenant)}#${subscriptionId}`;
const typePk = (tenant: string, eventType: string) => `TYPE#${tenantSegment(tenant)}#${eventType}`;
const keyOf = (tenant: string, id: string) => ({ pk: deadLettersPk(tenant), sk: id });

/** The largest creation time `newDeadLetterId` encodes in 13 digits: 2286-11-20T17:46:39.999Z. */
const MAX_ID_TIME_MS = 9_999_999_999_999;

type DeadLetterItem = Omit<DeadLetter, 'event'> & {
  pk: string;
  sk: string;
  gsi1pk: string;
  gsi1sk: string;
  gsi2pk: string;
  gsi2sk: string;
  /** The IntegrationEvent as gzip-compressed JSON: events reach ~1 MB of JSON, items 400 KB. */
  event: Uint8Array;
  /** Ms since the epoch when a redrive claimed it; absent when unclaimed. */
  claimedAt?: number;
  /** When DynamoDB's TTL deletes it, epoch seconds: `createdAt` + the event retention (the event log's). */
  expiresAt: number;
};

/** One way of listing: the index (or the base table), its key names and the cursor it accepts. */
type Listing = {
  indexName?: string;
  partitionKey: 'pk' | 'gsi1pk' | 'gsi2pk';
  sortKey: 'sk' | 'gsi1sk' | 'gsi2sk';
  partitionValue: string;
  cursorKeys: readonly string[];
};

/**
 * A new dead letter id, `dl-<creation time, 13-digit ms>-<8 hex digits>`: ids sort by creation time
 * (string order is time order until the year 2286), and 32 random bits keep ids of one millisecond
 * apart.
 *
 * @param nowMs - the creation time, ms since the epoch (0 to 9 999 999 999 999)
 * @param random - a source of numbers in [0, 1) @default 32 bits of `crypto.randomBytes`
 * @throws {RangeError} when `nowMs` is not an integer in range
 * @example newDeadLetterId(Date.parse('2026-11-30T10:00:00Z'), () => 0.5) // 'dl-1796032800000-80000000'
 */
export function newDeadLetterId(nowMs: number, random: () => number = cryptoRandom): string {
  if (!Number.isInteger(nowMs) || nowMs < 0 || nowMs > MAX_ID_TIME_MS) {
    throw new RangeError(`nowMs must be an integer from 0 to ${MAX_ID_TIME_MS}, got ${nowMs}`);
  }
  const suffix = Math.min(0xffffffff, Math.max(0, Math.floor(random() * 2 ** 32)));
  return `dl-${String(nowMs).padStart(13, '0')}-${suffix.toString(16).padStart(8, '0')}`;
}

function cryptoRandom(): number {
  return randomBytes(4).readUInt32BE(0) / 2 ** 32;
}

/**
 * DeadLetterRepository on the delivery table (see `deliveryTable`): one item per dead letter under
 * `pk = DEADLETTER#<tenant>, sk = <id>` (the subscription owner's tenant, percent-encoded), indexed
 * by subscription (`bySubscription`: `gsi1pk = SUB#<tenant>#<subscription id>`, `gsi1sk = <id>`)
 * and by event type (`byType`: `gsi2pk = TYPE#<tenant>#<type>`, `gsi2sk = <id>`); the event is
 * stored gzip-compressed, the owner as `owner` ({tenant, principal}); DynamoDB's TTL removes it
 * (`expiresAt`, epoch seconds) once the event retention has passed, as the event log's items. Every key holds the tenant,
 * so no read, listing, claim or delete of one tenant reaches another's dead letters. Ids sort by creation time (see {@link newDeadLetterId}), so
 * every listing reads newest first with `ScanIndexForward: false`. Listings by index are
 * eventually consistent (DynamoDB GSIs).
 *
 * A redrive claims a dead letter with one conditional UpdateItem on `claimedAt`, so of racing
 * redrives exactly one wins, and a claim older than the caller's `staleBefore` (a redrive that
 * died) can be taken over.
 *
 * A tenant's dead letters share one partition, which sustains DynamoDB's per-partition write rate
 * (1,000 writes per second, DynamoDB quotas) — far above any sane dead-letter rate.
 *
 * @example new DynamoDbDeadLetterRepository(documentClient, 'aif-delivery')
 */
export class DynamoDbDeadLetterRepository implements DeadLetterRepository, DeadLetterCounts {
  /**
   * @param client - a document client built once per cold start (`removeUndefinedValues` on)
   * @param tableName - the physical name of the delivery table
   * @param retentionDays - how long a dead letter is kept, days (EVENT_RETENTION_DAYS: it holds the
   *   event, which expires from the event log after as long); TTL `expiresAt` is set from it
   */
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
  ) {}

  /**
   * Stores a dead letter (an unconditional PutItem: ids are unique, so a repeated put of the same
   * dead letter is idempotent).
   *
   * @throws {InputTooLargeError} when the compressed event exceeds ~396 KB (the 400 KB item limit)
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example await repository.put({ id: newDeadLetterId(nowMs(clock)), subscriptionId, eventId, owner, … })
   */
  async put(deadLetter: DeadLetter): Promise<void> {
    const { tenant } = deadLetter.owner;
    const event = gzipSync(JSON.stringify(deadLetter.event));
    if (event.byteLength > MAX_ITEM_BYTES - ITEM_OVERHEAD_BYTES) {
      throw new InputTooLargeError(
        `The event ${deadLetter.eventId} is ${event.byteLength} bytes after compression; DynamoDB items are limited to 400 KB`,
        [{ pointer: '/event', message: 'the event is too large to keep as a dead letter' }],
      );
    }
    const item: DeadLetterItem = {
      ...deadLetter,
      ...keyOf(tenant, deadLetter.id),
      gsi1pk: subscriptionPk(tenant, deadLetter.subscriptionId),
      gsi1sk: deadLetter.id,
      gsi2pk: typePk(tenant, deadLetter.eventType),
      gsi2sk: deadLetter.id,
      event,
      expiresAt: Math.floor(Date.parse(deadLetter.createdAt) / 1000) + this.retentionDays * 86_400,
    };
    await inTable(this.tableName, async () => {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: item }));
    });
  }

  /**
   * Reads one of a tenant's dead letters, strongly consistent.
   *
   * @returns the dead letter, or undefined when the tenant has none of that id
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example const deadLetter = await repository.get('acme', 'dl-1796032800000-80000000');
   */
  async get(tenant: string, id: string): Promise<DeadLetter | undefined> {
    return inTable(this.tableName, async () => {
      const out = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: keyOf(tenant, id), ConsistentRead: true }),
      );
      return out.Item ? fromItem(out.Item as DeadLetterItem) : undefined;
    });
  }

  /**
   * One page of a tenant's dead letters, newest first: all of them (base table), or those of one subscription
   * (`bySubscription`) or of one event type (`byType`). A cursor is accepted only by the listing
   * that issued it (same index and filter value).
   *
   * @param options - at most one of `subscriptionId` and `type`; `limit` items per page (DynamoDB's
   *   Query `Limit`); the previous page's `nextCursor`
   * @returns the page; `nextCursor` when DynamoDB has more to read (the next page may be empty)
   * @throws {ValidationError} when both `subscriptionId` and `type` are given
   * @throws {MalformedInputError} for a cursor this listing did not issue
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example const { items, nextCursor } = await repository.list('acme', { subscriptionId: 'orders-sub', limit: 20 });
   */
  async list(
    tenant: string,
    options: { subscriptionId?: string; type?: string; limit: number; cursor?: string },
  ): Promise<Page<DeadLetter>> {
    const listing = listingFor(tenant, options);
    const fixed: Record<string, string> = { pk: deadLettersPk(tenant), [listing.partitionKey]: listing.partitionValue };
    const exclusiveStartKey = decodeCursor(options.cursor, listing.cursorKeys, fixed);
    // An index cursor names the item twice (table and index sort keys): both must agree.
    if (exclusiveStartKey && exclusiveStartKey[listing.sortKey] !== exclusiveStartKey.sk) throw invalidCursorError();
    return queryPage(
      this.client,
      this.tableName,
      {
        ...(listing.indexName ? { IndexName: listing.indexName } : { ConsistentRead: true }),
        KeyConditionExpression: '#partition = :partition',
        ExpressionAttributeNames: { '#partition': listing.partitionKey },
        ExpressionAttributeValues: { ':partition': listing.partitionValue },
        ScanIndexForward: false,
        Limit: options.limit,
      },
      exclusiveStartKey,
      (item) => fromItem(item as DeadLetterItem),
    );
  }

  /**
   * Counts the tenant's dead letters by subscription: Queries of its partition projecting only
   * `subscriptionId` (eventually consistent, up to 1 MB each), until the partition ends or `max` are read.
   *
   * @param max - most dead letters read (a bound on the read capacity one call spends)
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example await repository.count('acme', 10_000) // { total: 3, bySubscription: { 'orders-sub': 3 }, truncated: false }
   */
  async count(tenant: string, max: number): Promise<DeadLetterCount> {
    const bySubscription: Record<string, number> = {};
    let total = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await inTable(this.tableName, () =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': deadLettersPk(tenant) },
            ProjectionExpression: 'subscriptionId',
            Limit: max - total,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      for (const item of out.Items ?? []) {
        const id = String(item.subscriptionId);
        bySubscription[id] = (bySubscription[id] ?? 0) + 1;
        total++;
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey && total < max);
    return { total, bySubscription, truncated: startKey !== undefined };
  }

  /**
   * Claims a dead letter for redrive: UpdateItem `SET claimedAt = :now` under
   * `attribute_exists(pk) AND (attribute_not_exists(claimedAt) OR claimedAt < :staleBefore)`.
   *
   * @param now - ms since the epoch, recorded as the claim time
   * @param staleBefore - ms since the epoch: a claim made before it is taken over
   * @returns the claimed dead letter, or undefined when it is absent or claimed by another redrive
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example const deadLetter = await repository.claim('acme', id, now, now - 5 * 60_000); // undefined: someone else has it
   */
  async claim(tenant: string, id: string, now: number, staleBefore: number): Promise<DeadLetter | undefined> {
    return inTable(
      this.tableName,
      async () => {
        const out = await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keyOf(tenant, id),
            UpdateExpression: 'SET #claimedAt = :now',
            ConditionExpression:
              'attribute_exists(#pk) AND (attribute_not_exists(#claimedAt) OR #claimedAt < :staleBefore)',
            ExpressionAttributeNames: { '#pk': 'pk', '#claimedAt': 'claimedAt' },
            ExpressionAttributeValues: { ':now': now, ':staleBefore': staleBefore },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return out.Attributes ? fromItem(out.Attributes as DeadLetterItem) : undefined;
      },
      () => undefined,
    );
  }

  /**
   * Releases a claim (`REMOVE claimedAt`), only on an existing dead letter so a release after a
   * delete does not leave a fragment behind.
   *
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example await repository.release('acme', id); // the redrive could not enqueue it
   */
  async release(tenant: string, id: string): Promise<void> {
    await inTable(
      this.tableName,
      async () => {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keyOf(tenant, id),
            UpdateExpression: 'REMOVE #claimedAt',
            ConditionExpression: 'attribute_exists(#pk)',
            ExpressionAttributeNames: { '#pk': 'pk', '#claimedAt': 'claimedAt' },
          }),
        );
      },
      () => {
        return undefined;
      },
    );
  }

  /**
   * Removes a dead letter (DeleteItem with `ReturnValues: ALL_OLD`).
   *
   * @returns true when there was one
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example await repository.delete('acme', id); // after a successful redrive
   */
  async delete(tenant: string, id: string): Promise<boolean> {
    return deleteExisting(this.client, this.tableName, keyOf(tenant, id));
  }
}

/** @throws {ValidationError} when both filters are given */
function listingFor(tenant: string, options: { subscriptionId?: string; type?: string }): Listing {
  if (options.subscriptionId !== undefined && options.type !== undefined) {
    throw new ValidationError('Dead letters are listed by subscription or by event type, not both', [
      { pointer: '/query/type', message: 'leave out either subscriptionId or type' },
    ]);
  }
  if (options.subscriptionId !== undefined) {
    return {
      indexName: 'bySubscription',
      partitionKey: 'gsi1pk',
      sortKey: 'gsi1sk',
      partitionValue: subscriptionPk(tenant, options.subscriptionId),
      cursorKeys: ['pk', 'sk', 'gsi1pk', 'gsi1sk'],
    };
  }
  if (options.type !== undefined) {
    return {
      indexName: 'byType',
      partitionKey: 'gsi2pk',
      sortKey: 'gsi2sk',
      partitionValue: typePk(tenant, options.type),
      cursorKeys: ['pk', 'sk', 'gsi2pk', 'gsi2sk'],
    };
  }
  return { partitionKey: 'pk', sortKey: 'sk', partitionValue: deadLettersPk(tenant), cursorKeys: ['pk', 'sk'] };
}

function fromItem(item: DeadLetterItem): DeadLetter {
  return {
    id: item.id,
    subscriptionId: item.subscriptionId,
    eventId: item.eventId,
    eventType: item.eventType,
    event: JSON.parse(gunzipSync(item.event).toString('utf8')) as IntegrationEvent,
    attempts: item.attempts,
    reason: item.reason,
    ...(item.lastStatus !== undefined && { lastStatus: item.lastStatus }),
    lastError: { code: item.lastError.code, category: item.lastError.category, message: item.lastError.message },
    createdAt: item.createdAt,
    owner: { tenant: item.owner.tenant, principal: item.owner.principal },
  };
}
