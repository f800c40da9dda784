import { promises as dns, type LookupAddress, type LookupOptions } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import {
  type AddressRange,
  assertOutboundAddressRules,
  checkTargetUrl,
  classifyAddress,
  ipLiteral,
  isResolvedAddressAllowed,
  type OutboundAddressRules,
} from '../../domain/net/outbound-address-rules';
import { HttpStatusError } from '../../domain/resilience/errors';
import type { HttpClient } from '../../ports/http-client';

/** The `code` of a {@link BlockedAddressError}. */
export const SSRF_BLOCKED_CODE = 'ERR_SSRF_BLOCKED';
/** The `code` of a {@link ResponseTooLargeError}. */
export const RESPONSE_TOO_LARGE_CODE = 'ERR_RESPONSE_TOO_LARGE';
/** The default cap on a response body: 1 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 1_048_576;

/**
 * The destination is an address the {@link OutboundAddressRules} refuses: an IP literal in the URL, or an
 * address a host name resolved to (any one of them). No connection was opened.
 *
 * @example
 * try { await client.request({ method: 'GET', url: 'http://169.254.169.254/', timeoutMs: 1_000 }); }
 * catch (e) { if (e instanceof BlockedAddressError) console.log(e.code, e.address); } // ERR_SSRF_BLOCKED 169.254.169.254
 */
export class BlockedAddressError extends Error {
  /** Always `ERR_SSRF_BLOCKED`. */
  readonly code = SSRF_BLOCKED_CODE;
  /** The host of the URL (a name, or the IP literal). */
  readonly hostname: string;
  /** The refused address. */
  readonly address: string;
  /** The refused address's special-purpose range, when it is an IP address. */
  readonly range?: AddressRange;

  constructor(message: string, details: { hostname: string; address: string; range?: AddressRange }) {
    super(message);
    this.name = 'BlockedAddressError';
    this.hostname = details.hostname;
    this.address = details.address;
    if (details.range !== undefined) this.range = details.range;
  }
}

/**
 * The response body grew past `maxResponseBytes` (declared by `Content-Length` or counted while
 * reading); the connection was dropped.
 *
 * @example
 * catch (e) { if (e instanceof ResponseTooLargeError) console.log(e.maxResponseBytes); } // 1048576
 */
export class ResponseTooLargeError extends Error {
  /** Always `ERR_RESPONSE_TOO_LARGE`. */
  readonly code = RESPONSE_TOO_LARGE_CODE;
  /** The cap that was exceeded, bytes. */
  readonly maxResponseBytes: number;

  constructor(maxResponseBytes: number) {
    super(`response body exceeds ${maxResponseBytes} bytes`);
    this.name = 'ResponseTooLargeError';
    this.maxResponseBytes = maxResponseBytes;
  }
}

/** Resolves a host name to all its addresses, like `dns.promises.lookup(hostname, { all: true })`. */
export type ResolveHost = (hostname: string, options: LookupOptions) => Promise<readonly LookupAddress[]>;

/** Options of {@link SafeHttpClient}. */
export type SafeHttpClientOptions = {
  /** Cap on a response body, bytes; a longer body fails the request. @default 1_048_576 (1 MiB) */
  maxResponseBytes?: number;
  /** Keep connections open for reuse (one `http.Agent` and one `https.Agent` per client). @default true */
  keepAlive?: boolean;
  /** Cap on open sockets per origin. @default Infinity (Node's default) */
  maxSockets?: number;
  /** How host names are resolved; tests inject a fake. @default dns.promises.lookup with `all: true` */
  resolveHost?: ResolveHost;
};

