import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../../local/server';

/** One request over node:http (which, unlike fetch, lets a test set Host), on a fresh connection. */
function send(
  url: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: Number(port),
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('local runner: browser-facing defences', () => {
  let server: LocalServer;

  beforeAll(async () => {
    server = await startLocalServer({ port: 0, healthCheckIntervalMs: 0, allowedHosts: ['dev.example.test'] });
  });
  afterAll(async () => {
    await server?.close();
  });

  describe('Host header allowlist', () => {
    it('rejects a Host outside the allowlist with 421 problem+json (DNS rebinding)', async () => {
      // Act
      const answer = await send(server.url, { path: '/v1/health', headers: { host: 'attacker.example:80' } });

      // Assess
      expect(answer.status).toBe(421);
      expect(answer.headers['content-type']).toBe('application/problem+json');
      expect(JSON.parse(answer.body)).toMatchObject({ type: 'urn:aif:problem:misdirected-request', status: 421 });
    });

    it('answers localhost, 127.0.0.1, [::1] and an --allowed-host name', async () => {
      // Prepare
      const { port } = new URL(server.url);
      const hosts = [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'DEV.example.test'];

      // Act
      const answers = await Promise.all(
        hosts.map((host) => send(server.url, { path: '/v1/health', headers: { host } })),
      );

      // Assess
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    });
  });

  describe('request bodies', () => {
    it('rejects a body without Content-Type with 415 problem+json, not read as JSON', async () => {
      // Act
      const answer = await send(server.url, {
        method: 'POST',
        path: '/v1/services',
        headers: { host: 'localhost' },
        body: JSON.stringify({ id: 'x-1', name: 'x', version: '1.0.0', endpoint: 'http://localhost:1' }),
      });

      // Assess
      expect(answer.status).toBe(415);
      expect(answer.headers['content-type']).toBe('application/problem+json');
      expect(JSON.parse(answer.body).detail).toMatch(/no Content-Type/);
    });
  });

  describe('cross-origin state changes', () => {
    it("rejects a POST whose Origin is another site's (or another port's) with 403, and accepts its own", async () => {
      // Prepare
      const { port } = new URL(server.url);
      const post = (origin: string) =>
        send(server.url, {
          method: 'POST',
          path: '/v1/event-patterns/test',
          headers: { host: `localhost:${port}`, origin, 'content-type': 'application/json' },
          body: JSON.stringify({ pattern: { source: ['a'] }, event: { source: 'a' } }),
        });

      // Act
      const answers = await Promise.all(
        ['https://attacker.example', `http://localhost:${Number(port) + 1}`, 'null', `http://localhost:${port}`].map(
          post,
        ),
      );

      // Assess
      expect(answers.slice(0, 3).map((a) => a.status)).toEqual([403, 403, 403]);
      expect(JSON.parse(answers[0]!.body)).toMatchObject({ type: 'urn:aif:problem:cross-origin-request' });
      expect(answers[3]!.status).not.toBe(403);
    });
  });

  describe('an 11 MB body', () => {
    it('is answered 413 with Connection: close, and the next request on the same keep-alive agent succeeds', async () => {
      // Prepare
      const big = Buffer.alloc(11 * 1024 * 1024, 0x61);

      // Act
      const refused = await fetch(`${server.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: big,
      }).then(
        async (response) => ({
          status: response.status,
          connection: response.headers.get('connection'),
          body: await response.text(),
        }),
        (error: unknown) => ({ status: 0, connection: null, body: String(error) }),
      );
      const next = await fetch(`${server.url}/v1/health`);

      // Assess
      expect(refused.status, refused.body).toBe(413);
      expect(refused.connection).toBe('close');
      expect(next.status).toBe(200);
    });

    it('is refused from a declared Content-Length alone, without waiting for a body that never comes', async () => {
      // Act: 20 MB declared, 7 bytes sent, the request left open
      const answer = await new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port: Number(new URL(server.url).port),
            method: 'POST',
            path: '/v1/errors',
            headers: { host: 'localhost', 'content-type': 'application/json', 'content-length': '20000000' },
            agent: false,
          },
          (res) => {
            res.resume();
            resolve({ status: res.statusCode ?? 0, connection: res.headers.connection });
            req.destroy();
          },
        );
        req.on('error', reject);
        req.write('{"a":1}');
      });

      // Assess
      expect(answer).toEqual({ status: 413, connection: 'close' });
    });
  });
});
