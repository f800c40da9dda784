import type { ParameterSpec } from '../contract';
import type { ImportContext } from './context';
import type { OpenApiDialect, ParameterObject } from './dialect';
import { isObject, type Json, stringOr } from './json';
import { convertSchema, uniqueName } from './schemas';
import { absoluteHttpUrl } from './urls';

// Swagger 2.0 (OpenAPI 2.0): definitions and securityDefinitions at the top, `host`/`basePath`/`schemes`,
// non-body parameters that carry their schema keywords inline, `in: body` / `in: formData` request bodies.

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
export function swagger2ParameterSchema(parameter: Json): Json {
  const schema: Json = {};
  for (const key of SWAGGER2_ITEM_KEYWORDS) if (parameter[key] !== undefined) schema[key] = parameter[key];
  if (isObject(parameter.items)) schema.items = swagger2ParameterSchema(parameter.items);
  return schema;
}

/** `<schemes[0] or https>://<host><basePath>` when `host` is given. */
function swagger2BaseUrl(doc: Json): string | undefined {
  if (typeof doc.host !== 'string' || doc.host === '') return undefined;
  const scheme = Array.isArray(doc.schemes) && typeof doc.schemes[0] === 'string' ? doc.schemes[0] : 'https';
  const basePath = typeof doc.basePath === 'string' ? doc.basePath : '';
  return absoluteHttpUrl(`${scheme}://${doc.host}${basePath}`);
}

/** `collectionFormat` (csv by default; `multi` repeats the parameter). */
function collectionDelimiter(parameter: ParameterObject): ParameterSpec['delimiter'] | undefined {
  const format = stringOr(parameter.collectionFormat) ?? 'csv';
  return ({ csv: ',', ssv: ' ', tsv: '\t', pipes: '|' } as const)[format as 'csv'];
}

export const SWAGGER_2: OpenApiDialect = {
  version: '2.0',
  namedSchemasPointer: '/definitions',
  namedSchemaRefPrefix: '#/definitions/',
  namedSchemas: (doc) => doc.definitions,
  securitySchemesPointer: '/securityDefinitions',
  securitySchemes: (doc) => doc.securityDefinitions,
  baseUrlPointer: '/host',
  baseUrl: swagger2BaseUrl,
  isNullable: (schema) => schema.nullable === true || schema['x-nullable'] === true,
  // Swagger 2.0 has no rule about Accept/Content-Type/Authorization header parameters: they are imported.
  ignoresHeader: () => false,
  parameterSchema: (parameter) => ({ schema: swagger2ParameterSchema(parameter), at: '' }),
  arrayDelimiter: collectionDelimiter,
  responseSchema: (response) =>
    !isObject(response) || response.schema === undefined ? undefined : { schema: response.schema, at: '/schema' },
};

/**
 * The request schema `in: formData` parameters make together: an object with one property per parameter,
 * stored as `name` (its source is the operation's parameters).
 */
export function formDataRequestSchema(
  formData: Array<{ parameter: ParameterObject; pointer: string }>,
  ctx: ImportContext,
  suggested: string,
  operationPointer: string,
): { name: string; required: boolean } {
  const properties: Json = {};
  const required: string[] = [];
  for (const { parameter, pointer: at } of formData) {
    properties[parameter.name] = convertSchema(swagger2ParameterSchema(parameter), ctx, at);
    if (parameter.required === true) required.push(parameter.name);
  }
  const name = uniqueName(ctx, suggested);
  ctx.schemas[name] = { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
  ctx.sources.schemas[name] = `${operationPointer}/parameters`;
  return { name, required: required.length > 0 };
}

/**
 * Swagger 2.0 media types (`consumes` for the request, `produces` for responses; the operation's list
 * replaces the document's) mapped to one schema name, since 2.0 has one schema for them all. A
 * `formData` body takes the form types of `consumes` (`application/x-www-form-urlencoded` when it names
 * none, as Swagger 2.0 requires one of the two). Undefined when the list says no more than the default
 * (JSON only, or nothing), so such documents import as before.
 */
export function swagger2MediaTypes(list: unknown, name: string, form = false): Record<string, string> | undefined {
  const types = [
    ...new Set(
      (Array.isArray(list) ? list : [])
        .filter((type): type is string => typeof type === 'string')
        .map((type) => (type.split(';')[0] ?? '').trim().toLowerCase())
        .filter((type) => /^([a-z0-9][a-z0-9!#$&^_.+-]*|\*)\/([a-z0-9][a-z0-9!#$&^_.+-]*|\*)$/.test(type)),
    ),
  ];
  const chosen = form
    ? types.filter((type) => type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data')
    : types;
  if (form && chosen.length === 0) chosen.push('application/x-www-form-urlencoded');
  if (!form && (chosen.length === 0 || (chosen.length === 1 && chosen[0] === 'application/json'))) return undefined;
  return Object.fromEntries(chosen.slice(0, 20).map((type) => [type, name]));
}