/** One outbound request. */
export type SafeHttpRequest = {
  /** The HTTP method, e.g. `POST`. */
  method: string;
  /** The absolute `http:` or `https:` URL, without credentials. */
  url: string;
  /** Request headers; `Content-Length` is set from `body`. */
  headers?: Readonly<Record<string, string>>;
  /** The body: a string is sent as UTF-8, bytes as they are. */
  body?: Uint8Array | string;
  /** Deadline for the whole exchange — DNS, connect, TLS, request, response headers and body — milliseconds. */
  timeoutMs: number;
  /** Cancels the request; it then rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Resolve with the status and headers only (empty body) and close the connection: no body limit applies. */
  discardBody?: boolean;
};

/** A response, whatever its status. */
export type SafeHttpResponse = {
  /** The status code (3xx included: redirects are never followed). */
  status: number;
  /** Header names in lower case; repeated headers joined with `, ` (set-cookie too). */
  headers: Record<string, string>;
  /** The body bytes, at most `maxResponseBytes`. */
  body: Buffer;
};

/**
 * An outbound HTTP client that cannot be pointed at internal addresses (SSRF), for webhook delivery and
 * service-mesh forwarding. It uses `node:http`/`node:https` rather than `fetch` because only they let
 * it judge the address at connect time:
 * - the URL is checked first ({@link checkTargetUrl}: http(s) only, no credentials, IP literals judged
 *   by the rules without DNS);
 * - a host name is resolved by the client's own `lookup` hook (`dns.lookup` with `all: true`); if ANY
 *   resolved address is refused the request fails with {@link BlockedAddressError}, else the socket
 *   dials exactly the addresses that were checked, so a DNS answer that changes between check and
 *   connect (DNS rebinding) cannot slip through. Kept-alive sockets were checked when they connected;
 * - redirects are never followed (a 3xx is returned, and the Standard Webhooks spec counts it a failure);
 * - `timeoutMs` covers the whole exchange; on expiry the request rejects with a `TimeoutError`
 *   DOMException, which `classifyError` makes a transient `TIMEOUT`;
 * - the response body is capped at `maxResponseBytes` ({@link ResponseTooLargeError});
 * - non-2xx statuses are returned, not thrown: see {@link throwForStatus}.
 *
 * Socket and DNS failures surface as Node's errors (`ECONNREFUSED`, `ENOTFOUND`…), which the classifier
 * knows. An HTTPS request to a host name verifies the certificate for that name (SNI), as Node does.
 *
 * @example
 * const client = new SafeHttpClient({});
 * const response = throwForStatus(
 *   await client.request({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body, timeoutMs: 15_000 }),
 *   url,
 * );
 */
export class SafeHttpClient implements HttpClient {
  private readonly rules: OutboundAddressRules;
  private readonly maxResponseBytes: number;
  private readonly resolveHost: ResolveHost;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  /**
   * @param rules - which addresses may be dialled (default `{}`: global unicast only)
   * @param options - body cap, connection reuse and the resolver
   * @throws {TypeError} when the rules' allowlist holds an invalid entry (see `assertOutboundAddressRules`)
   * @throws {RangeError} when `maxResponseBytes` is not a non-negative integer
   */
  constructor(rules: OutboundAddressRules = {}, options: SafeHttpClientOptions = {}) {
    assertOutboundAddressRules(rules);
    const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    if (!Number.isSafeInteger(maxResponseBytes) || maxResponseBytes < 0) {
      throw new RangeError(`maxResponseBytes is a non-negative integer, got ${maxResponseBytes}`);
    }
    this.rules = { ...rules, ...(rules.allowlist && { allowlist: [...rules.allowlist] }) };
    this.maxResponseBytes = maxResponseBytes;
    this.resolveHost =
      options.resolveHost ?? ((hostname, lookupOptions) => dns.lookup(hostname, { ...lookupOptions, all: true }));
    // The lookup hook sits on the agents too, so no socket they open can skip it.
    const agentOptions = {
      keepAlive: options.keepAlive ?? true,
      ...(options.maxSockets !== undefined && { maxSockets: options.maxSockets }),
      lookup: this.lookup,
    };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent(agentOptions);
  }

