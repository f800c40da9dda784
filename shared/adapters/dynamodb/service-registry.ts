import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { RevisionMismatchError } from '../../domain/errors';
import { describeMismatch, type ExpectedRevision, UNCONDITIONAL } from '../../domain/expected-revision';
import type { InstanceStatus, ServiceInstance } from '../../domain/mesh/service-instance';
import type { ServiceRegistry } from '../../ports/service-mesh';
import { inTable } from './errors';
import { deleteExisting, queryPartition, revisionGuard } from './partition';

const INSTANCE_PARTITION = 'INSTANCE';
const BY_NAME_INDEX = 'byName';

/** What `register` receives: the instance without the fields the registry keeps. */
type Registration = Parameters<ServiceRegistry['register']>[0];

/** A stored instance: the ServiceInstance with its keys; the id is the sort key. */
type InstanceItem = Omit<ServiceInstance, 'id'> & {
  pk: string;
  sk: string;
  gsi1pk: string;
  gsi1sk: string;
};

/** The `byName` partition of a service's instances. */
function servicePk(name: string): string {
  return `SERVICE#${name}`;
}

/**
 * ServiceRegistry on the mesh table (see `meshTable`): every instance is one item under
 * `pk = INSTANCE, sk = <id>`, indexed by service name (`byName`: `gsi1pk = SERVICE#<name>`,
 * `gsi1sk = <id>`).
 *
 * A registration — first or repeated (the heartbeat) — is one UpdateItem: it sets the registration
 * fields and `lastHeartbeatAt`, keeps the first `registeredAt` (`if_not_exists`) and adds 1 to
 * `revision`, so racing heartbeats each get their own revision. Status has two writers:
 * - the registration's `status` is the caller's claim. `unknown` (what the input schema defaults
 *   to) is no claim and keeps the stored status, so a plain heartbeat never resets what the last
 *   health check found; any other value is written and stands until the next health check;
 * - `recordHealth` writes the check's verdict to `status` and `lastHealthCheck`, which a
 *   registration never touches.
 * `revision` counts registrations only: a health check does not change it, so a caller's
 * conditional re-registration (`expected`) is not failed by the scheduler's checks.
 *
 * @example new DynamoDbServiceRegistry(documentClient, 'aif-mesh')
 */
