import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Owner } from '../../domain/auth/owner';
import { inTable } from './errors';

/**
 * What a first-come claim found: `claimed` when this call made the claim, `confirmed` when the
 * tenant already held it, `taken` when another tenant did.
 */
export type TenantClaimOutcome = 'claimed' | 'confirmed' | 'taken';

/**
 * Claims the item at `key` for `owner.tenant`, first come first served, with one UpdateItem
 * conditional on `attribute_not_exists(pk) OR owner.tenant = :tenant` that sets `owner`
 * ({tenant, principal}) and `claimedAt` only if absent (`if_not_exists`): of tenants racing for a
 * free key exactly one wins, the others fail the condition, and the winner's repeated claims change
 * nothing (the first principal and time stay recorded). `ReturnValues: ALL_OLD` tells a new claim
 * (no old item) from a confirmed one. Used by the service-name and event-source claims.
 *
 * @param key - the claim item's primary key (`pk`, and `sk` where the table has one)
 * @param claimedAt - ISO 8601, recorded on a new claim only
 * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
 * @example
 * const outcome = await claimForTenant(client, 'aif-events', { pk: 'SOURCE#shop' }, owner, now); // 'claimed'
 */
export async function claimForTenant(
  client: DynamoDBDocumentClient,
  tableName: string,
  key: Record<string, string>,
  owner: Owner,
  claimedAt: string,
): Promise<TenantClaimOutcome> {
  return inTable(
    tableName,
    async (): Promise<TenantClaimOutcome> => {
      const out = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: key,
          UpdateExpression:
            'SET #owner = if_not_exists(#owner, :owner), #claimedAt = if_not_exists(#claimedAt, :claimedAt)',
          ConditionExpression: 'attribute_not_exists(#pk) OR #owner.#tenant = :tenant',
          ExpressionAttributeNames: { '#pk': 'pk', '#owner': 'owner', '#tenant': 'tenant', '#claimedAt': 'claimedAt' },
          ExpressionAttributeValues: {
            ':owner': { tenant: owner.tenant, principal: owner.principal },
            ':tenant': owner.tenant,
            ':claimedAt': claimedAt,
          },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return out.Attributes === undefined ? 'claimed' : 'confirmed';
    },
    (): TenantClaimOutcome => 'taken',
  );
}
