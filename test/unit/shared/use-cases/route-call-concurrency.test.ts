import { describe, expect, it } from 'vitest';
import type { Owner } from '../../../../shared/domain/auth/owner';
import {
  ConcurrencyLimiterUnavailableError,
  TenantConcurrencyExceededError,
} from '../../../../shared/domain/concurrency/errors';
import type { ServiceInstance } from '../../../../shared/domain/mesh/service-instance';
import { toProblem } from '../../../../shared/http/problem';
import type { HttpRequest, HttpResponse } from '../../../../shared/ports/http-client';
import { OutboundBudget } from '../../../../shared/use-cases/outbound-budget';
import { MeshRouter, type RoutedCall } from '../../../../shared/use-cases/route-call';
import { recordingClock } from '../../../support/clock';
import { memoryLimiter } from '../../../support/concurrency';
import { plainRouterDeps } from '../../../support/mesh-router';
import { rejectionOf } from '../../../support/rejection';

const ACME: Owner = { tenant: 'acme', principal: 'agent-1' };
const GLOBEX: Owner = { tenant: 'globex', principal: 'agent-2' };

function instance(id: string, name: string, owner: Owner): ServiceInstance {
  return {
    id,
    name,
    version: '1.0.0',
    endpoint: `http://${id}.internal:8080`,
    healthEndpoint: `http://${id}.internal:8080/health`,
    metadata: {},
    weight: 100,
    status: 'healthy',
    owner,
    revision: 1,
    registeredAt: '2026-11-30T10:00:00.000Z',
    lastHeartbeatAt: '2026-11-30T10:00:00.000Z',
  };
}

/**
 * A router whose upstream answers only when the test says so (`answerAll`), or throws (`fail`),
 * over a budget of `max` calls in flight per tenant: acme holds `orders`, globex `billing`.
 */
function harness(max: number, upstream?: (request: HttpRequest) => Promise<HttpResponse>) {
  const claims: Record<string, Owner> = { orders: ACME, billing: GLOBEX };
  const instances = [instance('o-1', 'orders', ACME), instance('b-1', 'billing', GLOBEX)];
  const clock = recordingClock(Date.parse('2026-11-30T10:00:00Z'));
  const requests: HttpRequest[] = [];
  const pending: Array<() => void> = [];
  const limiter = memoryLimiter();
  const base = plainRouterDeps(clock, requests);
  const router = new MeshRouter({
    ...base,
    claims: { ownerOf: async (name) => claims[name] },
    registry: {
      listByName: async (tenant, name) => instances.filter((i) => i.name === name && i.owner.tenant === tenant),
    },
    rules: { list: async () => [] },
    http: {
      request:
        upstream ??
        (async (request) => {
          requests.push(request);
          await new Promise<void>((resolve) => pending.push(resolve));
          return { status: 200, headers: {}, body: Buffer.from('ok') };
        }),
    },
    outboundBudget: new OutboundBudget({ limiter, clock }, { scope: 'mesh', maxInFlight: max }),
  });
  const answerAll = () => {
    for (const resolve of pending.splice(0)) resolve();
  };
  /** Lets the router's awaits run until the upstream holds `n` requests. */
  const untilRequests = async (n: number) => {
    for (let i = 0; i < 100 && requests.length < n; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  return { router, limiter, requests, answerAll, untilRequests };
}

const call = (caller: Owner, service: string): RoutedCall => ({
  caller,
  service,
  method: 'GET',
  path: '/orders/1',
  query: '',
  headers: {},
  trace: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' },
});

describe('MeshRouter', () => {
  describe('route with an outbound budget', () => {
    it("refuses a tenant's call beyond its in-flight limit 429 with Retry-After, before any instance is called; another tenant's call passes", async () => {
      // Prepare: max 1, acme's first call held by the slow upstream
      const { router, requests, answerAll, untilRequests } = harness(1);
      const first = router.route(call(ACME, 'orders'));
      await untilRequests(1);

      // Act
      const refused = await rejectionOf<TenantConcurrencyExceededError>(router.route(call(ACME, 'orders')));
      const other = router.route(call(GLOBEX, 'billing'));
      await untilRequests(2);
      answerAll();

      // Assess
      expect(refused).toBeInstanceOf(TenantConcurrencyExceededError);
      const { problem, headers } = toProblem(refused, 'req-1');
      expect(problem).toMatchObject({
        type: 'urn:aif:problem:tenant-concurrency-exceeded',
        status: 429,
        concurrency: { scope: 'mesh', maxInFlight: 1 },
      });
      expect(headers['retry-after']).toBe('5');
      expect(requests.map((r) => r.url)).toEqual([
        'http://o-1.internal:8080/orders/1',
        'http://b-1.internal:8080/orders/1',
      ]);
      await expect(first).resolves.toMatchObject({ status: 200 });
      await expect(other).resolves.toMatchObject({ status: 200 });
    });

    it('takes one lease per call under the tenant, lasting API Gateway’s 29 s and a margin, and releases it once answered', async () => {
      // Prepare
      const { router, limiter, answerAll, untilRequests } = harness(2);

      // Act
      const routed = router.route(call(ACME, 'orders'));
      await untilRequests(1);
      const whileInFlight = limiter.held.get('INFLIGHT#mesh#acme')?.size;
      answerAll();
      await routed;

      // Assess
      expect(whileInFlight).toBe(1);
      expect(limiter.acquired).toEqual([
        { key: 'INFLIGHT#mesh#acme', max: 2, leaseMs: 34_000, nowMs: Date.parse('2026-11-30T10:00:00Z') },
      ]);
      expect(limiter.released).toEqual([{ key: 'INFLIGHT#mesh#acme', leaseId: 'lease-1' }]);
      expect(limiter.held.get('INFLIGHT#mesh#acme')?.size).toBe(0);
    });

    it('releases the lease when every attempt throws', async () => {
      // Prepare: connections refused on every attempt
      const refusedConnection = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      const { router, limiter } = harness(1, async () => {
        throw refusedConnection;
      });

      // Act
      const error = await rejectionOf(router.route(call(ACME, 'orders')));

      // Assess
      expect(error).toBeInstanceOf(Error);
      expect(limiter.released).toHaveLength(1);
      expect(limiter.held.get('INFLIGHT#mesh#acme')?.size).toBe(0);
    });

    it('fails closed with 503 and Retry-After when the budget store is unavailable; nothing is sent', async () => {
      // Prepare
      const { router, limiter, requests } = harness(1);
      limiter.down = true;

      // Act
      const error = await rejectionOf(router.route(call(ACME, 'orders')));

      // Assess
      expect(error).toBeInstanceOf(ConcurrencyLimiterUnavailableError);
      const { problem, headers } = toProblem(error, 'req-2');
      expect(problem).toMatchObject({ type: 'urn:aif:problem:concurrency-limiter-unavailable', status: 503 });
      expect(headers['retry-after']).toBe('2');
      expect(requests).toHaveLength(0);
    });

    it('answers even when the release fails: the lease expires by itself', async () => {
      // Prepare
      const released: unknown[] = [];
      const limiter = memoryLimiter();
      const budget = new OutboundBudget(
        { limiter, clock: recordingClock(0) },
        { scope: 'mesh', maxInFlight: 1, onReleaseError: (e) => released.push(e) },
      );

      // Act
      const answer = await budget.run('acme', 1_000, async () => {
        limiter.down = true;
        return 'answered';
      });

      // Assess
      expect(answer).toBe('answered');
      expect(released).toHaveLength(1);
    });
  });
});
