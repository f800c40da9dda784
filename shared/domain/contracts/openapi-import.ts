import { $RefParser } from '@apidevtools/json-schema-ref-parser';
import { type FieldProblem, toJsonPointer, ValidationError } from '../errors';
import {
  CONTRACT_NAME_PATTERN,
  type ContractDocumentInput,
  ContractDocumentSchema,
  type HttpMethod,
  type JsonSchema,
  normalizeTemplate,
  type ParameterSpec,
  pathTemplateParameters,
} from './contract';
import { coerceVersion } from './versions';

/**
 * The OpenAPI (or Swagger) document cannot be turned into a contract: unsupported version, external or
 * broken `$ref`, a version that is not semver, nothing to import… (HTTP 422). Every entry of `problems`
 * carries a JSON pointer (RFC 6901) into the submitted OpenAPI document, e.g. `/info/version`; the HTTP layer
 * maps it to an RFC 9457 problem like every ValidationError.
 *
 * @example
 * throw new OpenApiImportError('The OpenAPI document has no usable version', [
 *   { pointer: '/info/version', message: 'info.version "latest" is not a semantic version' },
 * ]);
 */
export class OpenApiImportError extends ValidationError {
  override readonly code = 'openapi-import-failed';
  override readonly title = 'The OpenAPI document cannot be converted into a contract';
}

/**
 * Optional replacements for the values `importOpenApiDocument` would otherwise take from `info` (the HTTP layer
 * fills them from `?name=` and `?version=`). An invalid override makes the import throw OpenApiImportError.
 *
 * @example const overrides: OpenApiImportOverrides = { name: 'pets', version: '1.0' }; // version becomes 1.0.0
 */
export type OpenApiImportOverrides = {
  /** Contract name; must match CONTRACT_NAME_PATTERN. Replaces the slug of `info.title`. */
  name?: string;
  /** Contract version; coerced like `info.version` (`1.0` → `1.0.0`). Replaces `info.version`. */
  version?: string;
};

/**
 * Tells whether a parsed JSON/YAML value looks like an OpenAPI 3.x or Swagger 2.0 document, i.e. is an
 * object with a top-level `openapi` or `swagger` field (the field every version of the specification
 * requires first). It does not check the version or anything else: `importOpenApiDocument` does.
 *
 * @param input - any parsed JSON/YAML value
 * @returns true when `input` is a plain object that has an own `openapi` or `swagger` member
 * @throws nothing: any value is accepted
 * @example isOpenApiDocument({ openapi: '3.1.0', info: {}, paths: {} }) // true
 */
export function isOpenApiDocument(input: unknown): boolean {
  return isObject(input) && (Object.hasOwn(input, 'openapi') || Object.hasOwn(input, 'swagger'));
}

/**
 * Converts an OpenAPI 3.0.x / 3.1.x or Swagger 2.0 document, already parsed from JSON or YAML, into a contract
 * document that passes `ContractDocumentSchema`. The input is not modified. Nothing is read from disk or the network:
 * `$ref`s are resolved by `@apidevtools/json-schema-ref-parser` with its file and HTTP resolvers disabled.
 *
 * Mapping (OpenAPI 3.1 §4.8; Swagger 2.0 for the 2.0 names):
 * - `name`: `info.title` slugified (`Swagger Petstore` → `swagger-petstore`), or `overrides.name`.
 * - `version`: `info.version` or `overrides.version`. A valid semver is kept (a leading `v` is dropped, build
 *   metadata too); a plain numeric version is completed with `semver.coerce` (`1.0` → `1.0.0`, `v2` → `2.0.0`,
 *   `54` → `54.0.0`, `1.0-beta` → `1.0.0-beta`); an ISO date `YYYY-MM-DD` becomes the CalVer `YYYY.M.D`, which keeps
 *   dates in order. Anything else (`latest`, `1.2.3.4`, a date-time) and a missing version are refused.
 * - `description`: `info.description`, else `info.summary`, else `info.title`.
 * - `schemas`: `components.schemas` (2.0: `definitions`) under the same names, converted to JSON Schema 2020-12
 *   (`nullable`/`x-nullable` → `"null"` in `type`/`enum`, boolean `exclusiveMinimum/Maximum` → numbers, `type: file`
 *   → binary string, `example` → `examples`, array `items` → `prefixItems`; `discriminator`, `xml`, `externalDocs`,
 *   `$schema` and `$id` are dropped). References between them stay references, rewritten to `#/$defs/<name>`, so
 *   circular schemas work. Every other internal `$ref` (parameters, request bodies, responses, headers…) is inlined.
 * - `endpoints`: one per path and method (`TRACE` is not a contract method and is skipped). Path-level parameters
 *   are merged with the operation's (the operation wins). The request body (3.x `application/json`, else a `*+json`
 *   type, else the first media type with a schema; 2.0 the `in: body` parameter, or `in: formData` parameters as an
 *   object) becomes `requestSchema`: the component name when the body is a plain `$ref`, else the inline schema
 *   stored as `<operationId or method_path>.request`. The lowest 2xx response with a schema gives `responseSchema`
 *   (inline: `<base>.response`); every other status key with a schema goes to `errorSchemas` (inline:
 *   `<base>.error.<status>`). Query, path and header parameters (3.x ignores `Accept`, `Content-Type` and
 *   `Authorization` headers, as the spec says; cookies are skipped) become `query`/`pathParameters`/`headers`; their
 *   schemas have component references inlined (a recursive reference becomes `{}`) because parameter schemas are
 *   compiled on their own. Path parameters the template names but the document does not declare are added as
 *   required.
 * - `errorCodes`: every exact non-2xx status code of any operation, `{ message: description, description }`
 *   (the first description seen wins).
 * - `baseUrl`: 3.x `servers[0].url` with its variables set to their defaults, when that is an absolute http(s) URL;
 *   2.0 `<schemes[0] or https>://<host><basePath>` when `host` is given. Otherwise omitted.
 * - `authentication`: the first scheme that maps, taking the global `security` requirements first and then the
 *   declared schemes in order. http `bearer` → `bearer`; `apiKey` → `api_key` (`keyLocation` = `in`, `keyName` =
 *   `name`); `oauth2` → `oauth2` with `tokenEndpoint` = the `tokenUrl` of the clientCredentials, password or
 *   authorizationCode flow (2.0: `tokenUrl`), resolved against `baseUrl` when relative; `openIdConnect` → `oauth2`
 *   without `tokenEndpoint` (the discovery document names it); `mutualTLS` → `mtls`. http `basic` (and other http
 *   schemes) has no contract equivalent and is skipped, so a basic-only API imports without `authentication`.
 *   `scopes` are the union of the scopes every security requirement (global and per operation) lists for the chosen
 *   scheme; for an oauth2 scheme no requirement names, the scopes its flow declares.
 * - 3.1 `webhooks`: each webhook's request body schema is stored as `<webhook key>.request` (inline schemas as they
 *   are, a `$ref` to a component as `{ "$ref": "#/$defs/<name>" }`), so it can back an event contract later;
 *   a webhook with several methods gets `<key>.<method>.request` for the second and later ones.
 *
 * @param input - the parsed OpenAPI document (an object with `openapi` or `swagger`)
 * @param overrides - `name` and/or `version` to use instead of those from `info` (e.g. from `?name=`/`?version=`)
 * @returns a contract document (input form) that `ContractDocumentSchema.parse` accepts
 * @throws {OpenApiImportError} (a ValidationError, HTTP 422) when: `openapi`/`swagger` is not 3.0.x, 3.1.x or 2.0
 *   (pointer `/openapi` or `/swagger`); `info.title` gives no usable name or `info.version` is missing or cannot be
 *   coerced to semver (pointer `/info/title`, `/info/version`; `?name=`/`?version=` can override); a `$ref` is external
 *   (the whole document must be bundled into one) or points nowhere (pointer to the `$ref`); the document has no
 *   paths, webhooks or schemas; a path template is invalid or two paths collide; or the result still breaks a
 *   contract rule (pointer to the part of the document it came from).
 * @example
 * const contract = await importOpenApiDocument(YAML.parse(text), { version: '1.0.1' });
 * contract.endpoints?.map((e) => `${e.method} ${e.path}`); // ['GET /pets', 'POST /pets', 'GET /pets/{petId}']
 */
