import type { ParameterSpec } from '../contract';
import type { ImportContext } from './context';
import type { LocatedSchema, OpenApiDialect, ParameterObject } from './dialect';
import { escapeSegment, isObject, type Json, OPERATION_METHODS, stringOr } from './json';
import { convertSchema, plainSchemaName, refTo, uniqueName } from './schemas';
import { absoluteHttpUrl } from './urls';

// OpenAPI 3.0 and 3.1: components, servers, media-type maps (`content`) for bodies, responses and
// parameters, `style`/`explode`; 3.1 adds webhooks and drops `nullable` (its schemas are JSON Schema 2020-12).

/** `application/json`, else any JSON media type (`+json`), else the first media type that has a schema. */
export function pickMedia(content: unknown): { type: string; schema: unknown } | undefined {
  if (!isObject(content)) return undefined;
  const withSchema = Object.entries(content).filter(([, media]) => isObject(media) && media.schema !== undefined);
  const base = (type: string) => (type.split(';')[0] ?? '').trim().toLowerCase();
  const chosen =
    withSchema.find(([type]) => base(type) === 'application/json') ??
    withSchema.find(([type]) => /\+json$/.test(base(type))) ??
    withSchema[0];
  return chosen ? { type: chosen[0], schema: (chosen[1] as Json).schema } : undefined;
}

/**
 * Every media type of a `content` map that has a schema, keyed as contracts key them (lower case,
 * parameters dropped: `application/json; charset=utf-8` → `application/json`), in document order;
 * a key that repeats after normalisation keeps its first entry, keys that are no media type are left out.
 */
export function allMedia(content: unknown): Array<{ key: string; type: string; schema: unknown }> {
  if (!isObject(content)) return [];
  const seen = new Set<string>();
  const media: Array<{ key: string; type: string; schema: unknown }> = [];
  for (const [type, entry] of Object.entries(content)) {
    if (!isObject(entry) || entry.schema === undefined) continue;
    const key = (type.split(';')[0] ?? '').trim().toLowerCase();
    if (seen.has(key) || !MEDIA_TYPE_KEY.test(key)) continue;
    seen.add(key);
    media.push({ key, type, schema: entry.schema });
  }
  return media;
}

const MEDIA_TYPE_KEY = /^([a-z0-9][a-z0-9!#$&^_.+-]*|\*)\/([a-z0-9][a-z0-9!#$&^_.+-]*|\*)$/;

const mediaSchema = (content: unknown, prefix: string): LocatedSchema | undefined => {
  const media = pickMedia(content);
  return media ? { schema: media.schema, at: `${prefix}/content/${escapeSegment(media.type)}/schema` } : undefined;
};

/** `servers[0].url` with its variables set to their defaults, when that is an absolute http(s) URL. */
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

/** `style`/`explode`: form explodes by default (i.e. repeats); simple, spaceDelimited and pipeDelimited join. */
function styleDelimiter(parameter: ParameterObject): ParameterSpec['delimiter'] | undefined {
  const style =
    stringOr(parameter.style) ?? (parameter.in === 'query' || parameter.in === 'cookie' ? 'form' : 'simple');
  const explode = typeof parameter.explode === 'boolean' ? parameter.explode : style === 'form';
  if (style === 'form') return explode ? undefined : ',';
  if (style === 'simple') return ',';
  if (style === 'spaceDelimited') return ' ';
  if (style === 'pipeDelimited') return '|';
  return undefined;
}

const components = (doc: Json): Json | undefined => (isObject(doc.components) ? doc.components : undefined);

const OPENAPI_3_COMMON: Omit<OpenApiDialect, 'version' | 'isNullable'> = {
  namedSchemasPointer: '/components/schemas',
  namedSchemaRefPrefix: '#/components/schemas/',
  namedSchemas: (doc) => components(doc)?.schemas,
  securitySchemesPointer: '/components/securitySchemes',
  securitySchemes: (doc) => components(doc)?.securitySchemes,
  baseUrlPointer: '/servers/0/url',
  baseUrl: serverBaseUrl,
  // OpenAPI 3.x, Parameter Object: header parameters named Accept, Content-Type or Authorization are ignored.
  ignoresHeader: (name) => /^(accept|content-type|authorization)$/i.test(name),
  parameterSchema: (parameter) =>
    parameter.schema !== undefined ? { schema: parameter.schema, at: '/schema' } : mediaSchema(parameter.content, ''),
  arrayDelimiter: styleDelimiter,
  responseSchema: (response) => (isObject(response) ? mediaSchema(response.content, '') : undefined),
};

export const OPENAPI_3_0: OpenApiDialect = {
  ...OPENAPI_3_COMMON,
  version: '3.0',
  isNullable: (schema) => schema.nullable === true || schema['x-nullable'] === true,
};

export const OPENAPI_3_1: OpenApiDialect = { ...OPENAPI_3_COMMON, version: '3.1', isNullable: () => false };

/**
 * A 3.x `requestBody`: its media schema (relative to the operation's pointer), its `content` map, and whether it is required.
 * Undefined when the operation has no Request Body Object.
 */
export function requestBodyOf(
  operation: Json,
): { media: LocatedSchema | undefined; content: unknown; required: boolean } | undefined {
  if (!isObject(operation.requestBody)) return undefined;
  return {
    media: mediaSchema(operation.requestBody.content, '/requestBody'),
    content: operation.requestBody.content,
    required: operation.requestBody.required === true,
  };
}

/**
 * 3.1 `webhooks`: each webhook's request body schema is stored as `<key>.request` (`<key>.<method>.request`
 * for the second and later methods), a plain reference to a component as a `$ref` to it.
 *
 * @returns how many webhook operations there are (with or without a body)
 */
export function importWebhooks(webhooks: Json, ctx: ImportContext): number {
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
