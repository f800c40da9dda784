import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../../cli/client';
import { fetchClientCredentialsToken } from '../../../cli/client-credentials';
import { LOCAL_ENDPOINT, resolveEndpoint, resolveToken } from '../../../cli/connection';
import { ApiError, exitCodeOf, RejectedError, UnreachableError, UsageError } from '../../../cli/errors';

const API_URL = 'https://abc123.execute-api.eu-west-1.amazonaws.com/dev/';

/** A token endpoint and API on one local server: records each request, answers what `answer` says. */
type Recorded = { method: string; url: string; authorization?: string; contentType?: string; body: string };
async function startServer(
  answer: (request: Recorded) => { status: number; type?: string; body: string; headers?: Record<string, string> },
) {
  const requests: Recorded[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const recorded = {
      method: req.method ?? '',
      url: req.url ?? '',
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      body,
    };
    requests.push(recorded);
    const { status, type, body: out, headers } = answer(recorded);
    res.writeHead(status, { 'content-type': type ?? 'application/json', ...headers }).end(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('cli connection', () => {
  let dir: string;
  let outputs: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'aif-connection-'));
    outputs = join(dir, 'outputs.json');
    writeFileSync(
      outputs,
      JSON.stringify({
        'Aif-dev-Stateful': { EventBusName: 'aif-dev' },
        'Aif-dev-Api': {
          ApiUrl: API_URL,
          TokenUrl: 'https://aif-dev.auth.example/oauth2/token',
          AgentClientId: 'agents-id',
        },
      }),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('resolveEndpoint', () => {
    it('prefers --endpoint, then AIF_ENDPOINT, then ApiUrl in the outputs file, then the local runner', () => {
      // Act / Assess
      expect(resolveEndpoint({ endpoint: 'http://a:1', outputs }, { AIF_ENDPOINT: 'http://b:2' })).toBe('http://a:1');
      expect(resolveEndpoint({ outputs }, { AIF_ENDPOINT: 'http://b:2/' })).toBe('http://b:2');
      expect(resolveEndpoint({ outputs }, {})).toBe(API_URL.slice(0, -1));
      expect(resolveEndpoint({}, { AIF_OUTPUTS: outputs })).toBe(API_URL.slice(0, -1));
      expect(resolveEndpoint({}, {})).toBe(LOCAL_ENDPOINT);
    });

    it('rejects a URL that is not http(s), an unreadable outputs file, and one without ApiUrl, as usage errors', () => {
      // Prepare
      const noApi = join(dir, 'no-api.json');
      writeFileSync(noApi, JSON.stringify({ Stack: { Other: 'x' } }));
      const twice = join(dir, 'twice.json');
      writeFileSync(twice, JSON.stringify({ A: { ApiUrl: 'http://a' }, B: { ApiUrl: 'http://b' } }));

      // Act / Assess
      expect(() => resolveEndpoint({ endpoint: 'ftp://x' }, {})).toThrow(/must be http:\/\/ or https:\/\//);
      expect(() => resolveEndpoint({ endpoint: 'not a url' }, {})).toThrow(UsageError);
      expect(() => resolveEndpoint({ outputs: join(dir, 'missing.json') }, {})).toThrow(/cannot read the outputs file/);
      expect(() => resolveEndpoint({ outputs: noApi }, {})).toThrow(/has no ApiUrl output/);
      expect(() => resolveEndpoint({ outputs: twice }, {})).toThrow(/ApiUrl in several stacks \(A, B\)/);
    });
  });

  describe('resolveToken', () => {
    it('answers --token, else AIF_TOKEN, else no token', async () => {
      // Act / Assess
      expect(await resolveToken({ token: 't1' }, { AIF_TOKEN: 't2' })()).toBe('t1');
      expect(await resolveToken({}, { AIF_TOKEN: 't2' })()).toBe('t2');
      expect(await resolveToken({}, {})()).toBeUndefined();
    });

    it('names every missing part of the client-credentials flow', () => {
      // Act / Assess
      expect(() => resolveToken({ clientSecret: 's' }, {})).toThrow(
        'the client-credentials flow needs --client-id (or AIF_CLIENT_ID), --token-url (or AIF_TOKEN_URL)',
      );
    });

    it('fetches one client-credentials token with basic auth, and reuses it for every request', async () => {
      // Prepare
      const server = await startServer((request) =>
        request.url === '/oauth2/token'
          ? { status: 200, body: JSON.stringify({ access_token: 'cc-token', token_type: 'Bearer', expires_in: 3600 }) }
          : { status: 200, body: JSON.stringify({ items: [] }) },
      );
      const token = resolveToken(
        { clientId: 'agent id', clientSecret: 's3cr:t', tokenUrl: `${server.url}/oauth2/token` },
        {},
      );
      const client = new ApiClient({ baseUrl: server.url, token });

      // Act
      await client.listContracts({});
      await client.listInstances({});
      await server.close();

      // Assess
      const [tokenRequest, ...apiRequests] = server.requests;
      expect(tokenRequest).toMatchObject({
        method: 'POST',
        contentType: 'application/x-www-form-urlencoded',
        body: 'grant_type=client_credentials',
        // RFC 6749 §2.3.1: id and secret form-urlencoded, then base64.
        authorization: `Basic ${Buffer.from('agent+id:s3cr%3At').toString('base64')}`,
      });
      expect(apiRequests.map((r) => `${r.url} ${r.authorization}`)).toEqual([
        '/v1/contracts Bearer cc-token',
        '/v1/services Bearer cc-token',
      ]);
    });

    it('takes the client id and token URL from the outputs file when only the secret is given', async () => {
      // Prepare
      const seen: string[] = [];
      const fetchStub = (async (url: string | URL, init?: RequestInit) => {
        seen.push(`${url} ${(init?.headers as Record<string, string> | undefined)?.authorization}`);
        return new Response(JSON.stringify({ access_token: 'from-outputs' }), { status: 200 });
      }) as typeof fetch;

      // Act
      const token = await resolveToken({ outputs, clientSecret: 'sec' }, {}, fetchStub)();

      // Assess
      expect(token).toBe('from-outputs');
      expect(seen).toEqual([
        `https://aif-dev.auth.example/oauth2/token Basic ${Buffer.from('agents-id:sec').toString('base64')}`,
      ]);
    });

    it("fails with the token endpoint's OAuth error as a 4xx ApiError", async () => {
      // Prepare
      const server = await startServer(() => ({
        status: 400,
        body: JSON.stringify({ error: 'invalid_client', error_description: 'Client authentication failed' }),
      }));

      // Act
      const failure = fetchClientCredentialsToken({ tokenUrl: server.url, clientId: 'a', clientSecret: 'b' }).catch(
        (error: unknown) => error,
      );
      const error = await failure;
      await server.close();

      // Assess
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({
        status: 400,
        problem: { title: 'token endpoint: invalid_client', detail: 'Client authentication failed' },
      });
    });
  });

  describe('ApiClient', () => {
    it('turns problem+json into an ApiError, other error bodies into a problem, and no answer into UnreachableError', async () => {
      // Prepare
      const server = await startServer((request) =>
        request.url.startsWith('/v1/contracts')
          ? {
              status: 422,
              type: 'application/problem+json',
              body: JSON.stringify({ type: 'urn:x', title: 'Invalid', status: 422, detail: 'bad', errors: [] }),
            }
          : { status: 502, type: 'text/html', body: '<h1>Bad gateway</h1>' },
      );
      const client = new ApiClient({ baseUrl: server.url });

      // Act
      const problem = await client.listContracts({}).catch((error: unknown) => error);
      const html = await client.topology().catch((error: unknown) => error);
      await server.close();
      const closed = await startServer(() => ({ status: 200, body: '{}' }));
      await closed.close();
      const unreachable = await new ApiClient({ baseUrl: closed.url }).health().catch((error: unknown) => error);

      // Assess
      expect(problem).toMatchObject({ status: 422, problem: { title: 'Invalid', detail: 'bad' } });
      expect(html).toMatchObject({ status: 502, problem: { detail: '<h1>Bad gateway</h1>' } });
      expect(unreachable).toBeInstanceOf(UnreachableError);
      expect((unreachable as UnreachableError).reason).toBe('ECONNREFUSED');
      expect([problem, html, unreachable].map(exitCodeOf)).toEqual([4, 5, 5]);
    });
  });

  describe('ApiClient rate limits', () => {
    it('sends a 429 again after its Retry-After, and reports one whose wait is too long', async () => {
      // Prepare
      let calls = 0;
      const server = await startServer((request) => {
        calls++;
        const tooMany = (retryAfter: string) => ({
          status: 429,
          type: 'application/problem+json',
          body: JSON.stringify({ title: 'Too many', detail: 'x' }),
          headers: { 'retry-after': retryAfter },
        });
        if (request.url.startsWith('/v1/topology')) return tooMany('3600');
        return calls === 1 ? tooMany('0') : { status: 200, body: JSON.stringify({ status: 'ok', checks: {} }) };
      });
      const client = new ApiClient({ baseUrl: server.url });

      // Act
      const health = await client.health();
      const topology = await client.topology().catch((error: unknown) => error);
      await server.close();

      // Assess
      expect(health.body.status).toBe('ok');
      expect(topology).toMatchObject({ status: 429 });
      expect(server.requests.map((r) => r.url)).toEqual(['/v1/health', '/v1/health', '/v1/topology']);
    });
  });

  describe('exitCodeOf', () => {
    it('maps usage errors to 2 and failed checks to 4', () => {
      // Act / Assess
      expect(exitCodeOf(new UsageError('x'))).toBe(2);
      expect(exitCodeOf(new RejectedError('x'))).toBe(4);
    });
  });
});
