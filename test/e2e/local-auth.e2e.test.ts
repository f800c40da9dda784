import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../../local/server';
import { serveJwks, signToken, TEST_AUDIENCE, TEST_ISSUER, type TestKey, testKey } from '../support/jwks';
import { startAuthServer } from '../support/local-auth';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A raw request, so the Host header can be set (fetch refuses to). */
function post(url: string, path: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { method: 'POST', headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
    req.end(body);
  });
}

describe('local runner auth', () => {
  describe('--auth off', () => {
    it('rejects a non-loopback host before starting anything', async () => {
      await expect(startLocalServer({ port: 0, host: '0.0.0.0' })).rejects.toThrow(
        /refusing to listen on 0\.0\.0\.0 with auth off/,
      );
    });

    it('fails npm run dev -- --host 0.0.0.0 with a clear message and a non-zero exit', async () => {
      // Prepare
      const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts', '--host', '0.0.0.0', '--port', '0'], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });

      // Act
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));

      // Assess
      expect(code).not.toBe(0);
      expect(stderr).toContain('refusing to listen on 0.0.0.0 with auth off');
    });
  });

  describe('the local issuer token endpoint', () => {
    let server: LocalServer;
    beforeAll(async () => {
      server = await startAuthServer();
    });
    afterAll(async () => {
      await server?.close();
    });
    const json = { 'content-type': 'application/json' };
    const good = JSON.stringify({ scopes: ['contracts:read'], ttlSeconds: 300 });

    it('issues a token that the API accepts for the scopes it names', async () => {
      // Act
      const answer = await fetch(`${server.url}/local/token`, { method: 'POST', headers: json, body: good });
      const { access_token: token } = (await answer.json()) as { access_token: string };
      const allowed = await fetch(`${server.url}/v1/contracts`, { headers: { authorization: `Bearer ${token}` } });
      const other = await fetch(`${server.url}/v1/services`, { headers: { authorization: `Bearer ${token}` } });

      // Assess
      expect(answer.status).toBe(200);
      expect(allowed.status).toBe(200);
      expect(other.status).toBe(403);
    });

    it('refuses a Host that is not an allowed name with 421 before the endpoint (DNS rebinding)', async () => {
      expect(await post(server.url, '/local/token', { ...json, host: 'attacker.example' }, good)).toBe(421);
    });

    it('refuses a body that is not application/json (cross-site form posts)', async () => {
      expect(await post(server.url, '/local/token', { 'content-type': 'text/plain' }, good)).toBe(415);
    });

    it('refuses a lifetime over a day', async () => {
      const body = JSON.stringify({ scopes: [], ttlSeconds: 86_401 });
      expect(await post(server.url, '/local/token', json, body)).toBe(400);
    });

    it('refuses the framework’s reserved tenant aif, named or as the subject of a token without one', async () => {
      const named = JSON.stringify({ scopes: [], tenant: 'aif', ttlSeconds: 60 });
      const asSubject = JSON.stringify({ scopes: [], subject: 'aif', ttlSeconds: 60 });
      expect(await post(server.url, '/local/token', json, named)).toBe(400);
      expect(await post(server.url, '/local/token', json, asSubject)).toBe(400);
    });
  });

  describe('--auth jwt with an external issuer', () => {
    let key: TestKey;
    let jwks: Awaited<ReturnType<typeof serveJwks>>;
    let server: LocalServer;
    beforeAll(async () => {
      key = await testKey('k1');
      jwks = await serveJwks([key]);
      server = await startAuthServer({
        mode: 'jwt',
        verify: { issuer: TEST_ISSUER, audience: [TEST_AUDIENCE], jwksUrl: jwks.url },
      });
    });
    afterAll(async () => {
      await server?.close();
      await jwks?.close();
    });

    it("verifies the issuer's tokens and serves no local issuer endpoints", async () => {
      // Prepare
      const token = await signToken(key, { scope: 'contracts:read' });

      // Act
      const listed = await fetch(`${server.url}/v1/contracts`, { headers: { authorization: `Bearer ${token}` } });
      const jwksPath = await fetch(`${server.url}/.well-known/jwks.json`);
      const tokenPath = await fetch(`${server.url}/local/token`, { method: 'POST', body: '{}' });

      // Assess
      expect(listed.status).toBe(200);
      expect(jwksPath.status).toBe(401);
      expect(tokenPath.status).toBe(401);
    });

    it('fails closed with 500 problem+json when the JWKS cannot be fetched', async () => {
      // Prepare: a server whose authorizer has never seen the keys, and a JWKS that now fails.
      jwks.setStatus(503);
      const cold = await startAuthServer({
        mode: 'jwt',
        verify: { issuer: TEST_ISSUER, audience: [TEST_AUDIENCE], jwksUrl: jwks.url },
      });
      const token = await signToken(key, { scope: 'contracts:read' });

      // Act
      const answer = await fetch(`${cold.url}/v1/contracts`, { headers: { authorization: `Bearer ${token}` } });
      await cold.close();
      jwks.setStatus(200);

      // Assess
      expect(answer.status).toBe(500);
      expect(answer.headers.get('content-type')).toBe('application/problem+json');
    });
  });
});