  /**
   * Sends one request and reads the whole response.
   *
   * @param request - method, URL, headers, body, deadline and cancellation
   * @returns the status, headers and body, whatever the status
   * @throws {TypeError} when the URL does not parse, is not http(s) or carries credentials, or when
   *   `timeoutMs` is not a positive number
   * @throws {BlockedAddressError} when the URL's IP literal or any address its host resolves to is refused
   * @throws {ResponseTooLargeError} when the body exceeds `maxResponseBytes`
   * @throws {DOMException} named `TimeoutError` when `timeoutMs` passes first
   * @throws `signal.reason` when the caller aborts
   * @throws Node's socket/DNS errors (`ECONNREFUSED`, `ECONNRESET`, `ENOTFOUND`…)
   * @example
   * const { status, body } = await client.request({ method: 'GET', url: 'https://example.com/', timeoutMs: 5_000 });
   */
  async request(request: SafeHttpRequest): Promise<SafeHttpResponse> {
    const { timeoutMs } = request;
    if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new TypeError(`timeoutMs is a positive number of milliseconds, got ${timeoutMs}`);
    }
    const target = checkTargetUrl(request.url, this.rules);
    if (!target.ok) {
      if (target.address === undefined) throw new TypeError(`refused URL: ${target.reason}`);
      throw new BlockedAddressError(`refused destination: ${target.reason}`, {
        hostname: new URL(request.url).hostname,
        address: target.address,
        ...(target.range !== undefined && { range: target.range }),
      });
    }
    request.signal?.throwIfAborted();
    return this.send(target.url, request, Math.ceil(timeoutMs));
  }

  /**
   * Closes the kept-alive sockets (tests, shutdown). Requests made afterwards open new sockets.
   *
   * @example afterAll(() => client.close());
   */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private send(url: URL, request: SafeHttpRequest, timeoutMs: number): Promise<SafeHttpResponse> {
    const body = toBuffer(request.body);
    const isHttps = url.protocol === 'https:';
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    const headers: Record<string, string> = { ...request.headers };
    if (body !== undefined) {
      for (const name of Object.keys(headers)) if (name.toLowerCase() === 'content-length') delete headers[name];
      headers['content-length'] = String(body.length);
    }

    return new Promise<SafeHttpResponse>((resolve, reject) => {
      let response: IncomingMessage | undefined;
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        outcome();
      };
      const fail = (error: unknown) => settle(() => reject(error));
      const onAbort = () => {
        const error =
          request.signal?.aborted === true
            ? request.signal.reason
            : new DOMException(`request to ${url.origin} timed out after ${timeoutMs} ms`, 'TimeoutError');
        fail(error);
        response?.destroy();
        outgoing.destroy();
      };

      const outgoing = (isHttps ? https : http).request({
        method: request.method,
        protocol: url.protocol,
        // Node dials an IP literal without calling `lookup`; checkTargetUrl has judged it already.
        hostname: ipLiteral(url.hostname) ?? url.hostname,
        port: url.port === '' ? undefined : Number(url.port),
        path: `${url.pathname}${url.search}`,
        headers,
        agent: isHttps ? this.httpsAgent : this.httpAgent,
        lookup: this.lookup,
      });
      signal.addEventListener('abort', onAbort, { once: true });
      outgoing.on('error', fail);
      outgoing.on('response', (incoming) => {
        response = incoming;
        if (request.discardBody) {
          settle(() =>
            resolve({ status: incoming.statusCode ?? 0, headers: flattenHeaders(incoming), body: Buffer.alloc(0) }),
          );
          incoming.destroy();
          return;
        }
        this.readBody(incoming, fail, (bytes) =>
          settle(() => resolve({ status: incoming.statusCode ?? 0, headers: flattenHeaders(incoming), body: bytes })),
        );
      });
      if (signal.aborted) {
        onAbort();
        return;
      }
      outgoing.end(body);
    });
  }

  private readBody(incoming: IncomingMessage, fail: (error: unknown) => void, done: (body: Buffer) => void): void {
    const max = this.maxResponseBytes;
    const tooLarge = () => {
      fail(new ResponseTooLargeError(max));
      // Dropping the socket is cheaper than draining an unwanted body, and it cannot be reused mid-body.
      incoming.destroy();
    };
    const declared = Number(incoming.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) {
      tooLarge();
      return;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    incoming.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > max) {
        tooLarge();
        return;
      }
      chunks.push(chunk);
    });
    incoming.on('end', () => done(Buffer.concat(chunks, received)));
    incoming.on('error', fail);
    incoming.on('close', () => {
      if (!incoming.complete) {
        fail(
          Object.assign(new Error('the connection closed before the response was complete'), { code: 'ECONNRESET' }),
        );
      }
    });
  }

  /**
   * The `lookup` hook of every socket this client opens (`net.connect`'s `lookup` option). Node calls it
   * for host names only, with `all: true` when it races IPv4 and IPv6 (`autoSelectFamily`, on by default
   * in Node 20), and dials what it returns — the addresses checked here.
   */
  private readonly lookup: LookupFunction = (hostname, options, callback) => {
    this.resolveChecked(hostname, options).then(
      (addresses) => {
        if (options.all === true) callback(null, [...addresses]);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };

  private async resolveChecked(hostname: string, options: LookupOptions): Promise<readonly LookupAddress[]> {
    const addresses = await this.resolveHost(hostname, { ...options, all: true });
    if (addresses.length === 0) {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
        code: 'ENOTFOUND',
        syscall: 'getaddrinfo',
        hostname,
      });
    }
    for (const { address } of addresses) {
      if (!isResolvedAddressAllowed(hostname, address, this.rules)) {
        const range = rangeOrUndefined(address);
        throw new BlockedAddressError(
          `refused destination: ${hostname} resolves to ${address}${range ? ` (${range})` : ''}`,
          { hostname, address, ...(range !== undefined && { range }) },
        );
      }
    }
    return addresses;
  }
}