export async function importOpenApiDocument(
  input: Record<string, unknown>,
  overrides: OpenApiImportOverrides = {},
): Promise<ContractDocumentInput> {
  if (!isObject(input))
    throw fail('The OpenAPI document must be an object', [{ pointer: '', message: 'not an object' }]);
  const dialect = detectDialect(input);
  const info = isObject(input.info) ? input.info : undefined;
  const name = contractName(info, overrides.name);
  const version = contractVersion(info, overrides.version);

  const doc = await resolveReferences(input, dialect);
  const ctx: Context = { dialect, problems: [], used: new Set(), schemas: {}, sources: { endpoints: [], schemas: {} } };

  const namedPointer = dialect === '2.0' ? '/definitions' : '/components/schemas';
  const named = dialect === '2.0' ? doc.definitions : isObject(doc.components) ? doc.components.schemas : undefined;
  if (isObject(named)) {
    for (const [key, schema] of Object.entries(named)) {
      const pointer = `${namedPointer}/${escapeSegment(key)}`;
      ctx.schemas[key] = convertSchema(schema, ctx, pointer);
      ctx.used.add(key);
      ctx.sources.schemas[key] = pointer;
    }
  }

  const baseUrl = dialect === '2.0' ? swagger2BaseUrl(doc) : serverBaseUrl(doc);
  const errorCodes: Record<string, { message: string; description: string }> = {};
  const endpoints = isObject(doc.paths) ? importPaths(doc.paths, ctx, errorCodes) : [];
  const webhookCount = isObject(doc.webhooks) ? importWebhooks(doc.webhooks, ctx) : 0;
  throwIfProblems(ctx.problems);

  if (endpoints.length === 0 && webhookCount === 0 && Object.keys(ctx.schemas).length === 0) {
    throw fail('The OpenAPI document has nothing to import', [
      { pointer: '/paths', message: 'nothing to import: the document declares no paths, no webhooks and no schemas' },
    ]);
  }

  const contract: ContractDocumentInput = {
    name,
    version,
    description: stringOr(info?.description) ?? stringOr(info?.summary) ?? stringOr(info?.title) ?? '',
    endpoints,
    schemas: ctx.schemas,
    errorCodes,
  };
  if (baseUrl !== undefined) contract.baseUrl = baseUrl;
  const authentication = importAuthentication(doc, dialect, baseUrl);
  if (authentication) contract.authentication = authentication.spec;

  const checked = ContractDocumentSchema.safeParse(contract);
  if (!checked.success) {
    const problems = checked.error.issues.map((issue) => ({
      pointer: sourcePointer(issue.path, ctx, authentication?.pointer),
      message: `${toJsonPointer(issue.path)}: ${issue.message}`,
    }));
    throw fail('The converted contract is not valid', problems);
  }
  return contract;
}

// ---------------------------------------------------------------------------------------------------------------
// Types and small helpers

