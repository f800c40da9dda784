import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbBreakerStore } from '../../../../../shared/adapters/dynamodb/breaker-store';
import { DynamoDbRoutingRuleRepository } from '../../../../../shared/adapters/dynamodb/routing-rule-repository';
import { DynamoDbServiceClaims } from '../../../../../shared/adapters/dynamodb/service-claims';
import { DynamoDbServiceRegistry } from '../../../../../shared/adapters/dynamodb/service-registry';
import { meshTable } from '../../../../../shared/adapters/dynamodb/table-definitions';
import { NotOwnerError } from '../../../../../shared/domain/auth/errors';
import { RevisionMismatchError } from '../../../../../shared/domain/errors';
import { initialBreakerState } from '../../../../../shared/domain/mesh/circuit-breaker';
import { InstanceOwnedError } from '../../../../../shared/domain/mesh/errors';
import { RoutingRuleSchema } from '../../../../../shared/domain/mesh/routing-rule';
import { freshTable } from '../../../../support/dynamodb';
import { registration } from '../../../../support/mesh';
import { rejectionOf } from '../../../../support/rejection';

/** Tenant A (two principals) and tenant B. */
const A = { tenant: 'acme', principal: 'agent-a' };
const A2 = { tenant: 'acme', principal: 'agent-a2' };
const B = { tenant: 'globex', principal: 'agent-b' };
const T0 = '2026-11-30T10:00:00.000Z';
const T1 = '2026-11-30T10:00:30.000Z';

