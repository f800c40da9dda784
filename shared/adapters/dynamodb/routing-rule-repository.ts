import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { RoutingRule } from '../../domain/mesh/routing-rule';
import type { RoutingRuleRepository } from '../../ports/service-mesh';
import { inTable } from './errors';
import { deleteExisting, queryPartition } from './partition';

const RULE_PARTITION = 'RULE';

/**
 * A stored rule: its scalar fields as attributes, its structured ones as JSON text. `match` and
 * `headersToAdd` are keyed by header names — the caller's words, any of which may be one of
 * DynamoDB's reserved words — and nothing in DynamoDB reads into them: the router takes the whole
 * rule. JSON keeps them exactly as validated (empty maps, key order) and out of every expression.
 */
type RuleItem = Omit<RoutingRule, 'id' | 'match' | 'splits' | 'headersToAdd'> & {
  pk: string;
  sk: string;
  matchJson: string;
  splitsJson?: string;
  headersToAddJson: string;
};

/**
 * RoutingRuleRepository on the mesh table (see `meshTable`): every rule is one item under
 * `pk = RULE, sk = <id>`, so listing is one strongly consistent Query in id order (choosing by
 * `priority` is the router's). A put replaces the whole rule: rules are small and written whole
 * by their API, so there is no partial update to merge.
 *
 * @example new DynamoDbRoutingRuleRepository(documentClient, 'aif-mesh')
 */
export class DynamoDbRoutingRuleRepository implements RoutingRuleRepository {
  /**
   * @param client - a document client built once per cold start (`removeUndefinedValues` on)
   * @param tableName - the physical name of the mesh table
   */
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Stores a rule, replacing any rule with its id (PutItem with `ReturnValues: ALL_OLD`).
   *
   * @returns `created: true` when no rule was stored under the id
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example const { created } = await rules.put(RoutingRuleSchema.parse(body));
   */
  async put(rule: RoutingRule): Promise<{ created: boolean }> {
    return inTable(this.tableName, async () => {
      const out = await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: toItem(rule), ReturnValues: 'ALL_OLD' }),
      );
      return { created: out.Attributes === undefined };
    });
  }

  /**
   * Reads one rule, strongly consistent.
   *
   * @returns the rule, or undefined when there is none
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example const rule = await rules.get('orders-canary');
   */
  async get(id: string): Promise<RoutingRule | undefined> {
    return inTable(this.tableName, async () => {
      const out = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: RULE_PARTITION, sk: id }, ConsistentRead: true }),
      );
      return out.Item ? fromItem(out.Item as RuleItem) : undefined;
    });
  }

  /**
   * Every rule in id order, reading every page.
   *
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example const all = await rules.list(); // [{ id: 'a-rule', … }, { id: 'b-rule', … }]
   */
  async list(): Promise<RoutingRule[]> {
    const items = await queryPartition(this.client, this.tableName, RULE_PARTITION);
    return items.map((item) => fromItem(item as RuleItem));
  }

  /**
   * Removes a rule (DeleteItem with `ReturnValues: ALL_OLD`).
   *
   * @returns true when there was one
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example if (!(await rules.delete('orders-canary'))) throw new NotFoundError('No rule orders-canary');
   */
  async delete(id: string): Promise<boolean> {
    return deleteExisting(this.client, this.tableName, { pk: RULE_PARTITION, sk: id });
  }
}

function toItem(rule: RoutingRule): RuleItem {
  const { id, match, splits, headersToAdd, ...rest } = rule;
  return {
    ...rest,
    pk: RULE_PARTITION,
    sk: id,
    matchJson: JSON.stringify(match),
    ...(splits !== undefined && { splitsJson: JSON.stringify(splits) }),
    headersToAddJson: JSON.stringify(headersToAdd),
  };
}

function fromItem(item: RuleItem): RoutingRule {
  const { pk: _pk, sk, matchJson, splitsJson, headersToAddJson, ...rest } = item;
  return {
    ...rest,
    id: sk,
    match: JSON.parse(matchJson) as RoutingRule['match'],
    ...(splitsJson !== undefined && { splits: JSON.parse(splitsJson) as NonNullable<RoutingRule['splits']> }),
    headersToAdd: JSON.parse(headersToAddJson) as RoutingRule['headersToAdd'],
  };
}
