import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { PUBLIC_CALLER, unauthenticatedCaller } from '../domain/auth/owner';
import type { Principal } from '../domain/auth/principal';
import { type CodecRegistry, codecRegistry } from '../http/codecs/registry';
import { RouteNotFoundError } from '../http/errors';
import {
  composeMiddleware,
  type HttpContext,
  type HttpMiddleware,
  type HttpOperation,
  type HttpResult,
} from '../http/pipeline';
import type { RouteDefinition } from '../http/route-definition';
import type { Observability } from '../observability/powertools';
import { type AuditTrailOptions, auditTrail } from './audit-trail';
import { type AuthorizeOptions, authorize } from './authorize';
import { decodeBody } from './decode-body';
import { encodeResponse } from './encode-response';
import { problemDetails, problemResult } from './problem-details';
import { type RateLimitOptions, rateLimit } from './rate-limit';
import { requestMetrics } from './request-metrics';
import { resolveRoute } from './resolve-route';
import { traceContext } from './trace-context';
import { validateRequest } from './validate-request';

/** What every HTTP function's factory takes besides its dependencies. */
export type HttpHandlerOptions = {
  /** The function's Powertools logger, metrics and tracer. */
  observability: Observability;
  /** Largest accepted request body, bytes (MAX_BODY_BYTES). */
  maxBodyBytes: number;
  /** The formats spoken. @default codecRegistry (every format) */
  codecs?: CodecRegistry;
  /**
   * Checks the caller's scopes behind the gateway (`authorize`): set, every non-public route needs
   * an authorizer context holding its scopes. @default undefined — off: no route checks callers,
   * as before the gateway wiring of issue 10 lands
   */
  authorize?: AuthorizeOptions;
  /**
   * Records every state-changing call and every 401/403 (`auditTrail`). @default undefined — no
   * audit records (handler tests of other concerns; the AWS and local wiring always set it)
   */
  audit?: AuditTrailOptions;
  /**
   * Limits each tenant's calls of the routes with a `rateLimit` (`rateLimit`; issue 11). @default
   * undefined — no limits (handler tests of other concerns; the AWS and local wiring set it for the
   * functions that hold the RateLimits table)
   */
  rateLimit?: RateLimitOptions;
};

/** A Lambda handler of API Gateway REST proxy events (payload v1). */
export type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/**
 * One HTTP function: Powertools tracer, logger (Lambda context) and metrics as middy middlewares
 * around the HTTP pipeline, whose steps run in this order (the first is the outermost):
 *
 * trace context → request metrics → audit trail (when on) → problem details → resolve route → authorize (when on)
 * → rate limit (when on) → encode response (negotiate) → decode body → validate request → the route's own
 * middlewares → the operation.
 *
 * A cross-cutting concern is one file in `shared/middleware/` and one entry in that list.
 *
 * @param routes - the whole route table (404 vs 405 for any path)
 * @param operations - implementations by operation id, for the routes this function serves
 * @example export const createContractsHandler = (deps, options) => httpApi(routes, contractOperations, deps, options);
 */
export function httpApi<D>(
  routes: readonly RouteDefinition[],
  operations: Readonly<Record<string, HttpOperation<D>>>,
  deps: D,
  options: HttpHandlerOptions,
): ApiHandler {
  const { logger, metrics, tracer } = options.observability;
  const pipeline = httpPipeline(routes, operations, deps, options);
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>()
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .use({
      // Reached only by what the pipeline cannot catch: middy's early timeout rejects from outside it.
      onError: (request) => {
        const requestId = request.event.requestContext?.requestId ?? request.context.awsRequestId;
        request.response = toProxyResult(request.event, problemResult(request.error, requestId, logger));
      },
    })
    .handler(pipeline);
}

/**
 * The HTTP pipeline alone, without the Lambda-level middy middlewares (what `httpApi` wraps; the
 * benchmark times it on its own).
 */
export function httpPipeline<D>(
  routes: readonly RouteDefinition[],
  operations: Readonly<Record<string, HttpOperation<D>>>,
  deps: D,
  options: HttpHandlerOptions,
): ApiHandler {
  const { logger, metrics } = options.observability;
  const codecs = options.codecs ?? codecRegistry;
  // With auth on, only public routes get here without a principal; with auth off, everyone is one caller.
  const anonymous = options.authorize ? PUBLIC_CALLER : unauthenticatedCaller(scopesOfRoutes(routes));
  const pipeline = composeMiddleware(
    [
      traceContext(logger),
      requestMetrics(metrics),
      // Outside problemDetails: it sees the final status (401/403 included) and the route and principal set further in.
      ...(options.audit ? [auditTrail(options.audit, anonymous, logger, metrics)] : []),
      problemDetails(logger),
      resolveRoute(routes),
      ...(options.authorize ? [authorize(options.authorize)] : []),
      // After authorize (the bucket is the caller's tenant's), before any decoding: a refusal costs nothing more.
      ...(options.rateLimit ? [rateLimit(options.rateLimit, anonymous)] : []),
      encodeResponse(),
      decodeBody(),
      validateRequest(),
      routeMiddlewares,
    ],
    (context) => invoke(context, operations, deps, context.principal ?? anonymous),
  );
  return async (event, context) =>
    toProxyResult(event, await pipeline(contextOf(event, context, codecs, options.maxBodyBytes)));
}

