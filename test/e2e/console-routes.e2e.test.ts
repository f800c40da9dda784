import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../../local/server';

/** The two API routes the web console added, over HTTP against the local runner. */
describe('local runner: routes added for the web console', () => {
  let server: LocalServer;
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    // biome-ignore lint/suspicious/noExplicitAny: JSON answers, asserted member by member
    const json: any = await response.json();
    return { status: response.status, type: response.headers.get('content-type'), body: json };
  };

  beforeAll(async () => {
    server = await startLocalServer({ port: 0, healthCheckIntervalMs: 0 });
  });
  afterAll(async () => {
    await server?.close();
  });

  describe('GET /v1/contracts/{name}/compatibility', () => {
    it('reports what breaks between two stored versions, in the direction asked for', async () => {
      // Prepare: 2.0.0 removes DELETE /pets/{id}, allowed at registration under NONE.
      const contract = (version: string, methods: string[]) => ({
        name: 'pets',
        version,
        endpoints: methods.map((method) => ({ path: '/pets/{id}', method })),
        schemas: {},
      });
      expect((await api('POST', '/v1/contracts', contract('1.0.0', ['GET', 'DELETE']))).status).toBe(201);
      expect((await api('POST', '/v1/contracts?compatibility=NONE', contract('2.0.0', ['GET']))).status).toBe(201);

      // Act
      const upgrade = await api('GET', '/v1/contracts/pets/compatibility?from=1.0.0&to=2.0.0');
      const rollback = await api('GET', '/v1/contracts/pets/compatibility?from=2.0.0&to=1.0.0&direction=FORWARD');

      // Assess
      expect(upgrade.status).toBe(200);
      expect(upgrade.body).toMatchObject({
        from: '1.0.0',
        to: '2.0.0',
        mode: 'NONE',
        direction: 'BACKWARD',
        compatible: false,
      });
      expect(upgrade.body.issues.map((issue: { rule: string }) => issue.rule)).toEqual(['endpoint-removed']);
      expect([rollback.status, rollback.body.direction, rollback.body.compatible]).toEqual([200, 'FORWARD', false]);
    });

    it('fails with 404 problem+json naming each version that is not registered', async () => {
      // Act
      const answer = await api('GET', '/v1/contracts/pets/compatibility?from=0.1.0&to=3.0.0');

      // Assess
      expect([answer.status, answer.type]).toEqual([404, 'application/problem+json']);
      expect(answer.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/query/from', '/query/to']);
    });

    it('fails with 400 when from or to is missing', async () => {
      // Act
      const answer = await api('GET', '/v1/contracts/pets/compatibility?from=1.0.0');

      // Assess
      expect(answer.status).toBe(400);
      expect(answer.body.errors.map((e: { pointer: string }) => e.pointer)).toContain('/query/to');
    });
  });

  describe('GET /v1/event-log', () => {
    it('pages through a window of published events filtered by source, oldest first', async () => {
      // Prepare
      const at = Date.now() - 60_000;
      const events = ['a', 'b', 'c'].map((suffix, index) => ({
        id: `log-${suffix}`,
        type: 'order.created',
        version: '1.0.0',
        source: index === 1 ? 'crm' : 'shop',
        timestamp: at + index,
        payload: {},
        metadata: {},
      }));
      expect((await api('POST', '/v1/events', events)).status).toBe(202);
      const from = new Date(at - 1000).toISOString();
      const to = new Date(at + 1000).toISOString();

      // Act
      const first = await api('GET', `/v1/event-log?source=shop&from=${from}&to=${to}&limit=1`);
      const second = await api(
        'GET',
        `/v1/event-log?source=shop&from=${from}&to=${to}&limit=1&cursor=${first.body.nextCursor}`,
      );

      // Assess
      expect([first.status, second.status]).toEqual([200, 200]);
      expect([...first.body.items, ...second.body.items].map((e: { id: string }) => e.id)).toEqual(['log-a', 'log-c']);
      expect(typeof first.body.nextCursor).toBe('string');
      expect(second.body.nextCursor).toBeUndefined();
    });

    it('fails with 422 for a window over 24 hours and 400 for a time that is not ISO 8601', async () => {
      // Act
      const long = await api('GET', '/v1/event-log?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:01Z');
      const malformed = await api('GET', '/v1/event-log?from=yesterday');

      // Assess
      expect([long.status, long.body.errors[0].pointer]).toEqual([422, '/query/to']);
      expect([malformed.status, malformed.body.errors[0].pointer]).toEqual([400, '/query/from']);
    });
  });
});
