import type { JsonObject } from './json';
import { ALL_TYPES } from './keywords';

/** JSON type of a value; integers are reported as `integer`. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Canonical type set: `number` subsumes `integer`. */
export function canonicalTypes(types: Iterable<string>): Set<string> {
  const set = new Set(types);
  if (set.has('number')) set.delete('integer');
  return set;
}

/** The types both sets admit (`number` ∩ `integer` = `integer`). */
export function intersectTypes(a: ReadonlySet<string>, b: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  for (const t of a) {
    if (b.has(t)) out.add(t);
    else if ((t === 'number' && b.has('integer')) || (t === 'integer' && b.has('number'))) out.add('integer');
  }
  return canonicalTypes(out);
}

/** Types a schema object's own `type` (and OpenAPI `nullable`, as Ajv reads it) admits; undefined = no restriction. */
export function ownTypes(schema: JsonObject): Set<string> | undefined {
  const raw = schema.type;
  if (raw === undefined) return undefined;
  const list = (Array.isArray(raw) ? raw : [raw]).filter((t): t is string => typeof t === 'string');
  if (schema.nullable === true) list.push('null');
  return canonicalTypes(list);
}

/** `string | null`, `any type` or `none`, as messages show a type set. */
export const describeTypes = (types: ReadonlySet<string> | undefined): string =>
  types === undefined || ALL_TYPES.every((t) => types.has(t)) ? 'any type' : [...types].sort().join(' | ') || 'none';

/** Whether the type set admits instances of `type` (`number` is admitted by `integer` too). */
export function typeAdmits(types: ReadonlySet<string>, type: string): boolean {
  if (type === 'number') return types.has('number') || types.has('integer');
  return types.has(type);
}

/** Whether `have` covers type `type` (an `integer` is covered by `number`). */
export const typeCovered = (have: ReadonlySet<string>, type: string): boolean =>
  have.has(type) || (type === 'integer' && have.has('number'));
