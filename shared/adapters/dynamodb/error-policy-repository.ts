import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Owner } from '../../domain/auth/owner';
import { RevisionMismatchError } from '../../domain/errors';
import { describeMismatch, type ExpectedRevision, UNCONDITIONAL } from '../../domain/expected-revision';
import type { ErrorPolicy } from '../../domain/resilience/policy';
import type {
  ErrorPolicyPages,
  ErrorPolicyRepository,
  PolicyWrite,
  StoredErrorPolicy,
  StoredPolicyPage,
} from '../../ports/error-policy-repository';
import { inTable } from './errors';
import { queryPartition, revisionGuard } from './partition';

const POLICY_PARTITION = 'POLICY';

/** A stored policy; a deleted one stays as a tombstone (`deleted`) so its revisions are never reused. */
type PolicyItem = {
  pk: string;
  sk: string;
  policy?: ErrorPolicy;
  revision: number;
  updatedAt: string;
  /** Who wrote it last (the tombstone of a delete: who deleted it). */
  updatedBy?: Owner;
  deleted?: boolean;
};

/**
 * ErrorPolicyRepository on the errors table (see `errorsTable`): every policy is one item under
 * `pk = POLICY, sk = <key>`, so listing is one strongly consistent Query (a page: one or a few). Every write is one
 * UpdateItem that adds 1 to the item's `revision` (atomically numbered, so racing writers each get
 * their own revision) under the caller's condition, and records its writer in `updatedBy`. A delete
 * leaves a tombstone, so a re-created policy continues the numbering and an ETag from before the
 * delete can never match again.
 *
 * @example new DynamoDbErrorPolicyRepository(documentClient, 'aif-errors')
 */
export class DynamoDbErrorPolicyRepository implements ErrorPolicyRepository, ErrorPolicyPages {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async list(): Promise<StoredErrorPolicy[]> {
    const items = (await queryPartition(this.client, this.tableName, POLICY_PARTITION)) as PolicyItem[];
    return items.filter((item) => !item.deleted).map(toStored);
  }

  /**
   * One page of the stored policies in key order: Queries of the partition with `sk > after`, `Limit`
   * and a filter dropping tombstones, continued from their LastEvaluatedKey until the page is full.
   * Each Query evaluates at most the one item beyond the page that tells whether more follow, so
   * the last page never promises a next one. `except` is dropped here, not in the filter: a Query's
   * FilterExpression may not name the sort key.
   *
   * @throws {MalformedInputError} when DynamoDB refuses `after` (a forged key longer than a key may be)
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example await repository.listPage({ limit: 25, after: 'HTTP_429', except: BUILT_IN_POLICY_KEYS });
   */
  async listPage(page: { limit: number; after?: string; except?: readonly string[] }): Promise<StoredPolicyPage> {
    const except = new Set(page.except);
    const kept: PolicyItem[] = [];
    let startKey: Record<string, unknown> | undefined;
    await inTable(
      this.tableName,
      async () => {
        do {
          const out = await this.client.send(
            new QueryCommand({
              TableName: this.tableName,
              KeyConditionExpression: page.after === undefined ? '#pk = :pk' : '#pk = :pk AND #sk > :after',
              FilterExpression: 'attribute_not_exists(#deleted)',
              ExpressionAttributeNames: {
                '#pk': 'pk',
                '#deleted': 'deleted',
                ...(page.after !== undefined && { '#sk': 'sk' }),
              },
              ExpressionAttributeValues: {
                ':pk': POLICY_PARTITION,
                ...(page.after !== undefined && { ':after': page.after }),
              },
              ConsistentRead: true,
              Limit: page.limit + 1 - kept.length,
              ExclusiveStartKey: startKey,
            }),
          );
          kept.push(...((out.Items ?? []) as PolicyItem[]).filter((item) => !except.has(item.sk)));
          startKey = out.LastEvaluatedKey;
        } while (startKey !== undefined && kept.length <= page.limit);
      },
      undefined,
      { cursorSent: page.after !== undefined },
    );
    return { items: kept.slice(0, page.limit).map(toStored), more: kept.length > page.limit };
  }

  /** Reads one (absent) item: proves the table is reachable. */
  async ping(): Promise<void> {
    await this.get('\u0000health');
  }

