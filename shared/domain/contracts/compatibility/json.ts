/** JSON helpers of the compatibility checker: equality, membership, pointers and message snippets. */

export type JsonObject = Record<string, unknown>;

export const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** One JSON-pointer reference token (RFC 6901: `~` → `~0`, `/` → `~1`). */
export const escapePointerSegment = (segment: string): string => segment.replaceAll('~', '~0').replaceAll('/', '~1');

/** A value as a message quotes it: JSON, cut to 80 characters. */
export const preview = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

/** The `field 'a.b': ` prefix of a message about the field at `where` (nothing at the root). */
export const fieldPrefix = (where: string): string => (where ? `field '${where}': ` : '');

/** The dotted field path of property `name` under `where`. */
export const childField = (where: string, name: string): string => (where ? `${where}.${name}` : name);

/** Scalar members per list, memoized: a pure cache keyed by the (immutable) schema array. */
const scalarMembers = new WeakMap<readonly unknown[], Set<unknown>>();

/** `list` contains `value` (JSON equality): a Set lookup for scalars, so large enums stay linear. */
export function includesJson(list: readonly unknown[], value: unknown): boolean {
  if (value === null || typeof value !== 'object') {
    let members = scalarMembers.get(list);
    if (!members) {
      members = new Set(list.filter((v) => v === null || typeof v !== 'object'));
      scalarMembers.set(list, members);
    }
    return members.has(value);
  }
  return list.some((x) => jsonEqual(x, value));
}

/** Deep equality of JSON values (object key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (!isJsonObject(a) || !isJsonObject(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
}
