import { randomUUID } from 'node:crypto';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { buildAuditRecord } from '../../shared/domain/audit/audit-record';
import {
  type AuthorizerResponse,
  authorizerResponse,
  cacheTtlSeconds,
} from '../../shared/domain/auth/authorizer-policy';
import { checkCertificateBinding } from '../../shared/domain/auth/certificate-binding';
import { bearerChallenge } from '../../shared/domain/auth/challenge';
import { AuthenticationError } from '../../shared/domain/auth/errors';
import type { ScopedRoute } from '../../shared/domain/auth/scopes';
import { recordSafely } from '../../shared/middleware/audit-trail';
import { AUTHORIZER_METRICS } from '../../shared/observability/metric-names';
import type { Observability } from '../../shared/observability/powertools';
import type { AuditTrail } from '../../shared/ports/audit-trail';
import { type Clock, nowMs } from '../../shared/ports/clock';
import type { TokenVerifier } from '../../shared/ports/token-verifier';

/** What the authorizer works with: the verifier, the whole route table, the clock, the audit trail. */
export type AuthorizerDeps = {
  verifier: TokenVerifier;
  routes: readonly (ScopedRoute & { readonly operationId?: string })[];
  clock: Clock;
  /** The result TTL API Gateway caches answers for, seconds (AUTH_CACHE_TTL_SECONDS). */
  cacheTtlSeconds: number;
  /** Where the 401s it decides are recorded. @default none */
  audit?: AuditTrail;
  /** New audit record ids. @default crypto.randomUUID */
  newId?: () => string;
  /**
   * Requires certificate-bound tokens (RFC 8705, AUTH_BIND_CLIENT_CERTIFICATE): the token's
   * `cnf["x5t#S256"]` must be the thumbprint of the mutual-TLS client certificate of the request
   * (`requestContext.identity.clientCert`, on a custom domain with mTLS). @default false
   */
  bindClientCertificate?: boolean;
};

/**
 * The API Gateway REQUEST Lambda authorizer: verifies the `Authorization` header's bearer token and
 * answers with an IAM policy allowing exactly the routes whose scopes the token holds (and the
 * gateway's fallback methods, which only answer 404 / 405), and the principal as context
 * (`authorizerResponse`).
 *
 * How API Gateway reads the outcome (developer guide, "Use API Gateway Lambda authorizers"): the
 * error `Unauthorized` → 401 (UNAUTHORIZED gateway response); a policy that does not allow the
 * called method → 403 (ACCESS_DENIED); any other error → 500 (AUTHORIZER_FAILURE) — so an
 * unreachable JWKS fails closed, never as an allow. Repeated `Authorization` headers are refused.
 *
 * The gateway's result TTL is one number per authorizer, not per answer: when a token has less
 * life left than that TTL, a cached answer can outlive it, which is why the `authorize` middleware
 * behind the gateway refuses a context whose `expiresAt` has passed. The bound is logged
 * (`cacheTtlSeconds`) for the local runner's cache, which can honour it.
 *
 * Every 401 it decides is an audit record (`recordedBy: 'authorizer'`, the verifier's reason, no
 * caller); a trail failure is logged and counted, and the answer stays 401. 403s are decided by
 * API Gateway from the policy (counted from the access log; the local gateway records them).
 *
 * @example const handler = createAuthorizerHandler(authorizerDeps(base), base);
 */
export function createAuthorizerHandler(deps: AuthorizerDeps, { observability }: { observability: Observability }) {
  const { logger, metrics, tracer } = observability;
  return (
    middy<APIGatewayRequestAuthorizerEvent, AuthorizerResponse, Error, Context>()
      // The response (policy and principal) stays out of the trace.
      .use(captureLambdaHandler(tracer, { captureResponse: false }))
      .use(injectLambdaContext(logger, { resetKeys: true }))
      .use(logMetrics(metrics))
      .handler(async (event) => {
        let principal: Awaited<ReturnType<TokenVerifier['verify']>>;
        try {
          principal = await deps.verifier.verify(authorizationOf(event));
          if (deps.bindClientCertificate) checkCertificateBinding(principal, clientCertificateOf(event));
        } catch (error) {
          if (!(error instanceof AuthenticationError)) {
            logger.error('Token verification failed; answering AUTHORIZER_FAILURE', error as Error);
            throw error;
          }
          metrics.addMetric(AUTHORIZER_METRICS.denials, MetricUnit.Count, 1);
          logger.info('Unauthenticated request', { reason: error.message, methodArn: event.methodArn });
          if (deps.audit) await recordSafely(deps.audit, unauthenticatedRecord(deps, event, error), logger, metrics);
          // The exact message API Gateway turns into 401.
          throw new Error('Unauthorized');
        }
        // unknownPaths: an unknown path reaches the fallback router's 404 / 405 for any valid token.
        const response = authorizerResponse({
          principal,
          routes: deps.routes,
          methodArn: event.methodArn,
          unknownPaths: true,
        });
        // One metric per answer: Powertools warns on every invocation that publishes none.
        metrics.addMetric(AUTHORIZER_METRICS.answers, MetricUnit.Count, 1);
        logger.debug('Authorized', {
          tenant: principal.tenant,
          principal: principal.principal,
          cacheTtlSeconds: cacheTtlSeconds(principal, nowMs(deps.clock), deps.cacheTtlSeconds),
        });
        return response;
      })
  );
}

/** The mutual-TLS client certificate API Gateway passes to a REQUEST authorizer on an mTLS custom domain, PEM. */
function clientCertificateOf(event: APIGatewayRequestAuthorizerEvent): string | undefined {
  const identity = event.requestContext?.identity as { clientCert?: { clientCertPem?: string } | null } | undefined;
  return identity?.clientCert?.clientCertPem ?? undefined;
}

/**
 * The one `Authorization` header of the event (names are case-insensitive, RFC 9110 §5.1); undefined
 * when absent. Several are refused as unauthenticated rather than guessing which one counts.
 */
function authorizationOf(event: APIGatewayRequestAuthorizerEvent): string | undefined {
  const values = [
    ...Object.entries(event.multiValueHeaders ?? {}).flatMap(([name, list]) =>
      name.toLowerCase() === 'authorization' ? (list ?? []) : [],
    ),
  ];
  if (values.length === 0) {
    for (const [name, value] of Object.entries(event.headers ?? {})) {
      if (name.toLowerCase() === 'authorization' && value !== undefined) values.push(value);
    }
  }
  if (values.length > 1) {
    const description = 'The request has more than one Authorization header';
    throw new AuthenticationError(description, bearerChallenge({ error: 'invalid_token', description }));
  }
  return values[0];
}

/** The audit record of a 401 the authorizer decided: the route from the event's resource template, when it is one. */
function unauthenticatedRecord(deps: AuthorizerDeps, event: APIGatewayRequestAuthorizerEvent, error: Error) {
  const method = event.httpMethod.toUpperCase();
  const route = deps.routes.find(
    (r) => r.path === event.resource && (r.method === method || r.method === 'ANY') && r.operationId !== undefined,
  );
  return buildAuditRecord({
    id: (deps.newId ?? randomUUID)(),
    time: deps.clock.now(),
    requestId: event.requestContext?.requestId ?? '',
    method,
    ...(route?.operationId !== undefined && { route: { operationId: route.operationId, path: route.path } }),
    path: event.path,
    ...(event.pathParameters && { pathParameters: event.pathParameters as Record<string, string> }),
    ...(event.requestContext?.identity?.sourceIp && { sourceIp: event.requestContext.identity.sourceIp }),
    status: 401,
    reason: error.message,
    recordedBy: 'authorizer',
  });
}
