import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { PreconditionFailedError } from '../../domain/errors';
import type { ErrorPolicy } from '../../domain/resilience/policy';
import type { ErrorPolicyRepository, RevisionCondition, StoredErrorPolicy } from '../../ports/error-policy-repository';
import { isConditionalCheckFailed, rethrowDynamoDbError } from './errors';
import { queryPartition, revisionIn } from './partition';

const POLICY_PARTITION = 'POLICY';

/** A stored policy; a deleted one stays as a tombstone (`deleted`) so its revisions are never reused. */
type PolicyItem = {
  pk: string;
  sk: string;
  policy?: ErrorPolicy;
  revision: number;
  updatedAt: string;
  deleted?: boolean;
};

type Guard = { expression: string; names: Record<string, string>; values: Record<string, unknown> };

/** The condition that `expected` puts on the item, as one ConditionExpression. */
function guardFor(expected: RevisionCondition['expected']): Guard | undefined {
  const live = { '#pk': 'pk', '#deleted': 'deleted' };
  switch (expected) {
    case undefined:
      return undefined;
    case 'absent':
      return { expression: 'attribute_not_exists(#pk) OR #deleted = :true', names: live, values: { ':true': true } };
    case 'present':
      return { expression: 'attribute_exists(#pk) AND attribute_not_exists(#deleted)', names: live, values: {} };
    default: {
      const match = revisionIn(typeof expected === 'number' ? [expected] : expected);
      return {
        expression: `${match.expression} AND attribute_not_exists(#deleted)`,
        names: { ...match.names, '#deleted': 'deleted' },
        values: match.values,
      };
    }
  }
}

/**
 * ErrorPolicyRepository on the errors table (see `errorsTable`): every policy is one item under
 * `pk = POLICY, sk = <key>`, so listing is one strongly consistent Query. Every write is one
 * UpdateItem that adds 1 to the item's `revision` (atomically numbered, so racing writers each get
 * their own revision) under the caller's condition. A delete leaves a tombstone, so a re-created
 * policy continues the numbering and an ETag from before the delete can never match again.
 *
 * @example new DynamoDbErrorPolicyRepository(documentClient, 'aif-errors')
 */
export class DynamoDbErrorPolicyRepository implements ErrorPolicyRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async list(): Promise<StoredErrorPolicy[]> {
    const items = (await queryPartition(this.client, this.tableName, POLICY_PARTITION)) as PolicyItem[];
    return items.filter((item) => !item.deleted).map(toStored);
  }

  /** Reads one (absent) item: proves the table is reachable. */
  async ping(): Promise<void> {
    await this.get('\u0000health');
  }

  async get(key: string): Promise<StoredErrorPolicy | undefined> {
    try {
      const out = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: POLICY_PARTITION, sk: key }, ConsistentRead: true }),
      );
      const item = out.Item as PolicyItem | undefined;
      return item && !item.deleted ? toStored(item) : undefined;
    } catch (error) {
      rethrowDynamoDbError(error, this.tableName);
    }
  }

  async put(
    key: string,
    policy: ErrorPolicy,
    updatedAt: string,
    condition: RevisionCondition = {},
  ): Promise<{ stored: StoredErrorPolicy; created: boolean }> {
    const old = await this.write(
      key,
      'SET #policy = :policy, #updatedAt = :updatedAt REMOVE #deleted ADD #revision :one',
      { '#policy': 'policy', '#updatedAt': 'updatedAt', '#deleted': 'deleted', '#revision': 'revision' },
      { ':policy': policy, ':updatedAt': updatedAt, ':one': 1 },
      condition,
    );
    return {
      stored: { key, policy, revision: (old?.revision ?? 0) + 1, updatedAt },
      created: old === undefined || old.deleted === true,
    };
  }

  async delete(key: string, updatedAt: string, condition: RevisionCondition = {}): Promise<boolean> {
    if (condition.expected === 'absent') {
      // If-None-Match: * on DELETE — "only if nothing is stored": then there is nothing to delete.
      if (await this.get(key)) throw preconditionFailed(key, 'absent');
      return false;
    }
    const unconditional = condition.expected === undefined;
    const old = await this.write(
      key,
      'SET #deleted = :true, #updatedAt = :updatedAt REMOVE #policy ADD #revision :one',
      { '#policy': 'policy', '#updatedAt': 'updatedAt', '#deleted': 'deleted', '#revision': 'revision' },
      { ':true': true, ':updatedAt': updatedAt, ':one': 1 },
      // Unconditionally deleting what is not there writes nothing (no tombstone) and answers false.
      unconditional ? { expected: 'present' } : condition,
      unconditional,
    );
    return old !== undefined && old.deleted !== true;
  }

  /**
   * One conditional UpdateItem. Returns the item as it was before (undefined when absent).
   * @throws {PreconditionFailedError} when the condition fails (unless `absentIsFine`, which answers undefined)
   */
  private async write(
    key: string,
    updateExpression: string,
    names: Record<string, string>,
    values: Record<string, unknown>,
    condition: RevisionCondition,
    absentIsFine = false,
  ): Promise<PolicyItem | undefined> {
    const guard = guardFor(condition.expected);
    try {
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
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        if (absentIsFine) return undefined;
        throw preconditionFailed(key, condition.expected);
      }
      rethrowDynamoDbError(error, this.tableName);
    }
  }
}

function preconditionFailed(key: string, expected: RevisionCondition['expected']): PreconditionFailedError {
  const detail =
    expected === 'absent'
      ? `a policy is stored under "${key}" (If-None-Match: *)`
      : expected === 'present'
        ? `no policy is stored under "${key}" (If-Match: *)`
        : `the policy "${key}" is not at revision ${[expected].flat().join(' or ')} (If-Match); read it again`;
  return new PreconditionFailedError(`Precondition failed: ${detail}`);
}

function toStored(item: PolicyItem): StoredErrorPolicy {
  return { key: item.sk, policy: item.policy as ErrorPolicy, revision: item.revision, updatedAt: item.updatedAt };
}
