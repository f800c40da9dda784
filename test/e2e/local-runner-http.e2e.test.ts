import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../../local/server';

/** Sends raw bytes and resolves with everything the server answered before closing. */
function rawRequest(url: string, request: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname === 'localhost' ? '127.0.0.1' : hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
    socket.write(request);
  });
}

describe('local runner', () => {
  let server: LocalServer;

  beforeAll(async () => {
    server = await startLocalServer({ port: 0, healthCheckIntervalMs: 0 });
  });
  afterAll(async () => {
    await server?.close();
  });

  describe('HEAD /v1/health', () => {
    it('answers with the Content-Length GET would send', async () => {
      // Act
      const get = await fetch(`${server.url}/v1/health`);
      const head = await fetch(`${server.url}/v1/health`, { method: 'HEAD' });

      // Assess
      expect(head.status).toBe(200);
      expect(head.headers.get('content-length')).toBe(String((await get.arrayBuffer()).byteLength));
    });
  });

  describe('a request Node cannot parse', () => {
    it('rejects an unknown method with 400 problem+json', async () => {
      // Act
      const answer = await rawRequest(server.url, 'BREW /v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n');

      // Assess
      const [head = '', body = ''] = answer.split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 400 /);
      expect(head).toMatch(/content-type: application\/problem\+json/i);
      expect(JSON.parse(body)).toMatchObject({ type: 'urn:aif:problem:bad-request', status: 400 });
    });

    it('rejects headers over 16 KB with 431 problem+json', async () => {
      // Act
      const answer = await rawRequest(
        server.url,
        `GET /v1/health HTTP/1.1\r\nHost: localhost\r\nAccept: ${'a'.repeat(20_000)}\r\n\r\n`,
      );

      // Assess
      const [head = '', body = ''] = answer.split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 431 /);
      expect(JSON.parse(body)).toMatchObject({ status: 431 });
    });
  });

  describe('POST /v1/contracts/{name}/validate', () => {
    it('rejects two Content-Type headers with 415 as API Gateway hands both to the function', async () => {
      // Act: Node's req.headers would keep only the first (JSON) and decode the body
      const answer = await rawRequest(
        server.url,
        'POST /v1/contracts/any/validate HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n' +
          'Content-Type: application/json\r\nContent-Type: application/yaml\r\nContent-Length: 2\r\n\r\n{}',
      );

      // Assess
      const [head = '', body = ''] = answer.split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 415 /);
      expect(JSON.parse(body).detail).toMatch(/"application\/json, application\/yaml" is not one media type/);
    });
  });
});
