import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbBreakerStore } from '../../../../../shared/adapters/dynamodb/breaker-store';
import { DynamoDbRoutingRuleRepository } from '../../../../../shared/adapters/dynamodb/routing-rule-repository';
import { DynamoDbServiceRegistry } from '../../../../../shared/adapters/dynamodb/service-registry';
import { DynamoDbSubscriptionRepository } from '../../../../../shared/adapters/dynamodb/subscription-repository';
import { deliveryTable, meshTable } from '../../../../../shared/adapters/dynamodb/table-definitions';
import { MalformedInputError } from '../../../../../shared/domain/errors';
import { initialBreakerState } from '../../../../../shared/domain/mesh/circuit-breaker';
import { RoutingRuleSchema } from '../../../../../shared/domain/mesh/routing-rule';
import { ServiceInstanceInputSchema } from '../../../../../shared/domain/mesh/service-instance';
import { encodeCursor } from '../../../../../shared/domain/page-cursor';
import type { Page, PageRequest } from '../../../../../shared/ports/contract-repository';
import { freshTable } from '../../../../support/dynamodb';
import { rejectionOf } from '../../../../support/rejection';
import { PLACEHOLDER_SECRET } from '../../../../support/secrets';

const A = { tenant: 'acme', principal: 'agent-a' };
const B = { tenant: 'globex', principal: 'agent-b' };
const T0 = '2026-11-30T10:00:00.000Z';

/** A registration as the use case passes it on (without the seed's lastHealthCheck). */
function parseRegistration(body: Record<string, unknown>) {
  const { lastHealthCheck: _ignored, ...registration } = ServiceInstanceInputSchema.parse(body);
  return registration;
}

/** Every item of a listing, page by page, and how many pages it took. */
async function everyPage<T>(list: (page: PageRequest) => Promise<Page<T>>, limit: number) {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await list({ limit, ...(cursor && { cursor }) });
    items.push(...page.items);
    cursor = page.nextCursor;
    pages += 1;
  } while (cursor);
  return { items, pages };
}

