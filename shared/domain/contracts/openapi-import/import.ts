import { toJsonPointer } from '../../errors';
import { type ContractDocumentInput, ContractDocumentSchema } from '../contract';
import { importAuthentication } from './authentication';
import type { ErrorCodes, ImportContext } from './context';
import { detectDialect } from './document';
import { fail, throwIfProblems } from './errors';
import { contractName, contractVersion } from './info';
import { escapeSegment, isObject, stringOr } from './json';
import { importWebhooks } from './openapi-3';
import { importPaths } from './paths';
import { resolveReferences } from './refs';
import { convertSchema } from './schemas';

/**
 * Optional replacements for the values `importOpenApiDocument` would otherwise take from `info` (the HTTP layer
 * fills them from `?name=` and `?version=`). An invalid override makes the import throw OpenApiImportError.
 */
export type OpenApiImportOverrides = {
  /** Contract name; must match CONTRACT_NAME_PATTERN. Replaces the slug of `info.title`. */
  name?: string;
  /** Contract version; coerced like `info.version` (`1.0` → `1.0.0`). Replaces `info.version`. */
  version?: string;
};

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
  const ctx: ImportContext = {
    dialect,
    problems: [],
    used: new Set(),
    schemas: {},
    sources: { endpoints: [], schemas: {} },
    swagger2Media: { consumes: doc.consumes, produces: doc.produces },
  };

  const named = dialect.namedSchemas(doc);
  if (isObject(named)) {
    for (const [key, schema] of Object.entries(named)) {
      const pointer = `${dialect.namedSchemasPointer}/${escapeSegment(key)}`;
      ctx.schemas[key] = convertSchema(schema, ctx, pointer);
      ctx.used.add(key);
      ctx.sources.schemas[key] = pointer;
    }
  }

  const baseUrl = dialect.baseUrl(doc);
  const errorCodes: ErrorCodes = {};
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

/** Where in the OpenAPI document a problem the final contract check found came from. */
function sourcePointer(path: ReadonlyArray<PropertyKey>, ctx: ImportContext, authPointer: string | undefined): string {
  const [head, index] = path;
  if (head === 'name') return '/info/title';
  if (head === 'version') return '/info/version';
  if (head === 'baseUrl') return ctx.dialect.baseUrlPointer;
  if (head === 'authentication') return authPointer ?? '';
  if (head === 'endpoints' && typeof index === 'number') return ctx.sources.endpoints[index] ?? '/paths';
  if (head === 'schemas' && typeof index === 'string') return ctx.sources.schemas[index] ?? '';
  if (head === 'errorCodes') return '/paths';
  return '';
}
