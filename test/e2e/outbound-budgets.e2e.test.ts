import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../../local/server';
import { fixedClock } from '../support/clock';
import { bearerCall } from '../support/http';
import { AUTH_TEST_NOW_SECONDS } from '../support/jwks';

const SCOPES = ['mesh:read', 'mesh:write', 'mesh:call'];
type Tenant = 'acme' | 'globex';

/**
 * An upstream that holds every request to `/slow…` until `releaseAll` (resolving `arrived` for
 * each one held) and answers anything else at once.
 */
async function slowUpstream() {
  const held: Array<() => void> = [];
  const waiting: Array<() => void> = [];
  const server: Server = createServer((request, response) => {
    const answer = () => response.writeHead(200, { 'content-type': 'text/plain' }).end('done');
    if (!request.url?.startsWith('/slow')) return answer();
    held.push(answer);
    waiting.shift()?.();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Resolves once the upstream holds `n` requests. */
    holding: (n: number) =>
      new Promise<void>((resolve) => {
        if (held.length >= n) resolve();
        else waiting.push(resolve);
      }),
    releaseAll: () => {
      for (const answer of held.splice(0)) answer();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('local runner with --mesh-max-in-flight 1: outbound budgets per tenant over HTTP', () => {
  let server: LocalServer;
  let upstream: Awaited<ReturnType<typeof slowUpstream>>;
  const tokens: Record<Tenant, string> = { acme: '', globex: '' };

  const call = (who: Tenant, method: string, path: string, body?: unknown) =>
    bearerCall(server.url, tokens[who], method, path, body);

  beforeAll(async () => {
    server = await startLocalServer({
      port: 0,
      healthCheckIntervalMs: 0,
      auth: { mode: 'jwt' },
      clock: fixedClock(AUTH_TEST_NOW_SECONDS * 1000),
      settings: { MESH_MAX_IN_FLIGHT_PER_TENANT: '1' },
    });
    upstream = await slowUpstream();
    if (server.auth.mode !== 'jwt' || !server.auth.localIssuer) throw new Error('expected the local issuer');
    for (const tenant of Object.keys(tokens) as Tenant[]) {
      tokens[tenant] = await server.auth.localIssuer.issue({
        scopes: SCOPES,
        tenant,
        subject: `${tenant}-agent`,
        ttlSeconds: 600,
      });
    }
    for (const tenant of Object.keys(tokens) as Tenant[]) {
      const registered = await call(tenant, 'POST', '/v1/services', {
        id: `${tenant}-1`,
        name: `${tenant}-svc`,
        version: '1.0.0',
        endpoint: upstream.url,
        healthEndpoint: `${upstream.url}/health`,
      });
      expect(registered.status).toBe(201);
    }
  });
  afterAll(async () => {
    upstream?.releaseAll();
    await upstream?.close();
    await server?.close();
  });

  it("answers a tenant's second concurrent mesh call 429 with Retry-After while another tenant's call passes; the slot frees once the first is answered", async () => {
    // Prepare: acme's first call is held by the slow upstream
    const first = call('acme', 'GET', '/v1/mesh/acme-svc/slow');
    await upstream.holding(1);

    // Act
    const second = await call('acme', 'GET', '/v1/mesh/acme-svc/fast');
    const other = await call('globex', 'GET', '/v1/mesh/globex-svc/fast');
    upstream.releaseAll();
    const firstAnswer = await first;
    const afterwards = await call('acme', 'GET', '/v1/mesh/acme-svc/fast');

    // Assess
    expect(second.status).toBe(429);
    expect(second.headers.get('content-type')).toBe('application/problem+json');
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(second.body).toMatchObject({
      type: 'urn:aif:problem:tenant-concurrency-exceeded',
      status: 429,
      concurrency: { scope: 'mesh', maxInFlight: 1 },
    });
    expect(other.status).toBe(200);
    expect(firstAnswer.status).toBe(200);
    expect(afterwards.status).toBe(200);
  });
});