describe('paginated listings (dynalite)', () => {
  let mesh: { client: DynamoDBDocumentClient; tableName: string };

  beforeAll(async () => {
    mesh = await freshTable(meshTable);
  });

  describe('DynamoDbServiceRegistry.page', () => {
    it("pages through the tenant's instances and one service's, never another tenant's", async () => {
      // Prepare: 7 instances of acme (5 of orders), 2 of globex
      const registry = new DynamoDbServiceRegistry(mesh.client, mesh.tableName);
      const register = (id: string, name: string, owner: typeof A) =>
        registry.register(
          parseRegistration({
            id,
            name,
            version: '1.0.0',
            endpoint: `http://10.0.0.1/${id}`,
            healthEndpoint: `http://10.0.0.1/${id}/h`,
          }),
          owner,
          T0,
        );
      for (let i = 0; i < 5; i += 1) await register(`a-orders-${i}`, 'pg-orders', A);
      for (let i = 0; i < 2; i += 1) await register(`a-billing-${i}`, 'pg-billing', A);
      for (let i = 0; i < 2; i += 1) await register(`b-${i}`, 'pg-other', B);

      // Act
      const all = await everyPage((page) => registry.page('acme', page), 3);
      const orders = await everyPage((page) => registry.page('acme', page, 'pg-orders'), 2);

      // Assess
      expect(all.items.map((i) => i.id).sort()).toEqual([
        'a-billing-0',
        'a-billing-1',
        'a-orders-0',
        'a-orders-1',
        'a-orders-2',
        'a-orders-3',
        'a-orders-4',
      ]);
      expect(all.pages).toBeGreaterThanOrEqual(3);
      expect(orders.items).toHaveLength(5);
      expect(orders.items.every((i) => i.name === 'pg-orders')).toBe(true);
    });

    it("rejects a cursor forged for another tenant's index partition with 400 at /query/cursor", async () => {
      // Prepare: a well-formed cursor naming globex's partition
      const registry = new DynamoDbServiceRegistry(mesh.client, mesh.tableName);
      const forged = encodeCursor({ pk: 'INSTANCE', sk: 'b-0', gsi2pk: 'TENANT#globex', gsi2sk: 'b-0' });

      // Act
      const error = await rejectionOf<MalformedInputError>(registry.page('acme', { limit: 10, cursor: forged }));

      // Assess
      expect(error).toBeInstanceOf(MalformedInputError);
      expect(error.problems[0]?.pointer).toBe('/query/cursor');
    });
  });

  describe('DynamoDbRoutingRuleRepository.page and DynamoDbBreakerStore.page', () => {
    it('pages in id order and refuses a cursor of another tenant or of garbage', async () => {
      // Prepare
      const rules = new DynamoDbRoutingRuleRepository(mesh.client, mesh.tableName);
      const breakers = new DynamoDbBreakerStore(mesh.client, mesh.tableName);
      for (const id of ['r1', 'r2', 'r3', 'r4']) {
        await rules.put(RoutingRuleSchema.parse({ id, sourceService: '*', targetService: 'x', priority: 1 }), A);
      }
      await rules.put(
        RoutingRuleSchema.parse({ id: 'secret', sourceService: '*', targetService: 'y', priority: 1 }),
        B,
      );
      for (const id of ['i1', 'i2', 'i3'])
        await breakers.compareAndSet('acme', { ...initialBreakerState(id), version: 1 }, 0);

      // Act
      const pagedRules = await everyPage((page) => rules.page('acme', page), 3);
      const pagedBreakers = await everyPage((page) => breakers.page('acme', page), 2);
      const forged = encodeCursor({ pk: 'RULE#globex', sk: 'a' });
      const crossTenant = await rejectionOf<MalformedInputError>(rules.page('acme', { limit: 5, cursor: forged }));
      const garbage = await rejectionOf<MalformedInputError>(rules.page('acme', { limit: 5, cursor: 'not-a-cursor' }));

      // Assess
      expect(pagedRules.items.map((r) => r.id)).toEqual(['r1', 'r2', 'r3', 'r4']);
      expect(pagedRules.pages).toBe(2);
      expect(pagedBreakers.items.map((b) => b.instanceId)).toEqual(['i1', 'i2', 'i3']);
      expect([crossTenant, garbage].every((e) => e instanceof MalformedInputError)).toBe(true);
    });
  });

  describe('DynamoDbSubscriptionRepository.page', () => {
    it("pages through a tenant's subscriptions and refuses another tenant's cursor", async () => {
      // Prepare
      const delivery = await freshTable(deliveryTable);
      const repository = new DynamoDbSubscriptionRepository(delivery.client, delivery.tableName);
      for (const id of ['s1', 's2', 's3']) {
        await repository.create({
          id,
          eventType: 'order.created',
          target: { type: 'webhook', url: 'https://hooks.example.com/', secrets: [PLACEHOLDER_SECRET] },
          maxRetries: 3,
          retryPolicy: { backoffStrategy: 'exponential', initialDelayMs: 1000, maxDelayMs: 60_000, jitter: 'full' },
          timeoutMs: 10_000,
          priority: 0,
          status: 'active',
          createdAt: T0,
          owner: A,
        });
      }

      // Act
      const paged = await everyPage((page) => repository.page('acme', page), 2);
      const forged = encodeCursor({ pk: 'SUBSCRIPTION#globex', sk: 's1' });
      const error = await rejectionOf<MalformedInputError>(repository.page('acme', { limit: 2, cursor: forged }));

      // Assess
      expect(paged.items.map((s) => s.id)).toEqual(['s1', 's2', 's3']);
      expect(error).toBeInstanceOf(MalformedInputError);
    });
  });
});
