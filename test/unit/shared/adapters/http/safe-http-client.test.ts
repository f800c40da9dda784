import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BlockedAddressError,
  type ResolveHost,
  ResponseTooLargeError,
  SafeHttpClient,
  type SafeHttpResponse,
  throwForStatus,
} from '../../../../../shared/adapters/http/safe-http-client';
import { classifyError } from '../../../../../shared/domain/resilience/classify';
import { HttpStatusError } from '../../../../../shared/domain/resilience/errors';

type Seen = { method: string; url: string; headers: IncomingMessage['headers']; body: Buffer };

/** A local server on 127.0.0.1 whose routes the tests set; it records requests and connections. */
class TestServer {
  readonly server: Server;
  readonly seen: Seen[] = [];
  connections = 0;
  handler: (req: IncomingMessage, body: Buffer, res: ServerResponse) => void = (_req, _body, res) => res.end('ok');

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        this.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        this.handler(req, body, res);
      });
    });
    this.server.on('connection', () => {
      this.connections += 1;
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  reset(): void {
    this.seen.length = 0;
    this.connections = 0;
    this.handler = (_req, _body, res) => res.end('ok');
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const target = new TestServer();
const loopbackClient = new SafeHttpClient({ allowLoopback: true });
const defaultClient = new SafeHttpClient({});

describe('SafeHttpClient', () => {
  let base: string;

  beforeAll(async () => {
    await target.listen();
    base = `http://127.0.0.1:${target.port}`;
  });

  afterEach(() => {
    // Fresh sockets per test, so connection counts mean what they say.
    loopbackClient.close();
    defaultClient.close();
    target.server.closeAllConnections();
    target.reset();
  });

  afterAll(async () => {
    await target.close();
  });

  describe('request', () => {
    it('sends the method, headers and a binary body, and returns status, headers and binary body', async () => {
      // Prepare
      const sent = Uint8Array.from({ length: 256 }, (_, i) => i);
      const reply = Buffer.from([0xff, 0x00, 0xfe, 0x80, 0x0a, 0x0d]);
      target.handler = (_req, _body, res) => {
        res.writeHead(201, { 'content-type': 'application/octet-stream', 'x-reply': 'yes' });
        res.end(reply);
      };

      // Act
      const response = await loopbackClient.request({
        method: 'PUT',
        url: `${base}/things/1?x=1&y=%20`,
        headers: { 'content-type': 'application/octet-stream', 'x-trace': 'abc' },
        body: sent.subarray(10, 200),
        timeoutMs: 5_000,
      });

      // Assess
      expect(response.status).toBe(201);
      expect(response.headers['x-reply']).toBe('yes');
      expect(response.body.equals(reply)).toBe(true);
      const seen = target.seen[0]!;
      expect(seen.method).toBe('PUT');
      expect(seen.url).toBe('/things/1?x=1&y=%20');
      expect(seen.headers['x-trace']).toBe('abc');
      expect(seen.headers['content-length']).toBe('190');
      expect(seen.headers.host).toBe(`127.0.0.1:${target.port}`);
      expect(seen.body.equals(Buffer.from(sent.subarray(10, 200)))).toBe(true);
    });

    it('sends a string body as UTF-8', async () => {
      // Act
      await loopbackClient.request({ method: 'POST', url: base, body: '{"name":"Zoë 🚀"}', timeoutMs: 5_000 });

      // Assess
      expect(target.seen[0]!.body.toString('utf8')).toBe('{"name":"Zoë 🚀"}');
      expect(target.seen[0]!.headers['content-length']).toBe(String(Buffer.byteLength('{"name":"Zoë 🚀"}')));
    });

    it('returns a 3xx as is, without following it', async () => {
      // Prepare
      target.handler = (req, _body, res) => {
        if (req.url === '/start') res.writeHead(302, { location: '/elsewhere' }).end();
        else res.end('followed');
      };

      // Act
      const response = await loopbackClient.request({ method: 'GET', url: `${base}/start`, timeoutMs: 5_000 });

      // Assess
      expect(response.status).toBe(302);
      expect(response.headers.location).toBe('/elsewhere');
      expect(target.seen.map((s) => s.url)).toEqual(['/start']);
    });

    it('returns non-2xx statuses instead of throwing', async () => {
      // Prepare
      target.handler = (_req, _body, res) => res.writeHead(503, { 'retry-after': '7' }).end('busy');

      // Act
      const response = await loopbackClient.request({ method: 'GET', url: base, timeoutMs: 5_000 });

      // Assess
      expect(response).toMatchObject({ status: 503, headers: { 'retry-after': '7' } });
      expect(response.body.toString()).toBe('busy');
    });

    it('reuses a kept-alive connection for the next request', async () => {
      // Act
      await loopbackClient.request({ method: 'GET', url: base, timeoutMs: 5_000 });
      await loopbackClient.request({ method: 'GET', url: base, timeoutMs: 5_000 });

      // Assess
      expect(target.seen).toHaveLength(2);
      expect(target.connections).toBe(1);
    });

    it('fails with a TimeoutError when the server does not answer in time', async () => {
      // Prepare
      target.handler = () => {}; // never answers

      // Act
      const error = await loopbackClient.request({ method: 'GET', url: base, timeoutMs: 100 }).catch((e) => e);

      // Assess
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe('TimeoutError');
      expect(classifyError(error, { source: 'test', now: () => 0 })).toMatchObject({
        code: 'TIMEOUT',
        category: 'transient',
      });
    });

    it('fails with a TimeoutError when the body stalls after the headers', async () => {
      // Prepare
      target.handler = (_req, _body, res) => {
        res.writeHead(200, { 'content-length': '100' });
        res.write('partial');
      };

      // Act
      const error = await loopbackClient.request({ method: 'GET', url: base, timeoutMs: 150 }).catch((e) => e);

      // Assess
      expect(error.name).toBe('TimeoutError');
    });

    it("rejects with the caller's abort reason when the caller's signal aborts", async () => {
      // Prepare
      target.handler = () => {};
      const controller = new AbortController();
      const reason = new Error('shutting down');
      setTimeout(() => controller.abort(reason), 50);

      // Act
      const error = await loopbackClient
        .request({ method: 'GET', url: base, timeoutMs: 5_000, signal: controller.signal })
        .catch((e) => e);

      // Assess
      expect(error).toBe(reason);
    });

    it('rejects without sending when the signal is already aborted', async () => {
      // Act
      const error = await loopbackClient
        .request({ method: 'GET', url: base, timeoutMs: 5_000, signal: AbortSignal.abort() })
        .catch((e) => e);

      // Assess
      expect(error.name).toBe('AbortError');
      expect(target.connections).toBe(0);
    });

    it('fails with ResponseTooLargeError when Content-Length exceeds maxResponseBytes', async () => {
      // Prepare
      const client = new SafeHttpClient({ allowLoopback: true }, { maxResponseBytes: 1024 });
      target.handler = (_req, _body, res) => res.end(Buffer.alloc(2048, 1));

      // Act
      const error = await client.request({ method: 'GET', url: base, timeoutMs: 5_000 }).catch((e) => e);
      client.close();

      // Assess
      expect(error).toBeInstanceOf(ResponseTooLargeError);
      expect(error).toMatchObject({ code: 'ERR_RESPONSE_TOO_LARGE', maxResponseBytes: 1024 });
    });

    it('answers status and headers without reading a body of any size with discardBody', async () => {
      // Prepare
      const client = new SafeHttpClient({ allowLoopback: true }, { maxResponseBytes: 1024 });
      target.handler = (_req, _body, res) =>
        res.writeHead(200, { 'x-seen': 'yes' }).end(Buffer.alloc(2 * 1024 * 1024, 1));

      // Act
      const response = await client.request({
        method: 'POST',
        url: base,
        body: '{}',
        timeoutMs: 5_000,
        discardBody: true,
      });
      client.close();

      // Assess
      expect(response.status).toBe(200);
      expect(response.headers['x-seen']).toBe('yes');
      expect(response.body).toHaveLength(0);
    });

    it('fails with ResponseTooLargeError when a chunked body grows past maxResponseBytes', async () => {
      // Prepare
      const client = new SafeHttpClient({ allowLoopback: true }, { maxResponseBytes: 1024 });
      target.handler = (_req, _body, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' }); // no Content-Length: chunked
        res.write(Buffer.alloc(600, 97));
        setTimeout(() => res.end(Buffer.alloc(600, 98)), 20);
      };

      // Act
      const error = await client.request({ method: 'GET', url: base, timeoutMs: 5_000 }).catch((e) => e);
      client.close();

      // Assess
      expect(error).toBeInstanceOf(ResponseTooLargeError);
    });

    it('accepts a body of exactly maxResponseBytes', async () => {
      // Prepare
      const client = new SafeHttpClient({ allowLoopback: true }, { maxResponseBytes: 1024 });
      target.handler = (_req, _body, res) => res.end(Buffer.alloc(1024, 7));

      // Act
      const response = await client.request({ method: 'GET', url: base, timeoutMs: 5_000 });
      client.close();

      // Assess
      expect(response.body).toHaveLength(1024);
    });

    it('refuses a loopback literal under the default policy before connecting', async () => {
      // Act
      const error = await defaultClient.request({ method: 'GET', url: base, timeoutMs: 5_000 }).catch((e) => e);

      // Assess
      expect(error).toBeInstanceOf(BlockedAddressError);
      expect(error).toMatchObject({ code: 'ERR_SSRF_BLOCKED', address: '127.0.0.1', range: 'loopback' });
      expect(target.connections).toBe(0);
    });

    it.each(['http://2130706433:PORT/', 'http://0x7f.1:PORT/', 'http://[::ffff:127.0.0.1]:PORT/'])(
      'refuses the loopback spelling %s before connecting',
      async (url) => {
        // Act
        const error = await defaultClient
          .request({ method: 'GET', url: url.replace('PORT', String(target.port)), timeoutMs: 5_000 })
          .catch((e) => e);

        // Assess
        expect(error).toBeInstanceOf(BlockedAddressError);
        expect(target.connections).toBe(0);
      },
    );

    it('refuses a host name that resolves to loopback (localhost) at connect time', async () => {
      // Act
      const error = await defaultClient
        .request({ method: 'GET', url: `http://localhost:${target.port}/`, timeoutMs: 5_000 })
        .catch((e) => e);

      // Assess
      expect(error).toBeInstanceOf(BlockedAddressError);
      expect(error).toMatchObject({ code: 'ERR_SSRF_BLOCKED', hostname: 'localhost', range: 'loopback' });
      expect(target.connections).toBe(0);
    });

    it('connects to a host name that resolves to loopback when the policy allows loopback', async () => {
      // Act
      const response = await loopbackClient.request({
        method: 'GET',
        url: `http://localhost:${target.port}/named`,
        timeoutMs: 5_000,
      });

      // Assess
      expect(response.status).toBe(200);
      expect(target.seen[0]!.headers.host).toBe(`localhost:${target.port}`);
    });

    it('refuses a host name when any one of its addresses is refused', async () => {
      // Prepare
      const resolveHost: ResolveHost = async () => [
        { address: '93.184.216.34', family: 4 },
        { address: '169.254.169.254', family: 4 },
      ];
      const client = new SafeHttpClient({}, { resolveHost });

      // Act
      const error = await client
        .request({ method: 'GET', url: 'http://mixed.example/', timeoutMs: 5_000 })
        .catch((e) => e);

      // Assess
      expect(error).toBeInstanceOf(BlockedAddressError);
      expect(error).toMatchObject({ hostname: 'mixed.example', address: '169.254.169.254', range: 'linkLocal' });
    });

    it('refuses an allowlisted name whose DNS answers loopback, unless DNS is trusted for it', async () => {
      // Prepare: a mock resolver standing in for a name whose zone now points at this machine
      const resolveHost: ResolveHost = async () => [{ address: '127.0.0.1', family: 4 }];
      const client = new SafeHttpClient({ allowlist: ['orders.internal'] }, { resolveHost });

      // Act
      const error = await client
        .request({ method: 'GET', url: 'http://orders.internal:1/', timeoutMs: 5_000 })
        .catch((e) => e);

      // Assess
      expect(error).toBeInstanceOf(BlockedAddressError);
      expect(error).toMatchObject({ hostname: 'orders.internal', address: '127.0.0.1', range: 'loopback' });
    });

    it('dials the address it checked, resolving the name once per connection', async () => {
      // Prepare: a name that answers 127.0.0.1 first and 169.254.169.254 afterwards (DNS rebinding)
      const answers = ['127.0.0.1', '169.254.169.254'];
      const lookups: string[] = [];
      const resolveHost: ResolveHost = async (hostname) => {
        lookups.push(hostname);
        return [{ address: answers.shift() ?? '169.254.169.254', family: 4 }];
      };
      const client = new SafeHttpClient({ allowLoopback: true }, { resolveHost });
      const url = `http://rebind.example:${target.port}/hook`;

      // Act
      const first = await client.request({ method: 'POST', url, body: 'x', timeoutMs: 5_000 });
      client.close(); // force a new connection, hence a new lookup
      const second = await client.request({ method: 'POST', url, body: 'x', timeoutMs: 5_000 }).catch((e) => e);
      client.close();

      // Assess
      expect(first.status).toBe(200);
      expect(target.seen[0]!.headers.host).toBe(`rebind.example:${target.port}`);
      expect(second).toBeInstanceOf(BlockedAddressError);
      expect(lookups).toEqual(['rebind.example', 'rebind.example']);
      expect(target.connections).toBe(1);
    });

    it('passes DNS failures through unchanged', async () => {
      // Prepare
      const resolveHost: ResolveHost = async (hostname) => {
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      };
      const client = new SafeHttpClient({}, { resolveHost });

      // Act
      const error = await client
        .request({ method: 'GET', url: 'http://nowhere.example/', timeoutMs: 5_000 })
        .catch((e) => e);

      // Assess
      expect(error.code).toBe('ENOTFOUND');
      expect(classifyError(error, { source: 'test', now: () => 0 }).category).toBe('transient');
    });

    it.each([
      ['ftp://example.com/', /scheme ftp:/],
      ['http://user:pass@example.com/', /credentials/],
      ['not a url', /not a valid absolute URL/],
    ])('rejects %s with a TypeError', async (url, message) => {
      // Act / Assess
      await expect(defaultClient.request({ method: 'GET', url, timeoutMs: 1_000 })).rejects.toThrow(
        expect.objectContaining({ name: 'TypeError', message: expect.stringMatching(message) }),
      );
    });

    it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('rejects timeoutMs %s', async (timeoutMs) => {
      // Act / Assess
      await expect(loopbackClient.request({ method: 'GET', url: base, timeoutMs })).rejects.toThrow(TypeError);
    });
  });

  describe('constructor', () => {
    it('fails for a malformed allowlist entry', () => {
      // Act / Assess
      expect(() => new SafeHttpClient({ allowlist: ['10.0.0.0/40'] })).toThrow(TypeError);
    });

    it('fails for a negative maxResponseBytes', () => {
      // Act / Assess
      expect(() => new SafeHttpClient({}, { maxResponseBytes: -1 })).toThrow(RangeError);
    });
  });
});

describe('throwForStatus', () => {
  const url = 'https://hooks.example/orders?token=secret';
  const response = (status: number, headers: Record<string, string> = {}): SafeHttpResponse => ({
    status,
    headers,
    body: Buffer.alloc(0),
  });

  it('returns a 2xx response unchanged', () => {
    // Prepare
    const ok = response(204);

    // Act / Assess
    expect(throwForStatus(ok, url)).toBe(ok);
  });

  it('throws HttpStatusError with the Retry-After header and URL for a 503', () => {
    // Act
    const error = (() => {
      try {
        throwForStatus(response(503, { 'retry-after': '120' }), url);
      } catch (e) {
        return e;
      }
    })();

    // Assess
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(error).toMatchObject({ status: 503, retryAfter: '120', url });
    expect(classifyError(error, { source: 'test', now: () => 0 })).toMatchObject({
      code: 'HTTP_503',
      category: 'transient',
      retryAfterMs: 120_000,
    });
  });

  it.each([301, 400, 404, 500])('throws HttpStatusError without retryAfter for %s', (status) => {
    // Act / Assess
    expect(() => throwForStatus(response(status), url)).toThrow(
      expect.objectContaining({ name: 'HttpStatusError', status, retryAfter: undefined }),
    );
  });
});
