import { isDeepStrictEqual } from 'node:util';
import * as z from 'zod';

/** Which side of the wire a schema describes: what a client sends, or what the server answers. */
export type SchemaSide = 'input' | 'output';

/**
 * JSON Schemas (2020-12, OpenAPI 3.1's dialect) generated from zod schemas, with every schema that
 * carries an `id` moved to `components.schemas`.
 *
 * zod puts schemas with an `id` under the generated schema's own `$defs`; inside an OpenAPI document
 * those refs would resolve against the document root, so they move to components. Request and
 * response forms are generated separately (`io: 'input'` / `'output'`): defaults make members
 * optional on input, transforms change types, and answers carry members the server owns. A schema
 * whose input form differs from its output form gets it under `<id>Input` (`ContractVersion` /
 * `ContractVersionInput`). Generate every response first, so every output form is known when
 * inputs are.
 */
export class SchemaComponents {
  readonly components: Record<string, unknown> = {};

  /**
   * @returns the JSON Schema of `schema` as seen from `side`, its named parts as component refs
   * @example components.toSchema(ContractResponse, 'output') // { $ref: '#/components/schemas/ContractVersion' }
   */
  toSchema(schema: z.ZodType, side: SchemaSide): Record<string, unknown> {
    const {
      $defs,
      $schema: _dialect,
      ...json
    } = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io: side,
      unrepresentable: 'any',
      reused: 'inline',
    }) as Record<string, unknown>;
    const definitions = Object.entries(($defs ?? {}) as Record<string, unknown>);
    const renames = new Map<string, string>();
    for (const [id, raw] of definitions) {
      if (side === 'input' && id in this.components && !isDeepStrictEqual(this.components[id], toComponentRefs(raw))) {
        renames.set(id, `${id}Input`);
      }
    }
    for (const [id, raw] of definitions) this.components[renames.get(id) ?? id] ??= toComponentRefs(raw, renames);
    return toComponentRefs(json, renames) as Record<string, unknown>;
  }
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

function renamed(id: string, renames: ReadonlyMap<string, string>): string {
  return renames.get(id) ?? id;
}
