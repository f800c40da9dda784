import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Owner } from '../../domain/auth/owner';
import type { SourceClaims } from '../../ports/source-claims';
import { claimForTenant } from './tenant-claim';

/** The claim item of an event source (sources hold no `#`: `IntegrationEventSchema`). */
const sourcePk = (source: string) => `SOURCE#${source}`;

/**
 * SourceClaims on the events table (see `eventsTable`): one item per claimed source under
 * `pk = SOURCE#<source>` holding `owner` ({tenant, principal} of the first publisher) and
 * `claimedAt` (ISO 8601); claims never expire (no `expiresAt`).
 *
 * A claim is one conditional UpdateItem (`claimForTenant`): of racing first publishers of one
 * source exactly one tenant wins, and repeating a claim changes nothing.
 *
 * @example
 * const sources = new DynamoDbSourceClaims(documentClient, 'aif-events');
 * await sources.claim('shop', { tenant: 'acme', principal: 'agent-1' }); // true; false for another tenant afterwards
 */
export class DynamoDbSourceClaims implements SourceClaims {
  /**
   * @param client - a document client built once per cold start
   * @param tableName - the physical name of the events table
   * @param now - the claim time to record @default the system clock
   */
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Claims `source` for `owner.tenant`, or confirms the tenant holds it.
   *
   * @returns true when the source is the tenant's, false when another tenant claimed it first
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example if (!(await sources.claim(event.source, ownerOf(caller)))) // 403: the source is another tenant's
   */
  async claim(source: string, owner: Owner): Promise<boolean> {
    const outcome = await claimForTenant(
      this.client,
      this.tableName,
      { pk: sourcePk(source) },
      owner,
      this.now().toISOString(),
    );
    return outcome !== 'taken';
  }
}
