import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { PreconditionFailedError } from '../../domain/errors';
import type { ErrorPolicy } from '../../domain/resilience/policy';
import type { ErrorPolicyRepository, RevisionCondition, StoredErrorPolicy } from '../../ports/error-policy-repository';
import { isConditionalCheckFailed, rethrowDynamoDbError } from './errors';

const POLICY_PARTITION = 'POLICY';

type PolicyItem = { pk: string; sk: string; policy: ErrorPolicy; revision: number; updatedAt: string };

/**
 * ErrorPolicyRepository on the errors table (see `errorsTable`): every policy is one item under
 * `pk = POLICY, sk = <key>`, so listing is one strongly consistent Query. Writes are single
 * conditional Put/Delete requests on the item's `revision`.
 *
 * @example new DynamoDbErrorPolicyRepository(documentClient, 'aif-errors')
 */
export class DynamoDbErrorPolicyRepository implements ErrorPolicyRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async list(): Promise<StoredErrorPolicy[]> {
    const items: StoredErrorPolicy[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    try {
      do {
        const out = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': 'pk' },
            ExpressionAttributeValues: { ':pk': POLICY_PARTITION },
            ConsistentRead: true,
            ExclusiveStartKey: exclusiveStartKey,
          }),
        );
        for (const item of out.Items ?? []) items.push(toStored(item as PolicyItem));
        exclusiveStartKey = out.LastEvaluatedKey;
      } while (exclusiveStartKey);
    } catch (error) {
      rethrowDynamoDbError(error, this.tableName);
    }
    return items;
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
      return out.Item ? toStored(out.Item as PolicyItem) : undefined;
    } catch (error) {
      rethrowDynamoDbError(error, this.tableName);
    }
  }

  async put(
    key: string,
    policy: ErrorPolicy,
    updatedAt: string,
    condition: RevisionCondition = {},
  ): Promise<StoredErrorPolicy> {
    const guard = condition.expected === undefined ? undefined : revisionCondition(condition.expected);
    try {
      // One UpdateItem: `ADD` numbers the revision atomically, so racing unconditional writes are
      // ordered (last write wins, each with its own revision) and If-Match writes are exact.
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: POLICY_PARTITION, sk: key },
          UpdateExpression: 'SET #policy = :policy, #updatedAt = :updatedAt ADD #revision :one',
          ...(guard && { ConditionExpression: guard.ConditionExpression }),
          ExpressionAttributeNames: {
            '#policy': 'policy',
            '#updatedAt': 'updatedAt',
            '#revision': 'revision',
            ...guard?.ExpressionAttributeNames,
          },
          ExpressionAttributeValues: {
            ':policy': policy,
            ':updatedAt': updatedAt,
            ':one': 1,
            ...guard?.ExpressionAttributeValues,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toStored(out.Attributes as PolicyItem);
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw preconditionFailed(key, condition.expected ?? 'absent');
      rethrowDynamoDbError(error, this.tableName);
    }
  }

  async delete(key: string, condition: RevisionCondition = {}): Promise<boolean> {
    if (condition.expected === 'absent') return false;
    try {
      const out = await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: POLICY_PARTITION, sk: key },
          ...(condition.expected !== undefined && revisionCondition(condition.expected)),
          ReturnValues: 'ALL_OLD',
        }),
      );
      return out.Attributes !== undefined;
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw preconditionFailed(key, condition.expected ?? 'absent');
      rethrowDynamoDbError(error, this.tableName);
    }
  }
}

type Condition = {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
};

function revisionCondition(expected: number | 'absent'): Condition {
  return expected === 'absent'
    ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': 'pk' } }
    : {
        ConditionExpression: '#revision = :revision',
        ExpressionAttributeNames: { '#revision': 'revision' },
        ExpressionAttributeValues: { ':revision': expected },
      };
}

function preconditionFailed(key: string, expected: number | 'absent'): PreconditionFailedError {
  return new PreconditionFailedError(
    expected === 'absent'
      ? `The policy "${key}" already exists (If-None-Match: *)`
      : `The policy "${key}" is no longer at revision ${expected} (If-Match); read it again`,
  );
}

function toStored(item: PolicyItem): StoredErrorPolicy {
  return { key: item.sk, policy: item.policy, revision: item.revision, updatedAt: item.updatedAt };
}
