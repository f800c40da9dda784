import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { ExpectedRevision } from '../../domain/expected-revision';
import { decodeCursor, encodeCursor, invalidCursorError } from '../../domain/page-cursor';
import type { Page, PageRequest } from '../../ports/contract-repository';
import { inTable } from './errors';

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
  await inTable(tableName, async () => {
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
  });
  return items;
}

/**
 * One page of a Query that a client pages through with our opaque cursor: `Limit` and the decoded
 * cursor go in, the items (mapped by `toItem`) and the next cursor come out. DynamoDB refusing the
 * cursor's key is the client's bad cursor (MalformedInputError), not our bug.
 *
 * @param input - the Query without `TableName` and `ExclusiveStartKey`
 * @param exclusiveStartKey - what `decodeCursor` made of the client's cursor, if it sent one
 * @throws {MalformedInputError} when DynamoDB refuses the cursor's key
 * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
 * @example return queryPage(client, table, { KeyConditionExpression: '#pk = :pk', …, Limit: 50 }, startKey, toRecord);
 */
export async function queryPage<T>(
  client: DynamoDBDocumentClient,
  tableName: string,
  input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
  exclusiveStartKey: Record<string, unknown> | undefined,
  toItem: (item: Record<string, unknown>) => T,
): Promise<Page<T>> {
  return inTable(
    tableName,
    async () => {
      const out = await client.send(
        new QueryCommand({ TableName: tableName, ...input, ExclusiveStartKey: exclusiveStartKey }),
      );
      const nextCursor = encodeCursor(out.LastEvaluatedKey);
      return { items: (out.Items ?? []).map(toItem), ...(nextCursor && { nextCursor }) };
    },
    undefined,
    { cursorSent: exclusiveStartKey !== undefined },
  );
}

/**
 * One page of a tenant's summary items on the `byKind` index — the contracts table's design, one
 * `META` item per name with `gsi1pk` the tenant's kind partition and `gsi1sk` the name (contracts
 * and transformers alike). The cursor is client input: it must name this partition and one of its
 * summary items, so a cursor issued to another tenant (or forged) is refused, not used as a start key.
 *
 * @param summaries - the kind partition, the summary items' sort key, and the item key of a name
 * @throws {MalformedInputError} for a cursor that is not one of this partition's
 * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
 * @example return querySummaries(client, table, { partition: 'CONTRACTS#t1', metaSk: 'META', pkOf: (name) => `CONTRACT#t1#${name}` }, 50, cursor, toSummary);
 */
export function querySummaries<T>(
  client: DynamoDBDocumentClient,
  tableName: string,
  summaries: { partition: string; metaSk: string; pkOf: (name: string) => string },
  limit: number,
  cursor: string | undefined,
  toItem: (item: Record<string, unknown>) => T,
): Promise<Page<T>> {
  const { partition, metaSk, pkOf } = summaries;
  const exclusiveStartKey = decodeCursor(cursor, ['pk', 'sk', 'gsi1pk', 'gsi1sk'], { gsi1pk: partition, sk: metaSk });
  if (exclusiveStartKey && exclusiveStartKey.pk !== pkOf(exclusiveStartKey.gsi1sk as string)) {
    throw invalidCursorError();
  }
  return queryPage(
    client,
    tableName,
    {
      IndexName: 'byKind',
      KeyConditionExpression: '#gsi1pk = :kind',
      ExpressionAttributeNames: { '#gsi1pk': 'gsi1pk' },
      ExpressionAttributeValues: { ':kind': partition },
      Limit: limit,
    },
    exclusiveStartKey,
    toItem,
  );
}

/**
 * Writes an immutable item (a contract or transformer version) only if its key is free: one
 * conditional PutItem, so of racing writers exactly one creates it. When the key is taken, the item
 * already there is answered — from the failed condition's `ALL_OLD` item when DynamoDB attaches it
 * (the document client leaves it marshalled; DynamoDB Local and dynalite may not attach it), else
 * from `readExisting` (a consistent read).
 *
 * @returns `{ created: true }`, or `{ created: false, existing }` with the stored item (plain attributes)
 * @throws the condition failure itself when the key is taken but nothing can be read back
 * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
 */
export function putIfAbsent<T>(
  client: DynamoDBDocumentClient,
  tableName: string,
  item: Record<string, unknown>,
  fromItem: (item: Record<string, unknown>) => T,
  readExisting: () => Promise<T | undefined>,
): Promise<{ created: true } | { created: false; existing: T }> {
  return inTable<{ created: true } | { created: false; existing: T }>(
    tableName,
    async () => {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': 'pk' },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { created: true };
    },
    async (error) => {
      const old = (error as { Item?: Record<string, AttributeValue> }).Item;
      const existing = old ? fromItem(unmarshall(old)) : await readExisting();
      if (existing === undefined) throw error;
      return { created: false, existing };
    },
  );
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
  return inTable(tableName, async () => {
    const out = await client.send(new DeleteCommand({ TableName: tableName, Key: key, ReturnValues: 'ALL_OLD' }));
    return out.Attributes !== undefined;
  });
}

