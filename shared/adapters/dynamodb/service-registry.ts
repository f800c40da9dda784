import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Owner } from '../../domain/auth/owner';
import { RevisionMismatchError } from '../../domain/errors';
import { describeMismatch, type ExpectedRevision, UNCONDITIONAL } from '../../domain/expected-revision';
import { InstanceOwnedError } from '../../domain/mesh/errors';
import type { InstanceStatus, ServiceInstance } from '../../domain/mesh/service-instance';
import type { Page } from '../../ports/contract-repository';
import type { Deregistrant, ServiceRegistry } from '../../ports/service-mesh';
import { inTable } from './errors';
import { type Guard, type PageRequest, queryPartition, queryPartitionPage, revisionGuard } from './partition';
import { tenantSegment } from './tenant-key';

const INSTANCE_PARTITION = 'INSTANCE';
const BY_NAME_INDEX = 'byName';
const BY_TENANT_INDEX = 'byTenant';

/** What `register` receives: the instance without the fields the registry keeps. */
type Registration = Parameters<ServiceRegistry['register']>[0];

/** A stored instance: the ServiceInstance with its keys; the id is the sort key. */
type InstanceItem = Omit<ServiceInstance, 'id'> & {
  pk: string;
  sk: string;
  gsi1pk: string;
  gsi1sk: string;
  gsi2pk: string;
  gsi2sk: string;
};

/** The `byName` partition of one tenant's service. */
function servicePk(tenant: string, name: string): string {
  return `SERVICE#${tenantSegment(tenant)}#${name}`;
}

/** The `byTenant` partition of one tenant's instances. */
function tenantPk(tenant: string): string {
  return `TENANT#${tenantSegment(tenant)}`;
}

