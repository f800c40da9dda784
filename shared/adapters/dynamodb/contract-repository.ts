import { gunzipSync, gzipSync } from 'node:zlib';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { CompatibilityMode, ContractSummary, ContractVersion } from '../../domain/contracts/contract';
import { InputTooLargeError } from '../../domain/errors';
import type { ContractRepository, ContractVersionHeader, Page } from '../../ports/contract-repository';
import { decodeCursor } from './cursor';
import { inTable } from './errors';
import { queryPage } from './partition';

/** DynamoDB's item size limit is 400 KB including attribute names (DynamoDB quotas). */
const MAX_ITEM_BYTES = 400 * 1024;
/** Room kept for the item's other attributes. */
const ITEM_OVERHEAD_BYTES = 4 * 1024;

const pk = (name: string) => `CONTRACT#${name}`;
const versionSk = (version: string) => `VERSION#${version}`;
const META_SK = 'META';
const SUMMARY_PARTITION = 'CONTRACTS';

type VersionItem = {
  pk: string;
  sk: string;
  name: string;
  version: string;
  contentHash: string;
  createdAt: string;
  deprecated: boolean;
  deprecatedAt?: string;
  /** The whole ContractVersion as gzip-compressed JSON: keeps large documents under the item limit and
   * avoids DynamoDB's 32-level nesting limit on maps, which deep JSON Schemas exceed. */
  document: Uint8Array;
};

/**
 * ContractRepository on one DynamoDB table (see `contractsTable`), through the lib-dynamodb
 * document client. Every expression uses `#name` placeholders so reserved words (`name`,
 * `status`, `ttl`…) never break a request.
 *
 * @example new DynamoDbContractRepository(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'aif-contracts')
 */
