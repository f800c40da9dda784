import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbQuotaCounter } from '../../../../../shared/adapters/dynamodb/quota-counter';
import { meshTable } from '../../../../../shared/adapters/dynamodb/table-definitions';
import type { QuotaSlot } from '../../../../../shared/domain/quotas/quota';
import { freshTable } from '../../../../support/dynamodb';

describe('DynamoDbQuotaCounter (dynalite)', () => {
  let client: DynamoDBDocumentClient;
  let tableName: string;
  let counter: DynamoDbQuotaCounter;

  beforeAll(async () => {
    ({ client, tableName } = await freshTable(meshTable));
    counter = new DynamoDbQuotaCounter(client, tableName);
  });

  describe('acquire', () => {
    it('lets exactly `limit` of 20 racing callers take a slot', async () => {
      // Prepare
      const slot: QuotaSlot = { quota: 'routingRulesPerTenant', scope: { tenant: 'race' }, limit: 5 };

      // Act
      const taken = await Promise.all(Array.from({ length: 20 }, () => counter.acquire(slot)));

      // Assess
      expect(taken.filter(Boolean)).toHaveLength(5);
      expect(await counter.acquire(slot)).toBe(false);
    });

    it('keeps tenants, services and the global counter apart, the tenant percent-encoded', async () => {
      // Prepare
      const a: QuotaSlot = { quota: 'instancesPerService', scope: { tenant: 'a#b', service: 'orders' }, limit: 1 };
      const b: QuotaSlot = { quota: 'instancesPerService', scope: { tenant: 'a', service: 'b#orders' }, limit: 1 };
      const global: QuotaSlot = { quota: 'subscriptionRulesPerBus', scope: 'global', limit: 1 };

      // Act
      const results = [await counter.acquire(a), await counter.acquire(b), await counter.acquire(global)];

      // Assess
      expect(results).toEqual([true, true, true]);
      const item = await client.send(
        new GetCommand({ TableName: tableName, Key: { pk: 'QUOTA#a%23b', sk: 'instancesPerService#orders' } }),
      );
      expect(item.Item?.count).toBe(1);
    });
  });

  describe('release', () => {
    it('gives a slot back, and never counts below 0', async () => {
      // Prepare
      const slot: QuotaSlot = { quota: 'subscriptionsPerTenant', scope: { tenant: 'release' }, limit: 1 };
      await counter.acquire(slot);

      // Act
      await counter.release(slot);
      await counter.release(slot);
      await counter.release(slot);

      // Assess: exactly one slot is free again
      expect(await counter.acquire(slot)).toBe(true);
      expect(await counter.acquire(slot)).toBe(false);
    });
  });
});
