// The one import from outside the domain: @smithy/core/retry's pure predicates over error shapes (no
// client, no I/O), so AWS SDK errors are judged exactly as the SDK's own retry strategy judges them.
import { isClockSkewCorrectedError, isRetryableByTrait, isThrottlingError, isTransientError } from '@smithy/core/retry';
import {
  ConflictError,
  DependencyUnavailableError,
  InputTooLargeError,
  MalformedInputError,
  NotFoundError,
  RevisionMismatchError,
  ValidationError,
} from '../errors';
import { CONFIGURATION_ERROR_CODE, ConfigurationError, HttpStatusError } from './errors';
import { type ErrorCategory, IntegrationError } from './integration-error';
import { MAX_POLICY_DELAY_MS, UNCLASSIFIED_CODE } from './policy';

/** The code of a timeout: `AbortSignal.timeout()`'s `TimeoutError`, the AWS SDK's request timeout. */
export const TIMEOUT_CODE = 'TIMEOUT';
/** The code of an operation its caller cancelled (`AbortController.abort()`). */
export const ABORTED_CODE = 'ABORTED';
/** The code of the SSRF-safe HTTP client's refusal of a target address (`BlockedAddressError`). */
export const BLOCKED_TARGET_CODE = 'ERR_SSRF_BLOCKED';
/** The code of the SSRF-safe HTTP client's refusal of an oversized response (`ResponseTooLargeError`). */
export const RESPONSE_TOO_LARGE_CODE = 'ERR_RESPONSE_TOO_LARGE';

/** How deep `classifyError` follows `cause` links (undici's `fetch failed` hides the socket error one level down). */
const MAX_CAUSE_DEPTH = 10;

/** HTTP statuses worth repeating (the seed's list): Request Timeout, Too Many Requests, Bad Gateway, Service Unavailable, Gateway Timeout. */
const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([408, 429, 502, 503, 504]);

/**
 * Node.js socket and DNS error codes (the ones @smithy/core/retry lists as NODEJS_TIMEOUT_ERROR_CODES
 * and NODEJS_NETWORK_ERROR_CODES, which it does not export) and undici's timeouts and socket
 * failure (undici `lib/core/errors.js`).
 */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/** Out of memory (`ERR_MEMORY_ALLOCATION_FAILED`, `ENOMEM`) and disk full (`ENOSPC`, `EDQUOT`): the platform is broken. */
const RESOURCE_CODES: ReadonlySet<string> = new Set(['ERR_MEMORY_ALLOCATION_FAILED', 'ENOMEM', 'ENOSPC', 'EDQUOT']);

/** Our domain errors that describe the request itself: repeating it unchanged cannot succeed. */
const PERMANENT_DOMAIN_ERRORS = [
  ValidationError,
  MalformedInputError,
  NotFoundError,
  ConflictError,
  InputTooLargeError,
  RevisionMismatchError,
] as const;

/** Options of {@link classifyError}. */
export type ClassifyOptions = {
  /** Where the error happened, e.g. `webhook:orders-sub`, `dynamodb:Contracts`. */
  source: string;
  /**
   * The current time, milliseconds since the Unix epoch (the error's timestamp, Retry-After dates):
   * the caller's clock, e.g. `() => nowMs(deps.clock)`.
   */
  now: () => number;
};

/** One link's classification, before it becomes an IntegrationError. */
type Classification = {
  code: string;
  category: ErrorCategory;
  /** Omitted: category !== 'permanent'. */
  retryable?: boolean;
  retryAfterMs?: number;
  /** Says what happened without the original message (which may echo request data). */
  message: string;
  context?: Record<string, unknown>;
};

type ErrorLike = {
  name?: unknown;
  code?: unknown;
  cause?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number; clockSkewCorrected?: true };
  $fault?: unknown;
  $response?: { headers?: Record<string, string | undefined> };
  syscall?: unknown;
  hostname?: unknown;
  address?: unknown;
  port?: unknown;
};

