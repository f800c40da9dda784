import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  expiredLeases,
  type Leases,
  leaseItemExpiresAtSeconds,
  untilFirstExpiry,
} from '../../domain/concurrency/leases';
import type { ConcurrencyLimiter, LeaseAcquisition } from '../../ports/concurrency-leases';
import type { InFlightReader } from '../../ports/in-flight';
import { inTable } from './errors';

/** Conditional writes one `acquire` makes at most: create or reclaim, and a race lost on each. */
const MAX_WRITES_PER_ACQUIRE = 4;

/** What one conditional write did: took the slot, or failed on the leases stored (undefined: none). */
type WriteOutcome = { taken: true } | { taken: false; leases: Leases | undefined };

/**
 * ConcurrencyLimiter on the RateLimits table (see `rateLimitsTable`): one item per key,
 * `pk = <key>` (`INFLIGHT#<scope>#<tenant>`), `leases` (M: lease id → expiry, epoch ms) and
 * `expiresAt` (N, the TTL: `leaseItemExpiresAtSeconds`, past every lease the item holds).
 *
 * Every slot is taken by one conditional UpdateItem, so DynamoDB judges `max` atomically against
 * the leases as the previous writer left them:
 *
 * - take: `SET leases.#id = :exp` if `size(leases) < :max` — the one write of the usual call;
 * - create: `SET leases = {#id: :exp}` if `attribute_not_exists(leases)` — a key's first lease;
 * - reclaim and take: `REMOVE leases.#e1, … SET leases.#id = :exp` if each expired lease still
 *   holds the expiry it was read with (`leases.#e1 = :o1 AND …`; lease ids are never reused, so a
 *   live lease is never removed) and `size(leases) < :max + <removed>`.
 *
 * A failed condition answers the item that failed it (`ReturnValuesOnConditionCheckFailure:
 * ALL_OLD`); where the endpoint does not return it (dynalite), one strongly consistent GetItem
 * reads it, and that decides the next write. Release is `REMOVE leases.#id` if it exists.
 *
 * @example new DynamoDbConcurrencyLimiter(documentClient, 'aif-ratelimits')
 */
