import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type {
  TransformerSummary,
  TransformerVersion,
  TransformerVersionHeader,
} from '../../domain/transformers/transformer';
import { sideKey } from '../../domain/transformers/transformer';
import type { Page } from '../../ports/contract-repository';
import type { TransformerRepository } from '../../ports/transformer-repository';
import { inTable } from './errors';
import { putIfAbsent, querySummaries } from './partition';
import { tenantSegment } from './tenant-key';

// Transformers share the contracts table (same key schema and `byKind` index) under prefixes no
// contract item uses. Names cannot hold `#` (CONTRACT_NAME_PATTERN) and tenant segments are
// percent-encoded, so `TRANSFORMER#<tenant>#<name>` names exactly one tenant's name.
const pk = (tenant: string, name: string) => `TRANSFORMER#${tenantSegment(tenant)}#${name}`;
const versionSk = (version: string) => `VERSION#${version}`;
const META_SK = 'META';
/** The `byKind` partition of one tenant's transformer summaries. */
const summaryPartition = (tenant: string) => `TRANSFORMERS#${tenantSegment(tenant)}`;
/** The `byKind` partition of one tenant's transformers between two sides (side keys percent-encoded: media types may hold `#`). */
const pathPartition = (tenant: string, fromKey: string, toKey: string) =>
  `TRANSFORMER-PATH#${tenantSegment(tenant)}#${encodeURIComponent(fromKey)}#${encodeURIComponent(toKey)}`;

const HEADER_ATTRIBUTES = [
  'name',
  'version',
  'description',
  'from',
  'to',
  'contentHash',
  'createdAt',
  'owner',
] as const;

/**
 * TransformerRepository on the contracts table (`contractsTable`): versions under
 * `pk = TRANSFORMER#<tenant>#<name>, sk = VERSION#<version>` (the document as JSON in `document`, the
 * header fields as attributes of their own), one summary per tenant and name under `sk = META`
 * (listed through `byKind`, `gsi1pk = TRANSFORMERS#<tenant>`). A version with both sides is also
 * indexed by them (`gsi1pk = TRANSFORMER-PATH#<tenant>#<from>#<to>`, `gsi1sk = <name>#<version>`), which
 * is how a direct path is found without a second item to keep in step.
 *
 * @example new DynamoDbTransformerRepository(documentClient, 'aif-contracts')
 */
