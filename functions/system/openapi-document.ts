import type * as z from 'zod';
import { jsonCodec } from '../../shared/http/codecs/json-codec';
import { codecRegistry } from '../../shared/http/codecs/registry';
import type { RouteDefinition } from '../../shared/http/route-definition';
import { ProblemDetailsSchema } from '../api-schemas';
import { routes } from '../routes';
import { headResponses, routeResponses } from './openapi-responses';
import { SchemaComponents } from './openapi-schemas';

/**
 * Scopes recorded in the route table, with their meaning. The gateway's authorizer (and the functions'
 * `authorize` middleware) enforce them; each operation lists its own in `x-required-scopes`.
 */
const SCOPE_DESCRIPTIONS: Record<string, string> = {
  'contracts:read': 'Read contracts and validate traffic against them',
  'contracts:write': 'Register and deprecate contract versions',
  'transformers:read': 'Read transformers and run transformations (POST /v1/transform)',
  'transformers:write': 'Register and delete transformer versions',
  'errors:read': 'Read error policies and error counts',
  'errors:write': 'Report errors',
  'errors:admin': 'Change the error policies that drive every function’s retries (administration)',
  'events:read': 'Read the event log; test event patterns',
  'events:write': 'Publish events',
  'events:replay': 'Replay archived events into your own subscriptions, and read replays',
  'subscriptions:read': 'Read subscriptions and dead letters',
  'subscriptions:write': 'Create and delete subscriptions; redrive and delete dead letters',
  'mesh:read': 'Read instances, routing rules, the topology and breakers',
  'mesh:write': 'Register instances and change routing rules',
  'mesh:admin': 'Change circuit-breaker settings; claim an instance status other than unknown (administration)',
  'mesh:call': 'Call services through the mesh router',
  'audit:admin': 'Read the audit trail of every tenant (administration)',
  'state:read': 'Read the state view (GET /v1/state): breakers, instance health, queues, dead-letter and error counts',
};

/**
 * How callers authenticate, as the document declares it: `token` — `Authorization: Bearer <JWT>`
 * (HTTP bearer scheme, RFC 6750), with an OAuth 2.0 client-credentials flow when the token endpoint
 * is known (Cognito's `/oauth2/token`, the local issuer's); `iam` — SigV4 (API Gateway's
 * `awsSigv4` API key scheme); `none` — nothing declared (`--auth off`, a stage in `authMode: none`).
 */
export type DocumentedAuth = {
  mode: 'none' | 'token' | 'iam';
  /** The OAuth 2.0 token endpoint agents get tokens from (client-credentials grant, RFC 6749 §4.4). */
  tokenUrl?: string;
  /** What granted scopes carry in front of the route table's (Cognito: `aif/`). @default '' */
  scopePrefix?: string;
};

const DESCRIPTION = [
  'Contract registry, event bus and service mesh for autonomous agents.',
  '',
  '- **Authentication depends on the deployment**, and this document declares the one it was served by: a',
  '  deployed stack requires `Authorization: Bearer <token>` (Cognito or your JWT issuer) or SigV4 (`iam` mode)',
  '  on every operation with a security requirement; the token must hold the scopes listed there and in',
  '  `x-required-scopes` (described in `x-scopes`). `npm run dev` is open on loopback by default (`--auth off`,',
  '  no security declared) and enforces the same scopes with `--auth jwt`.',
  '- **Tenants.** Every stored object belongs to the tenant of the caller that wrote it (the token’s tenant',
  '  claim, else its subject); another tenant’s objects answer 404, lists show only your own.',
  '- Answers are JSON; operations that list YAML media types also answer YAML when `Accept` asks for it.',
  '  Errors are RFC 9457 `application/problem+json`, with extension members (`results`, `available`…).',
  '- Every GET also answers HEAD, with the same status and headers and no body.',
  '- A method a path does not have is answered `405` with `Allow`; a path no route has, `404`.',
  '- **Rate limits.** Operations with `x-rate-limit` take one token of a bucket per tenant (`burstSize` tokens,',
  '  refilled at `requestsPerSecond`); beyond it they answer `429` with `Retry-After`. Their answers carry',
  '  `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers). A routed call may also answer',
  "  `429` for the `rateLimit` of the target service's contract endpoint. If the limiter cannot be reached they",
  '  answer `503` with `Retry-After` (they fail closed).',
  '- `/v1/mesh/{service}/{proxy}`: `proxy` is the rest of the path and may span several segments',
  "  (`/v1/mesh/orders/items/42`: `proxy` = `items/42`), as API Gateway's greedy `{proxy+}`. OpenAPI path",
  '  templates match one segment only, so the parameter is marked `x-greedy: true`.',
].join('\n');