type Dialect = '2.0' | '3.0' | '3.1';
type Json = Record<string, unknown>;
type Context = {
  dialect: Dialect;
  problems: FieldProblem[];
  /** Schema names already taken in `schemas`. */
  used: Set<string>;
  schemas: Record<string, JsonSchema>;
  /** Where each endpoint and schema came from, to point problems found later at the document. */
  sources: { endpoints: string[]; schemas: Record<string, string> };
};
type ErrorCodes = Record<string, { message: string; description: string }>;

/** Marks a reference to a named schema while the ref parser inlines every other `$ref`. */
const SCHEMA_REF = '\u0000$ref';
const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function escapeSegment(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

function fail(message: string, problems: FieldProblem[], cause?: unknown): OpenApiImportError {
  return new OpenApiImportError(message, problems, cause === undefined ? undefined : { cause });
}

function throwIfProblems(problems: FieldProblem[]): void {
  if (problems.length === 0) return;
  const first = problems[0] as FieldProblem;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem(s))` : '';
  throw fail(`The OpenAPI document cannot be imported: ${first.message}${more}`, problems);
}

// ---------------------------------------------------------------------------------------------------------------
// Version, name

function detectDialect(input: Json): Dialect {
  if (input.openapi !== undefined) {
    const value = input.openapi;
    if (typeof value === 'string' && /^3\.0\.\d+(-[0-9A-Za-z.-]+)?$/.test(value)) return '3.0';
    if (typeof value === 'string' && /^3\.1\.\d+(-[0-9A-Za-z.-]+)?$/.test(value)) return '3.1';
    const hint = typeof value === 'string' ? '' : ' (write it as a string, e.g. "3.0.3")';
    throw fail('Unsupported OpenAPI version', [
      {
        pointer: '/openapi',
        message: `openapi ${JSON.stringify(value)} is not supported${hint}; supported versions are 3.0.x, 3.1.x and Swagger 2.0`,
      },
    ]);
  }
  if (input.swagger === '2.0' || input.swagger === 2) return '2.0';
  throw fail('Unsupported Swagger version', [
    {
      pointer: '/swagger',
      message: `swagger ${JSON.stringify(input.swagger)} is not supported; supported versions are Swagger 2.0, OpenAPI 3.0.x and 3.1.x`,
    },
  ]);
}

function contractName(info: Json | undefined, override: string | undefined): string {
  if (override !== undefined) {
    if (CONTRACT_NAME_PATTERN.test(override)) return override;
    throw fail('The contract name is not valid', [
      {
        pointer: '/info/title',
        message: `the name "${override}" must be 1-128 characters of letters, digits, ".", "_" or "-", starting alphanumeric`,
      },
    ]);
  }
  const title = stringOr(info?.title);
  const slug = title === undefined ? '' : slugify(title);
  if (slug === '') {
    throw fail('The OpenAPI document gives no contract name', [
      {
        pointer: '/info/title',
        message: `${title === undefined ? 'info.title is missing' : `info.title "${title}" has no letters or digits to build a name from`}; pass ?name= to set the contract name`,
      },
    ]);
  }
  return slug;
}

function slugify(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/['\u2019]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 128)
    .replace(/[-._]+$/, '');
}

function contractVersion(info: Json | undefined, override: string | undefined): string {
  const raw = override ?? info?.version;
  const source = override === undefined ? 'info.version' : 'the version override';
  if (raw === undefined || raw === null || raw === '') {
    throw fail('The OpenAPI document has no version', [
      { pointer: '/info/version', message: 'info.version is missing; pass ?version=<MAJOR.MINOR.PATCH> to set one' },
    ]);
  }
  const version = coerceVersion(raw);
  if (version === undefined) {
    throw fail('The OpenAPI document has no usable version', [
      {
        pointer: '/info/version',
        message:
          `${source} ${JSON.stringify(raw)} is not a semantic version and cannot be coerced into one ` +
          '(accepted: 1.2.3, 1.2.3-beta.1, 1.2, 1, v2, or a date such as 2010-04-01); ' +
          'pass ?version=<MAJOR.MINOR.PATCH> to choose the contract version',
      },
    ]);
  }
  return version;
}

// ---------------------------------------------------------------------------------------------------------------
// References

/**
 * Copies the document, refuses external and dangling `$ref`s, marks references to named schemas (so they stay
 * references) and lets the ref parser inline every other internal `$ref`.
 */
async function resolveReferences(input: Json, dialect: Dialect): Promise<Json> {
  const schemaPrefix = dialect === '2.0' ? '#/definitions/' : '#/components/schemas/';
  const problems: FieldProblem[] = [];
  const stack = new Set<object>();

  const copy = (value: unknown, pointer: string): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    if (stack.has(value)) {
      problems.push({ pointer, message: 'the document contains a cycle (a YAML alias that includes itself)' });
      return null;
    }
    stack.add(value);
    try {
      if (Array.isArray(value)) return value.map((item, i) => copy(item, `${pointer}/${i}`));
      const source = value as Json;
      const ref = source.$ref;
      const out: Json = Object.create(null); // a `__proto__` key stays an own key
      let schemaRef: string | undefined;
      if (typeof ref === 'string') {
        const at = `${pointer}/$ref`;
        if (!ref.startsWith('#')) {
          problems.push({
            pointer: at,
            message: `external $ref "${ref}" is not supported: send a single bundled document in which every $ref is internal (#/...)`,
          });
        } else if (!resolvesInternally(input, ref)) {
          problems.push({ pointer: at, message: `$ref "${ref}" points to nothing in the document` });
        } else if (ref.startsWith(schemaPrefix) && ref.length > schemaPrefix.length) {
          schemaRef = `#/$defs/${ref.slice(schemaPrefix.length)}`;
        }
      }
      for (const [key, child] of Object.entries(source)) {
        if (key === '$ref' && schemaRef !== undefined) out[SCHEMA_REF] = schemaRef;
        else out[key] = copy(child, `${pointer}/${escapeSegment(key)}`);
      }
      return out;
    } finally {
      stack.delete(value);
    }
  };

  const copied = copy(input, '') as Json;
  throwIfProblems(problems);
  try {
    const parser = new $RefParser();
    return (await parser.dereference(copied, {
      resolve: { external: false, file: false, http: false },
      dereference: { circular: 'ignore' },
      mutateInputSchema: true,
    })) as Json;
  } catch (error) {
    const details = error as { message?: string; targetRef?: string; parentPath?: string };
    const pointer = typeof details.parentPath === 'string' ? fragmentToPointer(details.parentPath) : '';
    throw fail(
      'The $refs of the OpenAPI document cannot be resolved',
      [
        {
          pointer: pointer ?? '',
          message: details.targetRef
            ? `$ref "${details.targetRef}" cannot be resolved: ${details.message ?? 'unknown error'}`
            : `$refs cannot be resolved: ${details.message ?? String(error)}`,
        },
      ],
      error,
    );
  }
}