export class DynamoDbConcurrencyLimiter implements ConcurrencyLimiter, InFlightReader {
  /**
   * @param client - a document client built once per cold start
   * @param tableName - the physical name of the RateLimits table
   * @param newLeaseId - lease ids, unique per acquisition @default randomUUID
   */
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly newLeaseId: () => string = randomUUID,
  ) {}

  /**
   * Takes a slot under `key` (one UpdateItem when a slot is free; a read and one more write when
   * the key is new or its leases have expired).
   *
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example await limiter.acquire(inFlightKey('mesh', 'acme'), 50, 34_000, Date.now())
   */
  async acquire(key: string, max: number, leaseMs: number, nowMs: number): Promise<LeaseAcquisition> {
    const leaseId = this.newLeaseId();
    const lease = { leaseId, expiresAtMs: nowMs + leaseMs, ttl: leaseItemExpiresAtSeconds(nowMs) };
    let write = this.take(key, lease, max);
    for (let writes = 1; ; writes++) {
      const outcome = await this.send(key, write);
      if (outcome.taken) return { acquired: true, leaseId };
      const stored = outcome.leases;
      const expired = stored ? expiredLeases(stored, nowMs) : [];
      const size = stored ? Object.keys(stored).length : 0;
      const live = size - expired.length;
      if (live >= max || writes >= MAX_WRITES_PER_ACQUIRE) {
        // Writers kept overtaking this one, or no slot is free: refusing can never hold too many.
        return {
          acquired: false,
          inFlight: Math.max(live, max),
          retryAfterMs: (stored && untilFirstExpiry(stored, nowMs)) ?? 1000,
        };
      }
      if (!stored) write = this.create(key, lease);
      else if (size < max) write = this.take(key, lease, max);
      else write = this.reclaimAndTake(key, lease, max, expired);
    }
  }

  /**
   * Gives the lease back: one UpdateItem, conditioned on the lease being there (a lease reclaimed
   * after its expiry is another's slot by now: nothing to do).
   *
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   */
  async release(key: string, leaseId: string): Promise<void> {
    await inTable(
      this.tableName,
      () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: key },
            UpdateExpression: 'REMOVE #leases.#id',
            ConditionExpression: 'attribute_exists(#leases.#id)',
            ExpressionAttributeNames: { '#leases': 'leases', '#id': leaseId },
          }),
        ),
      () => undefined,
    );
  }

  private take(key: string, lease: Lease, max: number): UpdateCommandInput {
    return {
      ...this.common(key),
      UpdateExpression: 'SET #leases.#id = :lease, #exp = :ttl',
      // size() of a missing attribute is false: a new key fails here and is created.
      ConditionExpression: 'size(#leases) < :max',
      ExpressionAttributeNames: { '#leases': 'leases', '#id': lease.leaseId, '#exp': 'expiresAt' },
      ExpressionAttributeValues: { ':lease': lease.expiresAtMs, ':ttl': lease.ttl, ':max': max },
    };
  }

  private create(key: string, lease: Lease): UpdateCommandInput {
    return {
      ...this.common(key),
      UpdateExpression: 'SET #leases = :leases, #exp = :ttl',
      ConditionExpression: 'attribute_not_exists(#leases)',
      ExpressionAttributeNames: { '#leases': 'leases', '#exp': 'expiresAt' },
      ExpressionAttributeValues: { ':leases': { [lease.leaseId]: lease.expiresAtMs }, ':ttl': lease.ttl },
    };
  }

  private reclaimAndTake(
    key: string,
    lease: Lease,
    max: number,
    expired: ReadonlyArray<[id: string, expiresAtMs: number]>,
  ): UpdateCommandInput {
    const names: Record<string, string> = { '#leases': 'leases', '#id': lease.leaseId, '#exp': 'expiresAt' };
    const values: Record<string, unknown> = {
      ':lease': lease.expiresAtMs,
      ':ttl': lease.ttl,
      ':max': max + expired.length,
    };
    const removals: string[] = [];
    const unchanged: string[] = [];
    expired.forEach(([id, expiresAtMs], i) => {
      names[`#e${i}`] = id;
      values[`:e${i}`] = expiresAtMs;
      removals.push(`#leases.#e${i}`);
      unchanged.push(`#leases.#e${i} = :e${i}`);
    });
    return {
      ...this.common(key),
      UpdateExpression: `SET #leases.#id = :lease, #exp = :ttl REMOVE ${removals.join(', ')}`,
      // Each expired lease exactly as read (so still expired), and room once they are gone.
      ConditionExpression: `size(#leases) < :max AND ${unchanged.join(' AND ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }

  private common(key: string) {
    return {
      TableName: this.tableName,
      Key: { pk: key },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };
  }

  private async send(key: string, input: UpdateCommandInput): Promise<WriteOutcome> {
    return inTable(
      this.tableName,
      async (): Promise<WriteOutcome> => {
        await this.client.send(new UpdateCommand(input));
        return { taken: true };
      },
      async (error): Promise<WriteOutcome> => ({ taken: false, leases: leasesOf(error) ?? (await this.read(key)) }),
    );
  }

  /**
   * Live leases under `key` at `nowMs`: one strongly consistent GetItem, expired leases not counted
   * (they are reclaimed by the next acquisition, not by this read).
   *
   * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
   * @example await limiter.inFlight(inFlightKey('mesh', 'acme'), Date.now()) // 3
   */
  async inFlight(key: string, nowMs: number): Promise<number> {
    const leases = await this.read(key);
    return Object.values(leases ?? {}).filter((expiresAtMs) => expiresAtMs > nowMs).length;
  }

  /** The leases as stored now, strongly consistent; undefined when the key has none. */
  private async read(key: string): Promise<Leases | undefined> {
    return inTable(this.tableName, async () => {
      const out = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: key }, ConsistentRead: true }),
      );
      return asLeases(out.Item?.leases);
    });
  }
}

type Lease = { leaseId: string; expiresAtMs: number; ttl: number };

/**
 * The leases in a ConditionalCheckFailedException's `Item` (marshalled: the document client does
 * not convert errors), or undefined when the endpoint sent no item.
 */
function leasesOf(error: unknown): Leases | undefined {
  const item = (error as { Item?: Record<string, unknown> }).Item;
  if (!item) return undefined;
  // biome-ignore lint/suspicious/noExplicitAny: the wire form of an AttributeValue map
  return asLeases(unmarshall(item as any).leases);
}

function asLeases(value: unknown): Leases | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const leases: Record<string, number> = {};
  for (const [id, expiresAtMs] of Object.entries(value)) leases[id] = Number(expiresAtMs);
  return leases;
}
