import { type DynamoDBDocumentClient, GetCommand, PutCommand, type PutCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Owner } from '../../domain/auth/owner';
import type { BreakerConfig, BreakerState } from '../../domain/mesh/circuit-breaker';
import type { Page } from '../../ports/contract-repository';
import type { BreakerConfigRepository, BreakerStore, StoredBreakerConfig } from '../../ports/service-mesh';
import { inTable } from './errors';
import { type PageRequest, queryPartition, tablePartitionPage } from './partition';
import { tenantSegment } from './tenant-key';

/** The partition of one tenant's breakers. */
const breakerPartition = (tenant: string) => `BREAKER#${tenantSegment(tenant)}`;
/** The partition of one tenant's per-service breaker settings. */
const configPartition = (tenant: string) => `BREAKER_CONFIG#${tenantSegment(tenant)}`;

/** A stored breaker: the BreakerState as it is (`permits` a map), keyed by its instance id. */
type BreakerItem = Omit<BreakerState, 'instanceId'> & { pk: string; sk: string };

/**
 * BreakerStore on the mesh table (see `meshTable`): one item per instance under
 * `pk = BREAKER#<tenant>, sk = <instanceId>` (the tenant of the instance's service,
 * percent-encoded), shared by every Lambda instance that calls it. Every write is
 * a whole-item PutItem conditional on the version read (`attribute_not_exists(pk)` for the first
 * write, `version = :expected` after): of writers that read the same version exactly one wins, the
 * others are told `false` and must re-read and recompute — a transition is never lost or applied twice.
 *
 * @example new DynamoDbBreakerStore(documentClient, 'aif-mesh')
 */
export class DynamoDbBreakerStore implements BreakerStore, BreakerConfigRepository {
  /**
   * @param client - a document client built once per cold start (`removeUndefinedValues` on)
   * @param tableName - the physical name of the mesh table
   */
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * The tenant's settings for a service, strongly consistent. Per-service settings live beside the
   * breakers: `pk = BREAKER_CONFIG#<tenant>, sk = <service>`, with `config` and `owner`.
   *
   * @returns the settings and who stored them, or undefined when the tenant stored none
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   */
  async getConfig(tenant: string, service: string): Promise<StoredBreakerConfig | undefined> {
    return inTable(this.tableName, async () => {
      const out = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: configPartition(tenant), sk: service },
          ConsistentRead: true,
        }),
      );
      if (out.Item?.config === undefined) return undefined;
      return { config: out.Item.config as BreakerConfig, owner: out.Item.owner as Owner };
    });
  }

  /**
   * Stores (replaces) `owner.tenant`'s settings for a service in one PutItem.
   *
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   */
  async putConfig(service: string, config: BreakerConfig, owner: Owner): Promise<void> {
    await inTable(this.tableName, async () => {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: configPartition(owner.tenant),
            sk: service,
            config,
            owner: { tenant: owner.tenant, principal: owner.principal },
          },
        }),
      );
    });
  }

  /**
   * Reads one breaker, strongly consistent (a compare-and-set must start from the latest version).
   *
   * @returns the state, or undefined when none was ever written (a closed breaker: `initialBreakerState`)
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example const state = (await breakers.get('acme', 'orders-1')) ?? initialBreakerState('orders-1');
   */
  async get(tenant: string, instanceId: string): Promise<BreakerState | undefined> {
    return inTable(this.tableName, async () => {
      const out = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: breakerPartition(tenant), sk: instanceId },
          ConsistentRead: true,
        }),
      );
      return out.Item ? fromItem(out.Item as BreakerItem) : undefined;
    });
  }

  /**
   * Writes `next` whole if the stored version is still `expectedVersion` (0: nothing stored yet).
   *
   * @param tenant - the tenant of the instance's service
   * @param next - the new state; its `version` must be greater than `expectedVersion` (the domain's
   *   transitions add 1), or a reader of the old version could match a second time
   * @param expectedVersion - the version the caller read
   * @returns true when written; false when another writer got there first (re-read and recompute)
   * @throws {RangeError} when `next.version` does not move past `expectedVersion`
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example if (!(await breakers.compareAndSet('acme', recordFailure(state, config, now), state.version))) retry();
   */
  async compareAndSet(tenant: string, next: BreakerState, expectedVersion: number): Promise<boolean> {
    if (next.version <= expectedVersion) {
      throw new RangeError(`breaker version must move past ${expectedVersion}, got ${next.version}`);
    }
    const condition: Pick<
      PutCommandInput,
      'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    > =
      expectedVersion === 0
        ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': 'pk' } }
        : {
            ConditionExpression: '#version = :expected',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':expected': expectedVersion },
          };
    return inTable(
      this.tableName,
      async () => {
        await this.client.send(new PutCommand({ TableName: this.tableName, Item: toItem(tenant, next), ...condition }));
        return true;
      },
      () => false,
    );
  }

  /**
   * Every stored breaker of the tenant in instance-id order, reading every page.
   *
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example const open = (await breakers.list('acme')).filter((b) => b.state === 'open');
   */
  async list(tenant: string): Promise<BreakerState[]> {
    const items = await queryPartition(this.client, this.tableName, breakerPartition(tenant));
    return items.map((item) => fromItem(item as BreakerItem));
  }

  /**
   * One page of the tenant's breakers in instance-id order; the cursor is bound to the tenant's partition.
   *
   * @throws {MalformedInputError} for a cursor not issued for this tenant's breakers
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example const { items, nextCursor } = await breakers.page('acme', { limit: 25 });
   */
  async page(tenant: string, page: PageRequest): Promise<Page<BreakerState>> {
    return tablePartitionPage(this.client, this.tableName, breakerPartition(tenant), page, (item) =>
      fromItem(item as BreakerItem),
    );
  }
}

function toItem(tenant: string, state: BreakerState): BreakerItem {
  const { instanceId, ...rest } = state;
  return { ...rest, pk: breakerPartition(tenant), sk: instanceId };
}

function fromItem(item: BreakerItem): BreakerState {
  const { pk: _pk, sk, ...rest } = item;
  return { ...rest, instanceId: sk, permits: rest.permits ?? {} };
}