/** `#/a/b~1c` → `/a/b~1c`, percent-decoded; undefined when it is not a JSON-pointer fragment. */
function fragmentToPointer(fragment: string): string | undefined {
  const hash = fragment.indexOf('#');
  const body = hash >= 0 ? fragment.slice(hash + 1) : fragment;
  if (body !== '' && !body.startsWith('/')) return undefined;
  try {
    return decodeURIComponent(body);
  } catch {
    return undefined;
  }
}

function pointerSegments(pointer: string): string[] {
  return pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** Whether an internal `$ref` reaches a value, following `$ref`s met on the way (as the ref parser does). */
function resolvesInternally(root: Json, ref: string, depth = 0): boolean {
  const pointer = fragmentToPointer(ref);
  if (pointer === undefined || depth > 64) return false;
  let node: unknown = root;
  for (const segment of pointerSegments(pointer)) {
    if (isObject(node) && typeof node.$ref === 'string' && !Object.hasOwn(node, segment)) {
      if (!node.$ref.startsWith('#')) return false;
      node = lookup(root, node.$ref, depth + 1);
    }
    if (Array.isArray(node) && /^(0|[1-9]\d*)$/.test(segment) && Number(segment) < node.length) {
      node = node[Number(segment)];
    } else if (isObject(node) && Object.hasOwn(node, segment)) {
      node = node[segment];
    } else return false;
  }
  return true;
}

function lookup(root: Json, ref: string, depth: number): unknown {
  if (depth > 64) return undefined;
  const pointer = fragmentToPointer(ref);
  if (pointer === undefined) return undefined;
  let node: unknown = root;
  for (const segment of pointerSegments(pointer)) {
    if (isObject(node) && typeof node.$ref === 'string' && !Object.hasOwn(node, segment)) {
      node = lookup(root, node.$ref, depth + 1);
    }
    if (Array.isArray(node)) node = node[Number(segment)];
    else if (isObject(node)) node = node[segment];
    else return undefined;
  }
  return node;
}

// ---------------------------------------------------------------------------------------------------------------
// Schemas

const SUBSCHEMA = new Set([
  'additionalProperties',
  'not',
  'contains',
  'propertyNames',
  'if',
  'then',
  'else',
  'unevaluatedItems',
  'unevaluatedProperties',
  'additionalItems',
  'contentSchema',
]);
const SUBSCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);
const SUBSCHEMA_ARRAYS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
const DROPPED = new Set(['discriminator', 'xml', 'externalDocs', '$schema', '$id', 'nullable', 'x-nullable']);
const COMPOSITION = ['$ref', 'allOf', 'anyOf', 'oneOf', 'not', 'const'];

/** Applies `fn` to every direct subschema of a schema object; other keywords are copied. */
function mapSubschemas(schema: Json, fn: (child: unknown, key: string) => unknown): Json {
  const out: Json = Object.create(null); // a `__proto__` key stays an own key
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'items') {
      out[key] = Array.isArray(value) ? value.map((v, i) => fn(v, `items/${i}`)) : fn(value, 'items');
    } else if (SUBSCHEMA.has(key) && (isObject(value) || typeof value === 'boolean')) {
      out[key] = fn(value, key);
    } else if (SUBSCHEMA_MAPS.has(key) && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fn(v, `${key}/${escapeSegment(k)}`)]));
    } else if (SUBSCHEMA_ARRAYS.has(key) && Array.isArray(value)) {
      out[key] = value.map((v, i) => fn(v, `${key}/${i}`));
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** Converts an OpenAPI 3.0 / Swagger 2.0 / 3.1 Schema Object into JSON Schema 2020-12. */
function convertSchema(input: unknown, ctx: Context, pointer: string): JsonSchema {
  if (typeof input === 'boolean') return input;
  if (!isObject(input)) {
    ctx.problems.push({ pointer, message: 'a schema must be an object or a boolean' });
    return true;
  }
  if (typeof input.$ref === 'string') {
    ctx.problems.push({
      pointer: `${pointer}/$ref`,
      message: `$ref "${input.$ref}" is circular outside the named schemas and cannot be imported`,
    });
    return true;
  }
  const legacy = ctx.dialect !== '3.1';
  const out = mapSubschemas(input, (child, key) => convertSchema(child, ctx, `${pointer}/${key}`));
  delete out[SCHEMA_REF];
  if (typeof input[SCHEMA_REF] === 'string') out.$ref = input[SCHEMA_REF];
  for (const key of DROPPED) delete out[key];

  if ('example' in input) {
    delete out.example;
    if (!Array.isArray(input.examples)) out.examples = [input.example];
  }
  if ('examples' in out && !Array.isArray(out.examples)) delete out.examples;
  if (Array.isArray(out.items)) {
    out.prefixItems = out.items;
    delete out.items;
    if ('additionalItems' in out) {
      out.items = out.additionalItems;
      delete out.additionalItems;
    }
  }
  if (out.type === 'file') {
    out.type = 'string';
    if (out.format === undefined) out.format = 'binary';
  }
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof out[flag] === 'boolean') {
      if (out[flag] === true && typeof out[bound] === 'number') {
        out[flag] = out[bound];
        delete out[bound];
      } else delete out[flag];
    }
  }
  if (
    out.required !== undefined &&
    !(Array.isArray(out.required) && out.required.every((r) => typeof r === 'string'))
  ) {
    delete out.required;
  }

  const nullable = legacy && (input.nullable === true || input['x-nullable'] === true);
  if (nullable) {
    if (COMPOSITION.some((key) => key in out)) return { anyOf: [out, { type: 'null' }] };
    if (typeof out.type === 'string' || Array.isArray(out.type)) {
      const types = Array.isArray(out.type) ? out.type : [out.type];
      if (!types.includes('null')) out.type = [...types, 'null'];
    }
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
  return out;
}

