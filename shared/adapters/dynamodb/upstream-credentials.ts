import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Owner } from '../../domain/auth/owner';
import type { UpstreamCredential } from '../../domain/mesh/upstream-credential';
import type { StoredUpstreamCredential, UpstreamCredentialRepository } from '../../ports/upstream-credentials';
import { inTable } from './errors';
import { tenantSegment } from './tenant-key';

/** The partition of one tenant's upstream credential references. */
const credentialPartition = (tenant: string) => `UPSTREAM_CREDENTIAL#${tenantSegment(tenant)}`;

/**
 * UpstreamCredentialRepository on the mesh table: one item per service under
 * `pk = UPSTREAM_CREDENTIAL#<tenant>, sk = <service>` with `credential` (secret name and header)
 * and `owner` — next to the service's breaker settings (`BREAKER_CONFIG#<tenant>`). Every write is
 * one PutItem or DeleteItem.
 *
 * @example new DynamoDbUpstreamCredentials(documentClient, 'aif-mesh')
 */
export class DynamoDbUpstreamCredentials implements UpstreamCredentialRepository {
  /**
   * @param client - a document client built once per cold start
   * @param tableName - the physical name of the mesh table
   */
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * The tenant's reference for a service, strongly consistent.
   *
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   */
  async get(tenant: string, service: string): Promise<StoredUpstreamCredential | undefined> {
    return inTable(this.tableName, async () => {
      const out = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: credentialPartition(tenant), sk: service },
          ConsistentRead: true,
        }),
      );
      if (out.Item?.credential === undefined) return undefined;
      return { credential: out.Item.credential as UpstreamCredential, owner: out.Item.owner as Owner };
    });
  }

  /**
   * Stores (replaces) `owner.tenant`'s reference for a service in one PutItem.
   *
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   */
  async put(service: string, credential: UpstreamCredential, owner: Owner): Promise<void> {
    await inTable(this.tableName, async () => {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: credentialPartition(owner.tenant),
            sk: service,
            credential: { secretName: credential.secretName, header: credential.header },
            owner: { tenant: owner.tenant, principal: owner.principal },
          },
        }),
      );
    });
  }

  /**
   * Removes the tenant's reference in one DeleteItem.
   *
   * @returns false when there was none
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   */
  async delete(tenant: string, service: string): Promise<boolean> {
    return inTable(this.tableName, async () => {
      const out = await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: credentialPartition(tenant), sk: service },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return out.Attributes !== undefined;
    });
  }
}
