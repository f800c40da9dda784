import { isCredentialHeader, ROUTER_OWNED_HEADERS } from './routing-rule';

/**
 * Headers every relayed answer carries, whatever the upstream said: the API's origin must not run an
 * upstream's page or script (`Content-Security-Policy: sandbox`, CSP Level 3 §6.3.2.1), sniff its bytes
 * into another type (`X-Content-Type-Options: nosniff`, Fetch §3.5), or hand them to another origin's
 * `<img>`/`<script>` (`Cross-Origin-Resource-Policy: same-origin`, Fetch §3.7). Issue 11.
 */
export const RELAYED_ANSWER_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': 'sandbox',
  'x-content-type-options': 'nosniff',
  'cross-origin-resource-policy': 'same-origin',
};

/**
 * Upstream answer headers that act on the API's whole origin (or on the browser's view of it)
 * rather than on this one answer, named exactly: cookies (`Set-Cookie`, `Set-Cookie2`, RFC 6265),
 * site data wiping (`Clear-Site-Data`), transport and connection policy (`Strict-Transport-Security`,
 * `Alt-Svc` RFC 7838), page and isolation policies (`Content-Security-Policy` and `-Report-Only`,
 * `Permissions-Policy`, `Cross-Origin-Opener-Policy`, `Cross-Origin-Embedder-Policy` and their
 * `-Report-Only`, `Origin-Agent-Cluster`), reporting endpoints for the origin (`Report-To`,
 * `Reporting-Endpoints`, `NEL`), client hints (`Accept-CH`), service-worker scope
 * (`Service-Worker-Allowed`), navigation the answer would trigger (`Refresh`), preloads
 * (`Link`), and authentication challenges (`WWW-Authenticate`, `Proxy-Authenticate`: a Basic
 * challenge would open the browser's login box under the API's host name, and the router, not
 * the caller, holds the upstream's credentials).
 */
const ORIGIN_ACTING_HEADERS: ReadonlySet<string> = new Set([
  'set-cookie',
  'set-cookie2',
  'clear-site-data',
  'strict-transport-security',
  'alt-svc',
  'content-security-policy',
  'content-security-policy-report-only',
  'permissions-policy',
  'cross-origin-opener-policy',
  'cross-origin-opener-policy-report-only',
  'cross-origin-embedder-policy',
  'cross-origin-embedder-policy-report-only',
  'origin-agent-cluster',
  'report-to',
  'reporting-endpoints',
  'nel',
  'accept-ch',
  'service-worker-allowed',
  'refresh',
  'link',
  'www-authenticate',
  'proxy-authenticate',
]);

/**
 * Whether an upstream answer header would act on the API's own origin and is therefore never
 * relayed: the names of {@link ORIGIN_ACTING_HEADERS}, and CORS grants (`Access-Control-*`). The
 * router sets its own page policy ({@link RELAYED_ANSWER_HEADERS}). `Location` is relayed: a
 * redirect is the upstream's answer, and it points the client elsewhere without acting on this
 * origin (the router itself never follows it).
 *
 * @param name - a lower-case header name
 * @returns true when the header is dropped from relayed answers
 * @example isOriginActingHeader('access-control-allow-origin') // true
 */
export function isOriginActingHeader(name: string): boolean {
  return ORIGIN_ACTING_HEADERS.has(name) || name.startsWith('access-control-');
}

/**
 * The caller's headers as the router forwards them: without the headers the router owns
 * (hop-by-hop, framing, Host, trace context, `x-mesh-source`), the ones `Connection` names
 * (hop-by-hop too, RFC 9110 §7.6.1), and the caller's credentials ({@link isCredentialHeader}:
 * `Authorization`, `Cookie`, `X-Api-Key`, `X-Amz-*`), which were meant for this API, not the upstream.
 *
 * @param headers - the inbound headers, lower-case names
 * @returns a new object holding the headers to forward
 * @example forwardedRequestHeaders({ authorization: 'Bearer t', accept: 'text/plain' }) // { accept: 'text/plain' }
 */
export function forwardedRequestHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const named = connectionNamed(headers);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!ROUTER_OWNED_HEADERS.has(name) && !named.has(name) && !isCredentialHeader(name)) out[name] = value;
  }
  return out;
}

/**
 * The upstream's answer headers as the router relays them: router-owned and `Connection`-named
 * headers dropped, {@link isOriginActingHeader} ones dropped, then {@link RELAYED_ANSWER_HEADERS} set
 * (replacing any upstream value).
 *
 * @param headers - the upstream's answer headers, lower-case names
 * @returns a new object holding the headers to relay
 * @example relayedAnswerHeaders({ 'set-cookie': 'sid=1', 'content-type': 'text/html' })
 * // { 'content-type': 'text/html', 'content-security-policy': 'sandbox', 'x-content-type-options': 'nosniff', 'cross-origin-resource-policy': 'same-origin' }
 */
export function relayedAnswerHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const named = connectionNamed(headers);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!ROUTER_OWNED_HEADERS.has(name) && !named.has(name) && !isOriginActingHeader(name)) out[name] = value;
  }
  return { ...out, ...RELAYED_ANSWER_HEADERS };
}

/** Headers the `Connection` header names: hop-by-hop too (RFC 9110 §7.6.1). */
function connectionNamed(headers: Readonly<Record<string, string>>): Set<string> {
  return new Set(
    (headers.connection ?? '')
      .split(',')
      .map((token) => token.trim().toLowerCase())
      .filter(Boolean),
  );
}