export class DynamoDbContractRepository implements ContractRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putVersion(
    version: ContractVersion,
  ): Promise<{ created: true } | { created: false; existing: ContractVersion }> {
    const document = gzipSync(JSON.stringify(version));
    if (document.byteLength > MAX_ITEM_BYTES - ITEM_OVERHEAD_BYTES) {
      throw new InputTooLargeError(
        `The contract is ${document.byteLength} bytes after compression; DynamoDB items are limited to 400 KB`,
        [{ pointer: '/body', message: 'split the contract or remove unused schemas' }],
      );
    }
    const item: VersionItem = {
      pk: pk(version.name),
      sk: versionSk(version.version),
      name: version.name,
      version: version.version,
      contentHash: version.contentHash,
      createdAt: version.createdAt,
      deprecated: version.deprecated,
      document,
    };
    return inTable(
      this.tableName,
      async () => {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: item,
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': 'pk' },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { created: true };
      },
      async (error) => {
        // The document client does not unmarshall the item that ReturnValuesOnConditionCheckFailure
        // attaches to the exception; DynamoDB Local and dynalite may not attach it at all.
        const old = (error as { Item?: Record<string, AttributeValue> }).Item;
        const existing = old?.document
          ? fromItem(unmarshall(old))
          : await this.getVersion(version.name, version.version);
        if (!existing) throw error;
        return { created: false, existing };
      },
    );
  }

  async getVersion(name: string, version: string): Promise<ContractVersion | undefined> {
    return inTable(this.tableName, async () => {
      const out = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: pk(name), sk: versionSk(version) },
          ConsistentRead: true,
        }),
      );
      return out.Item ? fromItem(out.Item) : undefined;
    });
  }

  async listVersionHeaders(name: string): Promise<ContractVersionHeader[]> {
    const items = await this.queryAll({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ProjectionExpression: '#name, #version, #deprecated, #createdAt, #contentHash',
      ExpressionAttributeNames: {
        '#pk': 'pk',
        '#sk': 'sk',
        '#name': 'name',
        '#version': 'version',
        '#deprecated': 'deprecated',
        '#createdAt': 'createdAt',
        '#contentHash': 'contentHash',
      },
      ExpressionAttributeValues: { ':pk': pk(name), ':prefix': 'VERSION#' },
    });
    return items as ContractVersionHeader[];
  }

  async deprecateVersion(name: string, version: string, at: Date): Promise<ContractVersion | undefined> {
    return inTable(
      this.tableName,
      async () => {
        const out = await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: pk(name), sk: versionSk(version) },
            UpdateExpression: 'SET #deprecated = :true, #deprecatedAt = if_not_exists(#deprecatedAt, :at)',
            ConditionExpression: 'attribute_exists(#pk)',
            ExpressionAttributeNames: { '#pk': 'pk', '#deprecated': 'deprecated', '#deprecatedAt': 'deprecatedAt' },
            ExpressionAttributeValues: { ':true': true, ':at': at.toISOString() },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return out.Attributes ? fromItem(out.Attributes) : undefined;
      },
      () => undefined,
    );
  }

  async getSummary(name: string): Promise<ContractSummary | undefined> {
    return inTable(this.tableName, async () => {
      const out = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: pk(name), sk: META_SK }, ConsistentRead: true }),
      );
      // A summary item that only carries a registration lease is not a summary yet.
      return out.Item?.name ? toSummary(out.Item) : undefined;
    });
  }

  async recordVersionAdded(name: string, version: string, compatibility: CompatibilityMode, at: Date): Promise<void> {
    await inTable(this.tableName, async () => {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: pk(name), sk: META_SK },
          UpdateExpression:
            'SET #name = :name, #compatibility = :compatibility, #updatedAt = :at, #gsi1pk = :kind, #gsi1sk = :name ADD #versions :version',
          ExpressionAttributeNames: {
            '#name': 'name',
            '#compatibility': 'compatibility',
            '#updatedAt': 'updatedAt',
            '#gsi1pk': 'gsi1pk',
            '#gsi1sk': 'gsi1sk',
            '#versions': 'versions',
          },
          ExpressionAttributeValues: {
            ':name': name,
            ':compatibility': compatibility,
            ':at': at.toISOString(),
            ':kind': SUMMARY_PARTITION,
            ':version': new Set([version]),
          },
        }),
      );
    });
  }

  async acquireRegistrationLease(name: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
    return inTable(
      this.tableName,
      async () => {
        // The lease lives on the summary item without its index keys, so a name whose first
        // registration is still running is not listed yet.
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: pk(name), sk: META_SK },
            UpdateExpression: 'SET #leaseOwner = :owner, #leaseExpiresAt = :expiresAt',
            ConditionExpression: 'attribute_not_exists(#leaseOwner) OR #leaseExpiresAt < :now',
            ExpressionAttributeNames: { '#leaseOwner': 'leaseOwner', '#leaseExpiresAt': 'leaseExpiresAt' },
            ExpressionAttributeValues: {
              ':owner': owner,
              ':expiresAt': now.getTime() + leaseMs,
              ':now': now.getTime(),
            },
          }),
        );
        return true;
      },
      () => false,
    );
  }

  async releaseRegistrationLease(name: string, owner: string): Promise<void> {
    await inTable(
      this.tableName,
      async () => {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: pk(name), sk: META_SK },
            UpdateExpression: 'REMOVE #leaseOwner, #leaseExpiresAt',
            ConditionExpression: '#leaseOwner = :owner',
            ExpressionAttributeNames: { '#leaseOwner': 'leaseOwner', '#leaseExpiresAt': 'leaseExpiresAt' },
            ExpressionAttributeValues: { ':owner': owner },
          }),
        );
      },
      // Someone else holds the lease now (ours expired): there is nothing of ours to release.
      () => undefined,
    );
  }

  async listSummaries(limit: number, cursor?: string): Promise<Page<ContractSummary>> {
    const exclusiveStartKey = decodeCursor(cursor, ['pk', 'sk', 'gsi1pk', 'gsi1sk'], {
      gsi1pk: SUMMARY_PARTITION,
      sk: META_SK,
    });
    return queryPage(
      this.client,
      this.tableName,
      {
        IndexName: 'byKind',
        KeyConditionExpression: '#gsi1pk = :kind',
        ExpressionAttributeNames: { '#gsi1pk': 'gsi1pk' },
        ExpressionAttributeValues: { ':kind': SUMMARY_PARTITION },
        Limit: limit,
      },
      exclusiveStartKey,
      toSummary,
    );
  }

  async ping(): Promise<void> {
    await this.getSummary('\u0000health');
  }

  private async queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    await inTable(this.tableName, async () => {
      do {
        const out = await this.client.send(
          new QueryCommand({
            ...input,
            TableName: this.tableName,
            ConsistentRead: true,
            ExclusiveStartKey: exclusiveStartKey,
          }),
        );
        items.push(...(out.Items ?? []));
        exclusiveStartKey = out.LastEvaluatedKey;
      } while (exclusiveStartKey);
    });
    return items;
  }
}

function fromItem(item: Record<string, unknown>): ContractVersion {
  const stored = JSON.parse(gunzipSync(item.document as Uint8Array).toString('utf8')) as ContractVersion;
  const deprecatedAt = item.deprecatedAt as string | undefined;
  return { ...stored, deprecated: item.deprecated === true, ...(deprecatedAt && { deprecatedAt }) };
}

function toSummary(item: Record<string, unknown>): ContractSummary {
  return {
    name: item.name as string,
    compatibility: item.compatibility as CompatibilityMode,
    versionCount: item.versions instanceof Set ? item.versions.size : 0,
    updatedAt: item.updatedAt as string,
  };
}
