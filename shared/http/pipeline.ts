import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { Principal } from '../domain/auth/principal';
import type { Codec } from './codecs/codec';
import type { CodecRegistry } from './codecs/registry';
import type { RouteDefinition } from './route-definition';

/** What an operation receives once the pipeline has routed, decoded and validated the request. */
export type HttpOperationRequest = {
  /** Path parameters, validated by the route's schema. */
  params: unknown;
  /** Query parameters (single values), validated by the route's schema. */
  query: unknown;
  /** The decoded body (validated unless the route's `bodyValidatedBy` is 'operation'); a Buffer on raw-body routes. */
  body: unknown;
  /** Request headers, names lower-cased once by the pipeline; repeated headers joined with `, `. */
  headers: Record<string, string>;
  requestId: string;
  /** The HTTP method, upper case (routes with method ANY serve several). */
  method: string;
  /** The query string rebuilt from API Gateway's decoded parameters, without `?`. */
  rawQuery: string;
  /** The concrete request path, e.g. `/v1/contracts/petstore`. */
  path: string;
  /** What precedes `path` in the URL the client called: `/<stage>` on the execute-api endpoint, '' locally. */
  basePath: string;
  /**
   * Who is calling: the principal `authorize` established (tenant, principal, scopes); with auth
   * off, the one unauthenticated caller holding every scope (`unauthenticatedCaller`); on a public
   * route with auth on, `PUBLIC_CALLER` (no tenant, no scope). Operations record `ownerOf(caller)`
   * on what they store and show only the caller's tenant's objects.
   */
  caller: Principal;
};

/** An operation's answer: `body` is encoded by the negotiated codec; `rawBody` bytes are relayed as they are. */
export type HttpOperationResponse = {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Bytes answered as they are (proxied responses): sent base64-encoded, `body` ignored, no negotiation. */
  rawBody?: Buffer;
};

// biome-ignore lint/suspicious/noExplicitAny: operations are typed per route in functions/routes.ts
export type HttpOperation<D> = (request: any, deps: D) => Promise<HttpOperationResponse>;

/**
 * The state of one request as it passes through the pipeline. Each middleware reads what the ones
 * before it filled in: `resolveRoute` sets `route` and `pathParameters`, `authorize` (when on) sets
 * `principal`, `encodeResponse` sets
 * `response`, `decodeBody` sets `body`, `validateRequest` sets `params`, `query` and `body`.
 */
export type HttpContext = {
  readonly event: APIGatewayProxyEvent;
  /** Upper case. */
  readonly method: string;
  readonly path: string;
  /** Request headers with lower-case names (repeated headers joined with `, `). */
  readonly headers: Readonly<Record<string, string>>;
  readonly requestId: string;
  /** The function's codecs. */
  readonly codecs: CodecRegistry;
  /** Largest accepted request body, bytes (decoded). */
  readonly maxBodyBytes: number;
  route?: RouteDefinition;
  pathParameters: Record<string, string>;
  params: unknown;
  query: unknown;
  body: unknown;
  /** The authenticated caller, set by `authorize` when auth is on (absent on public routes and with auth off). */
  principal?: Principal;
  /** The codec chosen from `Accept` for the answer's body, and the media type it answers with. */
  response?: { codec: Codec; mediaType: string };
};

/**
 * One step of the HTTP pipeline, onion-style (as Powertools event-handler's middleware and Koa's):
 * it may act before calling `next`, transform the result after, or answer without calling `next`.
 */
export type HttpMiddleware = (context: HttpContext, next: () => Promise<HttpResult>) => Promise<HttpResult>;

/**
 * What flows back through the pipeline: the operation's answer, then (after `encodeResponse`)
 * the same with `body` encoded to a string, or to `rawBody` bytes for binary formats.
 */
export type HttpResult = HttpOperationResponse;

/**
 * Runs `middlewares` in order around `terminal`: the first one is the outermost.
 *
 * @example await composeMiddleware([problemDetails(logger), resolveRoute(routes)], invoke)(context)
 */
export function composeMiddleware(
  middlewares: readonly HttpMiddleware[],
  terminal: (context: HttpContext) => Promise<HttpResult>,
): (context: HttpContext) => Promise<HttpResult> {
  return (context) => {
    const step = (index: number): Promise<HttpResult> => {
      const middleware = middlewares[index];
      return middleware ? middleware(context, () => step(index + 1)) : terminal(context);
    };
    return step(0);
  };
}
