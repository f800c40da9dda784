import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Owner } from '../../domain/auth/owner';
import type { RoutingRule } from '../../domain/mesh/routing-rule';
import type { Page } from '../../ports/contract-repository';
import type { RoutingRuleRepository, StoredRoutingRule } from '../../ports/service-mesh';
import { inTable } from './errors';
import { deleteExisting, type PageRequest, queryPartition, tablePartitionPage } from './partition';
import { tenantSegment } from './tenant-key';

/** The partition of one tenant's rules. */
const rulePartition = (tenant: string) => `RULE#${tenantSegment(tenant)}`;

/**
 * A stored rule: its scalar fields as attributes, its structured ones as JSON text. `match` and
 * `headersToAdd` are keyed by header names — the caller's words, any of which may be one of
 * DynamoDB's reserved words — and nothing in DynamoDB reads into them: the router takes the whole
 * rule. JSON keeps them exactly as validated (empty maps, key order) and out of every expression.
 */
type RuleItem = Omit<StoredRoutingRule, 'id' | 'match' | 'splits' | 'headersToAdd'> & {
  pk: string;
  sk: string;
  matchJson: string;
  splitsJson?: string;
  headersToAddJson: string;
};

/**
 * RoutingRuleRepository on the mesh table (see `meshTable`): every rule is one item under
 * `pk = RULE#<tenant>, sk = <id>` (the tenant percent-encoded: `tenantSegment`), recording
 * `owner {tenant, principal}`, so rule ids are a namespace per tenant, another tenant's rule is
 * simply not there, and a tenant's list is one strongly consistent Query in id order (choosing by
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
   * Stores `owner.tenant`'s rule, replacing any of its rules with the id (PutItem with
   * `ReturnValues: ALL_OLD`).
   *
   * @param owner - the caller (tenant and principal), recorded as the rule's owner
   * @returns `created: true` when the tenant had no rule under the id
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example const { created } = await rules.put(RoutingRuleSchema.parse(body), ownerOf(caller));
   */
  async put(rule: RoutingRule, owner: Owner): Promise<{ created: boolean }> {
    return inTable(this.tableName, async () => {
      const out = await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: toItem(rule, owner), ReturnValues: 'ALL_OLD' }),
      );
      return { created: out.Attributes === undefined };
    });
  }

  /**
   * Replaces `owner.tenant`'s rule with the rule's id, only if one is stored (PutItem conditional
   * on `attribute_exists(pk)`): a replacement takes no routing-rule quota slot, so it must never
   * create a rule.
   *
   * @returns false when the tenant has no rule under the id (nothing written)
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example if (!(await rules.replace(rule, ownerOf(caller)))) await rules.put(rule, ownerOf(caller));
   */
  async replace(rule: RoutingRule, owner: Owner): Promise<boolean> {
    return inTable(
      this.tableName,
      async () => {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: toItem(rule, owner),
            ConditionExpression: 'attribute_exists(#pk)',
            ExpressionAttributeNames: { '#pk': 'pk' },
          }),
        );
        return true;
      },
      () => false,
    );
  }

  /**
   * Reads one of the tenant's rules, strongly consistent.
   *
   * @returns the rule, or undefined when the tenant has none under the id
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example const rule = await rules.get('acme', 'orders-canary');
   */
  async get(tenant: string, id: string): Promise<StoredRoutingRule | undefined> {
    return inTable(this.tableName, async () => {
      const out = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: rulePartition(tenant), sk: id }, ConsistentRead: true }),
      );
      return out.Item ? fromItem(out.Item as RuleItem) : undefined;
    });
  }

  /**
   * Every rule of the tenant in id order, reading every page.
   *
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example const all = await rules.list('acme'); // [{ id: 'a-rule', … }, { id: 'b-rule', … }]
   */
  async list(tenant: string): Promise<StoredRoutingRule[]> {
    const items = await queryPartition(this.client, this.tableName, rulePartition(tenant));
    return items.map((item) => fromItem(item as RuleItem));
  }

  /**
   * One page of the tenant's rules in id order; the cursor is bound to the tenant's partition.
   *
   * @throws {MalformedInputError} for a cursor not issued for this tenant's rules
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example const { items, nextCursor } = await rules.page('acme', { limit: 25 });
   */
  async page(tenant: string, page: PageRequest): Promise<Page<StoredRoutingRule>> {
    return tablePartitionPage(this.client, this.tableName, rulePartition(tenant), page, (item) =>
      fromItem(item as RuleItem),
    );
  }

  /**
   * Removes one of the tenant's rules (DeleteItem with `ReturnValues: ALL_OLD`).
   *
   * @returns true when the tenant had one under the id
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example if (!(await rules.delete('acme', 'orders-canary'))) throw new NotFoundError('No rule orders-canary');
   */
  async delete(tenant: string, id: string): Promise<boolean> {
    return deleteExisting(this.client, this.tableName, { pk: rulePartition(tenant), sk: id });
  }
}

function toItem(rule: RoutingRule, owner: Owner): RuleItem {
  const { id, match, splits, headersToAdd, ...rest } = rule;
  return {
    ...rest,
    owner: { tenant: owner.tenant, principal: owner.principal },
    pk: rulePartition(owner.tenant),
    sk: id,
    matchJson: JSON.stringify(match),
    ...(splits !== undefined && { splitsJson: JSON.stringify(splits) }),
    headersToAddJson: JSON.stringify(headersToAdd),
  };
}

function fromItem(item: RuleItem): StoredRoutingRule {
  const { pk: _pk, sk, matchJson, splitsJson, headersToAddJson, ...rest } = item;
  return {
    ...rest,
    id: sk,
    match: JSON.parse(matchJson) as RoutingRule['match'],
    ...(splitsJson !== undefined && { splits: JSON.parse(splitsJson) as NonNullable<RoutingRule['splits']> }),
    headersToAdd: JSON.parse(headersToAddJson) as RoutingRule['headersToAdd'],
  };
}
