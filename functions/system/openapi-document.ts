import type * as z from 'zod';
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
  'errors:read': 'Read error policies and error counts',
  'errors:write': 'Change error policies and report errors',
  'events:read': 'Read the event log and replays; test event patterns',
  'events:write': 'Publish events and start replays',
  'subscriptions:read': 'Read subscriptions and dead letters',
  'subscriptions:write': 'Create and delete subscriptions; redrive and delete dead letters',
  'mesh:read': 'Read instances, routing rules, the topology and breakers',
  'mesh:write': 'Register instances and change routing rules',
  'mesh:call': 'Call services through the mesh router',
};

const DESCRIPTION = [
  'Contract registry, event bus and service mesh for autonomous agents.',
  '',
  '- **Authentication depends on the deployment.** A deployed stack requires `Authorization: Bearer <token>`',
  '  (Cognito or your JWT issuer) or SigV4 (`iam` mode) on every operation that lists `x-required-scopes`;',
  '  the token must hold those scopes (described in `x-scopes`). `npm run dev` is open on loopback by default',
  '  (`--auth off`) and enforces the same scopes with `--auth jwt`. No security requirement is declared here',
  '  because the scheme is chosen per deployment.',
  '- Answers are JSON; operations that list YAML media types also answer YAML when `Accept` asks for it.',
  '  Errors are RFC 9457 `application/problem+json`, with extension members (`results`, `available`…).',
  '- Every GET also answers HEAD, with the same status and headers and no body.',
  '- A method a path does not have is answered `405` with `Allow`; a path no route has, `404`.',
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
export function buildOpenApiDocument(serverUrl: string): Record<string, unknown> {
  const schemas = new SchemaComponents();
  // Responses first: every output form is known when the input forms are named.
  const responsesOf = new Map(
    routes.map((route) => [route.operationId, routeResponses(route, mediaTypesOf(route), schemas)]),
  );
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const operation = routeOperation(route, schemas);
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
    components: { schemas: schemas.components },
    'x-scopes': SCOPE_DESCRIPTIONS,
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