/**
 * Throws for a non-2xx response, so that `classifyError` sees an HttpStatusError (`HTTP_<status>`,
 * transient for 408/429/502/503/504) with the raw `Retry-After`. A 3xx counts as a failure too:
 * redirects are not followed, and the Standard Webhooks spec treats them as failed deliveries.
 *
 * @param response - a response from {@link SafeHttpClient.request}
 * @param url - the requested URL (the classifier keeps only its origin and path)
 * @returns the same response, when its status is 200–299
 * @throws {HttpStatusError} for any other status in [100, 599], with `retryAfter` from the header
 * @throws {RangeError} for a status outside [100, 599] (HttpStatusError cannot carry it)
 * @example
 * const ok = throwForStatus(await client.request({ method: 'POST', url, body, timeoutMs: 15_000 }), url);
 */
export function throwForStatus(response: SafeHttpResponse, url: string): SafeHttpResponse {
  if (response.status >= 200 && response.status < 300) return response;
  const retryAfter = response.headers['retry-after'];
  throw new HttpStatusError(response.status, { url, ...(retryAfter !== undefined && { retryAfter }) });
}

function toBuffer(body: Uint8Array | string | undefined): Buffer | undefined {
  if (body === undefined) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

function flattenHeaders(incoming: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming.headers)) {
    // Set-Cookie cannot be folded with commas (RFC 9110 §5.3): its values are joined with a line
    // feed, which no header value can hold, so a relay can split them again.
    if (value !== undefined)
      headers[name] = Array.isArray(value) ? value.join(name === 'set-cookie' ? '\n' : ', ') : value;
  }
  return headers;
}

function rangeOrUndefined(address: string): AddressRange | undefined {
  try {
    return classifyAddress(address);
  } catch {
    return undefined;
  }
}