/** The `#/$defs/<name>` reference of a named schema. */
function refTo(name: string): string {
  return `#/$defs/${encodeURIComponent(escapeSegment(name))}`;
}

/** The component name when `schema` is nothing but a reference to a whole named schema. */
function plainSchemaName(schema: unknown): string | undefined {
  if (!isObject(schema) || typeof schema[SCHEMA_REF] !== 'string') return undefined;
  const extra = Object.keys(schema).filter(
    (key) => key !== SCHEMA_REF && !['description', 'summary', 'title', 'example', 'examples'].includes(key),
  );
  if (extra.length > 0) return undefined;
  const pointer = fragmentToPointer(schema[SCHEMA_REF]);
  if (pointer === undefined) return undefined;
  const segments = pointerSegments(pointer);
  return segments.length === 2 ? segments[1] : undefined;
}

/**
 * Replaces `#/$defs/...` references by the schemas they name, for schemas that are compiled on their own
 * (parameters). A reference back into a schema being inlined becomes `{}` (accept anything).
 */
function inlineNamedRefs(schema: JsonSchema, schemas: Record<string, JsonSchema>, active: string[] = []): JsonSchema {
  if (typeof schema === 'boolean') return schema;
  const ref = schema.$ref;
  if (typeof ref === 'string') {
    const { $ref: _, ...rest } = schema;
    const pointer = fragmentToPointer(ref);
    let target: unknown;
    if (pointer !== undefined && !active.includes(ref)) {
      const [defs, ...segments] = pointerSegments(pointer);
      target =
        defs === '$defs'
          ? segments.reduce<unknown>((node, s) => (isObject(node) ? node[s] : undefined), schemas)
          : undefined;
    }
    const inlined =
      target === undefined || !(isObject(target) || typeof target === 'boolean')
        ? {}
        : inlineNamedRefs(target, schemas, [...active, ref]);
    if (Object.keys(rest).length === 0) return inlined;
    return { allOf: [inlined, inlineNamedRefs(rest, schemas, active)] };
  }
  return mapSubschemas(schema, (child) =>
    isObject(child) || typeof child === 'boolean' ? inlineNamedRefs(child, schemas, active) : child,
  );
}

function uniqueName(ctx: Context, base: string): string {
  let name = base;
  for (let n = 2; ctx.used.has(name); n++) name = `${base}.${n}`;
  ctx.used.add(name);
  return name;
}

/** Returns the schema name to use for a body: the component's name for a plain `$ref`, else a new named copy. */
function bodySchemaName(schema: unknown, ctx: Context, suggested: string, pointer: string): string {
  const plain = plainSchemaName(schema);
  if (plain !== undefined && Object.hasOwn(ctx.schemas, plain)) return plain;
  const name = uniqueName(ctx, suggested);
  ctx.schemas[name] = convertSchema(schema, ctx, pointer);
  ctx.sources.schemas[name] = pointer;
  return name;
}

// ---------------------------------------------------------------------------------------------------------------
// Paths

type Endpoint = NonNullable<ContractDocumentInput['endpoints']>[number];
type ParameterObject = Json & { name: string; in: string };

function importPaths(paths: Json, ctx: Context, errorCodes: ErrorCodes): Endpoint[] {
  const endpoints: Endpoint[] = [];
  const seen = new Map<string, string>();
  for (const [path, item] of Object.entries(paths)) {
    if (!path.startsWith('/') || !isObject(item)) continue;
    const pathPointer = `/paths/${escapeSegment(path)}`;
    if (!/^\/[^\s?#]*$/.test(path) || /\{[^}]*\{|\}[^{]*\}|\{\}/.test(path)) {
      ctx.problems.push({
        pointer: pathPointer,
        message: `path "${path}" must start with "/", hold no spaces, query or fragment and have balanced {parameters}`,
      });
      continue;
    }
    const shared = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of OPERATION_METHODS) {
      const operation = item[method];
      if (!isObject(operation)) continue;
      const pointer = `${pathPointer}/${method}`;
      const upper = method.toUpperCase() as HttpMethod;
      const key = `${upper} ${normalizeTemplate(path)}`;
      const other = seen.get(key);
      if (other !== undefined) {
        ctx.problems.push({
          pointer,
          message: `${upper} ${path} collides with ${other}: their templates differ only in parameter names`,
        });
        continue;
      }
      seen.set(key, `${upper} ${path}`);
      endpoints.push(importOperation(path, upper, operation, shared, ctx, pointer, errorCodes));
      ctx.sources.endpoints.push(pointer);
    }
  }
  return endpoints;
}

