import type { JsonSchema } from '../contract';
import type { ImportContext } from './context';
import { escapeSegment, isObject, type Json } from './json';
import { fragmentToPointer, pointerSegments, SCHEMA_REF } from './refs';

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

/**
 * Converts an OpenAPI 3.0 / Swagger 2.0 / 3.1 Schema Object into JSON Schema 2020-12 (see importOpenApiDocument for
 * the keyword mapping); problems are collected in `ctx.problems`.
 */
export function convertSchema(input: unknown, ctx: ImportContext, pointer: string): JsonSchema {
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

  // The one difference between the versions' Schema Objects that needs converting: 2.0 and 3.0 say
  // `nullable` (or `x-nullable`), 3.1 (JSON Schema 2020-12) puts "null" in `type`.
  if (ctx.dialect.isNullable(input)) {
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
export function refTo(name: string): string {
  return `#/$defs/${encodeURIComponent(escapeSegment(name))}`;
}

/** The component name when `schema` is nothing but a reference to a whole named schema. */
export function plainSchemaName(schema: unknown): string | undefined {
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
export function inlineNamedRefs(
  schema: JsonSchema,
  schemas: Record<string, JsonSchema>,
  active: string[] = [],
): JsonSchema {
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

/** `base`, or `base.2`, `base.3`… when taken; the name is taken from then on. */
export function uniqueName(ctx: ImportContext, base: string): string {
  let name = base;
  for (let n = 2; ctx.used.has(name); n++) name = `${base}.${n}`;
  ctx.used.add(name);
  return name;
}

/** Returns the schema name to use for a body: the component's name for a plain `$ref`, else a new named copy. */
export function bodySchemaName(schema: unknown, ctx: ImportContext, suggested: string, pointer: string): string {
  const plain = plainSchemaName(schema);
  if (plain !== undefined && Object.hasOwn(ctx.schemas, plain)) return plain;
  const name = uniqueName(ctx, suggested);
  ctx.schemas[name] = convertSchema(schema, ctx, pointer);
  ctx.sources.schemas[name] = pointer;
  return name;
}
