import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../local/server';
import { agentsContract } from '../support/contracts';
import { startAuthServer } from '../support/local-auth';

const SCOPES = ['contracts:read', 'contracts:write', 'errors:read', 'errors:write'];

describe('ownership over HTTP (local runner, --auth jwt): contracts and error counts', () => {
  let server: LocalServer;
  let tokenA: string;
  let tokenB: string;
  /** One call with a bearer token; the answer's status and parsed JSON body. */
  // biome-ignore lint/suspicious/noExplicitAny: answers of several routes are read field by field
  const call = async (token: string, method: string, path: string, body?: unknown): Promise<[number, any]> => {
    const answer = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await answer.text();
    return [answer.status, text ? JSON.parse(text) : undefined];
  };

  beforeAll(async () => {
    // Prepare: two tenants' agents, each with a token from the local issuer
    server = await startAuthServer();
    const issuer = server.auth.mode === 'jwt' ? server.auth.localIssuer : undefined;
    if (!issuer) throw new Error('the local issuer is not running');
    tokenA = await issuer.issue({ scopes: SCOPES, tenant: 'acme', subject: 'agent-a', ttlSeconds: 600 });
    tokenB = await issuer.issue({ scopes: SCOPES, tenant: 'globex', subject: 'agent-b', ttlSeconds: 600 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('keeps each tenant’s contracts to itself: another tenant’s name answers 404, and it may register its own', async () => {
    // Act
    const [registeredByA, bodyA] = await call(tokenA, 'POST', '/v1/contracts', agentsContract({ name: 'petstore' }));
    const [readByB] = await call(tokenB, 'GET', '/v1/contracts/petstore');
    const [deprecatedByB] = await call(tokenB, 'DELETE', '/v1/contracts/petstore/versions/1.0.0');
    const [registeredByB, bodyB] = await call(
      tokenB,
      'POST',
      '/v1/contracts',
      agentsContract({ name: 'petstore', description: 'globex’s own' }),
    );
    const [, listA] = await call(tokenA, 'GET', '/v1/contracts');
    const [, latestOfA] = await call(tokenA, 'GET', '/v1/contracts/petstore');

    // Assess
    expect(registeredByA).toBe(201);
    expect(bodyA.contract.owner).toEqual({ tenant: 'acme', principal: 'agent-a' });
    expect([readByB, deprecatedByB]).toEqual([404, 404]);
    expect(registeredByB).toBe(201);
    expect(bodyB.contract.owner).toEqual({ tenant: 'globex', principal: 'agent-b' });
    expect(listA.items.map((i: { name: string }) => i.name)).toEqual(['petstore']);
    expect(latestOfA).toMatchObject({ deprecated: false, description: 'Agent registry', owner: { tenant: 'acme' } });
  });

  it('counts each tenant’s error reports apart', async () => {
    // Act
    await call(tokenA, 'POST', '/v1/errors', { source: 'svc:orders', status: 503 });
    await call(tokenA, 'POST', '/v1/errors', { source: 'svc:orders', status: 503 });
    const [, statsA] = await call(tokenA, 'GET', '/v1/errors/stats');
    const [, statsB] = await call(tokenB, 'GET', '/v1/errors/stats');

    // Assess
    expect(statsA.items).toMatchObject([{ source: 'svc:orders', count: 2 }]);
    expect(statsB.items).toEqual([]);
  });

  it('refuses a token whose tenant is the framework’s reserved aif with 401', async () => {
    // Prepare: issued directly, past the token endpoint's own refusal
    const issuer = server.auth.mode === 'jwt' ? server.auth.localIssuer : undefined;
    const token = await issuer?.issue({ scopes: SCOPES, tenant: 'aif', ttlSeconds: 600 });

    // Act
    const [status] = await call(token as string, 'GET', '/v1/errors/stats');

    // Assess
    expect(status).toBe(401);
  });
});
