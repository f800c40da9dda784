import { describe, expect, it } from 'vitest';
import type { Owner } from '../../../../shared/domain/auth/owner';
import { NotFoundError } from '../../../../shared/domain/errors';
import { meshSourceOf, RoutingRuleSchema } from '../../../../shared/domain/mesh/routing-rule';
import type { ServiceInstance } from '../../../../shared/domain/mesh/service-instance';
import type { HttpRequest } from '../../../../shared/ports/http-client';
import type { StoredRoutingRule } from '../../../../shared/ports/service-mesh';
import { MeshRouter, type RoutedCall } from '../../../../shared/use-cases/route-call';
import { recordingClock } from '../../../support/clock';
import { plainRouterDeps } from '../../../support/mesh-router';
import { rejectionOf } from '../../../support/rejection';

const A: Owner = { tenant: 'acme', principal: 'gateway' };
const B: Owner = { tenant: 'globex', principal: 'intruder' };

function instance(id: string, name: string, owner: Owner): ServiceInstance {
  return {
    id,
    name,
    version: '1.0.0',
    endpoint: `http://${id}.internal:8080/`,
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
 * A router over two tenants: A holds `orders` (instance `a-1`) and `orders-next` (`n-1`), B holds
 * `billing` (`b-1`). A has one rule, for calls of its principal `gateway` to `orders`.
 */
function harness() {
  const claims: Record<string, Owner> = { orders: A, 'orders-next': A, billing: B };
  const instances = [instance('a-1', 'orders', A), instance('n-1', 'orders-next', A), instance('b-1', 'billing', B)];
  const rules: StoredRoutingRule[] = [
    { ...RoutingRuleSchema.parse({ id: 'gw', sourceService: 'gateway', targetService: 'orders' }), owner: A },
  ];
  const requests: HttpRequest[] = [];
  const clock = recordingClock(Date.parse('2026-11-30T10:00:00Z'));
  const router = new MeshRouter({
    claims: { ownerOf: async (name) => claims[name] },
    registry: {
      listByName: async (tenant, name) => instances.filter((i) => i.name === name && i.owner.tenant === tenant),
    },
    rules: { list: async (tenant) => rules.filter((r) => r.owner.tenant === tenant) },
    ...plainRouterDeps(clock, requests),
  });
  return { router, requests, rules };
}

function call(caller: Owner, service: string, headers: Record<string, string> = {}): RoutedCall {
  return {
    caller,
    service,
    method: 'GET',
    path: '/x',
    query: '',
    headers,
    trace: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' },
  };
}

describe('MeshRouter with tenants', () => {
  describe('route', () => {
    it("refuses another tenant's service with the same 404 as an unknown one, calling nobody", async () => {
      // Prepare
      const { router, requests } = harness();

      // Act
      const foreign = await rejectionOf<NotFoundError>(router.route(call(B, 'orders')));
      const unknown = await rejectionOf<NotFoundError>(router.route(call(B, 'nobody')));

      // Assess
      expect(foreign).toBeInstanceOf(NotFoundError);
      expect(unknown).toBeInstanceOf(NotFoundError);
      expect(foreign.message).toBe('No service orders');
      expect(unknown.message).toBe('No service nobody');
      expect(requests).toEqual([]);
    });

    it('routes a tenant to its own service', async () => {
      // Prepare
      const { router } = harness();

      // Act
      const answer = await router.route(call(B, 'billing'));

      // Assess
      expect(answer.instanceId).toBe('b-1');
    });

    it('ignores a forged x-mesh-source: forwards the authenticated caller and matches rules by principal', async () => {
      // Prepare
      const { router, requests, rules } = harness();
      rules[0] = { ...rules[0]!, headersToAdd: { 'X-Rule': 'gw' } };
      const someoneElse: Owner = { tenant: 'acme', principal: 'batch' };

      // Act
      await router.route(call(someoneElse, 'orders', { 'x-mesh-source': 'gateway' }));
      await router.route(call(A, 'orders', { 'x-mesh-source': 'globex/admin' }));

      // Assess
      expect(requests[0]?.headers['x-mesh-source']).toBe('acme/batch');
      expect(requests[0]?.headers['x-rule']).toBeUndefined(); // the gateway rule did not apply to `batch`
      expect(requests[1]?.headers['x-mesh-source']).toBe('acme/gateway');
      expect(requests[1]?.headers['x-rule']).toBe('gw');
    });
  });

  describe('meshSourceOf', () => {
    it('percent-encodes both parts, so one "/" always separates tenant and principal', () => {
      // Act / Assess
      expect(meshSourceOf({ tenant: 'acme', principal: 'gateway' })).toBe('acme/gateway');
      expect(meshSourceOf({ tenant: 'a/b', principal: 'c' })).toBe('a%2Fb/c');
      expect(meshSourceOf({ tenant: 'a', principal: 'b/c' })).toBe('a/b%2Fc');
    });
  });
});
