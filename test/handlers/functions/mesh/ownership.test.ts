import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHealthCheckHandler } from '../../../../functions/health-check/app';
import { healthCheckDeps } from '../../../../functions/health-check/wiring';
import { awsMeshHandler } from '../../../../functions/mesh/wiring';
import { meshTable } from '../../../../shared/adapters/dynamodb/table-definitions';
import { principalContext } from '../../../../shared/domain/auth/authorizer-policy';
import type { ApiHandler } from '../../../../shared/middleware/http-api';
import { freshTable } from '../../../support/dynamodb';
import { apiEvent, lambdaContext } from '../../../support/events';
import { HANDLER_TEST_NOW_MS, testFunctionBase } from '../../../support/handler-env';

const EXPIRES_AT = HANDLER_TEST_NOW_MS / 1000 + 600;
const USER_SCOPES = ['mesh:read', 'mesh:write', 'mesh:call'];

/** A caller of tenant `tenant`, with the mesh scopes but mesh:admin unless `admin`. */
const caller = (tenant: string, principal: string, admin = false) => ({
  tenant,
  principal,
  scopes: admin ? [...USER_SCOPES, 'mesh:admin'] : USER_SCOPES,
  expiresAt: EXPIRES_AT,
});
type Caller = ReturnType<typeof caller>;
const A = caller('acme', 'agent-a');
const A_ADMIN = caller('acme', 'agent-a', true);
const A2 = caller('acme', 'agent-a2');
const B = caller('globex', 'agent-b');
const B_ADMIN = caller('globex', 'agent-b', true);

/** An upstream on loopback that records the headers of every request and answers 200. */
function recordingUpstream(): Promise<{ url: string; seen: IncomingHttpHeaders[]; server: Server }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server }),
    ),
  );
}

