import semver from 'semver';
import * as z from 'zod';
import type { Owner } from '../auth/owner';
import { toJsonPointer } from '../errors';

/** HTTP methods an endpoint may declare (RFC 9110 §9 plus PATCH, RFC 5789). */
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/**
 * Compatibility modes as schema registries define them (Confluent Schema Registry):
 * BACKWARD — clients built against the previous version keep working with the new one;
 * FORWARD — clients built against the new version work with the previous one;
 * FULL — both; NONE — no check. `_TRANSITIVE` variants check against every earlier version
 * instead of only the one just before.
 */
export const COMPATIBILITY_MODES = [
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
  'NONE',
] as const;
export const CompatibilityModeSchema = z.enum(COMPATIBILITY_MODES);
export type CompatibilityMode = z.infer<typeof CompatibilityModeSchema>;
export const DEFAULT_COMPATIBILITY: CompatibilityMode = 'BACKWARD';

/** Contract names: URL-safe, 1–128 characters, used verbatim in `/v1/contracts/{name}`. */
export const CONTRACT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const ContractNameSchema = z
  .string()
  .regex(CONTRACT_NAME_PATTERN, 'must be 1-128 characters of letters, digits, ".", "_" or "-", starting alphanumeric');

/**
 * A semantic version (semver.org 2.0.0). Build metadata is accepted and dropped: it does not
 * take part in precedence (semver §10), so `1.0.0+a` and `1.0.0+b` are the same version.
 */
export const SemverSchema = z
  .string()
  .max(128, 'must be at most 128 characters')
  .transform((value, ctx) => {
    const parsed = semver.parse(value);
    if (!parsed) {
      ctx.addIssue({
        code: 'custom',
        message: `"${value}" is not a semantic version (MAJOR.MINOR.PATCH[-prerelease])`,
      });
      return z.NEVER;
    }
    return parsed.version;
  });

/** A JSON Schema (draft 2020-12): an object or a boolean schema. */
export const JsonSchemaSchema = z.union([z.boolean(), z.record(z.string(), z.unknown())]);
export type JsonSchema = boolean | Record<string, unknown>;

export const AuthenticationSpecSchema = z
  .object({
    type: z.enum(['bearer', 'api_key', 'oauth2', 'mtls']),
    tokenEndpoint: z.url().optional(),
    scopes: z.array(z.string().min(1)).optional(),
    keyLocation: z.enum(['header', 'query', 'cookie']).optional(),
    keyName: z.string().min(1).optional(),
  })
  .superRefine((auth, ctx) => {
    if (auth.type === 'api_key') {
      if (!auth.keyLocation)
        ctx.addIssue({ code: 'custom', path: ['keyLocation'], message: 'api_key needs keyLocation' });
      if (!auth.keyName) ctx.addIssue({ code: 'custom', path: ['keyName'], message: 'api_key needs keyName' });
    }
  });

export const RateLimitSpecSchema = z.object({
  requestsPerSecond: z.number().positive(),
  burstSize: z.number().int().positive(),
  retryAfterHeader: z.string().min(1).default('Retry-After'),
});

/** Per-endpoint retry policy; delays in milliseconds. */
export const RetryPolicySchema = z
  .object({
    maxRetries: z.number().int().min(0).max(100),
    initialBackoffMs: z.number().int().min(0),
    maxBackoffMs: z.number().int().min(0),
    backoffMultiplier: z.number().min(1),
    retryableStatusCodes: z.array(z.number().int().min(100).max(599)).default([408, 429, 502, 503, 504]),
  })
  .refine((p) => p.maxBackoffMs >= p.initialBackoffMs, {
    path: ['maxBackoffMs'],
    message: 'must be at least initialBackoffMs',
  });

/**
 * A query, path or header parameter. `schema` validates the value after string coercion.
 * `delimiter` says that an array arrives as one string joined by it — OpenAPI's `style: form,
 * explode: false` and `simple` (`,`), `spaceDelimited` (` `), `pipeDelimited` (`|`); Swagger 2's
 * `collectionFormat` csv, ssv, tsv, pipes. Without it an array arrives as repeated parameters.
 */
export const ParameterSpecSchema = z.object({
  required: z.boolean().default(false),
  description: z.string().optional(),
  defaultValue: z.string().optional(),
  schema: JsonSchemaSchema.optional(),
  delimiter: z.enum([',', ' ', '|', '\t']).optional(),
});
export type ParameterSpec = z.infer<typeof ParameterSpecSchema>;

/** Response status keys: a status code, a class (`4XX`) or `default` (as OpenAPI names them). */
export const StatusKeySchema = z
  .string()
  .regex(/^([1-5][0-9][0-9]|[1-5]XX|default)$/, 'must be a status code, 1XX-5XX or "default"');