  async get(key: string): Promise<StoredErrorPolicy | undefined> {
    return inTable(this.tableName, async () => {
      const out = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: POLICY_PARTITION, sk: key }, ConsistentRead: true }),
      );
      const item = out.Item as PolicyItem | undefined;
      return item && !item.deleted ? toStored(item) : undefined;
    });
  }

  async put(
    key: string,
    policy: ErrorPolicy,
    write: PolicyWrite,
    expected: ExpectedRevision = UNCONDITIONAL,
  ): Promise<{ stored: StoredErrorPolicy; created: boolean }> {
    const updatedBy = writerOf(write);
    const old = await this.write(
      key,
      'SET #policy = :policy, #updatedAt = :updatedAt, #updatedBy = :updatedBy REMOVE #deleted ADD #revision :one',
      { ...WRITE_NAMES, '#policy': 'policy' },
      { ':policy': policy, ':updatedAt': write.at, ':updatedBy': updatedBy, ':one': 1 },
      expected,
    );
    return {
      stored: { key, policy, revision: (old?.revision ?? 0) + 1, updatedAt: write.at, updatedBy },
      created: old === undefined || old.deleted === true,
    };
  }

  async delete(key: string, write: PolicyWrite, expected: ExpectedRevision = UNCONDITIONAL): Promise<boolean> {
    if (expected.kind === 'must-not-exist') {
      // "Delete only if nothing is stored": then there is nothing to delete.
      if (await this.get(key)) throw revisionMismatch(key, expected);
      return false;
    }
    const unconditional = expected.kind === 'unconditional';
    const old = await this.write(
      key,
      'SET #deleted = :true, #updatedAt = :updatedAt, #updatedBy = :updatedBy REMOVE #policy ADD #revision :one',
      { ...WRITE_NAMES, '#policy': 'policy' },
      { ':true': true, ':updatedAt': write.at, ':updatedBy': writerOf(write), ':one': 1 },
      // Unconditionally deleting what is not there writes nothing (no tombstone) and answers false.
      unconditional ? { kind: 'any-existing' } : expected,
      unconditional,
    );
    return old !== undefined && old.deleted !== true;
  }

  /**
   * One conditional UpdateItem. Returns the item as it was before (undefined when absent).
   * @throws {RevisionMismatchError} when the condition fails (unless `absentIsFine`, which answers undefined)
   */
  private async write(
    key: string,
    updateExpression: string,
    names: Record<string, string>,
    values: Record<string, unknown>,
    expected: ExpectedRevision,
    absentIsFine = false,
  ): Promise<PolicyItem | undefined> {
    const guard = revisionGuard(expected, 'deleted');
    return inTable(
      this.tableName,
      async () => {
        const out = await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: POLICY_PARTITION, sk: key },
            UpdateExpression: updateExpression,
            ...(guard && { ConditionExpression: guard.expression }),
            ExpressionAttributeNames: { ...names, ...guard?.names },
            ExpressionAttributeValues: { ...values, ...guard?.values },
            ReturnValues: 'ALL_OLD',
          }),
        );
        return out.Attributes as PolicyItem | undefined;
      },
      () => {
        if (absentIsFine) return undefined;
        throw revisionMismatch(key, expected);
      },
    );
  }
}

function revisionMismatch(key: string, expected: ExpectedRevision): RevisionMismatchError {
  return new RevisionMismatchError(`Precondition failed: ${describeMismatch(`the policy "${key}"`, expected)}`);
}

/** The placeholders every policy write uses. */
const WRITE_NAMES = {
  '#updatedAt': 'updatedAt',
  '#updatedBy': 'updatedBy',
  '#deleted': 'deleted',
  '#revision': 'revision',
} as const;

/** Exactly the owner's two members, whatever else the object passed in carries. */
const writerOf = (write: PolicyWrite): Owner => ({ tenant: write.by.tenant, principal: write.by.principal });

function toStored(item: PolicyItem): StoredErrorPolicy {
  return {
    key: item.sk,
    policy: item.policy as ErrorPolicy,
    revision: item.revision,
    updatedAt: item.updatedAt,
    ...(item.updatedBy && { updatedBy: item.updatedBy }),
  };
}
