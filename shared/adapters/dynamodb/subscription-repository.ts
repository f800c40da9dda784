import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Subscription } from '../../domain/events/subscription';
import type { SubscriptionRepository } from '../../ports/subscriptions';
import { inTable } from './errors';
import { deleteExisting, queryPartition } from './partition';

const SUBSCRIPTION_PARTITION = 'SUBSCRIPTION';

/** A stored subscription: the Subscription without `filter`, which is kept as JSON text. */
type SubscriptionItem = Omit<Subscription, 'filter'> & {
  pk: string;
  sk: string;
  /**
   * The filter (an EventBridge event pattern) as JSON: patterns may nest deeper than DynamoDB's 32
   * levels of maps, and their keys are the subscriber's payload field names, any of which may be
   * one of DynamoDB's reserved words.
   */
  filterJson?: string;
};

/**
 * SubscriptionRepository on the delivery table (see `deliveryTable`): every subscription is one
 * item under `pk = SUBSCRIPTION, sk = <id>`, so listing is one strongly consistent Query in id
 * order. Creation is a conditional PutItem (one winner among racing creators), activation a
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
   * Stores a subscription if its id is free (`attribute_not_exists(pk)`).
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
        const existing = old?.sk ? fromItem(unmarshall(old) as SubscriptionItem) : await this.get(subscription.id);
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
   * @example await repository.activate('orders-sub', 'arn:aws:events:eu-west-1:123456789012:rule/aif-bus/aif-dev-sub-orders-sub')
   */
  async activate(id: string, ruleArn?: string): Promise<Subscription | undefined> {
    return inTable(
      this.tableName,
      async () => {
        const out = await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: SUBSCRIPTION_PARTITION, sk: id },
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
   * Reads one subscription, strongly consistent.
   *
   * @returns the subscription, or undefined when there is none
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example const subscription = await repository.get('orders-sub');
   */
  async get(id: string): Promise<Subscription | undefined> {
    return inTable(this.tableName, async () => {
      const out = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: SUBSCRIPTION_PARTITION, sk: id },
          ConsistentRead: true,
        }),
      );
      return out.Item ? fromItem(out.Item as SubscriptionItem) : undefined;
    });
  }

  /**
   * Every subscription in id order (the sort key's byte order), reading every page.
   *
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example const all = await repository.list(); // [{ id: 'a-sub', … }, { id: 'b-sub', … }]
   */
  async list(): Promise<Subscription[]> {
    const items = await queryPartition(this.client, this.tableName, SUBSCRIPTION_PARTITION);
    return items.map((item) => fromItem(item as SubscriptionItem));
  }

  /**
   * Removes a subscription (DeleteItem with `ReturnValues: ALL_OLD`).
   *
   * @returns true when there was one
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example if (!(await repository.delete('orders-sub'))) throw new NotFoundError('No subscription orders-sub');
   */
  async delete(id: string): Promise<boolean> {
    return deleteExisting(this.client, this.tableName, { pk: SUBSCRIPTION_PARTITION, sk: id });
  }
}

function toItem(subscription: Subscription): SubscriptionItem {
  const { filter, ...rest } = subscription;
  return {
    ...rest,
    pk: SUBSCRIPTION_PARTITION,
    sk: subscription.id,
    ...(filter !== undefined && { filterJson: JSON.stringify(filter) }),
  };
}

function fromItem(item: SubscriptionItem): Subscription {
  const { pk: _pk, sk: _sk, filterJson, ...rest } = item;
  return {
    ...rest,
    ...(filterJson !== undefined && { filter: JSON.parse(filterJson) as Record<string, unknown> }),
  };
}
