import { principalFromContext } from '../domain/auth/authorizer-policy';
import { bearerChallenge } from '../domain/auth/challenge';
import { AuthenticationError, AuthorizationError } from '../domain/auth/errors';
import type { Principal } from '../domain/auth/principal';
import { missingScopes } from '../domain/auth/scopes';
import type { HttpMiddleware } from '../http/pipeline';
import { type Clock, nowMs } from '../ports/clock';

/** What `authorize` needs: the clock, and the skew allowed on the token's expiry. */
export type AuthorizeOptions = {
  clock: Clock;
  /**
   * Where the caller comes from: `token` — the Lambda authorizer's context (`requestContext.authorizer`);
   * `iam` — API Gateway's SigV4 check (`requestContext.identity`). @default 'token'
   */
  identity?: 'token' | 'iam';
  /** Seconds a token may be past `expiresAt` (AUTH_CLOCK_TOLERANCE_SECONDS). @default 30 */
  clockToleranceSeconds?: number;
};

/**
 * Defence in depth behind API Gateway: the matched route's scopes, checked again in the function
 * against the principal the Lambda authorizer put in `event.requestContext.authorizer`
 * (`principalContext`). Public routes pass untouched; any other route fails closed.
 *
 * The expiry is checked too: API Gateway caches an authorizer's answer for its configured TTL,
 * which can outlast a short-lived token. On success the principal is `context.principal`.
 *
 * @throws {AuthenticationError} no (readable) authorizer context — bare `Bearer` challenge — or an
 *   expired one (`invalid_token`): 401 with `WWW-Authenticate` (RFC 6750 §3)
 * @throws {AuthorizationError} the principal lacks a scope of the route: 403 with
 *   `Bearer error="insufficient_scope", scope="<the route's scopes>"` (RFC 6750 §3.1)
 * @example httpApi(routes, operations, deps, { ...options, authorize: { clock } })
 */
export function authorize(options: AuthorizeOptions): HttpMiddleware {
  if (options.identity === 'iam') return authorizeIamCaller;
  const toleranceMs = (options.clockToleranceSeconds ?? 30) * 1000;
  return (context, next) => {
    const { route } = context;
    if (route?.public) return next();
    const principal = principalFromContext(context.event.requestContext?.authorizer);
    if (!principal) throw new AuthenticationError('The request has no authenticated caller', bearerChallenge());
    if (principal.expiresAt * 1000 + toleranceMs <= nowMs(options.clock)) {
      const description = 'The access token expired';
      throw new AuthenticationError(description, bearerChallenge({ error: 'invalid_token', description }));
    }
    const scopes = route?.scopes ?? [];
    if (!route || missingScopes(route, principal.scopes).length > 0) {
      throw new AuthorizationError(
        `This operation needs the scopes: ${scopes.join(' ')}`,
        scopes,
        bearerChallenge({ error: 'insufficient_scope', scopes }),
      );
    }
    context.principal = principal;
    return next();
  };
}

/**
 * The `iam` variant: API Gateway has checked the SigV4 signature and the caller's
 * `execute-api:Invoke` permission on the method — the per-scope managed policies map scopes to
 * methods, which the function cannot see — so only the presence of an authenticated identity is
 * checked here (fail closed: none → 401). The principal is the caller's ARN, its own tenant,
 * holding the route's scopes (the gateway admitted it to them), with no expiry (SigV4 signatures
 * are checked per request, nothing is cached).
 */
const authorizeIamCaller: HttpMiddleware = (context, next) => {
  const { route } = context;
  if (route?.public) return next();
  const identity = context.event.requestContext?.identity;
  const caller = identity?.userArn || identity?.caller;
  if (!caller) throw new AuthenticationError('The request has no IAM-authenticated caller', 'AWS4-HMAC-SHA256');
  const principal: Principal = {
    tenant: caller,
    principal: caller,
    scopes: route?.scopes ?? [],
    expiresAt: Number.POSITIVE_INFINITY,
  };
  context.principal = principal;
  return next();
};
