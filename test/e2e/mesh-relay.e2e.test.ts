import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EchoService, startEchoService } from '../../local/echo-service';
import { type LocalServer, startLocalServer } from '../../local/server';

/** An upstream that answers every request with headers that would act on the API's own origin. */
async function startHostileUpstream(): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.setHeader('set-cookie', ['sid=upstream; Path=/', 'other=1']);
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('access-control-allow-credentials', 'true');
    res.setHeader('strict-transport-security', 'max-age=63072000; includeSubDomains');
    res.setHeader('content-security-policy', "script-src 'unsafe-inline'");
    res.setHeader('x-content-type-options', 'none');
    res.writeHead(200, { 'content-type': 'text/html' }).end('<script>alert(document.cookie)</script>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('local runner: the mesh relay cannot be turned against its callers', () => {
  let server: LocalServer;
  let echo: EchoService;
  let hostile: Awaited<ReturnType<typeof startHostileUpstream>>;

  const register = async (id: string, name: string, baseUrl: string) => {
    const response = await fetch(`${server.url}/v1/services`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id, name, version: '1.0.0', endpoint: baseUrl, healthEndpoint: `${baseUrl}/health` }),
    });
    expect(response.status, await response.text()).toBe(201);
  };

  beforeAll(async () => {
    server = await startLocalServer({
      port: 0,
      healthCheckIntervalMs: 0,
      secrets: { values: { 'aif/local/mesh/default/relay-secret': 'Bearer upstream-secret' } },
    });
    echo = await startEchoService(0, 'relay-echo');
    hostile = await startHostileUpstream();
    await register('relay-echo-1', 'relay-echo', echo.url);
    await register('hostile-1', 'hostile', hostile.url);
    await register('relay-secret-1', 'relay-secret', echo.url);
  });
  afterAll(async () => {
    await echo?.close();
    await hostile?.close();
    await server?.close();
  });

  it("never forwards the caller's Authorization, Cookie, X-Api-Key or X-Amz-* headers", async () => {
    // Act
    const response = await fetch(`${server.url}/v1/mesh/relay-echo/whoami`, {
      headers: {
        authorization: 'Bearer caller-token',
        cookie: 'session=caller',
        'x-api-key': 'caller-api-key',
        'x-amz-security-token': 'caller-session-token',
        'x-amz-date': '20260101T000000Z',
        'x-request-tag': 'kept',
      },
    });
    const echoed = (await response.json()) as { headers: Record<string, string> };

    // Assess
    expect(response.status).toBe(200);
    expect(echoed.headers['x-request-tag']).toBe('kept');
    const names = Object.keys(echoed.headers);
    expect(names.filter((n) => ['authorization', 'cookie', 'x-api-key'].includes(n) || n.startsWith('x-amz-'))).toEqual(
      [],
    );
    expect(JSON.stringify(echoed.headers)).not.toMatch(/caller-/);
  });

  it('drops Set-Cookie, Access-Control-*, HSTS and the upstream CSP, and sandboxes the answer', async () => {
    // Act
    const response = await fetch(`${server.url}/v1/mesh/hostile/page`);
    await response.text();

    // Assess
    expect(response.status).toBe(200);
    const names = [...response.headers.keys()];
    expect(names.filter((n) => n === 'set-cookie' || n.startsWith('access-control-'))).toEqual([]);
    expect(response.headers.get('strict-transport-security')).toBeNull();
    expect(response.headers.get('content-security-policy')).toBe('sandbox');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cross-origin-resource-policy')).toBe('same-origin');
  });

  it("injects the service's upstream credential from the local secret store, never the caller's", async () => {
    // Prepare
    const put = (body: unknown) =>
      fetch(`${server.url}/v1/services/relay-secret/upstream-credential`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const outside = await put({ secretName: 'aif/local/mesh/other-tenant/relay-secret' });
    const stored = await put({ secretName: 'aif/local/mesh/default/relay-secret' });

    // Act
    const response = await fetch(`${server.url}/v1/mesh/relay-secret/whoami`, {
      headers: { authorization: 'Bearer caller-token' },
    });
    const echoed = (await response.json()) as { headers: Record<string, string> };
    const read = await fetch(`${server.url}/v1/services/relay-secret/upstream-credential`);

    // Assess
    expect(outside.status).toBe(422);
    expect(((await outside.json()) as { errors: { pointer: string }[] }).errors.map((e) => e.pointer)).toEqual([
      '/secretName',
    ]);
    expect(stored.status).toBe(200);
    expect(response.status).toBe(200);
    expect(echoed.headers.authorization).toBe('Bearer upstream-secret');
    expect(await read.json()).toMatchObject({
      service: 'relay-secret',
      secretName: 'aif/local/mesh/default/relay-secret',
      header: 'authorization',
    });
    expect(
      JSON.stringify(await (await fetch(`${server.url}/v1/services/relay-secret/upstream-credential`)).json()),
    ).not.toContain('upstream-secret"');
  });
});
