import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { QuotaSlot } from '../../domain/quotas/quota';
import type { QuotaCounter } from '../../ports/quota-counter';
import { inTable } from './errors';
import { tenantSegment } from './tenant-key';

/** The key of a slot's counter item. */
function counterKey(slot: QuotaSlot): { pk: string; sk: string } {
  if (slot.scope === 'global') return { pk: 'QUOTA', sk: slot.quota };
  const { tenant, service } = slot.scope;
  // Service names are MeshNameSchema (no `#`), tenants percent-encoded: keys never run together.
  return { pk: `QUOTA#${tenantSegment(tenant)}`, sk: service === undefined ? slot.quota : `${slot.quota}#${service}` };
}

/**
 * QuotaCounter on the table that holds the counted items (the mesh table for instances and routing
 * rules, the delivery table for subscriptions and their EventBridge rules): one item per counter,
 * `pk = QUOTA#<tenant>, sk = <quota>[#<service>]` (the deployment's counters under `pk = QUOTA`),
 * holding `count`.
 *
 * Why not one TransactWriteItems of the counter and the counted item: the counted writes are
 * upserts whose "was it new?" is only known from their own `ALL_OLD`, and the local mode's
 * dynalite has no transactions. So a slot is reserved first — one UpdateItem `ADD count 1` with
 * the condition `attribute_not_exists(count) OR count < :limit`, which DynamoDB evaluates and
 * applies atomically, so of N writers racing for the last slot exactly one passes — then the
 * item is written, and the slot given back when the write created nothing or failed. A crash
 * between the two leaves the counter one too high, never too low: the quota can be undershot,
 * never exceeded.
 *
 * @example new DynamoDbQuotaCounter(documentClient, 'aif-mesh')
 */
export class DynamoDbQuotaCounter implements QuotaCounter {
  /**
   * @param client - a document client built once per cold start
   * @param tableName - the physical name of the table holding the counted items
   */
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Takes one slot (conditional `ADD count 1`).
   *
   * @returns false when `slot.limit` slots are taken (nothing written)
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example if (!(await counter.acquire({ quota: 'subscriptionsPerTenant', scope: { tenant: 'acme' }, limit: 100 }))) throw …
   */
  async acquire(slot: QuotaSlot): Promise<boolean> {
    return inTable(
      this.tableName,
      async () => {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: counterKey(slot),
            UpdateExpression: 'ADD #count :one',
            ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
            ExpressionAttributeNames: { '#count': 'count' },
            ExpressionAttributeValues: { ':one': 1, ':limit': slot.limit },
          }),
        );
        return true;
      },
      () => false,
    );
  }

  /**
   * Gives one slot back (`ADD count -1` conditional on `count > 0`; at 0 nothing changes).
   *
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example await counter.release({ quota: 'subscriptionsPerTenant', scope: { tenant: 'acme' }, limit: 100 });
   */
  async release(slot: QuotaSlot): Promise<void> {
    await inTable(
      this.tableName,
      async () => {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: counterKey(slot),
            UpdateExpression: 'ADD #count :minusOne',
            ConditionExpression: '#count > :zero',
            ExpressionAttributeNames: { '#count': 'count' },
            ExpressionAttributeValues: { ':minusOne': -1, ':zero': 0 },
          }),
        );
      },
      () => undefined,
    );
  }
}