describe('mesh ownership and tenants (dynalite)', () => {
  let client: DynamoDBDocumentClient;
  let tableName: string;
  let registry: DynamoDbServiceRegistry;

  beforeAll(async () => {
    ({ client, tableName } = await freshTable(meshTable));
    registry = new DynamoDbServiceRegistry(client, tableName);
  });

  describe('DynamoDbServiceClaims', () => {
    it('claims a name for the first tenant, idempotently, keeping the first principal', async () => {
      // Prepare
      const claims = new DynamoDbServiceClaims(client, tableName);

      // Act
      const first = await claims.claim('claimed-1', A, T0);
      const again = await claims.claim('claimed-1', A2, T1);

      // Assess
      expect([first, again]).toEqual([{ claimed: true }, { claimed: false }]);
      expect(await claims.ownerOf('claimed-1')).toEqual(A);
      expect(await claims.ownerOf('claimed-never')).toBeUndefined();
    });

    it("rejects another tenant's claim with NotOwnerError naming the service", async () => {
      // Prepare
      const claims = new DynamoDbServiceClaims(client, tableName);
      await claims.claim('claimed-2', A, T0);

      // Act
      const refused = await rejectionOf<NotOwnerError>(claims.claim('claimed-2', B, T1));

      // Assess
      expect(refused).toBeInstanceOf(NotOwnerError);
      expect(refused.message).toBe('The service "claimed-2" belongs to another tenant');
      expect(await claims.ownerOf('claimed-2')).toEqual(A);
    });

    it('lets exactly one of 10 racing tenants claim a free name', async () => {
      // Prepare
      const claims = new DynamoDbServiceClaims(client, tableName);
      const tenants = Array.from({ length: 10 }, (_, i) => ({ tenant: `racer-${i}`, principal: 'p' }));

      // Act
      const results = await Promise.allSettled(tenants.map((owner) => claims.claim('claimed-race', owner, T0)));

      // Assess
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason)).toEqual(
        Array.from({ length: 9 }, () => expect.any(NotOwnerError)),
      );
      const winner = tenants[results.findIndex((r) => r.status === 'fulfilled')];
      expect(await claims.ownerOf('claimed-race')).toEqual(winner);
    });
  });

  describe('DynamoDbServiceRegistry.register', () => {
    it('records the owner and lets the same principal re-register', async () => {
      // Act
      const first = await registry.register(registration('own-1'), A, T0);
      const heartbeat = await registry.register(registration('own-1', { weight: 5 }), A, T1);

      // Assess
      expect(first.instance.owner).toEqual(A);
      expect(heartbeat).toMatchObject({ created: false, instance: { revision: 2, weight: 5, owner: A } });
      expect(await registry.get('own-1')).toEqual(heartbeat.instance);
    });

    it("rejects another principal's re-registration — of another tenant or the same — with 409, changing nothing", async () => {
      // Prepare
      const original = await registry.register(registration('own-2'), A, T0);
      const takeover = registration('own-2', { name: 'elsewhere', endpoint: 'http://10.9.9.9:8080/' });

      // Act
      const byB = await rejectionOf<InstanceOwnedError>(registry.register(takeover, B, T1));
      const byA2 = await rejectionOf<InstanceOwnedError>(registry.register(takeover, A2, T1));
      const conditional = await rejectionOf<InstanceOwnedError>(
        registry.register(takeover, B, T1, { kind: 'one-of', revisions: [1] }),
      );

      // Assess
      for (const refused of [byB, byA2, conditional]) {
        expect(refused).toBeInstanceOf(InstanceOwnedError);
        expect(refused.code).toBe('conflict'); // → 409
      }
      expect(await registry.get('own-2')).toEqual(original.instance);
      expect(await registry.listByName(B.tenant, 'elsewhere')).toEqual([]);
    });

    it('answers 412, not 409, when the owner sends a stale revision', async () => {
      // Prepare
      await registry.register(registration('own-3'), A, T0);

      // Act
      const stale = await rejectionOf(
        registry.register(registration('own-3'), A, T1, { kind: 'one-of', revisions: [7] }),
      );

      // Assess
      expect(stale).toBeInstanceOf(RevisionMismatchError);
    });
  });

  describe('tenant views', () => {
    it("lists only the tenant's instances, while list() holds every tenant's", async () => {
      // Prepare
      await registry.register(registration('view-a1', { name: 'view-svc-a' }), A, T0);
      await registry.register(registration('view-a2', { name: 'view-svc-a' }), A2, T0);
      await registry.register(registration('view-b1', { name: 'view-svc-b' }), B, T0);

      // Act
      const ofA = await registry.listByTenant(A.tenant);
      const ofB = await registry.listByTenant(B.tenant);
      const all = await registry.list();

      // Assess
      expect(ofA.map((i) => i.id)).toEqual(expect.arrayContaining(['view-a1', 'view-a2']));
      expect(ofA.every((i) => i.owner.tenant === A.tenant)).toBe(true);
      expect(ofB.map((i) => i.id)).toEqual(['view-b1']);
      expect((await registry.listByName(A.tenant, 'view-svc-a')).map((i) => i.id)).toEqual(['view-a1', 'view-a2']);
      expect(await registry.listByName(B.tenant, 'view-svc-a')).toEqual([]);
      expect(all.map((i) => i.id)).toEqual(expect.arrayContaining(['view-a1', 'view-a2', 'view-b1']));
    });

    it('keeps tenants holding "#" or "/" apart from the tenants they spell', async () => {
      // Prepare
      const tricky = { tenant: 'acme#x', principal: 'p' };
      await registry.register(registration('tricky-1', { name: 'tricky' }), tricky, T0);

      // Act / Assess
      expect((await registry.listByTenant('acme#x')).map((i) => i.id)).toEqual(['tricky-1']);
      expect((await registry.listByTenant('acme')).map((i) => i.id)).not.toContain('tricky-1');
      expect(await registry.listByName('acme', 'x#tricky')).toEqual([]);
    });
  });

  describe('DynamoDbServiceRegistry.deregister', () => {
    it('answers false to another tenant, 409 to another principal of the tenant, and removes for the owner', async () => {
      // Prepare
      await registry.register(registration('dereg-1'), A, T0);

      // Act
      const byB = await registry.deregister('dereg-1', undefined, B);
      const byA2 = await rejectionOf<InstanceOwnedError>(registry.deregister('dereg-1', undefined, A2));
      const stillThere = await registry.get('dereg-1');
      const byA = await registry.deregister('dereg-1', undefined, A);

      // Assess
      expect(byB).toBe(false);
      expect(byA2).toBeInstanceOf(InstanceOwnedError);
      expect(stillThere?.owner).toEqual(A);
      expect(byA).toBe(true);
      expect(await registry.get('dereg-1')).toBeUndefined();
    });

    it('removes any instance of the tenant when no principal is required (mesh:admin), and any at all without `by`', async () => {
      // Prepare
      await registry.register(registration('dereg-2'), A, T0);
      await registry.register(registration('dereg-3'), B, T0);

      // Act
      const tenantWide = await registry.deregister('dereg-2', undefined, { tenant: A.tenant });
      const healthChecks = await registry.deregister('dereg-3');

      // Assess
      expect([tenantWide, healthChecks]).toEqual([true, true]);
    });

    it("treats If-None-Match: * on another tenant's instance as nothing there", async () => {
      // Prepare
      await registry.register(registration('dereg-4'), A, T0);

      // Act
      const byB = await registry.deregister('dereg-4', { kind: 'must-not-exist' }, B);
      const byA = await rejectionOf(registry.deregister('dereg-4', { kind: 'must-not-exist' }, A));

      // Assess
      expect(byB).toBe(false);
      expect(byA).toBeInstanceOf(RevisionMismatchError);
    });
  });

  describe('DynamoDbRoutingRuleRepository', () => {
    it('keeps one namespace of rule ids per tenant', async () => {
      // Prepare
      const rules = new DynamoDbRoutingRuleRepository(client, tableName);
      const ofA = RoutingRuleSchema.parse({ id: 'same-id', sourceService: '*', targetService: 'svc-a' });
      const ofB = RoutingRuleSchema.parse({ id: 'same-id', sourceService: '*', targetService: 'svc-b' });

      // Act
      const created = [await rules.put(ofA, A), await rules.put(ofB, B)];
      const deletedByB = await rules.delete(B.tenant, 'same-id');

      // Assess
      expect(created).toEqual([{ created: true }, { created: true }]);
      expect(deletedByB).toBe(true);
      expect(await rules.list(A.tenant)).toEqual([{ ...ofA, owner: A }]);
      expect(await rules.list(B.tenant)).toEqual([]);
      expect(await rules.get(B.tenant, 'same-id')).toBeUndefined();
    });
  });

  describe('DynamoDbBreakerStore', () => {
    it('keeps breakers and settings per tenant', async () => {
      // Prepare
      const store = new DynamoDbBreakerStore(client, tableName);
      const state = { ...initialBreakerState('brk-1'), failureCount: 1, version: 1 };

      // Act
      await store.compareAndSet(A.tenant, state, 0);
      await store.putConfig(
        'brk-svc',
        { failureThreshold: 2, resetTimeoutMs: 1000, halfOpenRequests: 1, permitLeaseMs: 1000 },
        A,
      );

      // Assess
      expect(await store.list(A.tenant)).toEqual([state]);
      expect(await store.list(B.tenant)).toEqual([]);
      expect(await store.get(B.tenant, 'brk-1')).toBeUndefined();
      expect((await store.getConfig(A.tenant, 'brk-svc'))?.owner).toEqual(A);
      expect(await store.getConfig(B.tenant, 'brk-svc')).toBeUndefined();
    });
  });
});