export class DynamoDbServiceRegistry implements ServiceRegistry {
  /**
   * @param client - a document client built once per cold start (`removeUndefinedValues` on)
   * @param tableName - the physical name of the mesh table
   */
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Registers an instance, or re-registers it (the heartbeat), in one UpdateItem.
   *
   * @param instance - the registration; `status: 'unknown'` keeps the stored status (see the class)
   * @param now - ISO 8601 time of the registration: `lastHeartbeatAt`, and `registeredAt` when new
   * @param expected - what must be stored for the write to happen (see ExpectedRevision)
   * @returns the instance as stored afterwards, and whether this registration created it
   * @throws {RevisionMismatchError} when `expected` does not hold
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example const { instance, created } = await registry.register(input, clock.now().toISOString());
   */
  async register(
    instance: Registration,
    now: string,
    expected: ExpectedRevision = UNCONDITIONAL,
  ): Promise<{ instance: ServiceInstance; created: boolean }> {
    const claimsStatus = instance.status !== 'unknown';
    const guard = revisionGuard(expected);
    const old = await inTable(
      this.tableName,
      async () => {
        const out = await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: INSTANCE_PARTITION, sk: instance.id },
            UpdateExpression: [
              'SET #name = :name, #version = :version, #endpoint = :endpoint, #healthEndpoint = :healthEndpoint,',
              '#metadata = :metadata, #weight = :weight,',
              claimsStatus ? '#status = :status,' : '#status = if_not_exists(#status, :status),',
              '#registeredAt = if_not_exists(#registeredAt, :now), #lastHeartbeatAt = :now,',
              '#gsi1pk = :gsi1pk, #gsi1sk = :id',
              'ADD #revision :one',
            ].join(' '),
            ...(guard && { ConditionExpression: guard.expression }),
            ExpressionAttributeNames: {
              '#name': 'name',
              '#version': 'version',
              '#endpoint': 'endpoint',
              '#healthEndpoint': 'healthEndpoint',
              '#metadata': 'metadata',
              '#weight': 'weight',
              '#status': 'status',
              '#registeredAt': 'registeredAt',
              '#lastHeartbeatAt': 'lastHeartbeatAt',
              '#gsi1pk': 'gsi1pk',
              '#gsi1sk': 'gsi1sk',
              '#revision': 'revision',
              ...guard?.names,
            },
            ExpressionAttributeValues: {
              ':name': instance.name,
              ':version': instance.version,
              ':endpoint': instance.endpoint,
              ':healthEndpoint': instance.healthEndpoint,
              ':metadata': instance.metadata,
              ':weight': instance.weight,
              ':status': instance.status,
              ':now': now,
              ':gsi1pk': servicePk(instance.name),
              ':id': instance.id,
              ':one': 1,
              ...guard?.values,
            },
            ReturnValues: 'ALL_OLD',
          }),
        );
        return out.Attributes as InstanceItem | undefined;
      },
      () => {
        throw new RevisionMismatchError(
          `Precondition failed: ${describeMismatch(`the instance "${instance.id}"`, expected)}`,
        );
      },
    );
    // ALL_OLD tells whether the item existed; the new one follows from it and the expression above.
    const stored: ServiceInstance = {
      ...instance,
      status: claimsStatus ? instance.status : (old?.status ?? instance.status),
      revision: (old?.revision ?? 0) + 1,
      registeredAt: old?.registeredAt ?? now,
      lastHeartbeatAt: now,
      ...(old?.lastHealthCheck && { lastHealthCheck: old.lastHealthCheck }),
    };
    return { instance: stored, created: old === undefined };
  }

  /**
   * Reads one instance, strongly consistent.
   *
   * @returns the instance, or undefined when none is registered under the id
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example const instance = await registry.get('orders-1');
   */
  async get(id: string): Promise<ServiceInstance | undefined> {
    return inTable(this.tableName, async () => {
      const out = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: INSTANCE_PARTITION, sk: id }, ConsistentRead: true }),
      );
      return out.Item ? fromItem(out.Item as InstanceItem) : undefined;
    });
  }

  /**
   * Every instance of one service in id order, reading every page of the `byName` index. A global
   * secondary index is eventually consistent: a registration may show up a moment later.
   *
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example const instances = await registry.listByName('orders'); // [{ id: 'orders-1', … }, …]
   */
  async listByName(name: string): Promise<ServiceInstance[]> {
    const items: InstanceItem[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    await inTable(this.tableName, async () => {
      do {
        const out = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: BY_NAME_INDEX,
            KeyConditionExpression: '#gsi1pk = :gsi1pk',
            ExpressionAttributeNames: { '#gsi1pk': 'gsi1pk' },
            ExpressionAttributeValues: { ':gsi1pk': servicePk(name) },
            ExclusiveStartKey: exclusiveStartKey,
          }),
        );
        items.push(...((out.Items ?? []) as InstanceItem[]));
        exclusiveStartKey = out.LastEvaluatedKey;
      } while (exclusiveStartKey);
    });
    return items.map(fromItem);
  }

  /**
   * Every instance of every service in id order (one strongly consistent Query, every page).
   *
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example const all = await registry.list();
   */
  async list(): Promise<ServiceInstance[]> {
    const items = await queryPartition(this.client, this.tableName, INSTANCE_PARTITION);
    return items.map((item) => fromItem(item as InstanceItem));
  }

  /**
   * Removes an instance (DeleteItem with `ReturnValues: ALL_OLD`). Its circuit breaker, stored
   * separately, is left to expire from use.
   *
   * @param expected - what must be stored for the delete to happen; `must-not-exist` deletes
   *   nothing (false when nothing is registered, RevisionMismatchError when something is)
   * @returns true when one was registered
   * @throws {RevisionMismatchError} when `expected` does not hold
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example if (!(await registry.deregister('orders-1'))) throw new NotFoundError('No instance orders-1');
   */
  async deregister(id: string, expected: ExpectedRevision = UNCONDITIONAL): Promise<boolean> {
    const match = revisionGuard(expected);
    if (match === undefined) return deleteExisting(this.client, this.tableName, { pk: INSTANCE_PARTITION, sk: id });
    if (expected.kind === 'must-not-exist') {
      if (await this.get(id))
        throw new RevisionMismatchError(`Precondition failed: ${describeMismatch(`the instance "${id}"`, expected)}`);
      return false;
    }
    return inTable(
      this.tableName,
      async () => {
        const out = await this.client.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: { pk: INSTANCE_PARTITION, sk: id },
            ConditionExpression: match.expression,
            ExpressionAttributeNames: match.names,
            ...(Object.keys(match.values).length > 0 && { ExpressionAttributeValues: match.values }),
            ReturnValues: 'ALL_OLD',
          }),
        );
        return out.Attributes !== undefined;
      },
      () => {
        throw new RevisionMismatchError(`Precondition failed: ${describeMismatch(`the instance "${id}"`, expected)}`);
      },
    );
  }

  /**
   * Records a health check: sets `status` to the check's verdict and `lastHealthCheck` to the check,
   * in one UpdateItem conditional on the instance existing (`attribute_exists(pk)`), so a check that
   * finishes after a deregistration does not re-create a fragment of the instance.
   *
   * @param check - the check's result; `check.status` becomes the instance's status
   * @returns the status before the check (to detect changes), or undefined when no instance is registered under the id
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example const before = await registry.recordHealth('orders-1', { at: now, status: 'unhealthy', error: 'timeout' });
   */
  async recordHealth(
    id: string,
    check: NonNullable<ServiceInstance['lastHealthCheck']>,
  ): Promise<InstanceStatus | undefined> {
    return inTable(
      this.tableName,
      async () => {
        const out = await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: INSTANCE_PARTITION, sk: id },
            UpdateExpression: 'SET #status = :status, #lastHealthCheck = :check',
            ConditionExpression: 'attribute_exists(#pk)',
            ExpressionAttributeNames: { '#pk': 'pk', '#status': 'status', '#lastHealthCheck': 'lastHealthCheck' },
            ExpressionAttributeValues: { ':status': check.status, ':check': check },
            ReturnValues: 'UPDATED_OLD',
          }),
        );
        return (out.Attributes as Partial<InstanceItem> | undefined)?.status;
      },
      () => undefined,
    );
  }
}

function fromItem(item: InstanceItem): ServiceInstance {
  const { pk: _pk, sk, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, ...rest } = item;
  return { ...rest, id: sk };
}
