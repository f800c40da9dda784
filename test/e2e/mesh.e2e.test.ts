import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EchoService, startEchoService } from '../../local/echo-service';
import { type LocalServer, startLocalServer } from '../../local/server';
import { STATUS_CHANGED_EVENT_TYPE } from '../../shared/use-cases/health-checks';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

/** A server that accepts connections and requests and never answers any of them. */
async function startHangingServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const held: ServerResponse[] = [];
  const server: Server = createServer((_req, res) => {
    held.push(res);
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

/** What the echo service answers. */
type Echo = {
  instance: string;
  method: string;
  path: string;
  traceparent: string | null;
  meshSource: string | null;
  bodyBytes: number;
};

describe('local runner: service mesh over HTTP', () => {
  let server: LocalServer;
  const echoes: Record<string, EchoService> = {};
  let hanging: Awaited<ReturnType<typeof startHangingServer>>;

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };
  /** A call through the router: `/v1/mesh/{service}{path}`. */
  const route = async (service: string, path: string, init: RequestInit = {}) => {
    const started = performance.now();
    const response = await fetch(`${server.url}/v1/mesh/${service}${path}`, init);
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      text,
      echo: (response.headers.get('content-type') === 'application/json' ? JSON.parse(text) : undefined) as Echo,
      ms: performance.now() - started,
    };
  };
  const register = async (id: string, name: string, baseUrl: string) => {
    const response = await api('POST', '/v1/services', {
      id,
      name,
      version: '1.0.0',
      endpoint: baseUrl,
      healthEndpoint: `${baseUrl}/health`,
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
  };
  /** Polls `probe` until it holds or `timeoutMs` passes; answers the last value. */
  const until = async <T>(probe: () => Promise<T>, holds: (value: T) => boolean, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    let value = await probe();
    while (!holds(value) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      value = await probe();
    }
    return value;
  };

  beforeAll(async () => {
    server = await startLocalServer({ port: 0, healthCheckIntervalMs: 0 });
    for (const name of ['orders-a', 'orders-b', 'slow-b', 'pay-a', 'pay-b']) {
      echoes[name] = await startEchoService(0, name);
    }
    hanging = await startHangingServer();
  });
  afterAll(async () => {
    await Promise.all(Object.values(echoes).map((e) => e.close()));
    await hanging?.close();
    await server?.close();
  });

  describe('registration', () => {
    it('registers instances over HTTP (loopback is allowed locally)', async () => {
      // Act
      await register('orders-a', 'orders', echoes['orders-a']!.url);
      await register('orders-b', 'orders', echoes['orders-b']!.url);
      const listed = await api('GET', '/v1/services/orders/instances');

      // Assess
      expect(listed.body.items.map((i: { id: string; status: string }) => `${i.id}:${i.status}`)).toEqual([
        'orders-a:unknown',
        'orders-b:unknown',
      ]);
      // With auth off every caller is the one principal of the one tenant.
      expect(listed.body.items[0].owner).toEqual({ tenant: 'default', principal: 'anonymous' });
    });
  });

  describe('ANY /v1/mesh/{service}/{proxy+}', () => {
    it('spreads 40 calls over both healthy instances, every one answered, with the caller trace id', async () => {
      // Act
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          route('orders', `/orders/${i}`, { headers: { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` } }),
        ),
      );

      // Assess
      expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 40 }, () => 200));
      expect(new Set(answers.map((a) => a.echo.instance))).toEqual(new Set(['orders-a', 'orders-b']));
      expect(answers.map((a) => a.echo.path)).toEqual(Array.from({ length: 40 }, (_, i) => `/orders/${i}`));
      for (const answer of answers) {
        expect(answer.echo.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
        expect(answer.echo.traceparent).not.toContain('00f067aa0ba902b7');
        expect(answer.headers.get('x-mesh-instance')).toBe(answer.echo.instance);
      }
    });

    it('sets x-mesh-source to the caller (default/anonymous with auth off), ignoring the one sent', async () => {
      // Act
      const answer = await route('orders', '/whoami', { headers: { 'x-mesh-source': 'payments' } });

      // Assess
      expect(answer.status).toBe(200);
      expect(answer.echo.meshSource).toBe('default/anonymous');
    });

    it('answers 404 problem+json for a service nobody registered', async () => {
      // Act
      const answer = await route('nobody-registered-this', '/x');

      // Assess
      expect(answer.status).toBe(404);
      expect(JSON.parse(answer.text)).toMatchObject({ type: 'urn:aif:problem:not-found', status: 404 });
    });

    it('forwards the query string and an encoded path as sent', async () => {
      // Act
      const answer = await route('orders', '/files/a%2Fb?q=a%20b&page=2');

      // Assess
      expect(answer.status).toBe(200);
      expect(answer.echo.path).toBe('/files/a%2Fb?q=a%20b&page=2');
    });

    it('carries a binary body (bytes 0..255) to the instance intact', async () => {
      // Prepare
      const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);

      // Act
      const answer = await route('orders', '/upload', {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: bytes,
      });

      // Assess
      expect(answer.status).toBe(200);
      expect(answer.echo).toMatchObject({ method: 'POST', bodyBytes: 256 });
    });

    it('carries a binary body to the instance intact, and refuses one without a Content-Type with 415', async () => {
      // Prepare
      const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);

      // Act
      const answer = await route('orders', '/upload', {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: bytes,
      });
      const untyped = await route('orders', '/upload', { method: 'POST', body: bytes });

      // Assess
      expect(answer.status).toBe(200);
      expect(answer.echo).toMatchObject({ method: 'POST', bodyBytes: 256 });
      expect(untyped.status).toBe(415);
    });

    it("never relays an instance's Set-Cookie headers onto the API's origin", async () => {
      // Prepare: an instance that sets two cookies (an Expires date holds a comma)
      const cookies = ['session=abc; Path=/; HttpOnly', 'theme=dark; Expires=Wed, 21 Oct 2026 07:28:00 GMT'];
      const upstream = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain', 'set-cookie': cookies }).end('ok');
      });
      await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
      const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
      await register('cookies-1', 'cookies', base);

      // Act
      const answer = await route('cookies', '/login');
      upstream.closeAllConnections();
      await new Promise((resolve) => upstream.close(resolve));

      // Assess
      expect(answer.status).toBe(200);
      expect(answer.headers.getSetCookie()).toEqual([]);
    });

    it('answers every call of a 1 s rule to a hanging and a healthy instance with 200, in bounded time', async () => {
      // Prepare
      await register('slow-hang', 'slow', hanging.url);
      await register('slow-b', 'slow', echoes['slow-b']!.url);
      const rule = await api('POST', '/v1/routing-rules', {
        id: 'slow-timeout',
        sourceService: '*',
        targetService: 'slow',
        timeoutMs: 1_000,
        retries: 2,
      });
      expect(rule.status).toBe(201);
      // Routing caches rules for MESH_CACHE_TTL_MS (2 s): let a cache filled before the rule expire.
      await new Promise((resolve) => setTimeout(resolve, 2_100));

      // Act
      const started = performance.now();
      const answers = [];
      try {
        for (let i = 0; i < 30; i++) answers.push(await route('slow', `/work/${i}`));
      } finally {
        // The hanging instance would hold every later health check for its 5 s timeout.
        await api('DELETE', '/v1/services/slow-hang');
      }
      const totalMs = performance.now() - started;
      const breakers = await api('GET', '/v1/breakers');

      // Assess
      expect(answers.map((a) => [a.status, a.echo?.instance])).toEqual(
        Array.from({ length: 30 }, () => [200, 'slow-b']),
      );
      for (const answer of answers) expect(answer.ms).toBeLessThan(3_000);
      // Only until the breaker opens (failureThreshold = 5) does a call wait out the 1 s timeout.
      expect(answers.filter((a) => a.ms >= 1_000).length).toBeLessThanOrEqual(5);
      expect(totalMs).toBeLessThan(5 * 1_500 + 30 * 500);
      const hung = breakers.body.items.find((b: { instanceId: string }) => b.instanceId === 'slow-hang');
      expect(hung).toMatchObject({ state: 'open', failureCount: 5 });
    });

    it('keeps answering 200 after one instance shuts down, opens its breaker, and health checks mark it unhealthy', async () => {
      // Prepare
      await register('pay-a', 'pay', echoes['pay-a']!.url);
      await register('pay-b', 'pay', echoes['pay-b']!.url);
      await server.runHealthChecks();
      const shutdown = await fetch(`${echoes['pay-a']!.url}/shutdown`, { method: 'POST' });
      expect(shutdown.status).toBe(202);
      await new Promise((resolve) => setTimeout(resolve, 50));

      // Act
      const answers = [];
      for (let i = 0; i < 30; i++) answers.push(await route('pay', `/charges/${i}`));
      const breakers = await api('GET', '/v1/breakers');
      await server.runHealthChecks();
      const instances = await api('GET', '/v1/services/pay/instances');

      // Assess
      expect(answers.map((a) => [a.status, a.echo?.instance])).toEqual(
        Array.from({ length: 30 }, () => [200, 'pay-b']),
      );
      const payA = breakers.body.items.find((b: { instanceId: string }) => b.instanceId === 'pay-a');
      expect(payA).toMatchObject({ state: 'open', service: 'pay', failureCount: 5 });
      expect(instances.body.items.map((i: { id: string; status: string }) => `${i.id}:${i.status}`)).toEqual([
        'pay-a:unhealthy',
        'pay-b:healthy',
      ]);
      const changes = server.events
        .history({ type: STATUS_CHANGED_EVENT_TYPE })
        .map((e) => e.payload as { instanceId: string; from: string | null; to: string });
      expect(changes).toContainEqual(expect.objectContaining({ instanceId: 'pay-a', from: 'unknown', to: 'healthy' }));
      expect(changes).toContainEqual(
        expect.objectContaining({ instanceId: 'pay-a', from: 'healthy', to: 'unhealthy' }),
      );
    });

    it('answers 503 with Retry-After once health checks find every instance down', async () => {
      // Prepare
      await fetch(`${echoes['pay-b']!.url}/shutdown`, { method: 'POST' });
      await new Promise((resolve) => setTimeout(resolve, 50));
      await server.runHealthChecks();

      // Act: the router trusts its cached registrations for up to 2 s
      const answer = await until(
        () => route('pay', '/charges/after'),
        (a) => a.status === 503,
      );

      // Assess
      expect(answer.status).toBe(503);
      expect(answer.headers.get('content-type')).toBe('application/problem+json');
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(JSON.parse(answer.text)).toMatchObject({ type: 'urn:aif:problem:dependency-unavailable', status: 503 });
      const instances = await api('GET', '/v1/services/pay/instances');
      expect(instances.body.items.map((i: { status: string }) => i.status)).toEqual(['unhealthy', 'unhealthy']);
    });
  });
});
