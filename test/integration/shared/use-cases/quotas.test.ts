import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbQuotaCounter } from '../../../../shared/adapters/dynamodb/quota-counter';
import { DynamoDbRoutingRuleRepository } from '../../../../shared/adapters/dynamodb/routing-rule-repository';
import { DynamoDbServiceClaims } from '../../../../shared/adapters/dynamodb/service-claims';
import { DynamoDbServiceRegistry } from '../../../../shared/adapters/dynamodb/service-registry';
import { DynamoDbSubscriptionRepository } from '../../../../shared/adapters/dynamodb/subscription-repository';
import { deliveryTable, meshTable } from '../../../../shared/adapters/dynamodb/table-definitions';
import type { Principal } from '../../../../shared/domain/auth/principal';
import { QuotaExceededError, type ServiceQuotaExceededError } from '../../../../shared/domain/quotas/errors';
import { DEFAULT_QUOTA_LIMITS, type QuotaLimits } from '../../../../shared/domain/quotas/quota';
import { deliveryFormats } from '../../../../shared/http/codecs/delivery-formats';
import { toProblem } from '../../../../shared/http/problem';
import type { ErrorPolicyCache } from '../../../../shared/use-cases/error-policy-cache';
import {
  deleteRoutingRule,
  deregisterInstance,
  type MeshDeps,
  putRoutingRule,
  registerInstance,
} from '../../../../shared/use-cases/service-mesh';
import { createSubscription, deleteSubscription } from '../../../../shared/use-cases/subscriptions';
import { fixedClock } from '../../../support/clock';
import { freshTable } from '../../../support/dynamodb';
import { rejectionOf } from '../../../support/rejection';
import { testCipher } from '../../../support/secrets';

const clock = fixedClock('2026-11-30T10:00:00Z');
const caller = (tenant: string): Principal => ({
  tenant,
  principal: 'agent-1',
  scopes: ['mesh:write', 'subscriptions:write'],
  expiresAt: Number.POSITIVE_INFINITY,
});
const instance = (id: string, name: string, metadata: Record<string, string> = {}) => ({
  id,
  name,
  version: '1.0.0',
  endpoint: `http://10.0.0.1:8080/${id}`,
  healthEndpoint: `http://10.0.0.1:8080/${id}/health`,
  metadata,
});
const rule = (id: string) => ({ id, sourceService: '*', targetService: 'rules-orders', priority: 1 });
const outcomeOf = async (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (error: unknown) => (error instanceof QuotaExceededError ? `409 ${error.quota}` : `other ${String(error)}`),
  );