/**
 * ServiceRegistry on the mesh table (see `meshTable`): every instance of every tenant is one item
 * under `pk = INSTANCE, sk = <id>` — instance ids are one namespace, and the health checks read
 * the whole partition — indexed per tenant: `byName` (`gsi1pk = SERVICE#<tenant>#<name>`) for the
 * router, `byTenant` (`gsi2pk = TENANT#<tenant>`) for the tenant's lists, both sorted by id
 * (`gsi1sk`, `gsi2sk`), the tenant percent-encoded (`tenantSegment`). Each item records
 * `owner {tenant, principal}`.
 *
 * Ownership: a registration's write is conditional on the id being free or the item's owner being
 * the caller (tenant and principal): another principal's instance is never taken over (409).
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
   * Registers an instance, or re-registers it (the heartbeat), in one UpdateItem conditional on
   * the id being free or `owner`'s, and on `expected`.
   *
   * @param instance - the registration; `status: 'unknown'` keeps the stored status (see the class)
   * @param owner - the caller (tenant and principal), recorded as the instance's owner
   * @param now - ISO 8601 time of the registration: `lastHeartbeatAt`, and `registeredAt` when new
   * @param expected - what must be stored for the write to happen (see ExpectedRevision)
   * @returns the instance as stored afterwards, and whether this registration created it
   * @throws {InstanceOwnedError} when another principal (of any tenant) registered the id
   * @throws {RevisionMismatchError} when `expected` does not hold
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example const { instance, created } = await registry.register(input, ownerOf(caller), clock.now().toISOString());
   */
  async register(
    instance: Registration,
    owner: Owner,
    now: string,
    expected: ExpectedRevision = UNCONDITIONAL,
  ): Promise<{ instance: ServiceInstance; created: boolean }> {
    const claimsStatus = instance.status !== 'unknown';
    const guard = registrationGuard(expected, owner);
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
              '#gsi1pk = :gsi1pk, #gsi1sk = :id, #gsi2pk = :gsi2pk, #gsi2sk = :id, #owner = :owner',
              // A re-registration states the formats anew: without them, the stored ones go.
              instance.supportedFormats ? ', #supportedFormats = :supportedFormats' : '',
              'ADD #revision :one',
              instance.supportedFormats ? '' : 'REMOVE #supportedFormats',
            ]
              .filter(Boolean)
              .join(' '),
            ConditionExpression: guard.expression,
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
              '#gsi2pk': 'gsi2pk',
              '#gsi2sk': 'gsi2sk',
              '#owner': 'owner',
              '#revision': 'revision',
              '#supportedFormats': 'supportedFormats',
              ...guard.names,
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
              ':gsi1pk': servicePk(owner.tenant, instance.name),
              ':gsi2pk': tenantPk(owner.tenant),
              ':owner': { tenant: owner.tenant, principal: owner.principal },
              ':id': instance.id,
              ':one': 1,
              ...(instance.supportedFormats && { ':supportedFormats': instance.supportedFormats }),
              ...guard.values,
            },
            ReturnValues: 'ALL_OLD',
          }),
        );
        return out.Attributes as InstanceItem | undefined;
      },
      () => this.refusal(instance.id, expected, owner),
    );
    // ALL_OLD tells whether the item existed; the new one follows from it and the expression above.
    const stored: ServiceInstance = {
      ...instance,
      owner: { tenant: owner.tenant, principal: owner.principal },
      status: claimsStatus ? instance.status : (old?.status ?? instance.status),
      revision: (old?.revision ?? 0) + 1,
      registeredAt: old?.registeredAt ?? now,
      lastHeartbeatAt: now,
      ...(old?.lastHealthCheck && { lastHealthCheck: old.lastHealthCheck }),
    };
    return { instance: stored, created: old === undefined };
  }

  /**
   * Why a registration's condition failed, read after the fact (the write already did not happen,
   * so nothing races): another principal's id → InstanceOwnedError, else the revision.
   */
  private async refusal(id: string, expected: ExpectedRevision, owner: Owner): Promise<never> {
    const stored = expected.kind === 'unconditional' ? undefined : await this.get(id);
    if (expected.kind === 'unconditional' || (stored && !isOwnedBy(stored.owner, owner))) {
      throw new InstanceOwnedError(id);
    }
    throw new RevisionMismatchError(`Precondition failed: ${describeMismatch(`the instance "${id}"`, expected)}`);
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
   * Every instance of one tenant's service in id order, reading every page of the `byName` index.
   * A global secondary index is eventually consistent: a registration may show up a moment later.
   *
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example const instances = await registry.listByName('acme', 'orders'); // [{ id: 'orders-1', … }, …]
   */
  async listByName(tenant: string, name: string): Promise<ServiceInstance[]> {
    return this.queryIndex(BY_NAME_INDEX, 'gsi1pk', servicePk(tenant, name));
  }

  /**
   * Every instance of one tenant in id order, reading every page of the `byTenant` index
   * (eventually consistent, as `listByName`).
   *
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example const mine = await registry.listByTenant(caller.tenant);
   */
  async listByTenant(tenant: string): Promise<ServiceInstance[]> {
    return this.queryIndex(BY_TENANT_INDEX, 'gsi2pk', tenantPk(tenant));
  }

  /**
   * One page of one tenant's instances (the `byTenant` index, id order), or with `name` of one of
   * its services (`byName`); the cursor is bound to that index partition.
   *
   * @throws {MalformedInputError} for a cursor not issued for this tenant's (service's) listing
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example const { items, nextCursor } = await registry.page('acme', { limit: 25 });
   */
  async page(tenant: string, page: PageRequest, name?: string): Promise<Page<ServiceInstance>> {
    const [indexName, keyName, sortName, key] =
      name === undefined
        ? [BY_TENANT_INDEX, 'gsi2pk', 'gsi2sk', tenantPk(tenant)]
        : [BY_NAME_INDEX, 'gsi1pk', 'gsi1sk', servicePk(tenant, name)];
    return queryPartitionPage(
      this.client,
      this.tableName,
      { indexName, keyName, key },
      ['pk', 'sk', keyName, sortName],
      { pk: INSTANCE_PARTITION, [keyName]: key },
      page,
      (item) => fromItem(item as InstanceItem),
    );
  }

  private async queryIndex(indexName: string, keyName: string, key: string): Promise<ServiceInstance[]> {
    const items: InstanceItem[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    await inTable(this.tableName, async () => {
      do {
        const out = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: indexName,
            KeyConditionExpression: '#key = :key',
            ExpressionAttributeNames: { '#key': keyName },
            ExpressionAttributeValues: { ':key': key },
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
   * Every instance of every tenant in id order (one strongly consistent Query, every page): the
   * health checks' view, which no caller's request reads.
   *
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example const all = await registry.list();
   */
  async list(): Promise<ServiceInstance[]> {
    const items = await queryPartition(this.client, this.tableName, INSTANCE_PARTITION);
    return items.map((item) => fromItem(item as InstanceItem));
  }

  /**
   * Removes an instance (DeleteItem with `ReturnValues: ALL_OLD`), in one write conditional on
   * `expected` and, with `by`, on its owner. Its circuit breaker, stored separately, is left to
   * expire from use.
   *
   * @param expected - what must be stored for the delete to happen; `must-not-exist` deletes
   *   nothing (false when nothing is registered, RevisionMismatchError when something is)
   * @param by - the caller's tenant, and principal unless it may remove any of the tenant's
   *   instances; omitted by the health checks, which may remove any instance
   * @returns true when one was registered (and `by`'s); false when none was, or another tenant's
   * @throws {InstanceOwnedError} when it is another principal's of `by.tenant`
   * @throws {RevisionMismatchError} when `expected` does not hold
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example if (!(await registry.deregister('orders-1', UNCONDITIONAL, { tenant: 'acme', principal: 'agent-1' }))) throw new NotFoundError('No instance orders-1');
   */
  async deregister(id: string, expected: ExpectedRevision = UNCONDITIONAL, by?: Deregistrant): Promise<boolean> {
    return (await this.remove(id, expected, by)) !== undefined;
  }

  /**
   * Removes an instance as `deregister` does, answering what was removed (DeleteItem's `ALL_OLD`),
   * so a caller can give back the quota slots of the instance's tenant and service.
   *
   * @returns the removed instance; undefined when none was registered, or another tenant's
   * @throws {InstanceOwnedError} when it is another principal's of `by.tenant`
   * @throws {RevisionMismatchError} when `expected` does not hold
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example const removed = await registry.remove('orders-1'); // { id: 'orders-1', name: 'orders', … }
   */
  async remove(
    id: string,
    expected: ExpectedRevision = UNCONDITIONAL,
    by?: Deregistrant,
  ): Promise<ServiceInstance | undefined> {
    if (expected.kind === 'must-not-exist') {
      const stored = await this.get(id);
      if (stored && (by === undefined || stored.owner?.tenant === by.tenant))
        throw new RevisionMismatchError(`Precondition failed: ${describeMismatch(`the instance "${id}"`, expected)}`);
      return undefined;
    }
    const match = deregistrationGuard(expected, by);
    return inTable(
      this.tableName,
      async () => {
        const out = await this.client.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: { pk: INSTANCE_PARTITION, sk: id },
            ...(match && {
              ConditionExpression: match.expression,
              ExpressionAttributeNames: match.names,
              ...(Object.keys(match.values).length > 0 && { ExpressionAttributeValues: match.values }),
            }),
            ReturnValues: 'ALL_OLD',
          }),
        );
        return out.Attributes ? fromItem(out.Attributes as InstanceItem) : undefined;
      },
      async () => {
        // The delete did not happen; reading now only decides which answer explains it.
        // Another tenant's instance answers exactly as a missing one.
        const stored = await this.get(id);
        const visible = stored !== undefined && (by === undefined || stored.owner?.tenant === by.tenant);
        if (!visible && expected.kind === 'unconditional') return undefined;
        if (visible && by?.principal !== undefined && stored.owner?.principal !== by.principal) {
          throw new InstanceOwnedError(id);
        }
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
  const { pk: _pk, sk, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, gsi2pk: _gsi2pk, gsi2sk: _gsi2sk, ...rest } = item;
  return { ...rest, id: sk };
}

const isOwnedBy = (stored: Owner | undefined, owner: Owner): boolean =>
  stored?.tenant === owner.tenant && stored.principal === owner.principal;

/** Both conditions of one write: `first AND second`, placeholders merged (they never clash). */
function both(first: Guard, second: Guard | undefined): Guard {
  if (!second) return first;
  return {
    expression: `(${first.expression}) AND (${second.expression})`,
    names: { ...first.names, ...second.names },
    values: { ...first.values, ...second.values },
  };
}

/** A registration's condition: the id is free or `owner`'s (tenant and principal), and `expected` holds. */
function registrationGuard(expected: ExpectedRevision, owner: Owner): Guard {
  return both(
    {
      expression:
        'attribute_not_exists(#pk) OR (#owner.#tenant = :ownerTenant AND #owner.#principal = :ownerPrincipal)',
      names: { '#pk': 'pk', '#owner': 'owner', '#tenant': 'tenant', '#principal': 'principal' },
      values: { ':ownerTenant': owner.tenant, ':ownerPrincipal': owner.principal },
    },
    revisionGuard(expected),
  );
}

/** A deregistration's condition: the instance is `by`'s (when given), and `expected` holds. */
function deregistrationGuard(expected: ExpectedRevision, by: Deregistrant | undefined): Guard | undefined {
  const revision = revisionGuard(expected);
  if (!by) return revision;
  const principal = by.principal !== undefined;
  return both(
    {
      expression: `#owner.#tenant = :ownerTenant${principal ? ' AND #owner.#principal = :ownerPrincipal' : ''}`,
      names: { '#owner': 'owner', '#tenant': 'tenant', ...(principal && { '#principal': 'principal' }) },
      values: { ':ownerTenant': by.tenant, ...(principal && { ':ownerPrincipal': by.principal }) },
    },
    revision,
  );
}
