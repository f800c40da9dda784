import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EchoService, startEchoService } from '../../local/echo-service';
import { type LocalServer, startLocalServer } from '../../local/server';

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
