import { gunzipSync, gzipSync } from 'node:zlib';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { FRAMEWORK_TENANT, type Owner } from '../../domain/auth/owner';
import type { CompatibilityMode, ContractSummary, ContractVersion } from '../../domain/contracts/contract';
import { InputTooLargeError } from '../../domain/errors';
import type { ContractRepository, ContractVersionHeader, Page } from '../../ports/contract-repository';
import { inTable } from './errors';
import { putIfAbsent, querySummaries } from './partition';
import { tenantSegment } from './tenant-key';

/** DynamoDB's item size limit is 400 KB including attribute names (DynamoDB quotas). */
const MAX_ITEM_BYTES = 400 * 1024;
/** Room kept for the item's other attributes. */
const ITEM_OVERHEAD_BYTES = 4 * 1024;

// Contract names cannot hold `#` (CONTRACT_NAME_PATTERN) and tenant segments are percent-encoded,
// so `CONTRACT#<tenant>#<name>` names exactly one tenant's name.
const pk = (tenant: string, name: string) => `CONTRACT#${tenantSegment(tenant)}#${name}`;
const versionSk = (version: string) => `VERSION#${version}`;
const META_SK = 'META';
/** The `byKind` partition of one tenant's summaries: a listing can only ever read its own tenant's. */
const summaryPartition = (tenant: string) => `CONTRACTS#${tenantSegment(tenant)}`;

type VersionItem = {
  pk: string;
  sk: string;
  name: string;
  version: string;
  contentHash: string;
  createdAt: string;
  deprecated: boolean;
  deprecatedAt?: string;
  /** Who registered it (also inside `document`); an attribute of its own so version listings can project it. */
  owner: Owner;
  /** The whole ContractVersion as gzip-compressed JSON: keeps large documents under the item limit and
   * avoids DynamoDB's 32-level nesting limit on maps, which deep JSON Schemas exceed. */
  document: Uint8Array;
};

/**
 * ContractRepository on one DynamoDB table (see `contractsTable`), through the lib-dynamodb
 * document client. The tenant is part of every key — the items' partition key and the `byKind`
 * index's partition key — so no read, write or listing of one tenant can touch another's items,
 * and pagination never filters after the query. Every expression uses `#name` placeholders so
 * reserved words (`name`, `status`, `ttl`…) never break a request.
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
      pk: pk(version.owner.tenant, version.name),
      sk: versionSk(version.version),
      name: version.name,
      version: version.version,
      contentHash: version.contentHash,
      createdAt: version.createdAt,
      deprecated: version.deprecated,
      owner: { tenant: version.owner.tenant, principal: version.owner.principal },
      document,
    };
    return putIfAbsent(this.client, this.tableName, item, fromItem, () =>
      this.getVersion(version.owner.tenant, version.name, version.version),
    );
  }

  async getVersion(tenant: string, name: string, version: string): Promise<ContractVersion | undefined> {
    return inTable(this.tableName, async () => {
      const out = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: pk(tenant, name), sk: versionSk(version) },
          ConsistentRead: true,
        }),
      );
      return out.Item ? fromItem(out.Item) : undefined;
    });
  }

  async listVersionHeaders(tenant: string, name: string): Promise<ContractVersionHeader[]> {
    const items = await this.queryAll({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ProjectionExpression: '#name, #version, #deprecated, #createdAt, #contentHash, #owner',
      ExpressionAttributeNames: {
        '#pk': 'pk',
        '#sk': 'sk',
        '#name': 'name',
        '#version': 'version',
        '#deprecated': 'deprecated',
        '#createdAt': 'createdAt',
        '#contentHash': 'contentHash',
        '#owner': 'owner',
      },
      ExpressionAttributeValues: { ':pk': pk(tenant, name), ':prefix': 'VERSION#' },
    });
    return items as ContractVersionHeader[];
  }

  async deprecateVersion(
    tenant: string,
    name: string,
    version: string,
    at: Date,
  ): Promise<ContractVersion | undefined> {
    return inTable(
      this.tableName,
      async () => {
        const out = await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: pk(tenant, name), sk: versionSk(version) },
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

  async getSummary(tenant: string, name: string): Promise<ContractSummary | undefined> {
    return inTable(this.tableName, async () => {
      const out = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: pk(tenant, name), sk: META_SK },
          ConsistentRead: true,
        }),
      );
      // A summary item that only carries a registration lease is not a summary yet.
      return out.Item?.name ? toSummary(out.Item) : undefined;
    });
  }

  async recordVersionAdded(
    tenant: string,
    name: string,
    version: string,
    compatibility: CompatibilityMode,
    at: Date,
  ): Promise<void> {
    await inTable(this.tableName, async () => {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: pk(tenant, name), sk: META_SK },
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
            ':kind': summaryPartition(tenant),
            ':version': new Set([version]),
          },
        }),
      );
    });
  }

  async acquireRegistrationLease(
    tenant: string,
    name: string,
    holder: string,
    now: Date,
    leaseMs: number,
  ): Promise<boolean> {
    return inTable(
      this.tableName,
      async () => {
        // The lease lives on the summary item without its index keys, so a name whose first
        // registration is still running is not listed yet.
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: pk(tenant, name), sk: META_SK },
            UpdateExpression: 'SET #leaseOwner = :owner, #leaseExpiresAt = :expiresAt',
            ConditionExpression: 'attribute_not_exists(#leaseOwner) OR #leaseExpiresAt < :now',
            ExpressionAttributeNames: { '#leaseOwner': 'leaseOwner', '#leaseExpiresAt': 'leaseExpiresAt' },
            ExpressionAttributeValues: {
              ':owner': holder,
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

  async releaseRegistrationLease(tenant: string, name: string, holder: string): Promise<void> {
    await inTable(
      this.tableName,
      async () => {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: pk(tenant, name), sk: META_SK },
            UpdateExpression: 'REMOVE #leaseOwner, #leaseExpiresAt',
            ConditionExpression: '#leaseOwner = :owner',
            ExpressionAttributeNames: { '#leaseOwner': 'leaseOwner', '#leaseExpiresAt': 'leaseExpiresAt' },
            ExpressionAttributeValues: { ':owner': holder },
          }),
        );
      },
      // Someone else holds the lease now (ours expired): there is nothing of ours to release.
      () => undefined,
    );
  }

  async listSummaries(tenant: string, limit: number, cursor?: string): Promise<Page<ContractSummary>> {
    const summaries = {
      partition: summaryPartition(tenant),
      metaSk: META_SK,
      pkOf: (name: string) => pk(tenant, name),
    };
    return querySummaries(this.client, this.tableName, summaries, limit, cursor, toSummary);
  }

  async ping(): Promise<void> {
    // The framework's own tenant: no caller's contracts are read.
    await this.getSummary(FRAMEWORK_TENANT, '\u0000health');
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
