import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EMBEDDED_CLIENT_CONFIG } from '../../../../../local/embedded-dynamodb';
import { DynamoDbBreakerStore } from '../../../../../shared/adapters/dynamodb/breaker-store';
import { DynamoDbRoutingRuleRepository } from '../../../../../shared/adapters/dynamodb/routing-rule-repository';
import { DynamoDbServiceRegistry } from '../../../../../shared/adapters/dynamodb/service-registry';
import { meshTable } from '../../../../../shared/adapters/dynamodb/table-definitions';
import { RevisionMismatchError } from '../../../../../shared/domain/errors';
import {
  admit,
  type BreakerConfig,
  type BreakerState,
  DEFAULT_BREAKER_CONFIG,
  initialBreakerState,
  livePermitCount,
  recordFailure,
  recordSuccess,
} from '../../../../../shared/domain/mesh/circuit-breaker';
import { type RoutingRule, RoutingRuleSchema } from '../../../../../shared/domain/mesh/routing-rule';
import type { BreakerStore } from '../../../../../shared/ports/service-mesh';
import { freshTable } from '../../../../support/dynamodb';
import { registration } from '../../../../support/mesh';

/** The owner of the instances, rules and breakers these tests write unless they say otherwise. */
const A = { tenant: 'acme', principal: 'agent-a' };

/** A rule as the API would parse it (schema defaults applied). */
function rule(id: string, overrides: Record<string, unknown> = {}): RoutingRule {
  return RoutingRuleSchema.parse({ id, sourceService: '*', targetService: 'orders', ...overrides });
}

