import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  DEFAULT_DELIVERY_FORMAT,
  type Subscription,
  type SubscriptionKey,
  subscriptionKey,
} from '../../domain/events/subscription';
import type { SealedSecret } from '../../domain/events/webhook-secret';
import type { Page } from '../../ports/contract-repository';
import type { SubscriptionRepository } from '../../ports/subscriptions';
import { inTable } from './errors';
import { deleteExisting, type PageRequest, queryPartition, tablePartitionPage } from './partition';
import { tenantSegment } from './tenant-key';

const SUBSCRIPTION_PREFIX = 'SUBSCRIPTION#';
/** The partition of one tenant's subscriptions. */
const subscriptionsPk = (tenant: string) => `${SUBSCRIPTION_PREFIX}${tenantSegment(tenant)}`;
const keyOf = ({ tenant, id }: SubscriptionKey) => ({ pk: subscriptionsPk(tenant), sk: id });

/** A stored subscription: the Subscription without `filter`, which is kept as JSON text. */
type SubscriptionItem = Omit<Subscription, 'filter'> & {
  pk: string;
  sk: string;
  /* `deliveryFormat` is absent on items stored before delivery formats (read as JSON). */
  /**
   * The filter (an EventBridge event pattern) as JSON: patterns may nest deeper than DynamoDB's 32
   * levels of maps, and their keys are the subscriber's payload field names, any of which may be
   * one of DynamoDB's reserved words.
   */
  filterJson?: string;
};

/**
 * SubscriptionRepository on the delivery table (see `deliveryTable`): every subscription is one
 * item under `pk = SUBSCRIPTION#<tenant>, sk = <id>` (the owner's tenant percent-encoded,
 * `tenantSegment`), so a tenant's listing is one strongly consistent Query in id order that never
 * reads another tenant's items, and two tenants may use the same id. Creation is a conditional PutItem (one winner among racing creators), activation a
 * conditional UpdateItem that never re-creates a deleted subscription.
 *
 * @example new DynamoDbSubscriptionRepository(documentClient, 'aif-delivery')
 */
export class DynamoDbSubscriptionRepository implements SubscriptionRepository {
  /**
   * @param client - a document client built once per cold start (`removeUndefinedValues` on)
   * @param tableName - the physical name of the delivery table
   */
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Stores a subscription if its id is free in its owner's tenant (`attribute_not_exists(pk)`).
   *
   * @returns `{ created: true }`, or the subscription already stored under the id
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example const result = await repository.create(subscription); // { created: false, existing } on a repeat
   */
  async create(subscription: Subscription): Promise<{ created: true } | { created: false; existing: Subscription }> {
    return inTable(
      this.tableName,
      async () => {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: toItem(subscription),
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': 'pk' },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { created: true };
      },
      async (error) => {
        // The document client does not unmarshall the item attached to the exception; dynalite may not attach it.
        const old = (error as { Item?: Record<string, AttributeValue> }).Item;
        const existing = old?.sk
          ? fromItem(unmarshall(old) as SubscriptionItem)
          : await this.get(subscriptionKey(subscription));
        if (!existing) throw error;
        return { created: false, existing };
      },
    );
  }

  /**
   * Sets `status = active` (and `ruleArn` when given) on an existing subscription
   * (`attribute_exists(pk)`: an UpdateItem would otherwise create a fragment of a deleted one).
   *
   * @returns the subscription as stored afterwards, or undefined when there is none
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example await repository.activate({ tenant: 'acme', id: 'orders-sub' }, 'arn:aws:events:eu-west-1:123456789012:rule/aif-bus/aif-dev-sub-orders-sub-…')
   */
  async activate(key: SubscriptionKey, ruleArn?: string): Promise<Subscription | undefined> {
    return inTable(
      this.tableName,
      async () => {
        const out = await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keyOf(key),
            UpdateExpression:
              ruleArn === undefined ? 'SET #status = :active' : 'SET #status = :active, #ruleArn = :ruleArn',
            ConditionExpression: 'attribute_exists(#pk)',
            ExpressionAttributeNames: {
              '#pk': 'pk',
              '#status': 'status',
              ...(ruleArn !== undefined && { '#ruleArn': 'ruleArn' }),
            },
            ExpressionAttributeValues: { ':active': 'active', ...(ruleArn !== undefined && { ':ruleArn': ruleArn }) },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return out.Attributes ? fromItem(out.Attributes as SubscriptionItem) : undefined;
      },
      () => undefined,
    );
  }