describe('mesh handler: ownership and tenants (dynalite, AUTH_ENFORCED=token)', () => {
  let handler: ApiHandler;
  let runHealthChecks: () => Promise<{ checked: number; changed: Array<{ id: string }> }>;
  let upstream: Awaited<ReturnType<typeof recordingUpstream>>;

  /** Calls the mesh function as `who` (the authorizer context API Gateway would pass). */
  async function as(who: Caller, input: Parameters<typeof apiEvent>[0]) {
    const event: APIGatewayProxyEvent = apiEvent(input);
    const result = await handler(
      { ...event, requestContext: { ...event.requestContext, authorizer: principalContext(who) } },
      lambdaContext,
    );
    const isJson = /json/.test(String(result.headers?.['content-type'] ?? ''));
    return { ...result, json: isJson && result.body ? JSON.parse(result.body) : undefined };
  }
  const register = (who: Caller, body: Record<string, unknown>) =>
    as(who, { method: 'POST', path: '/v1/services', body: { version: '1.0.0', ...body } });
  const instance = (id: string, name: string, host = upstream.url) => ({
    id,
    name,
    endpoint: `${host}/`,
    healthEndpoint: `${host}/health`,
  });
  const listOf = async (who: Caller, path: string) => (await as(who, { method: 'GET', path })).json;

  beforeAll(async () => {
    upstream = await recordingUpstream();
    const { client, tableName } = await freshTable(meshTable);
    // Loopback, plain-HTTP upstreams: the local runner's outbound settings.
    const env = {
      AUTH_ENFORCED: 'token',
      MESH_TABLE: tableName,
      OUTBOUND_ALLOW_LOOPBACK: 'true',
      OUTBOUND_REQUIRE_HTTPS: 'false',
    };
    handler = awsMeshHandler({ ...testFunctionBase('mesh', { env }), documentClient: client });
    const healthBase = { ...testFunctionBase('health-check', { env }), documentClient: client };
    const events = {
      publish: async (list: readonly { id: string }[]) => list.map((e) => ({ id: e.id, status: 'published' as const })),
    };
    const healthCheck = createHealthCheckHandler(healthCheckDeps(healthBase, { events }), healthBase);
    runHealthChecks = () => healthCheck({}, lambdaContext);

    // A holds `orders` (instance orders-1, by agent-a) and a rule; B holds `billing` (billing-1).
    expect((await register(A, instance('orders-1', 'orders'))).statusCode).toBe(201);
    expect((await register(B, instance('billing-1', 'billing'))).statusCode).toBe(201);
    const rule = { id: 'to-orders', sourceService: 'gateway', targetService: 'orders' };
    expect((await as(A, { method: 'POST', path: '/v1/routing-rules', body: rule })).statusCode).toBe(201);
  });

  afterAll(async () => {
    await new Promise((resolve) => upstream.server.close(resolve));
  });

  describe('POST /v1/services', () => {
    it("rejects B's registration on A's service with 403 NotOwnerError naming the service", async () => {
      // Act
      const result = await register(B, instance('sneaky-1', 'orders', 'http://127.0.0.1:9'));

      // Assess
      expect(result.statusCode).toBe(403);
      expect(result.json).toMatchObject({
        type: 'urn:aif:problem:forbidden',
        detail: 'The service "orders" belongs to another tenant',
      });
      expect((await listOf(A, '/v1/services/orders/instances')).items.map((i: { id: string }) => i.id)).toEqual([
        'orders-1',
      ]);
    });

    it("rejects B's re-registration of A's instance id with 409, leaving A's instance unchanged", async () => {
      // Prepare
      const before = (await listOf(A, '/v1/services')).items.find((i: { id: string }) => i.id === 'orders-1');

      // Act: B's own service, A's id, B's endpoint (the takeover of A's callers' headers)
      const byB = await register(B, instance('orders-1', 'billing', 'http://127.0.0.1:9'));
      const byA2 = await register(A2, instance('orders-1', 'orders', 'http://127.0.0.1:9'));

      // Assess
      expect(byB.statusCode).toBe(409);
      expect(byB.json).toMatchObject({ type: 'urn:aif:problem:conflict' });
      expect(byA2.statusCode).toBe(409);
      const after = (await listOf(A, '/v1/services')).items.find((i: { id: string }) => i.id === 'orders-1');
      expect(after).toEqual(before);
      expect(after.owner).toEqual({ tenant: 'acme', principal: 'agent-a' });
    });

    it('lets the same principal re-register its instance (a heartbeat)', async () => {
      // Act
      const result = await register(A, { ...instance('orders-1', 'orders'), weight: 50 });

      // Assess
      expect(result.statusCode).toBe(200);
      expect(result.json).toMatchObject({
        id: 'orders-1',
        weight: 50,
        owner: { tenant: 'acme', principal: 'agent-a' },
      });
    });

    it('rejects a status claim without mesh:admin with 403 insufficient_scope naming mesh:admin, and takes it with', async () => {
      // Act
      const refused = await register(A, { ...instance('orders-2', 'orders'), status: 'healthy' });
      const admitted = await register(A_ADMIN, { ...instance('orders-2', 'orders'), status: 'healthy' });

      // Assess
      expect(refused.statusCode).toBe(403);
      expect(refused.headers?.['www-authenticate']).toBe('Bearer error="insufficient_scope", scope="mesh:admin"');
      expect(refused.json.detail).toContain('mesh:admin');
      expect(admitted.statusCode).toBe(201);
      expect(admitted.json.status).toBe('healthy');
    });
  });

  describe('routing rules and breaker settings', () => {
    it("rejects B's rule and breaker settings for A's service with 403", async () => {
      // Act
      const rule = await as(B, {
        method: 'POST',
        path: '/v1/routing-rules',
        body: { id: 'hijack', sourceService: '*', targetService: 'orders' },
      });
      const settings = await as(B_ADMIN, {
        method: 'PUT',
        path: '/v1/services/orders/breaker-config',
        resource: '/v1/services/{id}/breaker-config',
        pathParameters: { id: 'orders' },
        body: { failureThreshold: 1 },
      });

      // Assess
      expect([rule.statusCode, settings.statusCode]).toEqual([403, 403]);
      expect(settings.json.detail).toBe('The service "orders" belongs to another tenant');
    });
  });

  describe('tenant views', () => {
    it("shows B none of A's instances, rules, topology, breakers or settings", async () => {
      // Prepare
      await as(A_ADMIN, {
        method: 'PUT',
        path: '/v1/services/orders/breaker-config',
        resource: '/v1/services/{id}/breaker-config',
        pathParameters: { id: 'orders' },
        body: { failureThreshold: 2 },
      });

      // Act
      const services = await listOf(B, '/v1/services');
      const ordersOfB = await as(B, {
        method: 'GET',
        path: '/v1/services/orders/instances',
        resource: '/v1/services/{id}/instances',
        pathParameters: { id: 'orders' },
      });
      const rules = await listOf(B, '/v1/routing-rules');
      const topology = await listOf(B, '/v1/topology');
      const settingsOfB = await as(B, {
        method: 'GET',
        path: '/v1/services/orders/breaker-config',
        resource: '/v1/services/{id}/breaker-config',
        pathParameters: { id: 'orders' },
      });
      const settingsOfA = await as(A, {
        method: 'GET',
        path: '/v1/services/orders/breaker-config',
        resource: '/v1/services/{id}/breaker-config',
        pathParameters: { id: 'orders' },
      });

      // Assess
      expect(services.items.map((i: { id: string }) => i.id)).toEqual(['billing-1']);
      expect(ordersOfB.json.items).toEqual([]);
      expect(rules.items).toEqual([]);
      expect(topology.services.map((s: { name: string }) => s.name)).toEqual(['billing']);
      expect(settingsOfB.json).toMatchObject({ origin: 'default' });
      expect(settingsOfB.json).not.toHaveProperty('owner');
      expect(settingsOfA.json).toMatchObject({ origin: 'service', owner: { tenant: 'acme', principal: 'agent-a' } });
      expect((await listOf(A, '/v1/routing-rules')).items.map((r: { id: string }) => r.id)).toEqual(['to-orders']);
    });

    it("answers B 404 on deleting A's instance or rule, which stay", async () => {
      // Act
      const instanceResult = await as(B_ADMIN, {
        method: 'DELETE',
        path: '/v1/services/orders-1',
        resource: '/v1/services/{id}',
        pathParameters: { id: 'orders-1' },
      });
      const ruleResult = await as(B, {
        method: 'DELETE',
        path: '/v1/routing-rules/to-orders',
        resource: '/v1/routing-rules/{id}',
        pathParameters: { id: 'to-orders' },
      });

      // Assess
      expect([instanceResult.statusCode, ruleResult.statusCode]).toEqual([404, 404]);
      expect((await listOf(A, '/v1/services')).items.map((i: { id: string }) => i.id)).toContain('orders-1');
      expect((await listOf(A, '/v1/routing-rules')).items).toHaveLength(1);
    });

    it('lets only the registering principal (or mesh:admin) of the tenant deregister', async () => {
      // Prepare
      await register(A2, instance('orders-3', 'orders'));
      const remove = (who: Caller) =>
        as(who, {
          method: 'DELETE',
          path: '/v1/services/orders-3',
          resource: '/v1/services/{id}',
          pathParameters: { id: 'orders-3' },
        });

      // Act
      const byA = await remove(A);
      const byAdmin = await remove(A_ADMIN);

      // Assess
      expect([byA.statusCode, byAdmin.statusCode]).toEqual([409, 204]);
    });
  });

  describe('ANY /v1/mesh/{service}/{proxy+}', () => {
    const route = (who: Caller, service: string, headers: Record<string, string> = {}) =>
      as(who, {
        method: 'GET',
        path: `/v1/mesh/${service}/ping`,
        resource: '/v1/mesh/{service}/{proxy+}',
        pathParameters: { service, proxy: 'ping' },
        headers,
      });

    it("refuses B's call to A's service with the 404 of an unknown one", async () => {
      // Act
      const foreign = await route(B, 'orders');
      const unknown = await route(B, 'no-such-service');

      // Assess
      expect([foreign.statusCode, unknown.statusCode]).toEqual([404, 404]);
      expect(foreign.json.title).toBe(unknown.json.title);
      expect(foreign.json.detail).toBe('No service orders');
    });

    it('ignores a forged x-mesh-source and forwards the authenticated tenant/principal', async () => {
      // Prepare
      upstream.seen.length = 0;

      // Act
      const result = await route(B, 'billing', { 'X-Mesh-Source': 'acme/agent-a' });

      // Assess
      expect(result.statusCode).toBe(200);
      expect(upstream.seen.map((h) => h['x-mesh-source'])).toEqual(['globex/agent-b']);
    });
  });

  describe('the scheduled health check', () => {
    it("checks every tenant's instances", async () => {
      // Act
      const report = await runHealthChecks();

      // Assess
      expect(report.checked).toBeGreaterThanOrEqual(3);
      expect(report.changed.map((c) => c.id)).toEqual(expect.arrayContaining(['orders-1', 'billing-1']));
      const orders = (await listOf(A, '/v1/services')).items.find((i: { id: string }) => i.id === 'orders-1');
      const billing = (await listOf(B, '/v1/services')).items.find((i: { id: string }) => i.id === 'billing-1');
      expect([orders.status, billing.status]).toEqual(['healthy', 'healthy']);
    });
  });
});