function importOperation(
  path: string,
  method: HttpMethod,
  operation: Json,
  shared: unknown[],
  ctx: Context,
  pointer: string,
  errorCodes: ErrorCodes,
): Endpoint {
  const operationId = stringOr(operation.operationId);
  const base = operationId
    ? operationId.replace(/[^A-Za-z0-9._-]+/g, '_')
    : `${method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+/g, '_')}`.replace(/_+$/, '');
  const endpoint: Endpoint = {
    path,
    method,
    description: stringOr(operation.description) ?? stringOr(operation.summary) ?? '',
  };
  if (operationId) endpoint.operationId = operationId;

  // Parameters: path-level first, then the operation's, which replace those with the same name and location.
  const parameters = new Map<string, { parameter: ParameterObject; pointer: string }>();
  const collect = (list: unknown[], listPointer: string) =>
    list.forEach((parameter, i) => {
      if (isObject(parameter) && typeof parameter.name === 'string' && typeof parameter.in === 'string') {
        parameters.set(`${parameter.in}:${parameter.name}`, {
          parameter: parameter as ParameterObject,
          pointer: `${listPointer}/${i}`,
        });
      } else if (isObject(parameter) && typeof parameter.$ref === 'string') {
        ctx.problems.push({ pointer: `${listPointer}/${i}/$ref`, message: `$ref "${parameter.$ref}" is circular` });
      }
    });
  collect(shared, `${pointer.slice(0, pointer.lastIndexOf('/'))}/parameters`);
  collect(Array.isArray(operation.parameters) ? operation.parameters : [], `${pointer}/parameters`);

  const query: Record<string, ParameterSpec> = {};
  const headers: Record<string, ParameterSpec> = {};
  const pathParameters: Record<string, ParameterSpec> = {};
  const formData: Array<{ parameter: ParameterObject; pointer: string }> = [];
  for (const { parameter, pointer: at } of parameters.values()) {
    const location = parameter.in;
    if (location === 'body') {
      if (parameter.schema !== undefined) {
        endpoint.requestSchema = bodySchemaName(parameter.schema, ctx, `${base}.request`, `${at}/schema`);
        endpoint.requestBodyRequired = parameter.required === true;
      }
      continue;
    }
    if (location === 'formData') {
      formData.push({ parameter, pointer: at });
      continue;
    }
    if (
      location === 'header' &&
      ctx.dialect !== '2.0' &&
      /^(accept|content-type|authorization)$/i.test(parameter.name)
    ) {
      continue;
    }
    const target =
      location === 'query' ? query : location === 'header' ? headers : location === 'path' ? pathParameters : undefined;
    if (target) target[parameter.name] = importParameter(parameter, ctx, at);
  }
  for (const name of pathTemplateParameters(path)) {
    pathParameters[name] ??= { required: true };
  }
  if (formData.length > 0 && endpoint.requestSchema === undefined) {
    const properties: Json = {};
    const required: string[] = [];
    for (const { parameter, pointer: at } of formData) {
      properties[parameter.name] = convertSchema(swagger2ParameterSchema(parameter), ctx, at);
      if (parameter.required === true) required.push(parameter.name);
    }
    const name = uniqueName(ctx, `${base}.request`);
    ctx.schemas[name] = { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
    ctx.sources.schemas[name] = `${pointer}/parameters`;
    endpoint.requestSchema = name;
    endpoint.requestBodyRequired = required.length > 0;
  }

  // 3.x request body.
  if (isObject(operation.requestBody)) {
    const media = pickMedia(operation.requestBody.content);
    if (media) {
      endpoint.requestSchema = bodySchemaName(
        media.schema,
        ctx,
        `${base}.request`,
        `${pointer}/requestBody/content/${escapeSegment(media.type)}/schema`,
      );
    }
    endpoint.requestBodyRequired = operation.requestBody.required === true;
  } else if (endpoint.requestSchema === undefined) {
    endpoint.requestBodyRequired = false;
  }

  // Responses.
  const errorSchemas: Record<string, string> = {};
  if (isObject(operation.responses)) {
    const entries = Object.entries(operation.responses)
      .map(([status, response]) => [status.toUpperCase().replace(/^DEFAULT$/, 'default'), status, response] as const)
      .filter(([key]) => /^([1-5][0-9][0-9]|[1-5]XX|default)$/.test(key));
    const success = entries
      .filter(([key]) => key.startsWith('2'))
      .sort(([a], [b]) => (a === '2XX' ? 1 : b === '2XX' ? -1 : Number(a) - Number(b)));
    for (const [, status, response] of success) {
      const schema = responseSchema(response, ctx.dialect);
      if (!schema) continue;
      endpoint.responseSchema = bodySchemaName(
        schema.schema,
        ctx,
        `${base}.response`,
        `${pointer}/responses/${escapeSegment(status)}${schema.at}`,
      );
      break;
    }
    for (const [key, status, response] of entries) {
      if (key.startsWith('2')) continue;
      const schema = responseSchema(response, ctx.dialect);
      if (schema) {
        errorSchemas[key] = bodySchemaName(
          schema.schema,
          ctx,
          `${base}.error.${key}`,
          `${pointer}/responses/${escapeSegment(status)}${schema.at}`,
        );
      }
      if (/^\d{3}$/.test(key) && !Object.hasOwn(errorCodes, key)) {
        const description = isObject(response) ? (stringOr(response.description) ?? '') : '';
        errorCodes[key] = { message: description, description };
      }
    }
  }
  endpoint.errorSchemas = errorSchemas;
  endpoint.query = query;
  endpoint.headers = headers;
  endpoint.pathParameters = pathParameters;
  return endpoint;
}

function importParameter(parameter: ParameterObject, ctx: Context, pointer: string): ParameterSpec {
  const spec: ParameterSpec = { required: parameter.required === true || parameter.in === 'path' };
  const description = stringOr(parameter.description);
  if (description !== undefined) spec.description = description;
  let raw: unknown;
  let at = `${pointer}/schema`;
  if (ctx.dialect === '2.0') {
    raw = swagger2ParameterSchema(parameter);
    at = pointer;
  } else if (parameter.schema !== undefined) {
    raw = parameter.schema;
  } else {
    const media = pickMedia(parameter.content);
    if (media) {
      raw = media.schema;
      at = `${pointer}/content/${escapeSegment(media.type)}/schema`;
    }
  }
  if (raw !== undefined) {
    const schema = inlineNamedRefs(convertSchema(raw, ctx, at), ctx.schemas);
    spec.schema = schema;
    const delimiter = arrayDelimiter(parameter, schema, ctx.dialect);
    if (delimiter !== undefined) spec.delimiter = delimiter;
    const fallback = isObject(schema) ? schema.default : undefined;
    if (['string', 'number', 'boolean'].includes(typeof fallback)) spec.defaultValue = String(fallback);
  }
  return spec;
}

/**
 * How an array parameter is serialized into one string, if it is: Swagger 2 `collectionFormat`
 * (csv is the default; `multi` repeats the parameter), OpenAPI 3 `style`/`explode` (form explodes
 * by default, i.e. repeats; simple, spaceDelimited and pipeDelimited join).
 */
function arrayDelimiter(
  parameter: ParameterObject,
  schema: unknown,
  dialect: string,
): ParameterSpec['delimiter'] | undefined {
  const type = isObject(schema) ? schema.type : undefined;
  if (!(type === 'array' || (Array.isArray(type) && type.includes('array')))) return undefined;
  const p = parameter as Record<string, unknown>;
  if (dialect === '2.0') {
    const format = stringOr(p.collectionFormat) ?? 'csv';
    return ({ csv: ',', ssv: ' ', tsv: '\t', pipes: '|' } as const)[format as 'csv'];
  }
  const style = stringOr(p.style) ?? (p.in === 'query' || p.in === 'cookie' ? 'form' : 'simple');
  const explode = typeof p.explode === 'boolean' ? p.explode : style === 'form';
  if (style === 'form') return explode ? undefined : ',';
  if (style === 'simple') return ',';
  if (style === 'spaceDelimited') return ' ';
  if (style === 'pipeDelimited') return '|';
  return undefined;
}

const SWAGGER2_ITEM_KEYWORDS = [
  'type',
  'format',
  'default',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'enum',
  'multipleOf',
  'x-nullable',
];

/** Builds a Schema Object from a Swagger 2.0 non-body parameter (or Items Object), which carries its keywords inline. */
function swagger2ParameterSchema(parameter: Json): Json {
  const schema: Json = {};
  for (const key of SWAGGER2_ITEM_KEYWORDS) if (parameter[key] !== undefined) schema[key] = parameter[key];
  if (isObject(parameter.items)) schema.items = swagger2ParameterSchema(parameter.items);
  return schema;
}

/** `application/json`, else any JSON media type (`+json`), else the first media type that has a schema. */
function pickMedia(content: unknown): { type: string; schema: unknown } | undefined {
  if (!isObject(content)) return undefined;
  const withSchema = Object.entries(content).filter(([, media]) => isObject(media) && media.schema !== undefined);
  const base = (type: string) => (type.split(';')[0] ?? '').trim().toLowerCase();
  const chosen =
    withSchema.find(([type]) => base(type) === 'application/json') ??
    withSchema.find(([type]) => /\+json$/.test(base(type))) ??
    withSchema[0];
  return chosen ? { type: chosen[0], schema: (chosen[1] as Json).schema } : undefined;
}

function responseSchema(response: unknown, dialect: Dialect): { schema: unknown; at: string } | undefined {
  if (!isObject(response)) return undefined;
  if (dialect === '2.0') return response.schema === undefined ? undefined : { schema: response.schema, at: '/schema' };
  const media = pickMedia(response.content);
  return media ? { schema: media.schema, at: `/content/${escapeSegment(media.type)}/schema` } : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Webhooks

function importWebhooks(webhooks: Json, ctx: Context): number {
  let count = 0;
  for (const [key, item] of Object.entries(webhooks)) {
    if (!isObject(item)) continue;
    const base = /^[A-Za-z0-9._-]+$/.test(key) ? key : key.replace(/[^A-Za-z0-9._-]+/g, '_');
    let first = true;
    for (const method of OPERATION_METHODS) {
      const operation = item[method];
      if (!isObject(operation)) continue;
      count++;
      if (!isObject(operation.requestBody)) continue;
      const media = pickMedia(operation.requestBody.content);
      if (!media) continue;
      const pointer = `/webhooks/${escapeSegment(key)}/${method}/requestBody/content/${escapeSegment(media.type)}/schema`;
      const name = uniqueName(ctx, first ? `${base}.request` : `${base}.${method}.request`);
      first = false;
      const plain = plainSchemaName(media.schema);
      ctx.schemas[name] =
        plain !== undefined && Object.hasOwn(ctx.schemas, plain)
          ? { $ref: refTo(plain) }
          : convertSchema(media.schema, ctx, pointer);
      ctx.sources.schemas[name] = pointer;
    }
  }
  return count;
}

// ---------------------------------------------------------------------------------------------------------------
// Base URL, authentication

function absoluteHttpUrl(candidate: string): string | undefined {
  try {
    const url = new URL(candidate);
    return url.protocol === 'http:' || url.protocol === 'https:' ? candidate : undefined;
  } catch {
    return undefined;
  }
}

function serverBaseUrl(doc: Json): string | undefined {
  const server = Array.isArray(doc.servers) ? doc.servers[0] : undefined;
  if (!isObject(server) || typeof server.url !== 'string') return undefined;
  const variables = isObject(server.variables) ? server.variables : {};
  let missing = false;
  const url = server.url.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const variable = variables[name];
    if (isObject(variable) && (typeof variable.default === 'string' || typeof variable.default === 'number')) {
      return String(variable.default);
    }
    missing = true;
    return '';
  });
  return missing ? undefined : absoluteHttpUrl(url);
}