  /**
   * Replaces `target.secrets` with one UpdateItem conditioned on the item existing and on its newest
   * sealed secret (`target.secrets[0].sealed`) still being `expectedNewest`: of two racing rotations
   * exactly one writes. A failed condition is told apart by one consistent read.
   *
   * @returns the subscription as stored afterwards, `changed` (another write came first) or `not-found`
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example await repository.replaceSecrets({ tenant: 'acme', id: 'orders-sub' }, read.target.secrets[0]?.sealed, next)
   */
  async replaceSecrets(
    key: SubscriptionKey,
    expectedNewest: string | undefined,
    secrets: SealedSecret[],
  ): Promise<Subscription | 'changed' | 'not-found'> {
    return inTable(
      this.tableName,
      async () => {
        const out = await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keyOf(key),
            // REMOVE: a plain `target.secret` of an item stored before secrets were sealed goes with the rotation.
            UpdateExpression: 'SET #target.#secrets = :secrets REMOVE #target.#legacySecret',
            ConditionExpression:
              expectedNewest === undefined
                ? 'attribute_exists(#pk) AND attribute_not_exists(#target.#secrets[0])'
                : 'attribute_exists(#pk) AND #target.#secrets[0].#sealed = :expected',
            ExpressionAttributeNames: {
              '#pk': 'pk',
              '#target': 'target',
              '#secrets': 'secrets',
              '#legacySecret': 'secret',
              ...(expectedNewest !== undefined && { '#sealed': 'sealed' }),
            },
            ExpressionAttributeValues: {
              ':secrets': secrets,
              ...(expectedNewest !== undefined && { ':expected': expectedNewest }),
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return fromItem(out.Attributes as SubscriptionItem);
      },
      async () => ((await this.get(key)) ? 'changed' : 'not-found'),
    );
  }

  /**
   * Reads one of a tenant's subscriptions, strongly consistent.
   *
   * @returns the subscription, or undefined when the tenant has none of that id
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example const subscription = await repository.get({ tenant: 'acme', id: 'orders-sub' });
   */
  async get(key: SubscriptionKey): Promise<Subscription | undefined> {
    return inTable(this.tableName, async () => {
      const out = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: keyOf(key),
          ConsistentRead: true,
        }),
      );
      return out.Item ? fromItem(out.Item as SubscriptionItem) : undefined;
    });
  }

  /**
   * Every subscription of a tenant in id order (the sort key's byte order), reading every page.
   *
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example const mine = await repository.list('acme'); // [{ id: 'a-sub', … }, { id: 'b-sub', … }]
   */
  async list(tenant: string): Promise<Subscription[]> {
    const items = await queryPartition(this.client, this.tableName, subscriptionsPk(tenant));
    return items.map((item) => fromItem(item as SubscriptionItem));
  }

  /**
   * One page of a tenant's subscriptions in id order; the cursor is bound to the tenant's partition.
   *
   * @throws {MalformedInputError} for a cursor not issued for this tenant's subscriptions
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example const { items, nextCursor } = await repository.page('acme', { limit: 25 });
   */
  async page(tenant: string, page: PageRequest): Promise<Page<Subscription>> {
    return tablePartitionPage(this.client, this.tableName, subscriptionsPk(tenant), page, (item) =>
      fromItem(item as SubscriptionItem),
    );
  }

  /**
   * Every subscription of every tenant: a Scan of the table filtered to subscription items, for the
   * local runner to rebuild its in-process rules at start-up (never on a request path).
   *
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example for (const subscription of await repository.listAll()) await rules.put(subscription);
   */
  async listAll(): Promise<Subscription[]> {
    const found: Subscription[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const out = await inTable(this.tableName, () =>
        this.client.send(
          new ScanCommand({
            TableName: this.tableName,
            FilterExpression: 'begins_with(#pk, :prefix)',
            ExpressionAttributeNames: { '#pk': 'pk' },
            ExpressionAttributeValues: { ':prefix': SUBSCRIPTION_PREFIX },
            ConsistentRead: true,
            ExclusiveStartKey: exclusiveStartKey,
          }),
        ),
      );
      for (const item of out.Items ?? []) found.push(fromItem(item as SubscriptionItem));
      exclusiveStartKey = out.LastEvaluatedKey;
    } while (exclusiveStartKey);
    return found;
  }

  /**
   * Removes a subscription (DeleteItem with `ReturnValues: ALL_OLD`).
   *
   * @returns true when there was one
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example if (!(await repository.delete({ tenant: 'acme', id: 'orders-sub' }))) throw new NotFoundError('No subscription orders-sub');
   */
  async delete(key: SubscriptionKey): Promise<boolean> {
    return deleteExisting(this.client, this.tableName, keyOf(key));
  }
}

function toItem(subscription: Subscription): SubscriptionItem {
  const { filter, ...rest } = subscription;
  return {
    ...rest,
    ...keyOf(subscriptionKey(subscription)),
    ...(filter !== undefined && { filterJson: JSON.stringify(filter) }),
  };
}

function fromItem(item: SubscriptionItem): Subscription {
  const { pk: _pk, sk: _sk, filterJson, target, ...rest } = item;
  // An item stored before secrets were sealed holds `target.secret` in plain text and no `secrets`:
  // the plain value is never read back (it signs nothing and is shown nowhere); rotating seals a new one.
  const { type, url, secrets } = target as Partial<Subscription['target']> &
    Pick<Subscription['target'], 'type' | 'url'>;
  return {
    ...rest,
    // Stored before delivery formats: delivered as JSON, as it always was.
    deliveryFormat: rest.deliveryFormat ?? DEFAULT_DELIVERY_FORMAT,
    target: { type, url, secrets: secrets ?? [] },
    ...(filterJson !== undefined && { filter: JSON.parse(filterJson) as Record<string, unknown> }),
  };
}
