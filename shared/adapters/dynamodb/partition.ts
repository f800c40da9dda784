import { DeleteCommand, type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { rethrowDynamoDbError } from './errors';

/**
 * Every item of one partition key (`pk`), strongly consistent, reading every page, in sort-key order.
 * For small partitions only (policies, subscriptions): it holds them all in memory.
 *
 * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
 * @example const items = await queryPartition(client, 'aif-delivery', 'SUBSCRIPTION');
 */
export async function queryPartition(
  client: DynamoDBDocumentClient,
  tableName: string,
  pk: string,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let exclusiveStartKey: Record<string, unknown> | undefined;
  try {
    do {
      const out = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': 'pk' },
          ExpressionAttributeValues: { ':pk': pk },
          ConsistentRead: true,
          ExclusiveStartKey: exclusiveStartKey,
        }),
      );
      items.push(...(out.Items ?? []));
      exclusiveStartKey = out.LastEvaluatedKey;
    } while (exclusiveStartKey);
  } catch (error) {
    rethrowDynamoDbError(error, tableName);
  }
  return items;
}

/**
 * Deletes one item (DeleteItem with `ReturnValues: ALL_OLD`).
 *
 * @returns true when the item existed
 * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
 * @example if (!(await deleteExisting(client, table, { pk: 'DEADLETTER', sk: id }))) throw new NotFoundError(…);
 */
export async function deleteExisting(
  client: DynamoDBDocumentClient,
  tableName: string,
  key: Record<string, string>,
): Promise<boolean> {
  try {
    const out = await client.send(new DeleteCommand({ TableName: tableName, Key: key, ReturnValues: 'ALL_OLD' }));
    return out.Attributes !== undefined;
  } catch (error) {
    rethrowDynamoDbError(error, tableName);
  }
}

/**
 * A condition that an item's `revision` is one of `revisions` (an If-Match list), with its
 * placeholders.
 *
 * @example revisionIn([3, 4]) // { expression: '#revision IN (:revision0, :revision1)', … }
 */
export function revisionIn(revisions: readonly number[]): {
  expression: string;
  names: Record<string, string>;
  values: Record<string, number>;
} {
  const placeholders = revisions.map((_, i) => `:revision${i}`);
  return {
    expression: `#revision IN (${placeholders.join(', ')})`,
    names: { '#revision': 'revision' },
    values: Object.fromEntries(revisions.map((revision, i) => [placeholders[i] as string, revision])),
  };
}
