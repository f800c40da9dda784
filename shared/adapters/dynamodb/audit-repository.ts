import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditRecord } from '../../domain/audit/audit-record';
import { decodeCursor, invalidCursorError } from '../../domain/page-cursor';
import type { AuditLog, AuditQuery, AuditTrail } from '../../ports/audit-trail';
import type { Page } from '../../ports/contract-repository';
import { inTable } from './errors';
import { queryPage } from './partition';
import { tenantSegment } from './tenant-key';

/** BatchWriteItem takes at most 25 put or delete requests per call (DynamoDB quotas). */
const MAX_BATCH_WRITE = 25;
/** Rounds of resending what BatchWriteItem left unprocessed (throttling) before giving up. */
const UNPROCESSED_ROUNDS = 3;
const ALL_TENANTS = 'AUDIT';

type AuditItem = AuditRecord & {
  pk: string;
  sk: string;
  gsi1pk: string;
  gsi1sk: string;
  gsi2pk: string;
  gsi2sk: string;
  /** Epoch seconds after which DynamoDB's TTL deletes the record. */
  expiresAt: number;
};

const tenantPk = (tenant: string) => `TENANT#${tenant === '' ? '' : tenantSegment(tenant)}`;
const principalPk = (tenant: string, principal: string) =>
  `PRINCIPAL#${tenant === '' ? '' : tenantSegment(tenant)}#${encodeURIComponent(principal)}`;

/** One way of listing: the index (or the base table) and its key names. */
type Listing = { indexName?: string; partitionKey: string; sortKey: string; partitionValue: string };

/**
 * The audit trail on the audit table (see `auditTable`): `record` writes the records with
 * BatchWriteItem (≤ 25 per call, unprocessed items resent up to 3 rounds), each with its
 * `expiresAt` TTL `retentionDays` after its time; `list` reads them back newest first.
 *
 * Listing picks the narrowest key: a tenant and principal → `byPrincipal`; a tenant → the base
 * table (strongly consistent); otherwise `byTime` (every tenant, one partition: it sustains
 * DynamoDB's 1,000 writes per second per partition — DynamoDB quotas — far above the rate of
 * state changes and denials; beyond it writes throttle and the trail's failures are logged and
 * counted). `from`/`to` are a range on the sort key; `principal` without a tenant, `outcome` and
 * `operationId` are a FilterExpression, so a page may hold fewer than `limit` records while a
 * cursor remains.
 *
 * @example new DynamoDbAuditRepository(documentClient, 'aif-audit', 365)
 */
export class DynamoDbAuditRepository implements AuditTrail, AuditLog {
  /**
   * @param client - a document client built once per cold start (`removeUndefinedValues` on)
   * @param tableName - the physical name of the audit table
   * @param retentionDays - days a record is kept (AUDIT_RETENTION_DAYS)
   */
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
  ) {}

  /**
   * Stores the records (unconditional puts: ids are unique, so writing a record twice is idempotent).
   *
   * @throws {Error} when items stay unprocessed after 3 rounds
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   */
  async record(records: readonly AuditRecord[]): Promise<void> {
    for (let start = 0; start < records.length; start += MAX_BATCH_WRITE) {
      let pending = records
        .slice(start, start + MAX_BATCH_WRITE)
        .map((r) => ({ PutRequest: { Item: this.toItem(r) } }));
      for (let round = 0; pending.length > 0; round++) {
        if (round === UNPROCESSED_ROUNDS) throw new Error(`${pending.length} audit records stayed unprocessed`);
        const out = await inTable(this.tableName, () =>
          this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } })),
        );
        pending = (out.UnprocessedItems?.[this.tableName] ?? []) as typeof pending;
      }
    }
  }

  /**
   * One page of records, newest first (see the class for which key each filter uses).
   *
   * @returns the page; `nextCursor` when DynamoDB has more to read (the next page may be empty)
   * @throws {MalformedInputError} for a cursor this listing did not issue
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example await audit.list({ tenant: 't1', outcome: 'denied', limit: 50 })
   */
  async list(query: AuditQuery): Promise<Page<AuditRecord>> {
    const listing = listingFor(query);
    const keyNames = ['pk', 'sk', ...(listing.indexName ? [listing.partitionKey, listing.sortKey] : [])];
    const startKey = decodeCursor(query.cursor, keyNames, { [listing.partitionKey]: listing.partitionValue });
    if (startKey && startKey[listing.sortKey] !== startKey.sk) throw invalidCursorError();
    const names: Record<string, string> = { '#partition': listing.partitionKey, '#sort': listing.sortKey };
    const values: Record<string, unknown> = {
      ':partition': listing.partitionValue,
      ':from': query.from ?? '0000',
      // `~` sorts after every character of a record id: `to` is inclusive to the millisecond.
      ':to': `${query.to ?? '9999'}#~`,
    };
    const filters: string[] = [];
    const filter = (attribute: string, value: string | undefined) => {
      if (value === undefined) return;
      names[`#${attribute}`] = attribute;
      values[`:${attribute}`] = value;
      filters.push(`#${attribute} = :${attribute}`);
    };
    if (listing.indexName !== 'byPrincipal') filter('principal', query.principal);
    filter('outcome', query.outcome);
    filter('operationId', query.operationId);
    return queryPage(
      this.client,
      this.tableName,
      {
        ...(listing.indexName ? { IndexName: listing.indexName } : { ConsistentRead: true }),
        KeyConditionExpression: '#partition = :partition AND #sort BETWEEN :from AND :to',
        ...(filters.length > 0 && { FilterExpression: filters.join(' AND ') }),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        Limit: query.limit,
      },
      startKey,
      (item) => fromItem(item as AuditItem),
    );
  }

  private toItem(record: AuditRecord): AuditItem {
    const sortKey = `${record.time}#${record.id}`;
    return {
      ...record,
      pk: tenantPk(record.tenant),
      sk: sortKey,
      gsi1pk: ALL_TENANTS,
      gsi1sk: sortKey,
      gsi2pk: principalPk(record.tenant, record.principal),
      gsi2sk: sortKey,
      expiresAt: Math.floor(Date.parse(record.time) / 1000) + this.retentionDays * 86_400,
    };
  }
}

function listingFor(query: AuditQuery): Listing {
  if (query.tenant !== undefined && query.principal !== undefined) {
    const value = principalPk(query.tenant, query.principal);
    return { indexName: 'byPrincipal', partitionKey: 'gsi2pk', sortKey: 'gsi2sk', partitionValue: value };
  }
  if (query.tenant !== undefined) return { partitionKey: 'pk', sortKey: 'sk', partitionValue: tenantPk(query.tenant) };
  return { indexName: 'byTime', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', partitionValue: ALL_TENANTS };
}

function fromItem(item: AuditItem): AuditRecord {
  const { pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, expiresAt: _e, ...record } = item;
  return record;
}