describe('mesh repositories (dynalite)', () => {
  let client: DynamoDBDocumentClient;
  let tableName: string;

  beforeAll(async () => {
    ({ client, tableName } = await freshTable(meshTable));
  });

  describe('DynamoDbServiceRegistry', () => {
    describe('register', () => {
      it('creates an instance, then counts heartbeats while keeping registeredAt', async () => {
        // Prepare
        const registry = new DynamoDbServiceRegistry(client, tableName);

        // Act
        const first = await registry.register(registration('hb-1'), A, '2026-11-30T10:00:00.000Z');
        const second = await registry.register(registration('hb-1', { weight: 50 }), A, '2026-11-30T10:00:30.000Z');

        // Assess
        expect(first).toMatchObject({
          created: true,
          instance: { revision: 1, registeredAt: '2026-11-30T10:00:00.000Z', status: 'unknown' },
        });
        expect(second).toMatchObject({
          created: false,
          instance: {
            revision: 2,
            weight: 50,
            registeredAt: '2026-11-30T10:00:00.000Z',
            lastHeartbeatAt: '2026-11-30T10:00:30.000Z',
          },
        });
        expect(await registry.get('hb-1')).toEqual(second.instance);
      });

      it('stores supportedFormats, and drops them when a re-registration states none', async () => {
        // Prepare
        const registry = new DynamoDbServiceRegistry(client, tableName);
        const formats = ['application/msgpack', 'application/json'];

        // Act
        const declared = await registry.register(
          registration('fmt-1', { supportedFormats: formats }),
          A,
          '2026-11-30T10:00:00.000Z',
        );
        const readDeclared = await registry.get('fmt-1');
        const listed = (await registry.listByName(A.tenant, 'orders')).find((i) => i.id === 'fmt-1');
        await registry.register(registration('fmt-1'), A, '2026-11-30T10:00:30.000Z');
        const readPlain = await registry.get('fmt-1');

        // Assess
        expect(declared.instance.supportedFormats).toEqual(formats);
        expect(readDeclared?.supportedFormats).toEqual(formats);
        expect(listed?.supportedFormats).toEqual(formats);
        expect(readPlain).toBeDefined();
        expect(readPlain && 'supportedFormats' in readPlain).toBe(false);
      });

      it('numbers 10 racing heartbeats 1 to 10 with exactly one creation', async () => {
        // Prepare
        const registry = new DynamoDbServiceRegistry(client, tableName);

        // Act
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            registry.register(registration('hb-race'), A, `2026-11-30T10:00:${String(i).padStart(2, '0')}.000Z`),
          ),
        );

        // Assess
        expect(results.map((r) => r.instance.revision).sort((a, b) => a - b)).toEqual(
          Array.from({ length: 10 }, (_, i) => i + 1),
        );
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect((await registry.get('hb-race'))?.revision).toBe(10);
      });

      it('keeps the health-checked status on a plain heartbeat and writes an explicit claim', async () => {
        // Prepare
        const registry = new DynamoDbServiceRegistry(client, tableName);
        await registry.register(registration('status-1'), A, '2026-11-30T10:00:00.000Z');
        const check = { at: '2026-11-30T10:00:10.000Z', status: 'healthy' as const, httpStatus: 200, latencyMs: 12 };
        await registry.recordHealth('status-1', check);

        // Act
        const heartbeat = await registry.register(registration('status-1'), A, '2026-11-30T10:00:30.000Z');
        const claim = await registry.register(
          registration('status-1', { status: 'degraded' }),
          A,
          '2026-11-30T10:01:00.000Z',
        );

        // Assess
        expect(heartbeat.instance).toMatchObject({ status: 'healthy', lastHealthCheck: check, revision: 2 });
        expect(claim.instance).toMatchObject({ status: 'degraded', lastHealthCheck: check, revision: 3 });
        expect(await registry.get('status-1')).toEqual(claim.instance);
      });

      it('writes when the expected revision holds', async () => {
        // Prepare
        const registry = new DynamoDbServiceRegistry(client, tableName);
        const created = await registry.register(registration('cond-ok'), A, '2026-11-30T10:00:00.000Z', {
          kind: 'must-not-exist',
        });

        // Act
        const updated = await registry.register(
          registration('cond-ok', { version: '1.3.0' }),
          A,
          '2026-11-30T10:00:30.000Z',
          { kind: 'one-of', revisions: [created.instance.revision] },
        );

        // Assess
        expect(created).toMatchObject({ created: true, instance: { revision: 1 } });
        expect(updated).toMatchObject({ created: false, instance: { revision: 2, version: '1.3.0' } });
      });

      it('rejects a stale expected revision with 412 and writes nothing', async () => {
        // Prepare
        const registry = new DynamoDbServiceRegistry(client, tableName);
        await registry.register(registration('cond-stale'), A, '2026-11-30T10:00:00.000Z');
        const current = await registry.register(registration('cond-stale'), A, '2026-11-30T10:00:30.000Z');

        // Act
        const stale = registry.register(registration('cond-stale', { weight: 0 }), A, '2026-11-30T10:01:00.000Z', {
          kind: 'one-of',
          revisions: [current.instance.revision - 1],
        });

        // Assess
        await expect(stale).rejects.toBeInstanceOf(RevisionMismatchError);
        await expect(stale).rejects.toMatchObject({ code: 'precondition-failed' }); // → 412
        expect(await registry.get('cond-stale')).toEqual(current.instance);
      });

      it('rejects an expected revision of an unregistered id, and revision 0 of a registered one', async () => {
        // Prepare
        const registry = new DynamoDbServiceRegistry(client, tableName);
        await registry.register(registration('cond-taken'), A, '2026-11-30T10:00:00.000Z');

        // Act / Assess
        await expect(
          registry.register(registration('cond-ghost'), A, '2026-11-30T10:00:00.000Z', {
            kind: 'one-of',
            revisions: [1],
          }),
        ).rejects.toBeInstanceOf(RevisionMismatchError);
        await expect(
          registry.register(registration('cond-taken'), A, '2026-11-30T10:00:00.000Z', { kind: 'must-not-exist' }),
        ).rejects.toBeInstanceOf(RevisionMismatchError);
        expect(await registry.get('cond-ghost')).toBeUndefined();
        expect((await registry.get('cond-taken'))?.revision).toBe(1);
      });
    });

    describe('listByName', () => {
      it('lists every instance of one service in id order, following a renamed instance', async () => {
        // Prepare
        const registry = new DynamoDbServiceRegistry(client, tableName);
        const now = '2026-11-30T10:00:00.000Z';
        await Promise.all([
          registry.register(registration('pay-2', { name: 'payments' }), A, now),
          registry.register(registration('pay-1', { name: 'payments' }), A, now),
          registry.register(registration('pay-3', { name: 'payments' }), A, now),
          registry.register(registration('ship-1', { name: 'shipping' }), A, now),
          registry.register(registration('payx-1', { name: 'paymentsx' }), A, now),
        ]);

        // Act
        const before = await registry.listByName(A.tenant, 'payments');
        await registry.register(registration('pay-3', { name: 'shipping' }), A, now);
        const payments = await registry.listByName(A.tenant, 'payments');
        const shipping = await registry.listByName(A.tenant, 'shipping');

        // Assess
        expect(before.map((i) => i.id)).toEqual(['pay-1', 'pay-2', 'pay-3']);
        expect(before[0]).toEqual(await registry.get('pay-1'));
        expect(payments.map((i) => i.id)).toEqual(['pay-1', 'pay-2']);
        expect(shipping.map((i) => i.id)).toEqual(['pay-3', 'ship-1']);
        expect(await registry.listByName(A.tenant, 'nobody')).toEqual([]);
      });
    });

    describe('deregister', () => {
      it('removes an instance from get, list and listByName, and answers false the second time', async () => {
        // Prepare
        const registry = new DynamoDbServiceRegistry(client, tableName);
        await registry.register(registration('gone-1', { name: 'leaving' }), A, '2026-11-30T10:00:00.000Z');

        // Act
        const first = await registry.deregister('gone-1');
        const second = await registry.deregister('gone-1');

        // Assess
        expect([first, second]).toEqual([true, false]);
        expect(await registry.get('gone-1')).toBeUndefined();
        expect((await registry.list()).map((i) => i.id)).not.toContain('gone-1');
        expect(await registry.listByName(A.tenant, 'leaving')).toEqual([]);
      });
    });

    describe('recordHealth', () => {
      it('answers the status before and stores the check without changing the revision', async () => {
        // Prepare
        const registry = new DynamoDbServiceRegistry(client, tableName);
        await registry.register(registration('health-1'), A, '2026-11-30T10:00:00.000Z');
        const failing = { at: '2026-11-30T10:00:20.000Z', status: 'unhealthy' as const, error: 'timeout' };

        // Act
        const first = await registry.recordHealth('health-1', { at: '2026-11-30T10:00:10.000Z', status: 'healthy' });
        const second = await registry.recordHealth('health-1', failing);

        // Assess
        expect([first, second]).toEqual(['unknown', 'healthy']);
        expect(await registry.get('health-1')).toMatchObject({
          status: 'unhealthy',
          lastHealthCheck: failing,
          revision: 1,
        });
      });

      it('writes nothing for an id that is not registered (a check finishing after deregistration)', async () => {
        // Prepare
        const registry = new DynamoDbServiceRegistry(client, tableName);
        await registry.register(registration('health-gone'), A, '2026-11-30T10:00:00.000Z');
        await registry.deregister('health-gone');

        // Act
        const gone = await registry.recordHealth('health-gone', { at: '2026-11-30T10:00:10.000Z', status: 'healthy' });
        const never = await registry.recordHealth('health-never', {
          at: '2026-11-30T10:00:10.000Z',
          status: 'healthy',
        });

        // Assess
        expect([gone, never]).toEqual([undefined, undefined]);
        for (const id of ['health-gone', 'health-never']) {
          const raw = await client.send(
            new GetCommand({ TableName: tableName, Key: { pk: 'INSTANCE', sk: id }, ConsistentRead: true }),
          );
          expect(raw.Item).toBeUndefined();
        }
      });
    });

    describe('list', () => {
      it('lists instances of every service and nothing of the other item kinds', async () => {
        // Prepare
        const registry = new DynamoDbServiceRegistry(client, tableName);
        await registry.register(registration('all-1', { name: 'alpha' }), A, '2026-11-30T10:00:00.000Z');
        await new DynamoDbRoutingRuleRepository(client, tableName).put(rule('all-rule'), A);

        // Act
        const all = await registry.list();

        // Assess
        expect(all.map((i) => i.id)).toContain('all-1');
        expect(all.map((i) => i.id)).not.toContain('all-rule');
        expect(all.every((i) => typeof i.revision === 'number' && !('pk' in i) && !('gsi1pk' in i))).toBe(true);
      });
    });
  });

  describe('DynamoDbRoutingRuleRepository', () => {
    it('creates, replaces, reads, lists and deletes rules', async () => {
      // Prepare
      const rules = new DynamoDbRoutingRuleRepository(client, tableName);
      const canary = rule('crud-canary', {
        priority: 10,
        // Header names that are DynamoDB reserved words, and nesting, stay exactly as given.
        match: {
          methods: ['GET', 'POST'],
          pathPrefix: '/orders',
          headers: { Status: { equals: 'x' }, Size: { present: true } },
        },
        splits: [
          { versions: '1.x', weight: 90 },
          { versions: '>=2.0.0-0', weight: 10 },
        ],
        headersToAdd: { Name: 'canary' },
      });
      const plain = rule('crud-plain');

      // Act
      const created = await rules.put(canary, A);
      const replaced = await rules.put({ ...canary, priority: 20 }, A);
      await rules.put(plain, A);
      const listed = await rules.list(A.tenant);
      const deleted = [await rules.delete(A.tenant, 'crud-plain'), await rules.delete(A.tenant, 'crud-plain')];

      // Assess
      expect([created, replaced]).toEqual([{ created: true }, { created: false }]);
      expect(await rules.get(A.tenant, 'crud-canary')).toEqual({ ...canary, priority: 20, owner: A });
      expect(listed.filter((r) => r.id.startsWith('crud-'))).toEqual([
        { ...canary, priority: 20, owner: A },
        { ...plain, owner: A },
      ]);
      expect(plain).not.toHaveProperty('splits');
      expect(deleted).toEqual([true, false]);
      expect(await rules.get(A.tenant, 'crud-plain')).toBeUndefined();
      expect(await rules.get(A.tenant, 'crud-never')).toBeUndefined();
    });
  });

  describe('DynamoDbBreakerStore', () => {
    describe('compareAndSet', () => {
      it('writes the first state only once and then only on the version read', async () => {
        // Prepare
        const store = new DynamoDbBreakerStore(client, tableName);
        const initial = initialBreakerState('cas-1');
        const first = { ...initial, failureCount: 1, version: 1, updatedAt: 1 };
        const second = { ...first, state: 'half-open' as const, permits: { p1: 5_000 }, version: 2 };

        // Act
        const results = [
          await store.compareAndSet(A.tenant, first, 0),
          await store.compareAndSet(A.tenant, { ...first, failureCount: 9 }, 0),
          await store.compareAndSet(A.tenant, second, 1),
          await store.compareAndSet(A.tenant, { ...second, version: 3 }, 1),
        ];

        // Assess
        expect(results).toEqual([true, false, true, false]);
        expect(await store.get(A.tenant, 'cas-1')).toEqual(second);
        expect(await store.get(A.tenant, 'cas-never')).toBeUndefined();
        expect((await store.list(A.tenant)).find((b) => b.instanceId === 'cas-1')).toEqual(second);
      });

      it('fails a write that does not move the version forward', async () => {
        // Prepare
        const store = new DynamoDbBreakerStore(client, tableName);

        // Act / Assess
        await expect(store.compareAndSet(A.tenant, initialBreakerState('cas-0'), 0)).rejects.toBeInstanceOf(RangeError);
      });
    });

    describe('shared by 10 Lambda instances', () => {
      const config: BreakerConfig = { ...DEFAULT_BREAKER_CONFIG, failureThreshold: 5, halfOpenRequests: 3 };
      const instanceId = 'race-orders-1';
      const t0 = Date.parse('2026-11-30T10:00:00.000Z');
      const clients: DynamoDBDocumentClient[] = [];
      let stores: DynamoDbBreakerStore[];
      /** Compare-and-sets that lost to another writer (proof the calls really raced). */
      let lostRaces = 0;

      /** A written transition: the state read and the state that replaced it. */
      type Write = { previous: BreakerState; next: BreakerState };

      /**
       * One call's breaker step as the router does it: read, compute, compare-and-set; a lost race
       * re-reads and recomputes, never overwrites. Returns what the step returned and what it wrote.
       */
      async function step<T>(
        store: BreakerStore,
        transition: (state: BreakerState) => { result: T; next: BreakerState | undefined },
      ): Promise<{ result: T; written?: Write }> {
        for (let attempt = 0; attempt < 200; attempt++) {
          const previous = (await store.get(A.tenant, instanceId)) ?? initialBreakerState(instanceId);
          const { result, next } = transition(previous);
          if (!next) return { result };
          if (await store.compareAndSet(A.tenant, next, previous.version))
            return { result, written: { previous, next } };
          lostRaces++;
        }
        throw new Error('a breaker step lost 200 races in a row');
      }

      beforeAll(() => {
        // Separate document clients (and so separate connection pools), as separate Lambdas have.
        const endpoint = inject('dynamoDbEndpoint');
        for (let i = 0; i < 10; i++) {
          clients.push(
            DynamoDBDocumentClient.from(new DynamoDBClient({ ...EMBEDDED_CLIENT_CONFIG, endpoint }), {
              marshallOptions: { removeUndefinedValues: true },
            }),
          );
        }
        stores = clients.map((c) => new DynamoDbBreakerStore(c, tableName));
      });

      afterAll(() => {
        for (const c of clients) c.destroy();
      });

      it('opens exactly once under 50 parallel failures, admits exactly 3 of 30 probes, and closes on 3 successes', async () => {
        // Act 1: 50 failing calls, 5 per Lambda instance, all at t0
        const failures = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            step(stores[i % 10]!, (state) => ({ result: undefined, next: recordFailure(state, config, t0) })),
          ),
        );

        // Assess 1
        expect(lostRaces).toBeGreaterThan(0);
        const failureWrites = failures.flatMap((f) => (f.written ? [f.written] : []));
        const openings = failureWrites.filter((w) => w.previous.state === 'closed' && w.next.state === 'open');
        expect(openings).toHaveLength(1);
        // Every failure up to the threshold was counted once; the 45 after it found the breaker open.
        expect(failureWrites.map((w) => w.next.failureCount).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
        expect(failureWrites.map((w) => w.next.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
        const opened = await stores[0]!.get(A.tenant, instanceId);
        expect(opened).toMatchObject({ state: 'open', openedAt: t0, failureCount: 5, version: 5, permits: {} });

        // Act 2: 30 parallel probe attempts once the reset timeout has passed
        const now = t0 + config.resetTimeoutMs;
        const admissions = await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            step(stores[i % 10]!, (state) => {
              const admission = admit(state, config, now, `probe-${i}`);
              return { result: { permitId: `probe-${i}`, allowed: admission.allowed }, next: admission.next };
            }),
          ),
        );

        // Assess 2
        const admitted = admissions.filter((a) => a.result.allowed).map((a) => a.result.permitId);
        expect(admitted).toHaveLength(config.halfOpenRequests);
        for (const a of admissions) {
          if (a.written) expect(livePermitCount(a.written.next, now)).toBeLessThanOrEqual(config.halfOpenRequests);
        }
        expect(admissions.filter((a) => a.written?.previous.state === 'open')).toHaveLength(1);
        const halfOpen = await stores[0]!.get(A.tenant, instanceId);
        expect(halfOpen).toMatchObject({ state: 'half-open', successes: 0 });
        expect(Object.keys(halfOpen!.permits).sort()).toEqual([...admitted].sort());

        // Act 3: the 3 probes succeed, in parallel, each on another Lambda instance
        const successes = await Promise.all(
          admitted.map((permitId, i) =>
            step(stores[(i * 3) % 10]!, (state) => ({
              result: undefined,
              next: recordSuccess(state, config, now + 100, permitId),
            })),
          ),
        );

        // Assess 3
        expect(successes.every((s) => s.written)).toBe(true);
        expect(successes.filter((s) => s.written?.next.state === 'closed')).toHaveLength(1);
        const closed = await stores[0]!.get(A.tenant, instanceId);
        expect(closed).toMatchObject({ state: 'closed', failureCount: 0, permits: {}, successes: 0 });
        expect(closed).not.toHaveProperty('openedAt');
      });
    });
  });
});
