import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EchoService, startEchoService } from '../../local/echo-service';
import { type LocalServer, startLocalServer } from '../../local/server';
import type { Clock } from '../../shared/ports/clock';

describe('local runner: health checks with a cap per run', () => {
  let server: LocalServer;
  const echoes: EchoService[] = [];

  const statuses = async () => {
    const response = await fetch(`${server.url}/v1/services/budget/instances`);
    const body = (await response.json()) as { items: Array<{ id: string; status: string }> };
    return body.items.map((i) => `${i.id}:${i.status}`);
  };

  beforeAll(async () => {
    server = await startLocalServer({ port: 0, healthCheckIntervalMs: 0, healthCheckMaxPerRun: 1 });
    for (const id of ['budget-a', 'budget-b']) {
      const echo = await startEchoService(0, id);
      echoes.push(echo);
      const response = await fetch(`${server.url}/v1/services`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          id,
          name: 'budget',
          version: '1.0.0',
          endpoint: echo.url,
          healthEndpoint: `${echo.url}/health`,
        }),
      });
      expect(response.status).toBe(201);
    }
  });
  afterAll(async () => {
    await Promise.all(echoes.map((e) => e.close()));
    await server?.close();
  });

  it('checks one instance a run (--health-check-max-per-run 1), the other on the next run', async () => {
    // Act
    await server.runHealthChecks();
    const afterFirst = await statuses();
    await server.runHealthChecks();
    const afterSecond = await statuses();

    // Assess
    expect(afterFirst.filter((s) => s.endsWith(':healthy'))).toHaveLength(1);
    expect(afterFirst.filter((s) => s.endsWith(':unknown'))).toHaveLength(1);
    expect(afterSecond).toEqual(['budget-a:healthy', 'budget-b:healthy']);
  });
});

describe('local runner: closing during a paced health-check run', () => {
  it('closes without waiting out the spread window: no further check starts', async () => {
    // Prepare: a 60 s interval spreads a run over 45 s; this clock's sleeps never end by themselves
    const clock: Clock = { now: () => new Date('2026-11-30T10:00:00Z'), sleep: () => new Promise<void>(() => {}) };
    const server = await startLocalServer({ port: 0, healthCheckIntervalMs: 60_000, clock });
    const echo = await startEchoService(0, 'paced');
    for (const id of ['paced-a', 'paced-b']) {
      const response = await fetch(`${server.url}/v1/services`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          id,
          name: 'paced',
          version: '1.0.0',
          endpoint: echo.url,
          healthEndpoint: `${echo.url}/health`,
        }),
      });
      expect(response.status).toBe(201);
    }

    // Act: the run's second check waits on the clock until the server closes
    const run = server.runHealthChecks();
    await server.close();
    await echo.close();

    // Assess
    await expect(run).resolves.toBeUndefined();
  });
});
