import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { NotOwnerError } from '../../domain/auth/errors';
import type { Owner } from '../../domain/auth/owner';
import type { ServiceClaims } from '../../ports/service-mesh';
import { inTable } from './errors';
import { claimForTenant } from './tenant-claim';

/** The sort key of a claim item (its partition is the service's: `SERVICE#<name>`). */
const CLAIM_SORT_KEY = 'CLAIM';

/** The key of a service name's claim. Names are MeshNameSchema (no `#`), one namespace for all tenants. */
const claimKey = (name: string) => ({ pk: `SERVICE#${name}`, sk: CLAIM_SORT_KEY });

/**
 * ServiceClaims on the mesh table (see `meshTable`): one item per service name under
 * `pk = SERVICE#<name>, sk = CLAIM` holding `owner {tenant, principal}` and `claimedAt`.
 *
 * A claim is one conditional UpdateItem (`claimForTenant`): of tenants racing for a free name
 * exactly one wins, the others get NotOwnerError, and the winner's repeated claims change nothing
 * (the first principal stays recorded). Claims are never released: a name stays its
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
    const outcome = await claimForTenant(this.client, this.tableName, claimKey(name), owner, now);
    if (outcome === 'taken') throw new NotOwnerError(`The service "${name}" belongs to another tenant`);
    return { claimed: outcome === 'claimed' };
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
