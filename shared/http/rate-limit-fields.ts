import type { RateLimitRefusal } from '../domain/rate-limits/errors';
import { type BucketLimit, windowSeconds } from '../domain/rate-limits/token-bucket';

/**
 * The RateLimit fields of draft-ietf-httpapi-ratelimit-headers (-09/-10), as structured-field lists
 * of one item each: `RateLimit-Policy: "<policy>";q=<burstSize>;w=<seconds to refill>` states the
 * bucket's shape — a token bucket has no fixed window, so `w` is the time an empty bucket takes to
 * fill again — and `RateLimit: "<policy>";r=<tokens left>;t=<seconds until full>` its state.
 * Header names are lower case, as the pipeline writes them.
 *
 * @example rateLimitFields('publishEvents', { requestsPerSecond: 20, burstSize: 40 }, 39, 1)
 * // { 'ratelimit-policy': '"publishEvents";q=40;w=2', ratelimit: '"publishEvents";r=39;t=1' }
 */
export function rateLimitFields(
  policy: string,
  limit: BucketLimit,
  remaining: number,
  resetSeconds: number,
): Record<string, string> {
  const name = sfString(policy);
  return {
    'ratelimit-policy': `${name};q=${limit.burstSize};w=${windowSeconds(limit)}`,
    ratelimit: `${name};r=${Math.max(0, Math.floor(remaining))};t=${Math.max(0, Math.ceil(resetSeconds))}`,
  };
}

/**
 * The headers of a 429: `Retry-After` (delay-seconds, RFC 9110 §10.2.3), the refusal's own
 * `retryAfterHeader` with the same value when it names another header (a contract's), and the
 * RateLimit fields with no token left.
 *
 * @example refusalHeaders({ policy: 'contract:orders', limit, retryAfterSeconds: 1, resetSeconds: 2, retryAfterHeader: 'X-Retry-In' })
 * // { 'retry-after': '1', 'x-retry-in': '1', 'ratelimit-policy': …, ratelimit: '"contract:orders";r=0;t=2' }
 */
export function refusalHeaders(refusal: RateLimitRefusal): Record<string, string> {
  const seconds = String(refusal.retryAfterSeconds);
  const own = refusal.retryAfterHeader?.toLowerCase();
  return {
    'retry-after': seconds,
    ...(own !== undefined && isOwnHeaderName(own) && { [own]: seconds }),
    ...rateLimitFields(refusal.policy, refusal.limit, 0, refusal.resetSeconds),
  };
}

/** Headers the answer itself needs: a contract's `retryAfterHeader` naming one of them is ignored. */
const RESERVED_HEADERS = new Set([
  'retry-after',
  'ratelimit',
  'ratelimit-policy',
  'content-type',
  'content-length',
  'content-encoding',
  'transfer-encoding',
  'connection',
  'set-cookie',
  'www-authenticate',
  'vary',
]);

/** A field name (RFC 9110 §5.1: a token) that is not one the answer needs for itself. */
function isOwnHeaderName(name: string): boolean {
  return /^[!#$%&'*+.^_`|~0-9a-z-]{1,128}$/.test(name) && !RESERVED_HEADERS.has(name);
}

/** A structured-field String (RFC 8941 §3.3.3): quoted, `"` and `\` escaped. */
function sfString(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
