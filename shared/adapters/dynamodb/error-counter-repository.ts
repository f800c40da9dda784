import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, invalidCursorError } from '../../domain/page-cursor';
import type { ErrorCategory } from '../../domain/resilience/integration-error';
import type { AlertWindow } from '../../domain/resilience/policy';
import type { Page } from '../../ports/contract-repository';
import type { AlertMark, CounterKey, ErrorCount, ErrorCounterRepository } from '../../ports/error-counter';
import { inTable } from './errors';
import { queryPage } from './partition';
import { tenantSegment } from './tenant-key';

/** One tenant's counters of one window share a partition; the tenant segment is percent-encoded (no `#`). */
const partition = (tenant: string, window: AlertWindow, start: number) =>
  `COUNT#${tenantSegment(tenant)}#${window}#${new Date(start).toISOString()}`;
const sortKey = (source: string, code: string) => `${source}#${code}`;
const keyOf = (key: CounterKey) => ({
  pk: partition(key.tenant, key.window, key.windowStart),
  sk: sortKey(key.source, key.code),
});

type CounterItem = {
  pk: string;
  sk: string;
  tenant: string;
  window: AlertWindow;
  windowStart: number;
  source: string;
  code: string;
  category: ErrorCategory;
  count: number;
  lastSeenAt: number;
  alert?: AlertMark;
};

/**
 * ErrorCounterRepository on the errors table (see `errorsTable`). One item per tenant, window and
 * `source#code`; every change is one UpdateItem: `ADD` for counting (no lost increments), a
 * condition expression for the alert mark (one winner).
 *
 * All counters of one tenant's window share a partition key, so a listing is one Query of that
 * tenant's counters only, and one tenant's window sustains DynamoDB's per-partition write rate
 * (1,000 writes per second, DynamoDB quotas) across all its sources.
 *
 * @example new DynamoDbErrorCounterRepository(documentClient, 'aif-errors')
 */
export class DynamoDbErrorCounterRepository implements ErrorCounterRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async increment(
    key: CounterKey,
    fields: { category: ErrorCategory; seenAt: number; expiresAt: number },
  ): Promise<ErrorCount> {
    return inTable(this.tableName, async () => {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyOf(key),
          UpdateExpression:
            'ADD #count :one SET #tenant = :tenant, #window = :window, #windowStart = :windowStart, #source = :source, ' +
            '#code = :code, #category = :category, #expiresAt = :expiresAt, #lastSeenAt = :seenAt',
          ExpressionAttributeNames: {
            '#count': 'count',
            '#tenant': 'tenant',
            '#window': 'window',
            '#windowStart': 'windowStart',
            '#source': 'source',
            '#code': 'code',
            '#category': 'category',
            '#expiresAt': 'expiresAt',
            '#lastSeenAt': 'lastSeenAt',
          },
          ExpressionAttributeValues: {
            ':one': 1,
            ':tenant': key.tenant,
            ':window': key.window,
            ':windowStart': key.windowStart,
            ':source': key.source,
            ':code': key.code,
            ':category': fields.category,
            ':expiresAt': fields.expiresAt,
            ':seenAt': fields.seenAt,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toCount(out.Attributes as CounterItem);
    });
  }

  async claimAlert(key: CounterKey, mark: AlertMark, takeOverPendingBefore: number): Promise<boolean> {
    return inTable(
      this.tableName,
      async () => {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keyOf(key),
            UpdateExpression: 'SET #alert = :mark',
            ConditionExpression:
              'attribute_exists(#pk) AND (attribute_not_exists(#alert) OR (#alert.#state = :pending AND #alert.#raisedAt < :staleBefore))',
            ExpressionAttributeNames: {
              '#pk': 'pk',
              '#alert': 'alert',
              '#state': 'state',
              '#raisedAt': 'raisedAt',
            },
            ExpressionAttributeValues: { ':mark': mark, ':pending': 'pending', ':staleBefore': takeOverPendingBefore },
          }),
        );
        return true;
      },
      () => false,
    );
  }

  async get(key: CounterKey): Promise<ErrorCount | undefined> {
    return inTable(this.tableName, async () => {
      const out = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: keyOf(key),
          ConsistentRead: true,
        }),
      );
      return out.Item ? toCount(out.Item as CounterItem) : undefined;
    });
  }

  async confirmAlert(key: CounterKey, eventId: string): Promise<void> {
    await inTable(
      this.tableName,
      async () => {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keyOf(key),
            UpdateExpression: 'SET #alert.#state = :published',
            ConditionExpression: '#alert.#eventId = :eventId',
            ExpressionAttributeNames: { '#alert': 'alert', '#state': 'state', '#eventId': 'eventId' },
            ExpressionAttributeValues: { ':published': 'published', ':eventId': eventId },
          }),
        );
      },
      () => {
        // Another instance took the alert over and owns its state now.
        return undefined;
      },
    );
  }

  async list(
    tenant: string,
    window: AlertWindow,
    windowStart: number,
    options: { source?: string; limit: number; cursor?: string },
  ): Promise<Page<ErrorCount>> {
    const pk = partition(tenant, window, windowStart);
    // A cursor is client input: one whose partition is not this tenant's window is refused, never used.
    const exclusiveStartKey = decodeCursor(options.cursor, ['pk', 'sk'], { pk });
    // A cursor of another source's listing would start outside this query's key range.
    if (exclusiveStartKey && options.source !== undefined && !exclusiveStartKey.sk?.startsWith(`${options.source}#`)) {
      throw invalidCursorError();
    }
    return queryPage(
      this.client,
      this.tableName,
      {
        KeyConditionExpression:
          options.source === undefined ? '#pk = :pk' : '#pk = :pk AND begins_with(#sk, :sourcePrefix)',
        ExpressionAttributeNames: { '#pk': 'pk', ...(options.source !== undefined && { '#sk': 'sk' }) },
        ExpressionAttributeValues: {
          ':pk': pk,
          ...(options.source !== undefined && { ':sourcePrefix': `${options.source}#` }),
        },
        Limit: options.limit,
      },
      exclusiveStartKey,
      (item) => toCount(item as CounterItem),
    );
  }
}

function toCount(item: CounterItem): ErrorCount {
  return {
    tenant: item.tenant,
    window: item.window,
    windowStart: item.windowStart,
    source: item.source,
    code: item.code,
    category: item.category,
    count: item.count,
    lastSeenAt: item.lastSeenAt,
    ...(item.alert && { alert: item.alert }),
  };
}
