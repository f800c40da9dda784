import type { JsonSchema } from '../contract';
import type { ComparisonBudget } from './budget';
import { evaluate } from './evaluate';
import { includesJson, type JsonObject } from './json';
import { canonicalTypes, intersectTypes, jsonType, ownTypes } from './json-types';
import { ALL_TYPES } from './keywords';
import type { SchemaNode } from './model';

/** The types the conjuncts admit together (narrowed by their finite `values`, when known). */
export function admittedTypes(conjuncts: SchemaNode[], values: unknown[] | undefined): Set<string> {
  let types: Set<string> = new Set(ALL_TYPES);
  for (const node of conjuncts) {
    const own = ownTypes(node.schema as JsonObject);
    if (own) types = intersectTypes(types, own);
  }
  if (values) types = intersectTypes(types, canonicalTypes(values.map(jsonType)));
  return types;
}

/** The finite set of values the conjuncts admit, when one of them has `enum`/`const`; undefined = infinite. */
export function admittedValues(
  conjuncts: SchemaNode[],
  defs: Record<string, JsonSchema>,
  budget: ComparisonBudget,
): unknown[] | undefined {
  let values: unknown[] | undefined;
  for (const node of conjuncts) {
    const schema = node.schema as JsonObject;
    const own = Object.hasOwn(schema, 'const') ? [schema.const] : Array.isArray(schema.enum) ? schema.enum : undefined;
    if (!own) continue;
    values = values === undefined ? [...own] : values.filter((v) => includesJson(own, v));
  }
  return values?.filter((v) => conjuncts.every((node) => evaluate(v, node.schema, defs, budget) !== 'no'));
}

/** The `required` names of a schema object. */
export function requiredOf(schema: JsonObject): string[] {
  return Array.isArray(schema.required) ? schema.required.filter((k): k is string => typeof k === 'string') : [];
}
