import { Unrepresentable } from './codec';
import { MAX_BODY_DEPTH, MAX_BODY_VALUES } from './limits';

/**
 * Brings a value decoded from a binary format (MessagePack, CBOR) into JSON's data model, in place
 * and iteratively (deep input cannot overflow the stack): an integer decoded as a bigint becomes a
 * number when it is within ±(2^53 − 1) and is otherwise kept as an {@link Unrepresentable} (never
 * rounded); a date becomes its ISO 8601 string (UTC, millisecond precision); a byte string,
 * `undefined`, a map whose keys are not all text and anything `describe` names become
 * {@link Unrepresentable}s, which `decodeBody` refuses with their pointers. NaN and ±Infinity stay
 * numbers (`decodeBody` refuses them too). Nesting deeper than {@link MAX_BODY_DEPTH} is left for
 * `decodeBody` to refuse, unvisited, and so is everything past the first MAX_BODY_VALUES + 1 values.
 *
 * @param describe - names a format-specific value that has no JSON form (a CBOR tag, a MessagePack
 *   extension), or returns undefined for a plain object or array
 * @returns the value, with its containers changed in place
 * @example toJsonModel({ n: 5n, b: new Uint8Array(2) }, () => undefined) // { n: 5, b: Unrepresentable('a byte string has…') }
 */
export function toJsonModel(value: unknown, describe: (node: object) => string | undefined): unknown {
  const root = { value };
  const stack: { holder: Record<string, unknown>; key: string; level: number }[] = [
    { holder: root, key: 'value', level: 0 },
  ];
  let visited = 0;
  while (stack.length > 0) {
    // A YAML value shares aliased nodes: each occurrence is visited, so the walk stops where
    // `decodeBody` will refuse the body for holding more than MAX_BODY_VALUES values anyway.
    if (++visited > MAX_BODY_VALUES + 1) break;
    const { holder, key, level } = stack.pop() as (typeof stack)[number];
    const node = holder[key];
    const mapped = jsonForm(node, describe);
    if (mapped !== node) {
      holder[key] = mapped;
      continue;
    }
    if (node === null || typeof node !== 'object' || level >= MAX_BODY_DEPTH) continue;
    const container = node as Record<string, unknown>;
    for (const child of Object.keys(container)) stack.push({ holder: container, key: child, level: level + 1 });
  }
  return root.value;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

// The JSON-model value of one node, or the node itself when it is JSON already or a container.
function jsonForm(node: unknown, describe: (node: object) => string | undefined): unknown {
  switch (typeof node) {
    case 'bigint':
      return node <= MAX_SAFE && node >= -MAX_SAFE
        ? Number(node)
        : new Unrepresentable(
            `the integer ${node} is beyond ±(2^53 − 1) and would lose precision; send it as a string`,
          );
    case 'undefined':
      return new Unrepresentable('undefined has no JSON representation; send null or leave the member out');
    case 'object': {
      if (node === null || node instanceof Unrepresentable || Array.isArray(node)) return node;
      if (node instanceof Uint8Array) {
        return new Unrepresentable('a byte string has no JSON representation; send binary data as base64 text');
      }
      if (node instanceof Date) {
        return Number.isNaN(node.getTime())
          ? new Unrepresentable('a date beyond ±275760 years has no ISO 8601 representation')
          : node.toISOString();
      }
      if (node instanceof Map)
        return new Unrepresentable('a map whose keys are not all text strings has no JSON representation');
      const prototype = Object.getPrototypeOf(node);
      if (prototype === Object.prototype || prototype === null) return node;
      return new Unrepresentable(
        `${describe(node) ?? `a ${node.constructor?.name ?? 'non-plain object'}`} is not read here`,
      );
    }
    default:
      return node;
  }
}

type WellFormed = { isWellFormed(): boolean; toWellFormed(): string };
const wellFormed = (text: string): string => {
  const unicode = text as unknown as WellFormed; // ES2024 methods, in Node ≥ 20; the lib here is ES2023
  return unicode.isWellFormed() ? text : unicode.toWellFormed();
};

/**
 * The value an answer carries, as JSON would answer it: `toJSON` applied, `undefined` members and
 * functions left out, and every lone surrogate (which `JSON.parse` lets through from `"\ud800"`)
 * replaced by U+FFFD, since MessagePack str and CBOR text strings must be UTF-8.
 *
 * @example jsonAnswer({ at: new Date(0), none: undefined, s: '\ud800' }) // { at: '1970-01-01T00:00:00.000Z', s: '\ufffd' }
 */
export function jsonAnswer(value: unknown): unknown {
  // Most answers are plain JSON values already: checked in one walk instead of a stringify + parse.
  if (isPlainJson(value, 0)) return value;
  const text = JSON.stringify(value);
  if (text === undefined) return null;
  // JSON.stringify writes a lone surrogate as a \ud800-style escape: without one, nothing to mend.
  if (!/\\ud[89a-f]/i.test(text)) return JSON.parse(text);
  return JSON.parse(text, (_key, node: unknown) => {
    if (typeof node === 'string') return wellFormed(node);
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return node;
    const keys = Object.keys(node);
    if (keys.every((key) => wellFormed(key) === key)) return node;
    return Object.fromEntries(keys.map((key) => [wellFormed(key), (node as Record<string, unknown>)[key]]));
  });
}

// True when `value` is exactly what JSON.stringify + JSON.parse would give back: plain objects and
// arrays (no toJSON, no undefined or functions), finite numbers other than -0, well-formed strings and keys.
function isPlainJson(value: unknown, level: number): boolean {
  switch (typeof value) {
    case 'string':
      return (value as unknown as WellFormed).isWellFormed();
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0); // JSON writes -0 as 0
    case 'object': {
      if (value === null) return true;
      if (level > MAX_BODY_DEPTH) return false;
      if (Array.isArray(value)) {
        for (let index = 0; index < value.length; index++) {
          if (!isPlainJson(value[index], level + 1)) return false;
        }
        return true;
      }
      const prototype = Object.getPrototypeOf(value);
      if ((prototype !== Object.prototype && prototype !== null) || 'toJSON' in value) return false;
      for (const key in value) {
        if (!Object.hasOwn(value, key)) return false;
        if (!(key as unknown as WellFormed).isWellFormed()) return false;
        if (!isPlainJson((value as Record<string, unknown>)[key], level + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}