/** A ConditionExpression with its placeholders. */
export type Guard = { expression: string; names: Record<string, string>; values: Record<string, unknown> };

/**
 * The one ConditionExpression for an ExpectedRevision, on items that keep their optimistic-
 * concurrency counter in `revision`: `must-not-exist` → no item, `any-existing` → an item,
 * `one-of` → `revision IN (…)`, `unconditional` → no condition.
 *
 * @param tombstone - the attribute that marks a deleted item kept for its revision numbering
 *   (such an item counts as absent), if the items have one
 * @example revisionGuard({ kind: 'one-of', revisions: [3, 4] }) // { expression: '#revision IN (:revision0, :revision1)', … }
 */
export function revisionGuard(expected: ExpectedRevision, tombstone?: string): Guard | undefined {
  const names: Record<string, string> = { '#pk': 'pk', ...(tombstone && { '#deleted': tombstone }) };
  const live = tombstone ? ' AND attribute_not_exists(#deleted)' : '';
  switch (expected.kind) {
    case 'unconditional':
      return undefined;
    case 'must-not-exist':
      return tombstone
        ? { expression: 'attribute_not_exists(#pk) OR #deleted = :true', names, values: { ':true': true } }
        : { expression: 'attribute_not_exists(#pk)', names, values: {} };
    case 'any-existing':
      return { expression: `attribute_exists(#pk)${live}`, names, values: {} };
    case 'one-of': {
      const placeholders = expected.revisions.map((_, i) => `:revision${i}`);
      return {
        expression: `#revision IN (${placeholders.join(', ')})${live}`,
        names: { '#revision': 'revision', ...(tombstone && { '#deleted': tombstone }) },
        values: Object.fromEntries(expected.revisions.map((revision, i) => [placeholders[i] as string, revision])),
      };
    }
  }
}

export type { PageRequest };

/**
 * One page of one partition (of the table, or of an index) with a client's opaque cursor. The
 * cursor is bound to the partition the caller asked for: it must hold exactly the key attributes
 * of the Query's `LastEvaluatedKey` (`cursorKeys`) with the partition's own value(s) in `fixed`,
 * so a forged cursor naming another tenant's partition is a 400 and never an ExclusiveStartKey.
 *
 * @param partition - `keyName = key` on the table or on `indexName`
 * @param cursorKeys - the attributes of a LastEvaluatedKey: the table's keys, and the index's when `indexName`
 * @param fixed - the cursor's attributes that must hold this partition's values (the partition key at least)
 * @throws {MalformedInputError} with pointer `/query/cursor` for a cursor not issued for this partition
 * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
 * @example await queryPartitionPage(client, table, { keyName: 'pk', key: 'RULE#acme' }, ['pk', 'sk'], { pk: 'RULE#acme' }, { limit: 25 }, fromItem);
 */
export async function queryPartitionPage<T>(
  client: DynamoDBDocumentClient,
  tableName: string,
  partition: { indexName?: string; keyName: string; key: string },
  cursorKeys: readonly string[],
  fixed: Readonly<Record<string, string>>,
  page: PageRequest,
  toItem: (item: Record<string, unknown>) => T,
): Promise<Page<T>> {
  const exclusiveStartKey = decodeCursor(page.cursor, cursorKeys, fixed);
  return queryPage(
    client,
    tableName,
    {
      ...(partition.indexName !== undefined && { IndexName: partition.indexName }),
      KeyConditionExpression: '#key = :key',
      ExpressionAttributeNames: { '#key': partition.keyName },
      ExpressionAttributeValues: { ':key': partition.key },
      ConsistentRead: partition.indexName === undefined,
      Limit: page.limit,
    },
    exclusiveStartKey,
    toItem,
  );
}

/**
 * One page of one partition of a table keyed `pk`/`sk` ({@link queryPartitionPage} on the table
 * itself): the cursor must hold exactly `pk` and `sk`, with `pk` this partition's.
 *
 * @throws {MalformedInputError} for a cursor not issued for this partition
 * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
 * @example await tablePartitionPage(client, table, 'RULE#acme', { limit: 25 }, fromItem);
 */
export function tablePartitionPage<T>(
  client: DynamoDBDocumentClient,
  tableName: string,
  pk: string,
  page: PageRequest,
  toItem: (item: Record<string, unknown>) => T,
): Promise<Page<T>> {
  return queryPartitionPage(client, tableName, { keyName: 'pk', key: pk }, ['pk', 'sk'], { pk }, page, toItem);
}
