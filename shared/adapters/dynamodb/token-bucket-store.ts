import { type DynamoDBDocumentClient, GetCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { BucketState, BucketWrite } from '../../domain/rate-limits/token-bucket';
import type { BucketWriteOutcome, TokenBucketStore } from '../../ports/token-bucket-store';
import { inTable } from './errors';

/**
 * TokenBucketStore on the RateLimits table (see `rateLimitsTable`): one item per bucket,
 * `pk = <key>`, `tat` (N, microseconds), `expiresAt` (N, the TTL). Each `apply` is one UpdateItem
 * whose ConditionExpression is the write's condition, so DynamoDB judges it atomically against the
 * item as the previous writer left it:
 *
 * - full: `SET tat = :set, expiresAt = :exp` if `attribute_not_exists(pk) OR tat < :before`;
 * - draining: `SET tat = tat + :add, expiresAt = :exp` if `tat BETWEEN :atLeast AND :atMost`.
 *
 * `ReturnValues: UPDATED_NEW` answers the new `tat`. A failed condition answers the item that failed
 * it (`ReturnValuesOnConditionCheckFailure: ALL_OLD`, no second request); where the endpoint does
 * not return it (dynalite), one strongly consistent GetItem reads it.
 *
 * @example new DynamoDbTokenBucketStore(documentClient, 'aif-ratelimits')
 */
export class DynamoDbTokenBucketStore implements TokenBucketStore {
  /**
   * @param client - a document client built once per cold start
   * @param tableName - the physical name of the RateLimits table
   */
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Applies one admission's conditional write.
   *
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example await store.apply('ROUTE#acme#publishEvents', admissionWrite(limit, nowUs, 'full'), expiresAt)
   */
  async apply(key: string, write: BucketWrite, expiresAt: number): Promise<BucketWriteOutcome> {
    return inTable(
      this.tableName,
      async (): Promise<BucketWriteOutcome> => {
        const out = await this.client.send(new UpdateCommand(this.updateOf(key, write, expiresAt)));
        const tat = out.Attributes?.tat;
        if (typeof tat !== 'number') throw new Error(`UpdateItem on ${this.tableName} answered no tat for ${key}`);
        return { applied: true, state: { tat } };
      },
      async (error) => ({ applied: false, state: stateOf(error) ?? (await this.read(key)) }),
    );
  }

  private updateOf(key: string, write: BucketWrite, expiresAt: number): UpdateCommandInput {
    const common = {
      TableName: this.tableName,
      Key: { pk: key },
      ReturnValues: 'UPDATED_NEW' as const,
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };
    if (write.phase === 'full') {
      return {
        ...common,
        UpdateExpression: 'SET #tat = :set, #exp = :exp',
        ConditionExpression: 'attribute_not_exists(#pk) OR #tat < :before',
        ExpressionAttributeNames: { '#pk': 'pk', '#tat': 'tat', '#exp': 'expiresAt' },
        ExpressionAttributeValues: { ':set': write.set, ':before': write.before, ':exp': expiresAt },
      };
    }
    return {
      ...common,
      UpdateExpression: 'SET #tat = #tat + :add, #exp = :exp',
      ConditionExpression: '#tat BETWEEN :atLeast AND :atMost',
      ExpressionAttributeNames: { '#tat': 'tat', '#exp': 'expiresAt' },
      ExpressionAttributeValues: {
        ':add': write.add,
        ':atLeast': write.atLeast,
        ':atMost': write.atMost,
        ':exp': expiresAt,
      },
    };
  }

  /** The bucket as stored now, strongly consistent; undefined when there is none. */
  private async read(key: string): Promise<BucketState | undefined> {
    return inTable(this.tableName, async () => {
      const out = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: key }, ConsistentRead: true }),
      );
      const tat = out.Item?.tat;
      return typeof tat === 'number' ? { tat } : undefined;
    });
  }
}

/**
 * The state in a ConditionalCheckFailedException's `Item` (marshalled: the document client does
 * not convert errors), or undefined when the endpoint did not send one.
 */
function stateOf(error: unknown): BucketState | undefined {
  const raw = (error as { Item?: { tat?: { N?: string } } }).Item?.tat?.N;
  if (raw === undefined) return undefined;
  const tat = Number(raw);
  return Number.isSafeInteger(tat) ? { tat } : undefined;
}
