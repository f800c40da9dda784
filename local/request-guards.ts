import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyResult } from 'aws-lambda';

/** Host names every local server answers to: the loopback names a browser on this machine uses. */
export const DEFAULT_ALLOWED_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

/** Methods that change state: a cross-origin page must not send them (CSRF). */
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** What {@link guardRequest} checks a request against. */
export type RequestGuardOptions = {
  /** Host names (no port) the server answers to, lower case, IPv6 in brackets (see {@link allowedHostSet}). */
  allowedHosts: ReadonlySet<string>;
  /** The port the server listens on: an allowed `Origin` names it. */
  port: number;
};

/**
 * The host names a local server answers to: {@link DEFAULT_ALLOWED_HOSTS}, the interface it listens
 * on (an IP literal, which DNS rebinding cannot use), and each `--allowed-host`.
 *
 * @param listenHost - the `host` the server listens on (`127.0.0.1`, `::1`, `0.0.0.0`…)
 * @param extra - more host names, e.g. `dev.example.test` (`--allowed-host`, repeatable)
 * @returns normalised names: lower case, no trailing dot, IPv6 in brackets
 * @throws {TypeError} naming an entry that is not a host name (a port, a path or a scheme in it)
 * @example allowedHostSet('127.0.0.1', ['Dev.Test']) // Set { 'localhost', '127.0.0.1', '[::1]', 'dev.test' }
 */
export function allowedHostSet(listenHost: string, extra: readonly string[] = []): Set<string> {
  const bad = extra.filter((entry) => normaliseHost(entry) === undefined);
  if (bad.length > 0) throw new TypeError(`--allowed-host must be a host name or IP address: ${bad.join(', ')}`);
  return new Set(
    [...DEFAULT_ALLOWED_HOSTS, listenHost, ...extra].map((h) => normaliseHost(h)).filter((h) => h !== undefined),
  );
}

/**
 * Refuses what a browser page could make a local server do on its behalf:
 * - a `Host` that is not an allowed name → 421 (a DNS-rebinding page reaches the server under its
 *   own name; RFC 9110 §15.5.20 "Misdirected Request");
 * - a state-changing method (POST, PUT, PATCH, DELETE) whose `Origin` is not this server's own
 *   origin (`http://<allowed host>:<port>`; `Origin: null` included) → 403 (cross-site request forgery).
 * Requests without `Origin` (curl, SDKs, Node's fetch) pass the second check.
 *
 * @returns the problem answer, or undefined when the request may go on
 * @example guardRequest(req, { allowedHosts: allowedHostSet('127.0.0.1'), port: 3000 })
 */
export function guardRequest(req: IncomingMessage, options: RequestGuardOptions): APIGatewayProxyResult | undefined {
  const host = hostOf(req.headers.host);
  if (host === undefined || !options.allowedHosts.has(host.name)) {
    return guardProblem(
      421,
      'misdirected-request',
      'Misdirected Request',
      `This server answers to ${[...options.allowedHosts].join(', ')} only (Host header ${JSON.stringify(req.headers.host ?? '')}); start it with --allowed-host to add a name`,
    );
  }
  const origin = req.headers.origin;
  if (origin !== undefined && STATE_CHANGING.has((req.method ?? 'GET').toUpperCase())) {
    if (!isOwnOrigin(origin, options)) {
      return guardProblem(
        403,
        'cross-origin-request',
        'Cross-origin request refused',
        `${req.method} requests from origin ${JSON.stringify(origin)} are refused: only this server's own origin may change state`,
      );
    }
  }
  return undefined;
}

function isOwnOrigin(origin: string, { allowedHosts, port }: RequestGuardOptions): boolean {
  if (!URL.canParse(origin)) return false;
  const url = new URL(origin);
  const originPort = url.port === '' ? 80 : Number(url.port);
  return url.protocol === 'http:' && allowedHosts.has(url.hostname) && originPort === port;
}

/** A Host header's name (normalised as in {@link allowedHostSet}), or undefined when it is not `host[:port]`. */
function hostOf(header: string | undefined): { name: string } | undefined {
  if (header === undefined || header === '' || !URL.canParse(`http://${header}/`)) return undefined;
  const url = new URL(`http://${header}/`);
  // Anything but host[:port] (userinfo, a path, a query) is not a Host header.
  if (url.username !== '' || url.password !== '' || url.pathname !== '/' || url.search !== '' || url.hash !== '')
    return undefined;
  const name = normaliseHost(url.hostname);
  return name === undefined ? undefined : { name };
}

function normaliseHost(host: string): string | undefined {
  const bare = host.trim().toLowerCase().replace(/\.$/, '');
  const bracketed = bare.includes(':') && !bare.startsWith('[') ? `[${bare}]` : bare;
  if (bracketed === '' || !URL.canParse(`http://${bracketed}/`)) return undefined;
  const url = new URL(`http://${bracketed}/`);
  return url.port === '' && url.username === '' ? url.hostname : undefined;
}

function guardProblem(status: number, code: string, title: string, detail: string): APIGatewayProxyResult {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/problem+json' },
    body: `${JSON.stringify({ type: `urn:aif:problem:${code}`, title, status, detail })}\n`,
  };
}