export class DynamoDbTransformerRepository implements TransformerRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putVersion(
    version: TransformerVersion,
  ): Promise<{ created: true } | { created: false; existing: TransformerVersion }> {
    const tenant = version.owner.tenant;
    const item = {
      pk: pk(tenant, version.name),
      sk: versionSk(version.version),
      ...Object.fromEntries(
        HEADER_ATTRIBUTES.flatMap((key) => (version[key] === undefined ? [] : [[key, version[key]]])),
      ),
      owner: { tenant, principal: version.owner.principal },
      document: JSON.stringify(version),
      ...(version.from &&
        version.to && {
          gsi1pk: pathPartition(tenant, sideKey(version.from), sideKey(version.to)),
          gsi1sk: `${version.name}#${version.version}`,
        }),
    };
    const stored = await putIfAbsent(this.client, this.tableName, item, versionOf, () =>
      this.getVersion(tenant, version.name, version.version),
    );
    // Also after losing the race: the summary of a stored version is repaired by re-registering it.
    await this.recordVersion(tenant, version.name, version.version, new Date(version.createdAt));
    return stored;
  }

  async getVersion(tenant: string, name: string, version: string): Promise<TransformerVersion | undefined> {
    return inTable(this.tableName, async () => {
      const out = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: pk(tenant, name), sk: versionSk(version) },
          ConsistentRead: true,
        }),
      );
      return out.Item ? versionOf(out.Item) : undefined;
    });
  }

  async listVersionHeaders(tenant: string, name: string): Promise<TransformerVersionHeader[]> {
    return (await this.queryAll({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ProjectionExpression: HEADER_ATTRIBUTES.map((key) => `#${key}`).join(', '),
      ExpressionAttributeNames: {
        '#pk': 'pk',
        '#sk': 'sk',
        ...Object.fromEntries(HEADER_ATTRIBUTES.map((key) => [`#${key}`, key])),
      },
      ExpressionAttributeValues: { ':pk': pk(tenant, name), ':prefix': 'VERSION#' },
      ConsistentRead: true,
    })) as TransformerVersionHeader[];
  }

  async findByPath(tenant: string, fromKey: string, toKey: string): Promise<TransformerVersionHeader[]> {
    const items = await this.queryAll({
      IndexName: 'byKind',
      KeyConditionExpression: '#gsi1pk = :path',
      ExpressionAttributeNames: { '#gsi1pk': 'gsi1pk' },
      ExpressionAttributeValues: { ':path': pathPartition(tenant, fromKey, toKey) },
    });
    return items.map(
      (item) =>
        Object.fromEntries(
          HEADER_ATTRIBUTES.flatMap((key) => (key in item ? [[key, item[key]]] : [])),
        ) as TransformerVersionHeader,
    );
  }

  async listSummaries(tenant: string, limit: number, cursor?: string): Promise<Page<TransformerSummary>> {
    const summaries = {
      partition: summaryPartition(tenant),
      metaSk: META_SK,
      pkOf: (name: string) => pk(tenant, name),
    };
    return querySummaries(this.client, this.tableName, summaries, limit, cursor, (item) => ({
      name: item.name as string,
      versionCount: item.versions instanceof Set ? item.versions.size : 0,
      updatedAt: item.updatedAt as string,
    }));
  }

  async deleteVersions(tenant: string, name: string, version?: string): Promise<string[]> {
    const versions =
      version !== undefined ? [version] : (await this.listVersionHeaders(tenant, name)).map((h) => h.version);
    const deleted: string[] = [];
    for (const each of versions) {
      if (await this.deleteVersion(tenant, name, each)) deleted.push(each);
    }
    if (deleted.length > 0) await this.forgetVersions(tenant, name, deleted);
    return deleted;
  }

  private async deleteVersion(tenant: string, name: string, version: string): Promise<boolean> {
    return inTable(
      this.tableName,
      async () => {
        await this.client.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: { pk: pk(tenant, name), sk: versionSk(version) },
            ConditionExpression: 'attribute_exists(#pk)',
            ExpressionAttributeNames: { '#pk': 'pk' },
          }),
        );
        return true;
      },
      () => false,
    );
  }

  private async recordVersion(tenant: string, name: string, version: string, at: Date): Promise<void> {
    await inTable(this.tableName, async () => {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: pk(tenant, name), sk: META_SK },
          UpdateExpression:
            'SET #name = :name, #updatedAt = :at, #gsi1pk = :kind, #gsi1sk = :name ADD #versions :version',
          ExpressionAttributeNames: {
            '#name': 'name',
            '#updatedAt': 'updatedAt',
            '#gsi1pk': 'gsi1pk',
            '#gsi1sk': 'gsi1sk',
            '#versions': 'versions',
          },
          ExpressionAttributeValues: {
            ':name': name,
            ':at': at.toISOString(),
            ':kind': summaryPartition(tenant),
            ':version': new Set([version]),
          },
        }),
      );
    });
  }

  /**
   * Takes deleted versions off the summary, and removes the summary once its set is empty — on the
   * condition that it still is, so a version registered meanwhile (its ADD) keeps the summary alive.
   */
  private async forgetVersions(tenant: string, name: string, versions: string[]): Promise<void> {
    const key = { pk: pk(tenant, name), sk: META_SK };
    const out = await inTable(this.tableName, () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'DELETE #versions :versions',
          ExpressionAttributeNames: { '#versions': 'versions' },
          ExpressionAttributeValues: { ':versions': new Set(versions) },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    if (out.Attributes?.versions instanceof Set && out.Attributes.versions.size > 0) return;
    await inTable(
      this.tableName,
      () =>
        this.client.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: key,
            ConditionExpression: 'attribute_not_exists(#versions)',
            ExpressionAttributeNames: { '#versions': 'versions' },
          }),
        ),
      () => undefined,
    );
  }

  private async queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    await inTable(this.tableName, async () => {
      do {
        const out = await this.client.send(
          new QueryCommand({ ...input, TableName: this.tableName, ExclusiveStartKey: exclusiveStartKey }),
        );
        items.push(...(out.Items ?? []));
        exclusiveStartKey = out.LastEvaluatedKey;
      } while (exclusiveStartKey);
    });
    return items;
  }
}

const versionOf = (item: Record<string, unknown>): TransformerVersion =>
  JSON.parse(item.document as string) as TransformerVersion;
