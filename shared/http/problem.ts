import { AuthenticationError, AuthorizationError, NotOwnerError } from '../domain/auth/errors';
import { TenantConcurrencyExceededError } from '../domain/concurrency/errors';
import {
  ConflictError,
  DependencyUnavailableError,
  DomainError,
  type FieldProblem,
  InputTooLargeError,
  MAX_LISTED_PROBLEMS,
  MalformedInputError,
  NotFoundError,
  RevisionMismatchError,
  UpstreamFailedError,
  UpstreamTimeoutError,
  ValidationError,
} from '../domain/errors';
import { InstanceFormatNotAcceptableError, InstanceFormatUnsupportedError } from '../domain/mesh/errors';
import { QuotaExceededError } from '../domain/quotas/errors';
import { RateLimitedError } from '../domain/rate-limits/errors';
import { MethodNotAllowedError, NotAcceptableError, UnsupportedMediaTypeError } from './errors';
import { refusalHeaders } from './rate-limit-fields';

/** An RFC 9457 problem details object as this API sends it. */
export type ProblemDetails = {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  requestId?: string;
  errors?: Array<{ pointer: string; detail: string; keyword?: string }>;
};

/** Problem type URIs are `urn:aif:problem:<code>`: stable, and not meant to be dereferenced (RFC 9457 §3.1.1). */
export const PROBLEM_TYPE_PREFIX = 'urn:aif:problem:';
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Most entries a problem's `errors[]` lists; one last entry counts the rest. */
export const MAX_PROBLEM_ERRORS = MAX_LISTED_PROBLEMS;

function toErrorMembers(problems: readonly FieldProblem[]): NonNullable<ProblemDetails['errors']> {
  const members = problems
    .slice(0, MAX_PROBLEM_ERRORS)
    .map((p) => ({ pointer: p.pointer, detail: p.message, ...(p.keyword && { keyword: p.keyword }) }));
  if (problems.length > MAX_PROBLEM_ERRORS) {
    members.push({ pointer: '', detail: `${problems.length - MAX_PROBLEM_ERRORS} more problems not listed` });
  }
  return members;
}

const STATUS_BY_CLASS: Array<[abstract new (...args: never[]) => DomainError, number]> = [
  [ValidationError, 422],
  [MalformedInputError, 400],
  [AuthenticationError, 401],
  [AuthorizationError, 403],
  [NotOwnerError, 403],
  [NotFoundError, 404],
  [ConflictError, 409],
  [QuotaExceededError, 409],
  [MethodNotAllowedError, 405],
  [UnsupportedMediaTypeError, 415],
  [NotAcceptableError, 406],
  [InstanceFormatUnsupportedError, 415],
  [InstanceFormatNotAcceptableError, 406],
  [InputTooLargeError, 413],
  [RevisionMismatchError, 412],
  [RateLimitedError, 429],
  [TenantConcurrencyExceededError, 429],
  [DependencyUnavailableError, 503],
  [UpstreamFailedError, 502],
  [UpstreamTimeoutError, 504],
];

/**
 * Turns any thrown value into a problem response. Domain errors expose their detail and every
 * field problem; anything else becomes a generic 500 that carries only the request id (never a
 * stack trace or the error's text).
 *
 * @returns status, problem body, and extra headers (`WWW-Authenticate` on 401 and 403 (RFC 6750 §3),
 *   `Allow` on 405, `Retry-After` on 503, `Retry-After` and the RateLimit fields on 429 — `Retry-After` alone for a tenant's concurrency)
 * @example toProblem(new NotFoundError('No contract petstore'), 'req-1').problem.status // 404
 */
export function toProblem(
  error: unknown,
  requestId: string,
): { problem: ProblemDetails; headers: Record<string, string>; internal: boolean } {
  const instance = `urn:aif:request:${requestId}`;
  if (error instanceof DomainError) {
    const status = STATUS_BY_CLASS.find(([cls]) => error instanceof cls)?.[1] ?? 400;
    const headers: Record<string, string> = {};
    if (error instanceof AuthenticationError || error instanceof AuthorizationError) {
      headers['www-authenticate'] = error.challenge;
    }
    if (error instanceof MethodNotAllowedError) headers.allow = error.allow.join(', ');
    if (error instanceof DependencyUnavailableError) headers['retry-after'] = String(error.retryAfterSeconds);
    if (error instanceof RateLimitedError) Object.assign(headers, refusalHeaders(error.refusal));
    if (error instanceof TenantConcurrencyExceededError) headers['retry-after'] = String(error.retryAfterSeconds);
    return {
      problem: {
        ...withoutStandardMembers(error.extensions),
        type: `${PROBLEM_TYPE_PREFIX}${error.code}`,
        title: error.title,
        status,
        detail: error.message,
        instance,
        requestId,
        ...(error.problems.length > 0 && { errors: toErrorMembers(error.problems) }),
      },
      headers,
      internal: false,
    };
  }
  if (isFunctionTimeout(error)) {
    // middy answers just before the Lambda timeout. The work may still complete (a registration is
    // idempotent), so this is "retry", not an internal error.
    return {
      problem: {
        type: `${PROBLEM_TYPE_PREFIX}timeout`,
        title: 'The request took too long',
        status: 503,
        detail: 'The function ran out of time; retry the request',
        instance,
        requestId,
      },
      headers: { 'retry-after': '1' },
      internal: false,
    };
  }
  return {
    problem: {
      type: `${PROBLEM_TYPE_PREFIX}internal-error`,
      title: 'Internal error',
      status: 500,
      detail: `The request failed unexpectedly; quote request id ${requestId} when reporting it`,
      instance,
      requestId,
    },
    headers: {},
    internal: true,
  };
}

const STANDARD_MEMBERS = new Set(['type', 'title', 'status', 'detail', 'instance', 'requestId', 'errors']);

/** Extension members cannot shadow the standard ones (RFC 9457 §3.2). */
function withoutStandardMembers(extensions: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(extensions).filter(([key]) => !STANDARD_MEMBERS.has(key)));
}

/** middy's early-timeout error (`timeoutEarlyResponse`, name `TimeoutError`, cause package `@middy/core`). */
function isFunctionTimeout(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === 'TimeoutError' &&
    (error.cause as { package?: string } | undefined)?.package === '@middy/core'
  );
}