/**
 * Builds the OpenAPI 3.1 document of this API from the route table: one operation per route and
 * method (HEAD beside every GET, each method of an ANY route), JSON Schemas (2020-12) generated
 * from the zod schemas — request forms apart from response forms — every status, header and media
 * type the pipeline really answers, and no security requirement (the scheme is chosen per deployment).
 *
 * @param serverUrl - the API's base URL, e.g. `http://localhost:3000`
 * @returns a plain JSON object
 * @example buildOpenApiDocument('http://localhost:3000').paths['/v1/contracts'].post.operationId // 'registerContract'
 */
export function buildOpenApiDocument(
  serverUrl: string,
  auth: DocumentedAuth = { mode: 'none' },
): Record<string, unknown> {
  const schemas = new SchemaComponents();
  // Responses first: every output form is known when the input forms are named.
  const responsesOf = new Map(
    routes.map((route) => [route.operationId, routeResponses(route, mediaTypesOf(route), schemas)]),
  );
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const operation = { ...routeOperation(route, schemas), ...securityOf(route, auth) };
    const responses = responsesOf.get(route.operationId) ?? {};
    const path = toOpenApiPath(route.path);
    const pathItem = paths[path] ?? {};
    paths[path] = pathItem;
    for (const method of methodsOf(route)) {
      pathItem[method.toLowerCase()] = {
        ...operation,
        operationId: operationIdOf(route, method),
        ...(method === 'HEAD' && { summary: `${route.summary} (headers only)` }),
        ...(!acceptsBody(method) && { requestBody: undefined }),
        responses: method === 'HEAD' ? headResponses(responses) : responses,
      };
    }
  }
  // ProblemDetails carries an id: generating it registers it in components (a ref to itself otherwise).
  const problemDetails = schemas.toSchema(ProblemDetailsSchema, 'output');
  schemas.components.ProblemDetails ??= problemDetails;
  return {
    openapi: '3.1.0',
    info: { title: 'Agent Integration Framework API', version: '1.0.0', description: DESCRIPTION },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: serverUrl }],
    paths: JSON.parse(JSON.stringify(paths)), // drops the `undefined` members
    components: { schemas: schemas.components, ...securitySchemesOf(auth) },
    'x-scopes': SCOPE_DESCRIPTIONS,
  };
}

/**
 * The security schemes of `auth` (OpenAPI 3.1 §4.8.27): `bearer` always in `token` mode, `oauth2`
 * beside it when the token endpoint is known, `sigv4` in `iam` mode.
 */
function securitySchemesOf(auth: DocumentedAuth): Record<string, unknown> {
  if (auth.mode === 'none') return {};
  if (auth.mode === 'iam') {
    return {
      securitySchemes: {
        sigv4: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          description:
            'AWS Signature Version 4 (service execute-api); the per-scope managed policies grant the methods',
          'x-amazon-apigateway-authtype': 'awsSigv4',
        },
      },
    };
  }
  const prefix = auth.scopePrefix ?? '';
  return {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token (RFC 9068)' },
      ...(auth.tokenUrl && {
        oauth2: {
          type: 'oauth2',
          description: 'Agents get tokens with the client-credentials grant',
          flows: {
            clientCredentials: {
              tokenUrl: auth.tokenUrl,
              // The route table's scopes, as the Cognito resource server defines them.
              scopes: Object.fromEntries(
                [...new Set(routes.flatMap((route) => route.scopes))]
                  .sort()
                  .map((scope) => [`${prefix}${scope}`, SCOPE_DESCRIPTIONS[scope] ?? scope]),
              ),
            },
          },
        },
      }),
    },
  };
}