/**
 * The category of an HTTP status (the seed's rules): 408, 429, 502, 503, 504 → `transient`;
 * every other 4xx (400, 401, 403, 404, 409, 422…) → `permanent`; 3xx → `permanent` too (our
 * clients never follow redirects, so one means the URL is wrong); 500 and every other 5xx
 * (501, 505…) → `system`; anything else (1xx) → `system`, as unrecognised.
 *
 * @param status - an HTTP status code
 * @example classifyHttpStatus(503) // 'transient'
 */
export function classifyHttpStatus(status: number): ErrorCategory {
  if (TRANSIENT_STATUSES.has(status)) return 'transient';
  // Redirects are never followed (SSRF): a 3xx means the URL is wrong, and asking again cannot help.
  if (Number.isInteger(status) && status >= 300 && status < 500) return 'permanent';
  return 'system';
}

const WEEKDAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_WEEKDAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
const IMF_FIXDATE = new RegExp(`^${WEEKDAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
const RFC850_DATE = new RegExp(`^${LONG_WEEKDAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
const ASCTIME_DATE = new RegExp(`^${WEEKDAY} ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`);

/**
 * Parses a `Retry-After` value into milliseconds from `nowMs` (RFC 9110 §10.2.3): delta-seconds
 * (`120`) or an HTTP-date in any of the three formats recipients must accept (§5.6.7: IMF-fixdate,
 * obsolete RFC 850 with its two-digit year, asctime). A date in the past gives 0; values beyond
 * MAX_POLICY_DELAY_MS are cut to it (no policy waits longer).
 *
 * @param value - the raw header value
 * @param nowMs - the current time, milliseconds since the Unix epoch
 * @returns milliseconds to wait, or undefined when the value is not valid (it is then ignored)
 * @example parseRetryAfterMs('Sun, 06 Nov 1994 08:49:37 GMT', Date.parse('1994-11-06T08:49:07Z')) // 30_000
 */
export function parseRetryAfterMs(value: string, nowMs: number): number | undefined {
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(MAX_POLICY_DELAY_MS, Number(trimmed) * 1000);
  const date = parseHttpDate(trimmed, nowMs);
  if (date === undefined) return undefined;
  return Math.min(MAX_POLICY_DELAY_MS, Math.max(0, date - nowMs));
}

/** The fields of an HTTP-date, still as matched (day of month, month name, year, [hh, mm, ss]). */
type HttpDateParts = { day: string; month: string; year: number; time: string[] };

function httpDateParts(value: string, nowMs: number): HttpDateParts | undefined {
  const imf = IMF_FIXDATE.exec(value);
  if (imf) return { day: imf[1] ?? '', month: imf[2] ?? '', year: Number(imf[3]), time: imf.slice(4, 7) };
  const rfc850 = RFC850_DATE.exec(value);
  if (rfc850) {
    // §5.6.7: a two-digit year more than 50 years in the future is the most recent past year with those digits.
    const nowYear = new Date(nowMs).getUTCFullYear();
    let year = Math.floor(nowYear / 100) * 100 + Number(rfc850[3]);
    if (year > nowYear + 50) year -= 100;
    return { day: rfc850[1] ?? '', month: rfc850[2] ?? '', year, time: rfc850.slice(4, 7) };
  }
  const asctime = ASCTIME_DATE.exec(value);
  if (asctime) {
    return {
      day: asctime[2]?.trim() ?? '',
      month: asctime[1] ?? '',
      year: Number(asctime[6]),
      time: asctime.slice(3, 6),
    };
  }
  return undefined;
}

function parseHttpDate(value: string, nowMs: number): number | undefined {
  const parts = httpDateParts(value, nowMs);
  if (!parts) return undefined;
  const monthIndex = MONTHS.indexOf(parts.month);
  const [hours, minutes, seconds] = parts.time.map(Number) as [number, number, number];
  const dayOfMonth = Number(parts.day);
  if (hours > 23 || minutes > 59 || seconds > 60) return undefined;
  const date = new Date(Date.UTC(parts.year, monthIndex, dayOfMonth, hours, minutes, seconds));
  // Date.UTC rolls 31 Feb over into March; a date that rolled over was not a date.
  if (date.getUTCDate() !== dayOfMonth || date.getUTCMonth() !== monthIndex) return undefined;
  return date.getTime();
}

/**
 * Turns anything thrown into an IntegrationError: a code, a category (`transient`, `permanent`,
 * `system`), whether a retry may help and the server's Retry-After. It never reads messages —
 * only classes, `name`, `code`, HTTP status and the AWS SDK v3 fields (`$metadata`, `$retryable`,
 * `$fault`) — so the outcome does not depend on wording or language.
 *
 * Rules, first match wins, walking `cause` links up to 10 deep (undici's fetch throws
 * `TypeError('fetch failed')` whose cause is the socket error):
 * - an IntegrationError is returned unchanged (a nested one lends its classification);
 * - `HttpStatusError` → `HTTP_<status>` by {@link classifyHttpStatus}, with its Retry-After;
 * - `ConfigurationError` → `system` `CONFIGURATION_ERROR`, not retryable;
 * - our domain errors: Validation/MalformedInput/NotFound/Conflict/InputTooLarge/RevisionMismatch
 *   → `permanent` (code: their problem slug); DependencyUnavailable → `transient` with its Retry-After;
 * - `TimeoutError` (AbortSignal.timeout, the AWS SDK's request timeout) → `transient` `TIMEOUT`;
 *   `AbortError` → `permanent` `ABORTED`, not retryable (the caller cancelled) — unless a
 *   `TimeoutError` is among its causes, which makes it a timeout;
 * - Node.js and undici socket/DNS codes (ECONNRESET, ECONNREFUSED, EPIPE, ETIMEDOUT, EHOSTUNREACH,
 *   ENETUNREACH, ENOTFOUND, EAI_AGAIN, UND_ERR_CONNECT_TIMEOUT/HEADERS_TIMEOUT/BODY_TIMEOUT/SOCKET)
 *   → `transient`; ENOMEM, ERR_MEMORY_ALLOCATION_FAILED, ENOSPC, EDQUOT → `system`; code: the Node code;
 * - AWS SDK v3 errors (code: their `name`): `ResourceNotFoundException` → `system`, not retryable
 *   (a missing table, bus or queue means the deployment is wrong); throttling (`isThrottlingError`:
 *   429 and the SDK's throttling names), `$retryable` (`isRetryableByTrait`), a corrected clock skew
 *   (`isClockSkewCorrectedError`) and `ServiceUnavailable` → `transient`; otherwise the HTTP status
 *   decides; without one, `isTransientError` (request timeouts) → `transient`, `$fault` server →
 *   `system`, client → `permanent`. `isServerError` is not used: it counts 500 as transient,
 *   where the seed says `system`;
 * - anything else → `system` with code `UNCLASSIFIED` (its policy is `default`).
 *
 * The message is built from the classification, never copied from the original (which may echo
 * request data); the original stays in `cause` for logs. The context holds non-secret details:
 * `httpStatusCode`, `requestId`, `url` (origin and path only), `errorName`, socket `syscall`/`address`/`port`.
 *
 * @param error - anything thrown
 * @param options - the source to attribute the error to and the clock
 * @returns the error, classified; its `timestamp` is `now()`
 * @example
 * try { await fetch(url, { signal: AbortSignal.timeout(2_000) }); }
 * catch (e) { const error = classifyError(e, { source: 'webhook:orders-sub', now: () => nowMs(clock) }); } // code 'TIMEOUT', transient
 */
export function classifyError(error: unknown, options: ClassifyOptions): IntegrationError {
  if (error instanceof IntegrationError) return error;
  const nowMs = options.now();
  const seen = new Set<unknown>();
  let link: unknown = error;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && link != null && !seen.has(link); depth++) {
    seen.add(link);
    const found = classifyLink(link, nowMs);
    if (found) return toIntegrationError(found, error, options.source, nowMs);
    link = (link as ErrorLike).cause;
  }
  const name = (error as ErrorLike | null)?.name;
  return toIntegrationError(
    {
      code: UNCLASSIFIED_CODE,
      category: 'system',
      message: 'Unrecognised error',
      ...(typeof name === 'string' && { context: { errorName: name } }),
    },
    error,
    options.source,
    nowMs,
  );
}

function toIntegrationError(found: Classification, original: unknown, source: string, nowMs: number): IntegrationError {
  return new IntegrationError(found.message, {
    code: found.code,
    category: found.category,
    source,
    timestamp: nowMs,
    ...(found.retryable !== undefined && { retryable: found.retryable }),
    ...(found.retryAfterMs !== undefined && { retryAfterMs: found.retryAfterMs }),
    context: found.context ?? {},
    cause: original,
  });
}

function classifyLink(link: unknown, nowMs: number): Classification | undefined {
  if (typeof link !== 'object' && typeof link !== 'function') return undefined;
  if (link instanceof IntegrationError) {
    return {
      code: link.code,
      category: link.category,
      retryable: link.retryable,
      ...(link.retryAfterMs !== undefined && { retryAfterMs: link.retryAfterMs }),
      message: link.message,
      context: { ...link.context },
    };
  }
  if (link instanceof HttpStatusError) return classifyHttpStatusError(link, nowMs);
  if (link instanceof ConfigurationError) {
    return {
      code: CONFIGURATION_ERROR_CODE,
      category: 'system',
      retryable: false,
      message: link.message,
      ...(link.setting !== undefined && { context: { setting: link.setting } }),
    };
  }
  if (link instanceof DependencyUnavailableError) {
    return {
      code: link.code,
      category: 'transient',
      retryAfterMs: link.retryAfterSeconds * 1000,
      message: link.message,
    };
  }
  for (const DomainErrorClass of PERMANENT_DOMAIN_ERRORS) {
    if (link instanceof DomainErrorClass) return { code: link.code, category: 'permanent', message: link.message };
  }

  const e = link as ErrorLike;
  if (e.name === 'TimeoutError') return timeout(e);
  if (e.name === 'AbortError') {
    const timedOut = findCause(e.cause, (c) => c.name === 'TimeoutError');
    if (timedOut) return timeout(timedOut);
    return { code: ABORTED_CODE, category: 'permanent', retryable: false, message: 'The operation was cancelled' };
  }
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) {
    return { code: e.code, category: 'transient', message: `Network error ${e.code}`, context: socketContext(e) };
  }
  if (e.code === RESPONSE_TOO_LARGE_CODE) {
    // The peer answered, only more than we take: asking again returns the same.
    return { code: e.code, category: 'permanent', retryable: false, message: 'The response is larger than accepted' };
  }
  if (e.code === BLOCKED_TARGET_CODE) {
    // The SSRF policy refused the target: asking again cannot help.
    return { code: e.code, category: 'permanent', retryable: false, message: 'The target address is not allowed' };
  }
  if (typeof e.code === 'string' && RESOURCE_CODES.has(e.code)) {
    return {
      code: e.code,
      category: 'system',
      message: `Out of a platform resource (${e.code})`,
      context: socketContext(e),
    };
  }
  if (isAwsSdkError(e)) return classifyAwsError(e, nowMs);
  return undefined;
}

