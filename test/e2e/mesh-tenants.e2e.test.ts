import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EchoService, startEchoService } from '../../local/echo-service';
import type { LocalServer } from '../../local/server';
import { startAuthServer } from '../support/local-auth';

const SCOPES = ['mesh:read', 'mesh:write', 'mesh:call'];

describe('local runner with --auth jwt: the mesh per tenant', () => {
  let server: LocalServer;
  let echo: EchoService;
  const tokens: Record<'a' | 'b', string> = { a: '', b: '' };

  const call = async (who: 'a' | 'b', method: string, path: string, body?: unknown, headers = {}) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${tokens[who]}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const registration = (id: string, name: string) => ({
    id,
    name,
    version: '1.0.0',
    endpoint: echo.url,
    healthEndpoint: `${echo.url}/health`,
  });

  beforeAll(async () => {
    server = await startAuthServer();
    echo = await startEchoService(0, 'orders-a');
    if (server.auth.mode !== 'jwt' || !server.auth.localIssuer) throw new Error('expected the local issuer');
    const issuer = server.auth.localIssuer;
    tokens.a = await issuer.issue({ scopes: SCOPES, tenant: 'acme', subject: 'gateway', ttlSeconds: 600 });
    tokens.b = await issuer.issue({ scopes: SCOPES, tenant: 'globex', subject: 'intruder', ttlSeconds: 600 });
  });
  afterAll(async () => {
    await echo?.close();
    await server?.close();
  });

  it("keeps tenant B off tenant A's service: 403 on registering, 404 on routing, nothing in its lists", async () => {
    // Prepare
    const registered = await call('a', 'POST', '/v1/services', registration('orders-a', 'orders'));

    // Act
    const intrusion = await call('b', 'POST', '/v1/services', registration('orders-b', 'orders'));
    const routed = await call('b', 'GET', '/v1/mesh/orders/x');
    const listed = await call('b', 'GET', '/v1/services');

    // Assess
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    expect(registered.body.owner).toEqual({ tenant: 'acme', principal: 'gateway' });
    expect(intrusion.status).toBe(403);
    expect(intrusion.body.detail).toBe('The service "orders" belongs to another tenant');
    expect(routed.status).toBe(404);
    expect(listed.body.items).toEqual([]);
  });

  it('routes tenant A to its service as acme/gateway, whatever x-mesh-source it sends', async () => {
    // Act
    const routed = await call('a', 'GET', '/v1/mesh/orders/x', undefined, { 'x-mesh-source': 'globex/intruder' });

    // Assess
    expect(routed.status).toBe(200);
    expect(routed.body).toMatchObject({ instance: 'orders-a', meshSource: 'acme/gateway' });
  });
});