/**
 * An operation's security requirement: none (`[]`) on a public route; else its scopes under each
 * scheme (OpenAPI 3.1 lets non-OAuth schemes list required "roles" too). Nothing when `auth` is `none`.
 */
function securityOf(route: RouteDefinition, auth: DocumentedAuth): { security?: unknown[] } {
  if (auth.mode === 'none') return {};
  if (route.public) return { security: [] };
  if (auth.mode === 'iam') return { security: [{ sigv4: [...route.scopes] }] };
  const prefix = auth.scopePrefix ?? '';
  return {
    security: [
      { bearer: [...route.scopes] },
      ...(auth.tokenUrl ? [{ oauth2: route.scopes.map((scope) => `${prefix}${scope}`) }] : []),
    ],
  };
}

/** What a method of an ANY route stands for in the document: every method API Gateway's ANY takes. */
const ANY_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** The methods a route answers: a GET route HEAD too (the router serves it, without a body). */
function methodsOf(route: RouteDefinition): readonly string[] {
  if (route.method === 'ANY') return ANY_METHODS;
  return route.method === 'GET' ? ['GET', 'HEAD'] : [route.method];
}

function operationIdOf(route: RouteDefinition, method: string): string {
  const suffix = `${method[0]}${method.slice(1).toLowerCase()}`;
  if (route.method === 'ANY') return `${route.operationId}${suffix}`;
  return method === route.method ? route.operationId : `${route.operationId}${suffix}`;
}

function acceptsBody(method: string): boolean {
  return method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS';
}

function mediaTypesOf(route: RouteDefinition): string[] {
  // Raw-body routes (the mesh relay) are not negotiated: what they answer themselves is JSON, without Vary.
  if (route.request?.rawBody) return [...jsonCodec.mediaTypes];
  if (route.produces !== undefined) return [route.produces];
  return codecRegistry.offeredBy(route.formats).flatMap((codec) => codec.mediaTypes);
}

/** The parts of an operation every method of the route shares. */
function routeOperation(route: RouteDefinition, schemas: SchemaComponents): Record<string, unknown> {
  const request = route.request;
  const parameters = [
    ...schemaParameters(request?.params, 'path', schemas),
    ...schemaParameters(request?.query, 'query', schemas),
    ...schemaParameters(request?.headers, 'header', schemas),
  ];
  const body = request?.body;
  return {
    summary: route.summary,
    tags: route.tags,
    ...(!route.public && { 'x-required-scopes': [...route.scopes] }),
    // The default per-tenant limit (RATE_LIMITS may change it per deployment).
    ...(route.rateLimit && { 'x-rate-limit': { ...route.rateLimit, per: 'tenant' } }),
    ...(parameters.length > 0 && { parameters }),
    ...(body && {
      requestBody: {
        required: true,
        content: Object.fromEntries(
          mediaTypesOf(route).map((mediaType) => [mediaType, { schema: schemas.toSchema(body, 'input') }]),
        ),
      },
    }),
    ...(request?.rawBody && { requestBody: { required: false, content: { '*/*': { schema: {} } } } }),
  };
}

/**
 * An API Gateway resource path as an OpenAPI path template: greedy `{name+}` becomes `{name}`
 * (documented with `x-greedy: true`: OpenAPI has no greedy parameters).
 *
 * @example toOpenApiPath('/v1/mesh/{service}/{proxy+}') // '/v1/mesh/{service}/{proxy}'
 */
export function toOpenApiPath(path: string): string {
  return path.replace(/\{([^}/]+)\+\}/g, '{$1}');
}

function schemaParameters(
  schema: z.ZodType | undefined,
  location: 'path' | 'query' | 'header',
  schemas: SchemaComponents,
): Array<Record<string, unknown>> {
  if (!schema) return [];
  const json = schemas.toSchema(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || required.has(name),
    ...(typeof property.description === 'string' && { description: property.description }),
    ...(location === 'path' && greedyIn(name) && GREEDY),
    schema: property,
  }));
}

const GREEDY = {
  description:
    "The rest of the path, `/` included (API Gateway's greedy `{proxy+}`): `items/42` in `/v1/mesh/orders/items/42`",
  'x-greedy': true,
};

function greedyIn(name: string): boolean {
  return routes.some((route) => route.path.includes(`{${name}+}`));
}
