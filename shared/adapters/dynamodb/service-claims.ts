import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { NotOwnerError } from '../../domain/auth/errors';
import type { Owner } from '../../domain/auth/owner';
import type { ServiceClaims } from '../../ports/service-mesh';
import { inTable } from './errors';

/** The sort key of a claim item (its partition is the service's: `SERVICE#<name>`). */
const CLAIM_SORT_KEY = 'CLAIM';

/** The key of a service name's claim. Names are MeshNameSchema (no `#`), one namespace for all tenants. */
const claimKey = (name: string) => ({ pk: `SERVICE#${name}`, sk: CLAIM_SORT_KEY });

/**
 * ServiceClaims on the mesh table (see `meshTable`): one item per service name under
 * `pk = SERVICE#<name>, sk = CLAIM` holding `owner {tenant, principal}` and `claimedAt`.
 *
 * A claim is one UpdateItem conditional on `attribute_not_exists(pk) OR owner.tenant = :tenant`,
 * setting `owner` and `claimedAt` only if absent: of tenants racing for a free name exactly one
 * wins, the others fail their condition (NotOwnerError), and the winner's repeated claims change
 * nothing (the first principal stays recorded). Claims are never released: a name stays its
 * tenant's even when its last instance goes, so nobody can take over a drained service's callers.
 *
 * @example new DynamoDbServiceClaims(documentClient, 'aif-mesh')
 */
export class DynamoDbServiceClaims implements ServiceClaims {
  /**
   * @param client - a document client built once per cold start
   * @param tableName - the physical name of the mesh table
   */
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Claims `name` for `owner.tenant`, or confirms the tenant's claim (one conditional UpdateItem).
   *
   * @param now - ISO 8601 time recorded as `claimedAt` on a new claim
   * @returns `claimed: true` when this call made the claim
   * @throws {NotOwnerError} when another tenant holds the name (403, naming the service)
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example await claims.claim('orders', ownerOf(caller), clock.now().toISOString());
   */
  async claim(name: string, owner: Owner, now: string): Promise<{ claimed: boolean }> {
    return inTable(
      this.tableName,
      async () => {
        const out = await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: claimKey(name),
            UpdateExpression:
              'SET #owner = if_not_exists(#owner, :owner), #claimedAt = if_not_exists(#claimedAt, :now)',
            ConditionExpression: 'attribute_not_exists(#pk) OR #owner.#tenant = :tenant',
            ExpressionAttributeNames: {
              '#pk': 'pk',
              '#owner': 'owner',
              '#tenant': 'tenant',
              '#claimedAt': 'claimedAt',
            },
            ExpressionAttributeValues: {
              ':owner': { tenant: owner.tenant, principal: owner.principal },
              ':tenant': owner.tenant,
              ':now': now,
            },
            ReturnValues: 'ALL_OLD',
          }),
        );
        return { claimed: out.Attributes === undefined };
      },
      () => {
        throw new NotOwnerError(`The service "${name}" belongs to another tenant`);
      },
    );
  }

  /**
   * Who holds `name`, strongly consistent.
   *
   * @returns the first claimant, or undefined when the name is free
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example if ((await claims.ownerOf('orders'))?.tenant !== caller.tenant) throw new NotFoundError('No service orders');
   */
  async ownerOf(name: string): Promise<Owner | undefined> {
    return inTable(this.tableName, async () => {
      const out = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: claimKey(name), ConsistentRead: true }),
      );
      return out.Item?.owner as Owner | undefined;
    });
  }
}
