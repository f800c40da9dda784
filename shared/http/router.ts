import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type * as z from 'zod';
import { BadRequestError, issueProblems, PayloadTooLargeError, ValidationError } from '../domain/errors';
import { type BodyDecoders, parseBody } from './body';
import { MethodNotAllowedError, RouteNotFoundError } from './errors';
import type { RouteDefinition } from './route-definition';
import { RouteMatcher } from './route-match';

/** The request an operation receives after routing, parsing and schema validation. */
export type RoutedRequest = {
  params: unknown;
  query: unknown;
  body: unknown;
  headers: Record<string, string>;
  requestId: string;
  /** The HTTP method, upper case. */
  method: string;
  /** The query string rebuilt from the parameters, without `?`. */
  rawQuery: string;
  path: string;
  /** What precedes `path` in the URL the client called: `/<stage>` on the execute-api endpoint, '' locally. */
  basePath: string;
};
/** An operation's answer; `body` is serialized as JSON. */
export type RoutedResponse = {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Bytes to answer as they are (proxied responses): sent base64-encoded, `body` ignored. */
  rawBody?: Buffer;
};
// biome-ignore lint/suspicious/noExplicitAny: operations are typed per route in functions/routes.ts
type AnyOperation<D> = (request: any, deps: D) => Promise<RoutedResponse>;

/** Options of `createRouter`. */
export type RouterOptions = {
  /** Largest accepted request body in bytes (decoded). */
  maxBodyBytes: number;
  /** Decoders for the non-JSON body formats this function's routes accept. */
  decoders?: BodyDecoders;
};

/**
 * Builds the in-function router for one Lambda function: finds the route (by API Gateway's
 * `resource`, else by matching the path like API Gateway does), validates path parameters and
 * query (400) and the body (415 / 400 / 413 / 422) against the route's zod schemas, calls the
 * operation and serializes its answer as JSON (HEAD: the GET route's answer without its body). A
 * path that matches no route → 404; a path that exists with other methods → 405 with Allow. Errors are thrown for the problem-details middleware.
 *
 * @param routes - the whole route table (so 404 and 405 are told apart for any path)
 * @param operations - implementations by operation id, for the routes this function serves
 * @example const route = createRouter(routes, contractOperations, deps, { maxBodyBytes: 6_000_000 });
 */
export function createRouter<D>(
  routes: readonly RouteDefinition[],
  operations: Readonly<Record<string, AnyOperation<D>>>,
  deps: D,
  options: RouterOptions,
): (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult> {
  const matcher = new RouteMatcher(routes);
  return async (event) => {
    const headers = lowerCaseHeaders(event);
    const resolved = resolveRoute(matcher, event);
    const operation = operations[resolved.route.operationId];
    if (!operation) throw new RouteNotFoundError(`No route ${event.httpMethod} ${event.path}`);
    const { route } = resolved;
    const problems: Array<{ pointer: string; message: string; keyword?: string }> = [];
    const params = check(route.request?.params, resolved.params, '/pathParameters', problems);
    const query = check(route.request?.query, singleValues(event), '/query', problems);
    check(route.request?.headers, headers, '/headers', problems);
    if (problems.length > 0)
      throw new BadRequestError(`${problems.length} path or query parameter(s) are invalid`, problems);

    let body = route.request?.rawBody
      ? rawBodyOf(event, options.maxBodyBytes)
      : parseBody(
          event.body,
          event.isBase64Encoded,
          headers['content-type'],
          route.request?.bodyFormats ?? ['json'],
          options.maxBodyBytes,
          options.decoders,
        );
    if (route.request?.body && route.request.bodyValidatedBy !== 'operation') {
      if (body === undefined) {
        throw new ValidationError('This operation needs a request body', [
          { pointer: '/body', message: 'is required' },
        ]);
      }
      body = check(route.request.body, body, '', problems);
      if (problems.length > 0)
        throw new ValidationError(`The request body has ${problems.length} problem(s)`, problems);
    }
    const result = await operation(
      {
        params,
        query,
        body,
        headers,
        requestId: event.requestContext?.requestId ?? 'unknown',
        method: event.httpMethod.toUpperCase(),
        rawQuery: rawQueryOf(event),
        path: event.path,
        basePath: basePathOf(event),
      },
      deps,
    );
    if (result.rawBody !== undefined) {
      const { 'set-cookie': cookies, ...single } = result.headers ?? {};
      return {
        statusCode: result.status,
        headers: single,
        // Each cookie its own header line (API Gateway sends multiValueHeaders as repeated headers).
        ...(cookies !== undefined && { multiValueHeaders: { 'set-cookie': cookies.split('\n') } }),
        body: event.httpMethod.toUpperCase() === 'HEAD' ? '' : result.rawBody.toString('base64'),
        isBase64Encoded: true,
      };
    }
    return {
      statusCode: result.status,
      headers: { ...(result.body !== undefined && { 'content-type': 'application/json' }), ...result.headers },
      body: result.body === undefined || event.httpMethod.toUpperCase() === 'HEAD' ? '' : JSON.stringify(result.body),
    };
  };
}

function resolveRoute(
  matcher: RouteMatcher<RouteDefinition>,
  event: APIGatewayProxyEvent,
): { route: RouteDefinition; params: Record<string, string> } {
  const byResource = event.resource ? matcher.byResource(event.httpMethod, event.resource) : undefined;
  if (byResource) return { route: byResource, params: { ...(event.pathParameters as Record<string, string>) } };
  const match = matcher.match(event.httpMethod, event.path);
  if (!match) throw new RouteNotFoundError(`No route ${event.httpMethod} ${event.path}`);
  if ('allow' in match) {
    throw new MethodNotAllowedError(
      `${event.path} does not support ${event.httpMethod}; use ${match.allow.join(', ')}`,
      match.allow,
    );
  }
  return match;
}

function check(
  schema: z.ZodType | undefined,
  value: unknown,
  prefix: string,
  problems: Array<{ pointer: string; message: string; keyword?: string }>,
): unknown {
  if (!schema) return value;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  problems.push(...issueProblems(parsed.error.issues, prefix));
  return undefined;
}

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

function singleValues(event: APIGatewayProxyEvent): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (value !== undefined) out[name] = value;
  }
  return out;
}

function basePathOf(event: APIGatewayProxyEvent): string {
  const fullPath = event.requestContext?.path;
  return fullPath && fullPath !== event.path && fullPath.endsWith(event.path)
    ? fullPath.slice(0, fullPath.length - event.path.length)
    : '';
}

/**
 * The request body as bytes, unparsed (proxy routes), or undefined when there is none.
 *
 * @throws {PayloadTooLargeError} over `maxBodyBytes`
 */
function rawBodyOf(event: APIGatewayProxyEvent, maxBodyBytes: number): Buffer | undefined {
  if (event.body === null || event.body === undefined) return undefined;
  const bytes = Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  if (bytes.length > maxBodyBytes) {
    throw new PayloadTooLargeError(`The request body is ${bytes.length} bytes; at most ${maxBodyBytes} are accepted`);
  }
  return bytes;
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