/** Every scope the route table names, sorted: what the unauthenticated caller holds when auth is off. */
function scopesOfRoutes(routes: readonly RouteDefinition[]): string[] {
  return [...new Set(routes.flatMap((route) => route.scopes))].sort();
}

/** Runs the matched route's own middlewares (`RouteDefinition.middlewares`). */
const routeMiddlewares: HttpMiddleware = (context, next) => {
  const own = context.route?.middlewares;
  return own && own.length > 0 ? composeMiddleware(own, () => next())(context) : next();
};

async function invoke<D>(
  context: HttpContext,
  operations: Readonly<Record<string, HttpOperation<D>>>,
  deps: D,
  caller: Principal,
): Promise<HttpResult> {
  const operation = context.route && operations[context.route.operationId];
  if (!operation) throw new RouteNotFoundError(`No route ${context.method} ${context.path}`);
  return operation(
    {
      params: context.params,
      query: context.query,
      body: context.body,
      headers: context.headers,
      requestId: context.requestId,
      method: context.method,
      rawQuery: rawQueryOf(context.event),
      path: context.path,
      basePath: basePathOf(context.event),
      caller,
    },
    deps,
  );
}

function contextOf(
  event: APIGatewayProxyEvent,
  lambda: Context,
  codecs: CodecRegistry,
  maxBodyBytes: number,
): HttpContext {
  return {
    event,
    method: event.httpMethod.toUpperCase(),
    path: event.path,
    headers: lowerCaseHeaders(event),
    requestId: event.requestContext?.requestId ?? lambda.awsRequestId ?? 'unknown',
    codecs,
    maxBodyBytes,
    pathParameters: {},
    params: undefined,
    query: undefined,
    body: undefined,
  };
}

/**
 * The pipeline's result as API Gateway expects it: bytes base64-encoded, HEAD without a body but
 * with the `Content-Length` GET would have (RFC 9110 §9.3.2, §8.6), unless the result sets one.
 */
function toProxyResult(event: APIGatewayProxyEvent, result: HttpResult): APIGatewayProxyResult {
  const head = event.httpMethod.toUpperCase() === 'HEAD';
  const lengthOf = (bytes: number): Record<string, string> =>
    head && result.headers?.['content-length'] === undefined ? { 'content-length': String(bytes) } : {};
  if (result.rawBody !== undefined) {
    const { 'set-cookie': cookies, ...single } = result.headers ?? {};
    return {
      statusCode: result.status,
      headers: { ...single, ...lengthOf(result.rawBody.length) },
      // Each cookie its own header line (API Gateway sends multiValueHeaders as repeated headers).
      ...(cookies !== undefined && { multiValueHeaders: { 'set-cookie': cookies.split('\n') } }),
      body: head ? '' : result.rawBody.toString('base64'),
      isBase64Encoded: true,
    };
  }
  const body =
    result.body === undefined ? '' : typeof result.body === 'string' ? result.body : JSON.stringify(result.body);
  return {
    statusCode: result.status,
    headers: { ...result.headers, ...lengthOf(Buffer.byteLength(body)) },
    body: head ? '' : body,
  };
}

// Header names are case-insensitive (RFC 9110 §5.1): lower-cased once, here.
function lowerCaseHeaders(event: APIGatewayProxyEvent): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, values] of Object.entries(event.multiValueHeaders ?? {})) {
    if (values && values.length > 0) out[name.toLowerCase()] = values.join(', ');
  }
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined && !(name.toLowerCase() in out)) out[name.toLowerCase()] = value;
  }
  return out;
}

function basePathOf(event: APIGatewayProxyEvent): string {
  const fullPath = event.requestContext?.path;
  return fullPath && fullPath !== event.path && fullPath.endsWith(event.path)
    ? fullPath.slice(0, fullPath.length - event.path.length)
    : '';
}

/** The query string as sent, rebuilt from API Gateway's decoded multi-value parameters. */
function rawQueryOf(event: APIGatewayProxyEvent): string {
  const pairs: string[] = [];
  for (const [name, values] of Object.entries(event.multiValueQueryStringParameters ?? {})) {
    for (const value of values ?? []) pairs.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  }
  if (pairs.length === 0) {
    for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
      if (value !== undefined) pairs.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
    }
  }
  return pairs.join('&');
}