describe('quotas (dynalite)', () => {
  let mesh: MeshDeps;
  let limits: QuotaLimits;

  beforeAll(async () => {
    const { client, tableName } = await freshTable(meshTable);
    limits = { ...DEFAULT_QUOTA_LIMITS, instancesPerTenant: 4, instancesPerService: 3, routingRulesPerTenant: 2 };
    mesh = meshDeps(client, tableName, limits);
  });

  describe('registerInstance', () => {
    it('lets exactly 3 of 12 racing new instances of a service in; the rest get 409 naming the quota', async () => {
      // Act
      const outcomes = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          outcomeOf(registerInstance(mesh, caller('race'), instance(`r-${i}`, 'race-orders'))),
        ),
      );

      // Assess
      expect(outcomes.filter((o) => o === 'ok')).toHaveLength(3);
      // The losers are refused by a quota (a racer may briefly hold a tenant slot it gives back).
      expect(outcomes.filter((o) => o.startsWith('409 instancesPer'))).toHaveLength(9);
      expect(await mesh.registry.listByTenant('race')).toHaveLength(3);
    });

    it('accepts heartbeats at the quota, counts per tenant across services, and frees a slot on deregistration', async () => {
      // Prepare: the tenant at instancesPerService for orders
      const me = caller('beats');
      for (const id of ['b-1', 'b-2', 'b-3']) await registerInstance(mesh, me, instance(id, 'beats-orders'));

      // Act
      const heartbeat = await registerInstance(mesh, me, instance('b-1', 'beats-orders'));
      const fourthOrders = await rejectionOf<QuotaExceededError>(
        registerInstance(mesh, me, instance('b-4', 'beats-orders')),
      );
      const otherService = await registerInstance(mesh, me, instance('b-5', 'beats-billing'));
      const fifth = await rejectionOf<QuotaExceededError>(registerInstance(mesh, me, instance('b-6', 'beats-billing')));
      await deregisterInstance(mesh, me, 'b-2');
      const afterDeregistration = await registerInstance(mesh, me, instance('b-4', 'beats-orders'));

      // Assess
      expect(heartbeat.outcome).toBe('replaced');
      expect([fourthOrders.quota, fourthOrders.limit]).toEqual(['instancesPerService', 3]);
      expect(otherService.outcome).toBe('created');
      expect([fifth.quota, fifth.limit]).toEqual(['instancesPerTenant', 4]);
      expect(afterDeregistration.outcome).toBe('created');
      expect(toProblem(fifth, 'req-1').problem).toMatchObject({
        type: 'urn:aif:problem:quota-exceeded',
        status: 409,
        quota: 'instancesPerTenant',
        limit: 4,
      });
    });

    it('moves the service slot when a re-registration changes the service name', async () => {
      // Prepare: orders full for the tenant
      const me = caller('moves');
      for (const id of ['m-1', 'm-2', 'm-3']) await registerInstance(mesh, me, instance(id, 'moves-orders'));

      // Act: m-3 moves to billing, which frees a slot of orders
      await registerInstance(mesh, me, instance('m-3', 'moves-billing'));
      const again = await registerInstance(mesh, me, instance('m-4', 'moves-orders'));

      // Assess
      expect(again.outcome).toBe('created');
    });

    it('rejects metadata whose JSON exceeds instanceMetadataBytes with 409 at /metadata, storing nothing', async () => {
      // Prepare
      const small = { ...mesh, limits: { ...limits, instanceMetadataBytes: 64 } };

      // Act
      const error = await rejectionOf<QuotaExceededError>(
        registerInstance(small, caller('meta'), instance('x-1', 'meta-orders', { note: 'x'.repeat(60) })),
      );

      // Assess
      expect([error.quota, error.limit, error.problems[0]?.pointer]).toEqual([
        'instanceMetadataBytes',
        64,
        '/metadata',
      ]);
      expect(await mesh.registry.get('x-1')).toBeUndefined();
    });
  });

  describe('putRoutingRule', () => {
    it('refuses a third new rule, accepts replacing one at the quota, and frees the slot on delete', async () => {
      // Prepare
      const me = caller('rules');
      await putRoutingRule(mesh, me, rule('a'));
      await putRoutingRule(mesh, me, rule('b'));

      // Act
      const third = await rejectionOf<QuotaExceededError>(putRoutingRule(mesh, me, rule('c')));
      const replaced = await putRoutingRule(mesh, me, { ...rule('a'), priority: 2 });
      await deleteRoutingRule(mesh, me, 'b');
      const afterDelete = await putRoutingRule(mesh, me, rule('c'));

      // Assess
      expect([third.quota, third.limit]).toEqual(['routingRulesPerTenant', 2]);
      expect([replaced.outcome, afterDelete.outcome]).toEqual(['replaced', 'created']);
    });
  });

  describe('createSubscription', () => {
    let subs: Parameters<typeof createSubscription>[0];

    beforeAll(async () => {
      const { client, tableName } = await freshTable(deliveryTable);
      subs = {
        subscriptions: new DynamoDbSubscriptionRepository(client, tableName),
        rules: { put: async () => ({}), remove: async () => undefined },
        policyCache: { overrides: async () => new Map() } as unknown as ErrorPolicyCache,
        clock,
        outboundRules: { allowLoopback: true },
        quotas: new DynamoDbQuotaCounter(client, tableName),
        limits: { ...DEFAULT_QUOTA_LIMITS, subscriptionsPerTenant: 2, subscriptionRulesPerBus: 3 },
        cipher: testCipher,
        rotationOverlapSeconds: 86_400,
        formats: deliveryFormats,
      };
    });
    const body = (id: string) => ({
      id,
      eventType: 'order.created',
      target: { type: 'webhook', url: 'http://127.0.0.1:9/hook' },
    });

    it('holds each tenant to its quota (409) and the bus to its rule limit (503 naming EventBridge)', async () => {
      // Prepare
      const a = { tenant: 'sub-a', principal: 'p' };
      const b = { tenant: 'sub-b', principal: 'p' };
      const c = { tenant: 'sub-c', principal: 'p' };
      await createSubscription(subs, body('s1'), a);
      await createSubscription(subs, body('s2'), a);

      // Act
      const repeat = await createSubscription(subs, body('s1'), a);
      const tenantFull = await rejectionOf<QuotaExceededError>(createSubscription(subs, body('s3'), a));
      await createSubscription(subs, body('s1'), b);
      const busFull = await rejectionOf<ServiceQuotaExceededError>(createSubscription(subs, body('s1'), c));
      await deleteSubscription(subs, 'sub-a', 's2');
      const afterDelete = await createSubscription(subs, body('s1'), c);

      // Assess
      expect(repeat.outcome).toBe('unchanged');
      expect([tenantFull.quota, tenantFull.limit]).toEqual(['subscriptionsPerTenant', 2]);
      const { problem, headers } = toProblem(busFull, 'req-2');
      expect(problem).toMatchObject({
        type: 'urn:aif:problem:service-quota-exceeded',
        status: 503,
        quota: 'subscriptionRulesPerBus',
        limit: 3,
      });
      expect(problem.detail).toContain('EventBridge allows 300 rules per event bus');
      expect(headers['retry-after']).toBeDefined();
      expect(afterDelete.outcome).toBe('created');
    });

    it('lets exactly one of 8 racing creates take the last slot of the tenant', async () => {
      // Prepare
      const tenant = { tenant: 'sub-race', principal: 'p' };
      const racing = { ...subs, limits: { ...subs.limits, subscriptionsPerTenant: 1, subscriptionRulesPerBus: 100 } };

      // Act
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, (_, i) => outcomeOf(createSubscription(racing, body(`race-${i}`), tenant))),
      );

      // Assess
      expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1);
      expect(outcomes.filter((o) => o === '409 subscriptionsPerTenant')).toHaveLength(7);
      expect(await subs.subscriptions.list('sub-race')).toHaveLength(1);
    });
  });
});

function meshDeps(client: DynamoDBDocumentClient, tableName: string, limits: QuotaLimits): MeshDeps {
  const registry = new DynamoDbServiceRegistry(client, tableName);
  return {
    claims: new DynamoDbServiceClaims(client, tableName),
    registry,
    rules: new DynamoDbRoutingRuleRepository(client, tableName),
    breakers: undefined as unknown as MeshDeps['breakers'],
    clock,
    outboundRules: { allowPrivate: true },
    quotas: new DynamoDbQuotaCounter(client, tableName),
    limits,
  };
}
