import { isDeepStrictEqual } from 'node:util';
import * as z from 'zod';
import { codecRegistry } from '../../shared/http/codecs/registry';
import { ProblemDetailsSchema } from '../api-schemas';
import { routes } from '../routes';

/** Scopes recorded in the route table, with their meaning (enforced with the security work). */
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

/**
 * Builds the OpenAPI 3.1 document of this API from the route table: one operation per route,
 * JSON Schemas (2020-12, OpenAPI 3.1's dialect) generated from the zod schemas, problem+json
 * responses for every 4xx/5xx, and the scopes each operation needs (OAuth2 client credentials).
 *
 * @param serverUrl - the API's base URL, e.g. `http://localhost:3000`
 * @returns a plain JSON object
 * @example buildOpenApiDocument('http://localhost:3000').paths['/v1/contracts'].post.operationId // 'registerContract'
 */
export function buildOpenApiDocument(serverUrl: string): Record<string, unknown> {
  const components: Record<string, unknown> = {};
  // zod puts schemas that carry an `id` under the generated schema's own `$defs`; inside an OpenAPI
  // document those refs would resolve against the document root, so they move to components. A
  // schema whose request (input) form differs from its response (output) form — defaults make
  // members optional on input — gets its input form under `<id>Input`. Responses are generated
  // first, so every output form is known when inputs are.
  const toSchema = (schema: z.ZodType, io: 'input' | 'output') => {
    const {
      $defs,
      $schema: _dialect,
      ...json
    } = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io,
      unrepresentable: 'any',
      reused: 'inline',
    }) as Record<string, unknown>;
    const renames = new Map<string, string>();
    for (const [id, raw] of Object.entries(($defs ?? {}) as Record<string, unknown>)) {
      if (io === 'input' && id in components && !isDeepStrictEqual(components[id], toComponentRefs(raw))) {
        renames.set(id, `${id}Input`);
      }
    }
    for (const [id, raw] of Object.entries(($defs ?? {}) as Record<string, unknown>)) {
      components[renames.get(id) ?? id] ??= toComponentRefs(raw, renames);
    }
    return toComponentRefs(json, renames) as Record<string, unknown>;
  };
  const responsesOf = new Map<string, Record<string, unknown>>();
  for (const route of routes) {
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(route.responses) as Array<
      [string, { description: string; schema?: z.ZodType; headers?: Record<string, string> }]
    >) {
      responses[status] = {
        description: response.description,
        ...(response.headers && {
          headers: Object.fromEntries(
            Object.entries(response.headers).map(([name, description]) => [
              name,
              { description, schema: { type: 'string' } },
            ]),
          ),
        }),
        ...(status !== '204' && {
          content: response.schema
            ? { 'application/json': { schema: toSchema(response.schema, 'output') } }
            : Number(status) >= 400
              ? { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } } }
              : { 'application/json': {} },
        }),
      };
    }
    for (const status of ['400', '404', '405', '413', '415', '422', '500', '503']) {
      responses[status] ??= {
        description: 'Problem details (RFC 9457)',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } } },
      };
    }
    responsesOf.set(route.operationId, responses);
  }
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const request = 'request' in route ? route.request : undefined;
    const parameters = [
      ...schemaParameters(request && 'params' in request ? request.params : undefined, 'path', toSchema),
      ...schemaParameters(request && 'query' in request ? request.query : undefined, 'query', toSchema),
      ...schemaParameters((request as { headers?: z.ZodType } | undefined)?.headers, 'header', toSchema),
    ];
    const mediaTypes = codecRegistry
      .offeredBy('formats' in route ? route.formats : undefined)
      .map((codec) => codec.mediaTypes[0] as string);
    const body = request && 'body' in request ? request.body : undefined;
    // OpenAPI has no ANY method and no greedy parameters: ANY becomes each method, `{proxy+}` `{proxy}`.
    const openApiPath = toOpenApiPath(route.path);
    const methods = route.method === 'ANY' ? ANY_METHODS : [route.method];
    for (const method of methods) {
      paths[openApiPath] ??= {};
      (paths[openApiPath] as Record<string, unknown>)[method.toLowerCase()] = {
        operationId:
          route.method === 'ANY'
            ? `${route.operationId}${method[0]}${method.slice(1).toLowerCase()}`
            : route.operationId,
        summary: route.summary,
        tags: route.tags,
        security: 'public' in route && route.public ? [] : [{ oauth2: [...route.scopes] }],
        ...(parameters.length > 0 && { parameters }),
        ...(body && {
          requestBody: {
            required: true,
            content: Object.fromEntries(
              mediaTypes.map((mediaType) => [mediaType, { schema: toSchema(body, 'input') }]),
            ),
          },
        }),
        ...(request &&
          'rawBody' in request &&
          request.rawBody &&
          method !== 'GET' &&
          method !== 'DELETE' && {
            requestBody: { required: false, content: { '*/*': { schema: {} } } },
          }),
        responses: responsesOf.get(route.operationId),
      };
    }
  }
  // ProblemDetails carries an id: generating it registers it in components (a ref to itself otherwise).
  const problemDetails = toSchema(ProblemDetailsSchema, 'output');
  components.ProblemDetails ??= problemDetails;
  return {
    openapi: '3.1.0',
    info: {
      title: 'Agent Integration Framework API',
      version: '1.0.0',
      description:
        'Contract registry, event bus and service mesh for autonomous agents. Errors are RFC 9457 problem details.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: serverUrl }],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        oauth2: {
          type: 'oauth2',
          flows: { clientCredentials: { tokenUrl: '/oauth2/token', scopes: SCOPE_DESCRIPTIONS } },
        },
      },
    },
  };
}

/** What `ANY` stands for in the document. */
const ANY_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * An API Gateway resource path as an OpenAPI path template: greedy `{name+}` becomes `{name}`.
 *
 * @example toOpenApiPath('/v1/mesh/{service}/{proxy+}') // '/v1/mesh/{service}/{proxy}'
 */
export function toOpenApiPath(path: string): string {
  return path.replace(/\{([^}/]+)\+\}/g, '{$1}');
}

function schemaParameters(
  schema: z.ZodType | undefined,
  location: 'path' | 'query' | 'header',
  toSchema: (schema: z.ZodType, io: 'input' | 'output') => Record<string, unknown>,
): Array<Record<string, unknown>> {
  if (!schema) return [];
  const json = toSchema(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || required.has(name),
    ...(typeof property.description === 'string' && { description: property.description }),
    schema: property,
  }));
}

function renamed(id: string, renames: ReadonlyMap<string, string>): string {
  return renames.get(id) ?? id;
}

function toComponentRefs(value: unknown, renames: ReadonlyMap<string, string> = new Map()): unknown {
  if (Array.isArray(value)) return value.map((member) => toComponentRefs(member, renames));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = Object.create(null); // a `__proto__` key stays an own key
  for (const [key, member] of Object.entries(value)) {
    out[key] =
      key === '$ref' && typeof member === 'string' && member.startsWith('#/$defs/')
        ? `#/components/schemas/${renamed(member.slice('#/$defs/'.length), renames)}`
        : toComponentRefs(member, renames);
  }
  return out;
}
