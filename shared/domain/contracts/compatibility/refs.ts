import type { JsonSchema } from '../contract';
import { escapePointerSegment, isJsonObject } from './json';
import type { SchemaNode } from './model';

/** Resolves `#/$defs/<name>` (RFC 6901 and percent decoding) against the named schemas of one side. */
export function resolveRef(
  ref: string,
  defs: Record<string, JsonSchema>,
): { schema: JsonSchema; pointer: string } | undefined {
  const match = /^#\/\$defs\/([^/]+)$/.exec(ref);
  if (!match) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(match[1] as string)
      .replaceAll('~1', '/')
      .replaceAll('~0', '~');
  } catch {
    return undefined;
  }
  if (!Object.hasOwn(defs, name)) return undefined;
  return { schema: defs[name] as JsonSchema, pointer: `/schemas/${escapePointerSegment(name)}` };
}

/** Equality of two schemas where `$ref`s are compared by what they resolve to on each side. */
export function schemaEqual(
  a: unknown,
  aDefs: Record<string, JsonSchema>,
  b: unknown,
  bDefs: Record<string, JsonSchema>,
  seen: Set<string> = new Set(),
): boolean {
  if (a === b && aDefs === bDefs) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((x, i) => schemaEqual(x, aDefs, b[i], bDefs, seen))
    );
  }
  if (!isJsonObject(a) || !isJsonObject(b)) return a === b;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length || !keys.every((k) => Object.hasOwn(b, k))) return false;
  if (typeof a.$ref === 'string' && typeof b.$ref === 'string') {
    const ra = resolveRef(a.$ref, aDefs);
    const rb = resolveRef(b.$ref, bDefs);
    if (!ra || !rb) {
      if (a.$ref !== b.$ref || ra || rb) return false;
    } else {
      const key = `${ra.pointer}|${rb.pointer}`;
      if (!seen.has(key)) {
        seen.add(key);
        if (!schemaEqual(ra.schema, aDefs, rb.schema, bDefs, seen)) return false;
      }
    }
  }
  return keys.every((k) => k === '$ref' || schemaEqual(a[k], aDefs, b[k], bDefs, seen));
}

/**
 * The conjuncts of some schemas: object schemas whose conjunction is what the schemas admit.
 *
 * - `nodes`: the object schemas, `$ref` and `allOf` expanded (each schema object once).
 * - `empty`: some conjunct is `false`, so nothing is admitted.
 * - `unresolved`: `$ref`s that do not resolve on this side.
 */
export type Conjuncts = { nodes: SchemaNode[]; empty: boolean; unresolved: Array<{ pointer: string; ref: string }> };

/** Expands `$ref` and `allOf` into a list of conjuncts (object schemas); `false` makes the list empty. */
export function expandConjuncts(nodes: SchemaNode[], defs: Record<string, JsonSchema>): Conjuncts {
  const out: Conjuncts = { nodes: [], empty: false, unresolved: [] };
  const seen = new Set<object>();
  const queue = [...nodes];
  while (queue.length > 0) {
    const node = queue.shift() as SchemaNode;
    if (node.schema === true) continue;
    if (node.schema === false) {
      out.empty = true;
      continue;
    }
    const identity = node.origin ?? node.schema;
    if (seen.has(identity)) continue;
    seen.add(identity);
    out.nodes.push(node);
    const schema = node.schema;
    if (typeof schema.$ref === 'string') {
      const target = resolveRef(schema.$ref, defs);
      if (target) queue.push(target);
      else out.unresolved.push({ pointer: `${node.pointer}/$ref`, ref: schema.$ref });
    }
    if (Array.isArray(schema.allOf)) {
      schema.allOf.forEach((member, i) => {
        if (typeof member === 'boolean' || isJsonObject(member)) {
          queue.push({ schema: member, pointer: `${node.pointer}/allOf/${i}` });
        }
      });
    }
  }
  return out;
}
