import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EchoService, startEchoService } from '../../local/echo-service';
import { type LocalServer, startLocalServer } from '../../local/server';
import { fixedClock } from '../support/clock';
import { bearerCall } from '../support/http';
import { AUTH_TEST_NOW_SECONDS } from '../support/jwks';

const SCOPES = ['mesh:read', 'mesh:write', 'mesh:call', 'contracts:write', 'contracts:read'];
type Tenant = 'acme' | 'globex' | 'initech';

describe('local runner with --auth jwt: rate limits per tenant over HTTP', () => {
  let server: LocalServer;
  let echo: EchoService;
  const tokens: Record<Tenant, string> = { acme: '', globex: '', initech: '' };

  const call = (who: Tenant, method: string, path: string, body?: unknown) =>
    bearerCall(server.url, tokens[who], method, path, body);
  const registration = (id: string, name: string) => ({
    id,
    name,
    version: '1.0.0',
    endpoint: echo.url,
    healthEndpoint: `${echo.url}/health`,
  });

  beforeAll(async () => {
    // The clock stands still, so no bucket refills during the test: every count below is exact.
    server = await startLocalServer({
      port: 0,
      healthCheckIntervalMs: 0,
      auth: { mode: 'jwt' },
      clock: fixedClock(AUTH_TEST_NOW_SECONDS * 1000),
      settings: { RATE_LIMITS: 'registerInstance=1/3' },
    });
    echo = await startEchoService(0, 'orders-1');
    if (server.auth.mode !== 'jwt' || !server.auth.localIssuer) throw new Error('expected the local issuer');
    const issuer = server.auth.localIssuer;
    for (const tenant of Object.keys(tokens) as Tenant[]) {
      tokens[tenant] = await issuer.issue({ scopes: SCOPES, tenant, subject: `${tenant}-agent`, ttlSeconds: 600 });
    }
  });
  afterAll(async () => {
    await echo?.close();
    await server?.close();
  });

  it("answers a tenant's request beyond its route limit 429 with Retry-After and the RateLimit fields; another tenant is not affected", async () => {
    // Act: registerInstance is limited to 1/s, burst 3 (RATE_LIMITS)
    const acme = [];
    for (let i = 0; i < 4; i++) acme.push(await call('acme', 'POST', '/v1/services', registration(`a-${i}`, 'a-svc')));
    const globex = await call('globex', 'POST', '/v1/services', registration('g-0', 'g-svc'));

    // Assess
    expect(acme.map((r) => r.status)).toEqual([201, 201, 201, 429]);
    expect(acme[0]?.headers.get('ratelimit-policy')).toBe('"registerInstance";q=3;w=3');
    expect(acme[0]?.headers.get('ratelimit')).toBe('"registerInstance";r=2;t=1');
    const refused = acme[3];
    expect(refused?.headers.get('content-type')).toBe('application/problem+json');
    expect(refused?.headers.get('retry-after')).toBe('1');
    expect(refused?.headers.get('ratelimit')).toBe('"registerInstance";r=0;t=3');
    expect(refused?.body).toMatchObject({
      type: 'urn:aif:problem:rate-limited',
      status: 429,
      rateLimit: { policy: 'registerInstance', requestsPerSecond: 1, burstSize: 3 },
    });
    expect(globex.status).toBe(201);
    // The refused registration did nothing.
    const listed = await call('acme', 'GET', '/v1/services');
    expect(listed.body.items.map((i: { id: string }) => i.id).sort()).toEqual(['a-0', 'a-1', 'a-2']);
  });

  it("answers calls beyond the service contract's rateLimit 429 with the contract's retryAfterHeader", async () => {
    // Prepare: initech's service "orders" and its contract limiting GET /orders/{id} to 2/s, burst 3
    const contract = await call('initech', 'POST', '/v1/contracts', {
      name: 'orders',
      version: '1.0.0',
      endpoints: [
        {
          path: '/orders/{id}',
          method: 'GET',
          rateLimit: { requestsPerSecond: 2, burstSize: 3, retryAfterHeader: 'X-Orders-Retry-After' },
        },
        { path: '/orders', method: 'GET' },
      ],
    });
    const registered = await call('initech', 'POST', '/v1/services', registration('orders-1', 'orders'));

    // Act
    const limited = [];
    for (let i = 0; i < 4; i++) limited.push(await call('initech', 'GET', `/v1/mesh/orders/orders/${i}`));
    const other = await call('initech', 'GET', '/v1/mesh/orders/orders');

    // Assess
    expect(contract.status, JSON.stringify(contract.body)).toBe(201);
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    expect(limited.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(limited[0]?.body).toMatchObject({ instance: 'orders-1' });
    const refused = limited[3];
    expect(refused?.headers.get('retry-after')).toBe('1');
    expect(refused?.headers.get('x-orders-retry-after')).toBe('1');
    expect(refused?.headers.get('ratelimit-policy')).toBe('"contract:orders";q=3;w=2');
    expect(refused?.body).toMatchObject({
      type: 'urn:aif:problem:rate-limited',
      status: 429,
      rateLimit: { policy: 'contract:orders', requestsPerSecond: 2, burstSize: 3 },
    });
    expect(other.status).toBe(200);
  });
});