function classifyHttpStatusError(error: HttpStatusError, nowMs: number): Classification {
  const url = safeUrl(error.url);
  const retryAfterMs = error.retryAfter === undefined ? undefined : parseRetryAfterMs(error.retryAfter, nowMs);
  return {
    code: `HTTP_${error.status}`,
    category: classifyHttpStatus(error.status),
    ...(retryAfterMs !== undefined && { retryAfterMs }),
    message: url ? `HTTP ${error.status} from ${url}` : `HTTP ${error.status}`,
    context: { httpStatusCode: error.status, ...(url && { url }) },
  };
}

function timeout(e: ErrorLike): Classification {
  return {
    code: TIMEOUT_CODE,
    category: 'transient',
    message: 'The operation timed out',
    ...(typeof e.code === 'string' && { context: { errorCode: e.code } }),
  };
}

/** SDK v3 service exceptions carry `$metadata` and `$fault`; its transport errors get `$metadata` on the way out. */
function isAwsSdkError(e: ErrorLike): boolean {
  return (typeof e.$metadata === 'object' && e.$metadata !== null) || e.$fault === 'client' || e.$fault === 'server';
}

function classifyAwsError(e: ErrorLike, nowMs: number): Classification {
  const sdkError = e as Parameters<typeof isThrottlingError>[0];
  const status = e.$metadata?.httpStatusCode;
  const name = typeof e.name === 'string' && e.name !== 'Error' ? e.name : undefined;
  const retryAfterMs = awsRetryAfterMs(e, nowMs);
  const context: Record<string, unknown> = {
    ...(name && { errorName: name }),
    ...(status !== undefined && { httpStatusCode: status }),
    ...(e.$metadata?.requestId !== undefined && { requestId: e.$metadata.requestId }),
    ...(e.$metadata?.attempts !== undefined && { sdkAttempts: e.$metadata.attempts }),
  };
  const code = name ?? (status !== undefined ? `HTTP_${status}` : UNCLASSIFIED_CODE);
  const described = (category: ErrorCategory, retryable?: boolean): Classification => ({
    code,
    category,
    ...(retryable !== undefined && { retryable }),
    ...(retryAfterMs !== undefined && { retryAfterMs }),
    message: `AWS ${code}${status !== undefined ? ` (HTTP ${status})` : ''}`,
    context,
  });

  if (name === 'ResourceNotFoundException') return described('system', false);
  if (
    isThrottlingError(sdkError) ||
    isRetryableByTrait(sdkError) ||
    isClockSkewCorrectedError(sdkError) === true ||
    name === 'ServiceUnavailable'
  ) {
    return described('transient');
  }
  if (status !== undefined) return described(classifyHttpStatus(status));
  if (isTransientError(sdkError)) return described('transient');
  if (e.$fault === 'server') return described('system');
  if (e.$fault === 'client') return described('permanent');
  return { ...described('system'), code: UNCLASSIFIED_CODE };
}