function swagger2BaseUrl(doc: Json): string | undefined {
  if (typeof doc.host !== 'string' || doc.host === '') return undefined;
  const scheme = Array.isArray(doc.schemes) && typeof doc.schemes[0] === 'string' ? doc.schemes[0] : 'https';
  const basePath = typeof doc.basePath === 'string' ? doc.basePath : '';
  return absoluteHttpUrl(`${scheme}://${doc.host}${basePath}`);
}

type Authentication = NonNullable<ContractDocumentInput['authentication']>;

function importAuthentication(
  doc: Json,
  dialect: Dialect,
  baseUrl: string | undefined,
): { spec: Authentication; pointer: string } | undefined {
  const declaredPointer = dialect === '2.0' ? '/securityDefinitions' : '/components/securitySchemes';
  const declared =
    dialect === '2.0' ? doc.securityDefinitions : isObject(doc.components) ? doc.components.securitySchemes : undefined;
  if (!isObject(declared)) return undefined;

  // Every security requirement of the document: global, then per operation.
  const requirements: Json[] = [];
  const addRequirements = (security: unknown) => {
    if (Array.isArray(security)) for (const r of security) if (isObject(r)) requirements.push(r);
  };
  addRequirements(doc.security);
  const globalCount = requirements.length;
  if (isObject(doc.paths)) {
    for (const item of Object.values(doc.paths)) {
      if (!isObject(item)) continue;
      for (const method of OPERATION_METHODS)
        if (isObject(item[method])) addRequirements((item[method] as Json).security);
    }
  }

  const candidates = [...requirements.slice(0, globalCount).flatMap((r) => Object.keys(r)), ...Object.keys(declared)];
  for (const name of candidates) {
    const scheme = declared[name];
    if (!isObject(scheme)) continue;
    const listed = requirements.filter((r) => Object.hasOwn(r, name));
    const required = [...new Set(listed.flatMap((r) => (Array.isArray(r[name]) ? r[name] : [])))].filter(
      (s): s is string => typeof s === 'string' && s !== '',
    );
    const spec = mapScheme(scheme, required, listed.length > 0, baseUrl);
    if (spec) return { spec, pointer: `${declaredPointer}/${escapeSegment(name)}` };
  }
  return undefined;
}

