import type * as z from 'zod';
import type { RouteDefinition, RouteResponse } from '../../shared/http/route-definition';
import type { SchemaComponents } from './openapi-schemas';

const PROBLEM = { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } } };
const RETRY_AFTER = {
  'Retry-After': {
    description: 'Seconds to wait before trying again',
    required: true,
    schema: { type: 'string', pattern: '^[0-9]+$' },
  },
};

/**
 * The answers one route can give, as the pipeline and the gateway really send them: the route
 * table's own statuses (bodies in every media type the route offers, `application/problem+json`
 * for errors, the declared headers), then the problems every route of its kind can answer.
 *
 * @param mediaTypes - what the route's codecs answer with (`codecRegistry.offeredBy(route.formats)`)
 */
export function routeResponses(
  route: RouteDefinition,
  mediaTypes: readonly string[],
  schemas: SchemaComponents,
): Record<string, Record<string, unknown>> {
  const responses: Record<string, Record<string, unknown>> = {};
  for (const [status, declared] of Object.entries(route.responses) as Array<[string, RouteResponse]>) {
    responses[status] = declaredResponse(status, declared, mediaTypes, schemas);
  }
  for (const [status, description] of possibleProblems(route)) {
    responses[status] ??= { description, content: PROBLEM };
    if (status === '429' || status === '503') {
      const response = responses[status] as Record<string, unknown>;
      response.headers = { ...RETRY_AFTER, ...(response.headers as object | undefined) };
    }
  }
  if (route.rateLimit) addRateLimitFields(responses);
  return responses;
}

const RATE_LIMIT_FIELDS = {
  'RateLimit-Policy': {
    description:
      'The tenant\'s bucket of this operation: `"<operationId>";q=<burstSize>;w=<seconds to refill>` (draft-ietf-httpapi-ratelimit-headers)',
    required: false,
    schema: { type: 'string' },
  },
  RateLimit: {
    description: 'Its state: `"<operationId>";r=<tokens left>;t=<seconds until full>`',
    required: false,
    schema: { type: 'string' },
  },
};

/**
 * A rate-limited route's answers: the RateLimit fields on every success (unless a relayed answer
 * brings its own) and on the 429 of its limit.
 */
function addRateLimitFields(responses: Record<string, Record<string, unknown>>): void {
  for (const [status, response] of Object.entries(responses)) {
    if (status === '429' || status === 'default' || Number(status) < 400) {
      response.headers = { ...(response.headers as object | undefined), ...RATE_LIMIT_FIELDS };
    }
  }
  const limited = responses['429'];
  if (limited) {
    limited.description =
      "Too many requests: the tenant's rate limit of this operation (`x-rate-limit`), a routed service's contract limit, or the gateway's throttle";
  }
}

/** A HEAD request's answers: the GET route's statuses and headers, without content (RFC 9110 §9.3.2). */
export function headResponses(
  responses: Record<string, Record<string, unknown>>,
): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    Object.entries(responses).map(([status, { content: _none, ...response }]) => [
      status,
      { ...response, description: `${response.description} (headers only)` },
    ]),
  );
}

function declaredResponse(
  status: string,
  declared: RouteResponse,
  mediaTypes: readonly string[],
  schemas: SchemaComponents,
): Record<string, unknown> {
  const isError = Number(status) >= 400;
  const headers = {
    ...headerObjects(declared.headers),
    // The encoder labels negotiated answers `Vary: Accept` where a route offers several formats.
    ...(!isError && status !== '204' && mediaTypes.length > 1 && { Vary: VARY }),
  };
  return {
    description: declared.description,
    ...(Object.keys(headers).length > 0 && { headers }),
    ...(status !== '204' && { content: declaredContent(status, declared.schema, mediaTypes, schemas) }),
  };
}

const VARY = {
  description: 'accept: the format follows the Accept header',
  required: true,
  schema: { type: 'string' },
};

function declaredContent(
  status: string,
  schema: z.ZodType | undefined,
  mediaTypes: readonly string[],
  schemas: SchemaComponents,
): Record<string, unknown> {
  // A relayed answer (the mesh router) is whatever the instance sent.
  if (status === 'default') return { '*/*': { schema: {} } };
  if (Number(status) >= 400) return PROBLEM;
  const json = schema ? schemas.toSchema(schema, 'output') : { type: 'object' };
  return Object.fromEntries(mediaTypes.map((mediaType) => [mediaType, { schema: json }]));
}

function headerObjects(headers: RouteResponse['headers']): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(headers ?? {}).map(([name, header]) => {
      const optional = typeof header === 'object';
      return [
        name,
        { description: optional ? header.description : header, required: !optional, schema: { type: 'string' } },
      ];
    }),
  );
}

// Routes answered from the code alone (no table): they never answer 503.
const SERVED_FROM_CODE = new Set(['getOpenApiDocument', 'getProtoDefinitions']);

/**
 * Problems a route can answer besides those it declares, by what it has: the pipeline's (400 bad
 * parameters or body syntax, 406 Accept, 413 size, 415 Content-Type, 422 body, 500), the tables'
 * (503 with Retry-After) and the gateway's (429 throttled, 504 integration timeout). Raw-body
 * routes (the mesh relay) are neither decoded nor negotiated.
 */
function possibleProblems(route: RouteDefinition): Array<[string, string]> {
  const request = route.request;
  const raw = request?.rawBody === true;
  const problems: Array<[string, string | false]> = [
    ['400', request !== undefined && 'Invalid path or query parameters, headers, or body syntax'],
    ['406', !raw && 'None of the media types in Accept can be produced (`available` lists them)'],
    ['413', (request?.body !== undefined || raw) && 'The body is larger than the API accepts'],
    ['415', !raw && 'The Content-Type is not accepted here'],
    ['422', request?.body !== undefined && 'The body is invalid; every problem is listed with its JSON pointer'],
    ['429', 'Too many requests (the gateway throttles)'],
    ['500', 'An internal error (the problem carries the request id)'],
    ['503', !SERVED_FROM_CODE.has(route.operationId) && 'A dependency is unavailable; retry after Retry-After'],
    ['504', 'The function did not answer in time (the gateway)'],
  ];
  return problems.flatMap(([status, description]) =>
    typeof description === 'string' ? [[status, description] as [string, string]] : [],
  );
}
