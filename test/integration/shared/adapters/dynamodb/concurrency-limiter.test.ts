import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { EMBEDDED_CLIENT_CONFIG } from '../../../../../local/embedded-dynamodb';
import { DynamoDbConcurrencyLimiter } from '../../../../../shared/adapters/dynamodb/concurrency-limiter';
import { rateLimitsTable } from '../../../../../shared/adapters/dynamodb/table-definitions';
import { inFlightKey, leaseItemExpiresAtSeconds } from '../../../../../shared/domain/concurrency/leases';
import { DependencyUnavailableError } from '../../../../../shared/domain/errors';
import { freshTable } from '../../../../support/dynamodb';
import { rejectionOf } from '../../../../support/rejection';

const T0 = Date.parse('2026-11-30T10:00:00Z');
const LEASE_MS = 10_000;

describe('DynamoDbConcurrencyLimiter', () => {
  let client: DynamoDBDocumentClient;
  let tableName: string;
  let endpoint: string;
  const stored = async (key: string) =>
    (await client.send(new GetCommand({ TableName: tableName, Key: { pk: key }, ConsistentRead: true }))).Item;
  /** One limiter per simulated Lambda instance, each with its own document client. */
  const instance = (ids?: () => string) =>
    new DynamoDbConcurrencyLimiter(
      DynamoDBDocumentClient.from(new DynamoDBClient({ ...EMBEDDED_CLIENT_CONFIG, endpoint })),
      tableName,
      ids,
    );

  beforeAll(async () => {
    ({ client, tableName } = await freshTable(rateLimitsTable));
    endpoint = inject('dynamoDbEndpoint');
  });

  describe('acquire', () => {
    it('admits exactly max of k instances racing for one key, and refuses the rest with the in-flight count', async () => {
      // Prepare
      const key = inFlightKey('mesh', 'race');
      const instances = Array.from({ length: 12 }, () => instance());

      // Act
      const outcomes = await Promise.all(instances.map((limiter) => limiter.acquire(key, 3, LEASE_MS, T0)));

      // Assess
      const acquired = outcomes.filter((o) => o.acquired);
      expect(acquired).toHaveLength(3);
      for (const refused of outcomes.filter((o) => !o.acquired)) {
        expect(refused).toMatchObject({ acquired: false, inFlight: 3 });
        expect(refused.acquired === false && refused.retryAfterMs).toBe(LEASE_MS);
      }
      expect(Object.keys((await stored(key))?.leases ?? {})).toHaveLength(3);
    });

    it('keeps racing acquisitions within max while expired leases are reclaimed concurrently', async () => {
      // Prepare: a full key whose 4 leases have all expired
      const key = inFlightKey('webhook', 'reclaim-race');
      const leases = Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`dead-${i}`, T0 - 1]));
      await client.send(new PutCommand({ TableName: tableName, Item: { pk: key, leases, expiresAt: 1 } }));

      // Act
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, () => instance().acquire(key, 4, LEASE_MS, T0 + 1000)),
      );

      // Assess
      expect(outcomes.filter((o) => o.acquired)).toHaveLength(4);
      const after = (await stored(key))?.leases as Record<string, number>;
      expect(Object.values(after).every((expiresAtMs) => expiresAtMs === T0 + 1000 + LEASE_MS)).toBe(true);
      expect(Object.keys(after)).toHaveLength(4);
    });

    it('sets the lease expiry in ms and a TTL in epoch seconds past every lease', async () => {
      // Prepare
      const key = inFlightKey('mesh', 'ttl');

      // Act
      await instance(() => 'lease-1').acquire(key, 2, LEASE_MS, T0);

      // Assess
      const item = await stored(key);
      expect(item?.leases).toEqual({ 'lease-1': T0 + LEASE_MS });
      expect(item?.expiresAt).toBe(leaseItemExpiresAtSeconds(T0));
      expect(item?.expiresAt).toBeGreaterThan((T0 + LEASE_MS) / 1000);
    });

    it('reclaims an expired lease for a new caller and never removes a live one', async () => {
      // Prepare: max 2, one lease that expires soon and one that lives long
      const key = inFlightKey('mesh', 'expiry');
      const ids = ['short', 'long', 'new', 'refused'];
      const limiter = instance(() => ids.shift() as string);
      await limiter.acquire(key, 2, 1_000, T0);
      await limiter.acquire(key, 2, 60_000, T0);

      // Act
      const whileLive = await limiter.acquire(key, 2, LEASE_MS, T0 + 500);
      const afterExpiry = await limiter.acquire(key, 2, LEASE_MS, T0 + 1_000);

      // Assess
      expect(whileLive).toEqual({ acquired: false, inFlight: 2, retryAfterMs: 500 });
      expect(afterExpiry).toEqual({ acquired: true, leaseId: 'refused' });
      expect((await stored(key))?.leases).toEqual({ long: T0 + 60_000, refused: T0 + 1_000 + LEASE_MS });
    });
  });

  describe('release', () => {
    it('frees the slot for the next caller', async () => {
      // Prepare
      const key = inFlightKey('webhook', 'release');
      const limiter = instance();
      const first = await limiter.acquire(key, 1, LEASE_MS, T0);
      const blocked = await limiter.acquire(key, 1, LEASE_MS, T0);

      // Act
      if (!first.acquired) throw new Error('expected a slot');
      await limiter.release(key, first.leaseId);
      const next = await limiter.acquire(key, 1, LEASE_MS, T0);

      // Assess
      expect(blocked.acquired).toBe(false);
      expect(next.acquired).toBe(true);
    });

    it('does nothing for a lease that is gone, or a key never used', async () => {
      // Prepare
      const key = inFlightKey('webhook', 'twice');
      const limiter = instance(() => 'only');
      await limiter.acquire(key, 1, LEASE_MS, T0);
      await limiter.release(key, 'only');

      // Act / Assess
      await expect(limiter.release(key, 'only')).resolves.toBeUndefined();
      await expect(limiter.release(inFlightKey('webhook', 'never'), 'x')).resolves.toBeUndefined();
      expect((await stored(key))?.leases).toEqual({});
    });
  });

  it('fails with DependencyUnavailableError when the table cannot be reached', async () => {
    // Prepare: nothing listens on the endpoint
    const limiter = new DynamoDbConcurrencyLimiter(
      DynamoDBDocumentClient.from(
        new DynamoDBClient({ ...EMBEDDED_CLIENT_CONFIG, endpoint: 'http://127.0.0.1:9', maxAttempts: 1 }),
      ),
      tableName,
    );

    // Act
    const error = await rejectionOf(limiter.acquire(inFlightKey('mesh', 'down'), 1, LEASE_MS, T0));

    // Assess
    expect(error).toBeInstanceOf(DependencyUnavailableError);
  });

  describe('inFlight', () => {
    it('counts the live leases under a key, not the expired ones, and 0 for a key never used', async () => {
      // Prepare
      const limiter = instance();
      const key = inFlightKey('mesh', 'in-flight-count');
      await limiter.acquire(key, 5, LEASE_MS, T0);
      await limiter.acquire(key, 5, LEASE_MS * 2, T0);

      // Act
      const now = await limiter.inFlight(key, T0 + 1);
      const afterFirstExpiry = await limiter.inFlight(key, T0 + LEASE_MS);
      const never = await limiter.inFlight(inFlightKey('mesh', 'never-used'), T0);

      // Assess
      expect([now, afterFirstExpiry, never]).toEqual([2, 1, 0]);
    });
  });
});