/**
 * A media type key of `requestMediaTypes` / `responseMediaTypes`: `type/subtype` in lower case,
 * without parameters (RFC 9110 §8.3.1); OpenAPI ranges (`type/*`, and `*` over `*`) are allowed.
 */
export const MediaTypeKeySchema = z
  .string()
  .max(255)
  .regex(
    /^([a-z0-9][a-z0-9!#$&^_.+-]*|\*)\/([a-z0-9][a-z0-9!#$&^_.+-]*|\*)$/,
    'must be a lower-case media type "type/subtype" without parameters (ranges "type/*" and "*/*" allowed)',
  );

/** Most media types one request or response may declare. */
export const MAX_MEDIA_TYPES = 20;

/** Media type → name of the schema in `schemas` that bodies of that media type follow. */
export const MediaTypeSchemasSchema = z
  .record(MediaTypeKeySchema, z.string().min(1))
  .refine((media) => Object.keys(media).length <= MAX_MEDIA_TYPES, `at most ${MAX_MEDIA_TYPES} media types`);

/** Longest Protobuf message name (`package.Message`, nested names included). */
const MAX_MESSAGE_NAME = 512;

/**
 * A Protobuf message name as a `.proto` file declares it, with its package, e.g. `shop.v1.Order`
 * (a leading dot is allowed, as in descriptors).
 */
export const ProtobufMessageNameSchema = z
  .string()
  .max(MAX_MESSAGE_NAME)
  .regex(/^\.?[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, 'must be a message name such as shop.v1.Order');

/** Longest `.proto` source a contract may carry (characters). */
export const MAX_PROTO_SOURCE_LENGTH = 512 * 1024;

/**
 * The Protobuf definitions a contract carries: one `.proto` file (proto2, proto3 or editions), parsed
 * at registration. It may import the well-known `google/protobuf/*.proto` types protobufjs ships
 * (any, duration, empty, field_mask, struct, timestamp, wrappers), no other file.
 */
export const ProtobufDefinitionsSchema = z
  .object({
    source: z.string().min(1).max(MAX_PROTO_SOURCE_LENGTH, `at most ${MAX_PROTO_SOURCE_LENGTH} characters`),
  })
  .strict();
export type ProtobufDefinitions = z.infer<typeof ProtobufDefinitionsSchema>;

/** Most names a list-form `errorSchemas` may hold (each is tried in turn on an error response). */
export const MAX_ERROR_SCHEMA_NAMES = 50;

export const EndpointSpecSchema = z.object({
  /** Path template relative to baseUrl, e.g. `/agents/{id}`. */
  path: z
    .string()
    .regex(/^\/[^\s?#]*$/, 'must start with "/" and hold no spaces, query or fragment')
    .refine(
      (p) => (p.match(/[{}]/g) ?? []).join('') === '{}'.repeat(pathTemplateParameters(p).length),
      'has unbalanced, nested or empty {parameter} braces',
    )
    .refine((p) => new Set(pathTemplateParameters(p)).size === pathTemplateParameters(p).length, {
      message: 'names a {parameter} twice',
    }),
  method: z.enum(HTTP_METHODS),
  operationId: z.string().min(1).optional(),
  description: z.string().default(''),
  /** Name of the request body schema in `schemas`. */
  requestSchema: z.string().min(1).optional(),
  requestBodyRequired: z.boolean().default(true),
  /**
   * The request body's media types, each with its schema name (OpenAPI `requestBody.content`), e.g.
   * `{"application/x-www-form-urlencoded": "CreateMessage"}`. Absent: the body is JSON
   * (`application/json`) following `requestSchema`, as in contracts written before media types.
   */
  requestMediaTypes: MediaTypeSchemasSchema.optional(),
  /**
   * The Protobuf message (in the contract's `protobuf.source`) a request body of a Protobuf media
   * type of `requestMediaTypes` (`application/x-protobuf`, `application/protobuf`) is, e.g.
   * `shop.v1.Order`: the bytes are decoded with it and the schema judges their proto3 JSON form.
   */
  requestMessage: ProtobufMessageNameSchema.optional(),
  /** Name of the schema that 2xx response bodies follow. */
  responseSchema: z.string().min(1).optional(),
  /**
   * Schemas of non-2xx responses, in one of two forms: status key → schema name (`{"404": "NotFound",
   * "4XX": "Problem"}`), or a list of schema names (the seed's `errorSchemas: string[]`), which an
   * error response (status ≥ 400) satisfies by matching any one of them.
   */
  errorSchemas: z
    .union([
      z.record(StatusKeySchema, z.string().min(1)),
      z.array(z.string().min(1)).max(MAX_ERROR_SCHEMA_NAMES, `at most ${MAX_ERROR_SCHEMA_NAMES} schema names`),
    ])
    .default({}),
  /**
   * The responses' media types per status key — `2XX` for the success response (`responseSchema`),
   * otherwise the keys of `errorSchemas` — each media type with its schema name. A status key that
   * is absent answers JSON with the schema `responseSchema`/`errorSchemas` names.
   */
  responseMediaTypes: z.record(z.union([StatusKeySchema, z.literal('2XX')]), MediaTypeSchemasSchema).optional(),
  /**
   * The Protobuf message of each status key's Protobuf response bodies (keys as in
   * `responseMediaTypes`), e.g. `{"2XX": "shop.v1.Order", "404": "shop.v1.NotFound"}`.
   */
  responseMessages: z.record(z.union([StatusKeySchema, z.literal('2XX')]), ProtobufMessageNameSchema).optional(),
  rateLimit: RateLimitSpecSchema.optional(),
  /** Request timeout in milliseconds. */
  timeout: z.number().int().positive().max(900_000).default(30_000),
  retryPolicy: RetryPolicySchema.optional(),
  headers: z.record(z.string().min(1), ParameterSpecSchema).default({}),
  query: z.record(z.string().min(1), ParameterSpecSchema).default({}),
  pathParameters: z.record(z.string().min(1), ParameterSpecSchema).default({}),
});
export type EndpointSpec = z.infer<typeof EndpointSpecSchema>;

export const ErrorCodeSpecSchema = z.object({ message: z.string(), description: z.string().default('') });

/** Most endpoints one contract may declare (large public APIs have a few hundred). */
export const MAX_ENDPOINTS = 2000;
/** Most named schemas one contract may declare; compiling them is linear but not free (~0.1 ms each). */
export const MAX_SCHEMAS = 5000;

/**
 * The contract document users register (`POST /v1/contracts`). Schemas are JSON Schema 2020-12;
 * they reference each other with `{"$ref": "#/$defs/<name>"}`.
 */
export const ContractDocumentSchema = z
  .object({
    id: z.string().min(1).max(256).optional(),
    name: ContractNameSchema,
    version: SemverSchema,
    description: z.string().default(''),
    baseUrl: z.url().optional(),
    compatibility: CompatibilityModeSchema.optional(),
    authentication: AuthenticationSpecSchema.optional(),
    endpoints: z.array(EndpointSpecSchema).max(MAX_ENDPOINTS, `at most ${MAX_ENDPOINTS} endpoints`).default([]),
    schemas: z
      .record(z.string().min(1), JsonSchemaSchema)
      .refine((schemas) => Object.keys(schemas).length <= MAX_SCHEMAS, `at most ${MAX_SCHEMAS} named schemas`)
      .default({}),
    errorCodes: z
      .record(z.string().regex(/^[1-5][0-9][0-9]$/, 'must be an HTTP status code'), ErrorCodeSpecSchema)
      .default({}),
    /** `.proto` source for the Protobuf bodies the endpoints name (`requestMessage`, `responseMessages`). */
    protobuf: ProtobufDefinitionsSchema.optional(),
  })
  .strict()
  .superRefine((doc, ctx) => {
    const seen = new Map<string, number>();
    doc.endpoints.forEach((endpoint, index) => {
      const key = `${endpoint.method} ${normalizeTemplate(endpoint.path)}`;
      const first = seen.get(key);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['endpoints', index],
          message: `duplicates /endpoints/${first} (${endpoint.method} ${endpoint.path})`,
        });
      } else seen.set(key, index);
    });
  });
export type ContractDocumentInput = z.input<typeof ContractDocumentSchema>;
export type ContractDocument = z.output<typeof ContractDocumentSchema>;

/** A note about a registered document that did not stop its registration. */
export type ContractWarning = { pointer: string; message: string };

/**
 * The schema names the document's endpoints refer to (`requestSchema`, `responseSchema`,
 * `errorSchemas`) that `schemas` does not define. Such a contract is registered (the seed's own
 * example names `AgentResponse` without defining it); each dangling name is reported as a warning,
 * and validating traffic that needs it answers `valid: false` naming it.
 *
 * @returns one warning per dangling reference, pointer into the document, in endpoint order
 * @example
 * danglingSchemaReferences({ schemas: {}, endpoints: [{ responseSchema: 'AgentResponse', errorSchemas: {} }] })
 * // [{ pointer: '/endpoints/0/responseSchema', message: 'schema "AgentResponse" is not defined in /schemas; …' }]
 */
export function danglingSchemaReferences(
  doc: Pick<ContractDocument, 'schemas'> & {
    endpoints: ReadonlyArray<
      Pick<EndpointSpec, 'requestSchema' | 'responseSchema' | 'errorSchemas'> &
        Partial<Pick<EndpointSpec, 'requestMediaTypes' | 'responseMediaTypes'>>
    >;
  },
): ContractWarning[] {
  const warnings: ContractWarning[] = [];
  doc.endpoints.forEach((endpoint, index) => {
    const refs: Array<[string | undefined, string]> = [
      [endpoint.requestSchema, `/endpoints/${index}/requestSchema`],
      [endpoint.responseSchema, `/endpoints/${index}/responseSchema`],
      ...Object.entries(endpoint.errorSchemas).map(([key, name]): [string, string] => [
        name,
        toJsonPointer(['endpoints', index, 'errorSchemas', key]),
      ]),
      ...Object.entries(endpoint.requestMediaTypes ?? {}).map(([type, name]): [string, string] => [
        name,
        toJsonPointer(['endpoints', index, 'requestMediaTypes', type]),
      ]),
      ...Object.entries(endpoint.responseMediaTypes ?? {}).flatMap(([key, media]) =>
        Object.entries(media).map(([type, name]): [string, string] => [
          name,
          toJsonPointer(['endpoints', index, 'responseMediaTypes', key, type]),
        ]),
      ),
    ];
    for (const [name, pointer] of refs) {
      if (name !== undefined && !Object.hasOwn(doc.schemas, name)) {
        warnings.push({
          pointer,
          message: `schema "${name}" is not defined in /schemas; traffic that needs it is answered valid: false`,
        });
      }
    }
  });
  return warnings;
}

/**
 * The document with every list-form `errorSchemas` rewritten to the record form, for code that
 * compares status keys (the compatibility check): a list becomes `4XX` and `5XX` → one schema that
 * is the `anyOf` of the listed schemas `schemas` defines (added to a copy of `schemas` under the
 * name `errorSchemas(A|B)`), or → the one defined name. Names not defined are left out (they
 * constrain nothing a check could compare). Documents without lists come back as they are.
 *
 * @example errorSchemasAsRecords(doc).endpoints[0].errorSchemas // { '4XX': 'errorSchemas(A|B)', '5XX': 'errorSchemas(A|B)' }
 */
export function errorSchemasAsRecords<D extends Pick<ContractDocument, 'endpoints' | 'schemas'>>(doc: D): D {
  if (!doc.endpoints.some((e) => Array.isArray(e.errorSchemas))) return doc;
  const schemas: Record<string, JsonSchema> = { ...doc.schemas };
  const endpoints = doc.endpoints.map((endpoint) => {
    if (!Array.isArray(endpoint.errorSchemas)) return endpoint;
    const defined = [...new Set(endpoint.errorSchemas)].filter((name) => Object.hasOwn(doc.schemas, name));
    if (defined.length === 0) return { ...endpoint, errorSchemas: {} };
    let name = defined[0] as string;
    if (defined.length > 1) {
      name = `errorSchemas(${defined.join('|')})`;
      schemas[name] = {
        anyOf: defined.map((n) => ({
          $ref: `#/$defs/${encodeURIComponent(toJsonPointer([n]).slice(1))}`,
        })),
      };
    }
    return { ...endpoint, errorSchemas: { '4XX': name, '5XX': name } };
  });
  return { ...doc, endpoints, schemas };
}

/**
 * A registered, immutable contract version as stored and returned by the API. It lives in its
 * owner's tenant: contract names are per tenant, so two tenants may each register `petstore`.
 */
export type ContractVersion = ContractDocument & {
  id: string;
  /** The tenant the version belongs to and the principal that registered it (from the caller, never the body). */
  owner: Owner;
  compatibility: CompatibilityMode;
  /** SHA-256 (hex) of the canonical JSON of the document; equal hashes mean identical content. */
  contentHash: string;
  /** ISO 8601 time of registration. */
  createdAt: string;
  deprecated: boolean;
  deprecatedAt?: string;
};

/** Summary of one contract name, as listed by `GET /v1/contracts`. */
export type ContractSummary = {
  name: string;
  compatibility: CompatibilityMode;
  versionCount: number;
  updatedAt: string;
};

/** Versions one contract name may hold (the name's summary lists them in one DynamoDB item). */
export const MAX_VERSIONS_PER_CONTRACT = 1000;

/**
 * Names of the `{parameters}` in a path template, in order.
 *
 * @example pathTemplateParameters('/agents/{id}/runs/{runId}') // ['id', 'runId']
 */
export function pathTemplateParameters(template: string): string[] {
  return [...template.matchAll(/\{([^}/]+)\}/g)].map((m) => m[1] as string);
}

/** The template with parameter names erased, so `/a/{id}` and `/a/{key}` compare equal. */
export function normalizeTemplate(template: string): string {
  return template.replace(/\{[^}/]+\}/g, '{}');
}