/** `Retry-After` (RFC 9110) or AWS's `x-amz-retry-after` (milliseconds) on the raw response, when present. */
function awsRetryAfterMs(e: ErrorLike, nowMs: number): number | undefined {
  const headers = e.$response?.headers;
  if (typeof headers !== 'object' || headers === null) return undefined;
  for (const [header, value] of Object.entries(headers)) {
    if (typeof value !== 'string') continue;
    const lower = header.toLowerCase();
    if (lower === 'retry-after') return parseRetryAfterMs(value, nowMs);
    if (lower === 'x-amz-retry-after' && /^\d+$/.test(value.trim())) {
      return Math.min(MAX_POLICY_DELAY_MS, Number(value.trim()));
    }
  }
  return undefined;
}

function socketContext(e: ErrorLike): Record<string, unknown> {
  const context: Record<string, unknown> = {};
  for (const key of ['syscall', 'hostname', 'address', 'port'] as const) {
    const value = e[key];
    if (typeof value === 'string' || typeof value === 'number') context[key] = value;
  }
  return context;
}

function findCause(start: unknown, test: (e: ErrorLike) => boolean): ErrorLike | undefined {
  let link = start;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && typeof link === 'object' && link !== null; depth++) {
    if (test(link as ErrorLike)) return link as ErrorLike;
    link = (link as ErrorLike).cause;
  }
  return undefined;
}

/** Origin and path of a URL: query strings and credentials may hold secrets. */
function safeUrl(url: string | undefined): string | undefined {
  if (url === undefined || !URL.canParse(url)) return undefined;
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}
