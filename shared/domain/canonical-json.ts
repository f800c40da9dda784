import { createHash } from 'node:crypto';

/**
 * Serializes a JSON value with object keys sorted at every level (in the spirit of RFC 8785 JCS),
 * so two documents that differ only in key order serialize identically. `undefined` members are dropped.
 *
 * @example canonicalJson({ b: 1, a: [true, null] }) // '{"a":[true,null],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/**
 * SHA-256 (lowercase hex) of the canonical JSON of `value`: equal hashes mean equal content.
 *
 * @example contentHash({ a: 1 }) === contentHash({ a: 1 }) // true
 */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = Object.create(null); // a `__proto__` key stays an own key
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) out[key] = sortKeys(member);
    }
    return out;
  }
  return value;
}
