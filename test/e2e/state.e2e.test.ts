import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as z from 'zod';
import type { StateResponse } from '../../functions/api-schemas';
import { type EchoService, startEchoService } from '../../local/echo-service';
import { type LocalServer, startLocalServer } from '../../local/server';

describe('local runner: GET /v1/state', () => {
  let server: LocalServer;
  let echo: EchoService;

  const register = async (id: string, name: string, baseUrl: string) => {
    const response = await fetch(`${server.url}/v1/services`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id, name, version: '1.0.0', endpoint: baseUrl, healthEndpoint: `${baseUrl}/health` }),
    });
    expect(response.status, await response.text()).toBe(201);
  };

  beforeAll(async () => {
    server = await startLocalServer({ port: 0, healthCheckIntervalMs: 0 });
    echo = await startEchoService(0, 'state-echo');
    await register('state-echo-1', 'state-echo', echo.url);
    // Nothing listens on port 1: every call fails, so the breaker records failures.
    await register('state-down-1', 'state-down', 'http://127.0.0.1:1');
  });
  afterAll(async () => {
    await echo?.close();
    await server?.close();
  });

  it('shows the breaker a failed mesh call moved, the instances, the local queues and the counted error', async () => {
    // Prepare
    const call = await fetch(`${server.url}/v1/mesh/state-down/orders`);
    expect(call.status).toBeGreaterThanOrEqual(500);
    await call.arrayBuffer();

    // Act
    const response = await fetch(`${server.url}/v1/state`);

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const state = (await response.json()) as z.output<typeof StateResponse>;
    expect(state.tenant).toBe('default');
    // The router retries the refused call, each attempt a failure on the same breaker.
    expect(state.breakers.items).toEqual([expect.objectContaining({ instanceId: 'state-down-1', state: 'closed' })]);
    expect(state.breakers.items[0]?.failureCount).toBeGreaterThan(0);
    expect(state.instances.counts).toMatchObject({ unknown: 2 });
    expect(state.instances.items.map((i) => i.id).sort()).toEqual(['state-down-1', 'state-echo-1']);
    expect(state.queues.map((q) => q.queue)).toEqual(['delivery', 'delivery-dlq']);
    expect(state.queues[0]).toMatchObject({ visible: 0, inFlight: 0, delayed: 0, oldestMessageAgeSeconds: null });
    expect(state.deadLetters).toEqual({ total: 0, bySubscription: {}, truncated: false });
    expect(state.errors.window).toBe('1m');
    expect(state.errors.items.reduce((sum, i) => sum + i.count, 0)).toBeGreaterThan(0);
    expect(state.mesh.maxInFlight).toBeGreaterThan(0);
    expect(state.mesh.inFlight).toBe(0);
  });

  it('rejects an unknown window with a problem naming it', async () => {
    const response = await fetch(`${server.url}/v1/state?window=1d`);

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(((await response.json()) as { errors: Array<{ pointer: string }> }).errors[0]?.pointer).toBe(
      '/query/window',
    );
  });
});