function mapScheme(
  scheme: Json,
  required: string[],
  referenced: boolean,
  baseUrl: string | undefined,
): Authentication | undefined {
  const withScopes = (spec: Authentication, scopes: string[]): Authentication =>
    scopes.length > 0 ? { ...spec, scopes } : spec;
  switch (scheme.type) {
    case 'http':
      return typeof scheme.scheme === 'string' && scheme.scheme.toLowerCase() === 'bearer'
        ? withScopes({ type: 'bearer' }, required)
        : undefined;
    case 'apiKey': {
      const location = scheme.in;
      if ((location !== 'header' && location !== 'query' && location !== 'cookie') || typeof scheme.name !== 'string') {
        return undefined;
      }
      return withScopes({ type: 'api_key', keyLocation: location, keyName: scheme.name }, required);
    }
    case 'mutualTLS':
      return withScopes({ type: 'mtls' }, required);
    case 'openIdConnect':
      return withScopes({ type: 'oauth2' }, required);
    case 'oauth2': {
      let flow: Json | undefined;
      if (isObject(scheme.flows)) {
        const flows = scheme.flows;
        flow = [flows.clientCredentials, flows.password, flows.authorizationCode, flows.implicit].find(isObject);
      } else {
        flow = scheme;
      }
      const spec: Authentication = { type: 'oauth2' };
      const tokenUrl = flow && typeof flow.tokenUrl === 'string' ? flow.tokenUrl : undefined;
      if (tokenUrl !== undefined) {
        let resolved: string | undefined;
        try {
          resolved = absoluteHttpUrl(new URL(tokenUrl, baseUrl).href);
        } catch {
          resolved = undefined;
        }
        if (resolved !== undefined) spec.tokenEndpoint = resolved;
      }
      const declaredScopes = flow && isObject(flow.scopes) ? Object.keys(flow.scopes) : [];
      return withScopes(spec, referenced ? required : declaredScopes);
    }
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Problems found by the final contract check

function sourcePointer(path: ReadonlyArray<PropertyKey>, ctx: Context, authPointer: string | undefined): string {
  const [head, index] = path;
  if (head === 'name') return '/info/title';
  if (head === 'version') return '/info/version';
  if (head === 'baseUrl') return ctx.dialect === '2.0' ? '/host' : '/servers/0/url';
  if (head === 'authentication') return authPointer ?? '';
  if (head === 'endpoints' && typeof index === 'number') return ctx.sources.endpoints[index] ?? '/paths';
  if (head === 'schemas' && typeof index === 'string') return ctx.sources.schemas[index] ?? '';
  if (head === 'errorCodes') return '/paths';
  return '';
}
