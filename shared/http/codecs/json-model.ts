import { type FieldProblem, MalformedInputError } from '../../domain/errors';
import { MAX_PROBLEM_ERRORS } from '../problem';
import { Unrepresentable } from './codec';
import { MAX_BODY_DEPTH, MAX_BODY_VALUES } from './limits';

/** What {@link checkJsonModel} checks beyond the bounds. */
export type JsonModelOptions = {
  /**
   * Check every string and key for a lone surrogate (half of a UTF-16 pair): needed where the format
   * can spell one (JSON's and YAML's `\ud800` escapes, values built in code); formats whose text is
   * validated UTF-8 cannot carry one.
   */
  strings: boolean;
  /** Names a format-specific node with no JSON form (a CBOR tag, a MessagePack extension), or undefined for a plain object. */
  describe?: (node: object) => string | undefined;
};

/**
 * Checks a decoded value against JSON's data model and the body bounds, and brings it into that
 * model, in one walk in document order, in place: an integer decoded as a bigint becomes a number
 * when it is within ±(2^53 − 1) (never rounded: beyond, it is refused); a date becomes its ISO 8601
 * string (UTC, millisecond precision). Refused, each with its RFC 6901 pointer: NaN and ±Infinity,
 * `undefined`, byte strings, maps whose keys are not all text, {@link Unrepresentable}s a codec left
 * in place, anything `describe` names, lone surrogates (when `strings`). Nesting deeper than
 * {@link MAX_BODY_DEPTH} and more than {@link MAX_BODY_VALUES} values (an alias-expanded YAML value is
 * a DAG: a shared node counts each time it occurs, which is what validating or storing it costs)
 * are refused without walking further. Recursive, but never deeper than MAX_BODY_DEPTH + 1 calls.
 *
 * @returns the value in JSON's model (the same containers, changed in place)
 * @throws {MalformedInputError} with one `errors[]` entry per problem, pointers from the value's root (`''`)
 * @example checkJsonModel({ n: 5n, at: new Date(0) }, { strings: false }) // { n: 5, at: '1970-01-01T00:00:00.000Z' }
 */
export function checkJsonModel(value: unknown, options: JsonModelOptions): unknown {
  const walk = newWalk(options, MAX_BODY_DEPTH, MAX_BODY_VALUES);
  const result = visit(walk, value, 0);
  if (walk.depth > MAX_BODY_DEPTH) {
    throw new MalformedInputError(`The body nests arrays and objects deeper than ${MAX_BODY_DEPTH} levels`, [
      { pointer: '', message: `nesting deeper than ${MAX_BODY_DEPTH} levels`, keyword: 'maxDepth' },
    ]);
  }
  if (walk.values > MAX_BODY_VALUES) {
    throw new MalformedInputError(`The body expands to more than ${MAX_BODY_VALUES} values (YAML aliases?)`, [
      { pointer: '', message: `more than ${MAX_BODY_VALUES} values once aliases are expanded`, keyword: 'maxValues' },
    ]);
  }
  if (walk.foreign.length > 0) throw foreignValues(walk.foreign);
  return result;
}

/**
 * Whether a value `JSON.parse` produced needs {@link checkJsonModel}: true when it nests deeper than
 * {@link MAX_BODY_DEPTH} or holds a number JSON's model refuses or may have rounded (±Infinity from
 * an overflowing literal, an integer beyond ±(2^53 − 1)). Strings and the value count are not looked
 * at: the caller knows from the text whether they can matter (a `\u` escape, a text longer than
 * MAX_BODY_VALUES characters). A lean walk over the containers only, for the common body.
 *
 * @example needsJsonModelCheck(JSON.parse('{"id":12345678901234567890}')) // true
 */
export function needsJsonModelCheck(value: unknown): boolean {
  if (typeof value === 'number') return unsafeNumber(value);
  return typeof value === 'object' && value !== null && !screen(value as object, 1);
}

// false: the container at this depth (1: the root) is too deep or holds an unsafe number.
function screen(node: object, depth: number): boolean {
  if (depth > MAX_BODY_DEPTH) return false;
  if (Array.isArray(node)) {
    for (let index = 0; index < node.length; index++) {
      const child: unknown = node[index];
      if (typeof child === 'object') {
        if (child !== null && !screen(child, depth + 1)) return false;
      } else if (typeof child === 'number' && unsafeNumber(child)) return false;
    }
    return true;
  }
  for (const key in node) {
    const child: unknown = (node as Record<string, unknown>)[key];
    if (typeof child === 'object') {
      if (child !== null && !screen(child, depth + 1)) return false;
    } else if (typeof child === 'number' && unsafeNumber(child)) return false;
  }
  return true;
}

// Non-finite, or an integer beyond ±(2^53 − 1): a literal JSON.parse may have rounded.
const unsafeNumber = (number: number): boolean =>
  !Number.isSafeInteger(number) && (Number.isInteger(number) || !Number.isFinite(number));

/**
 * Nesting depth of a value (a scalar is 0, `{}` and `[]` are 1); stops counting past `limit`, so
 * deep input cannot overflow the stack.
 *
 * @example nestingDepth({ a: [1] }, 256) // 2
 */
export function nestingDepth(value: unknown, limit: number): number {
  const walk = newWalk({ strings: false }, limit, Number.POSITIVE_INFINITY);
  visit(walk, value, 0);
  return walk.depth;
}

type Foreign = { description: string; pointer: string };

type Walk = {
  depth: number;
  values: number;
  foreign: Foreign[];
  // path[level] is the key or index of the node being visited at that level + 1 (no push/pop per child)
  path: Array<string | number>;
  maxDepth: number;
  maxValues: number;
  strings: boolean;
  describe: ((node: object) => string | undefined) | undefined;
};

const newWalk = (options: JsonModelOptions, maxDepth: number, maxValues: number): Walk => ({
  depth: 0,
  values: 0,
  foreign: [],
  path: [],
  maxDepth,
  maxValues,
  strings: options.strings,
  describe: options.describe,
});

// Returned when a bound is broken: the walk stops.
const STOP = Symbol('stop');

// The JSON-model form of `node` (itself when it is one), or STOP. `level`: the containers above it.
function visit(walk: Walk, node: unknown, level: number): unknown {
  if (++walk.values > walk.maxValues) return STOP;
  switch (typeof node) {
    case 'string':
      if (walk.strings && !wellFormedText(node)) addForeign(walk, level, LONE_SURROGATE);
      return node;
    case 'boolean':
      return node;
    case 'number':
      if (!Number.isFinite(node)) addForeign(walk, level, `${node} has no JSON representation`);
      return node;
    case 'bigint':
      if (node <= MAX_SAFE && node >= -MAX_SAFE) return Number(node);
      addForeign(
        walk,
        level,
        `the integer ${node} is beyond ±(2^53 − 1) and would lose precision; send it as a string`,
      );
      return node;
    case 'object':
      if (node === null) return node;
      break;
    case 'undefined':
      addForeign(walk, level, 'undefined has no JSON representation; send null or leave the member out');
      return node;
    default:
      addForeign(walk, level, `a ${typeof node} has no JSON representation`);
      return node;
  }
  if (level >= walk.depth) {
    walk.depth = level + 1;
    if (walk.depth > walk.maxDepth) return STOP;
  }
  if (Array.isArray(node)) {
    for (let index = 0; index < node.length; index++) {
      const child: unknown = node[index];
      walk.path[level] = index;
      const mapped = visit(walk, child, level + 1);
      if (mapped === STOP) return STOP;
      if (mapped !== child) node[index] = mapped;
    }
    return node;
  }
  const prototype = Object.getPrototypeOf(node);
  if (prototype !== Object.prototype && prototype !== null) return special(walk, node as object, level);
  const object = node as Record<string, unknown>;
  for (const key in object) {
    if (!Object.hasOwn(object, key)) continue;
    walk.path[level] = key;
    if (walk.strings && !wellFormedText(key)) addForeign(walk, level + 1, LONE_SURROGATE);
    const child = object[key];
    const mapped = visit(walk, child, level + 1);
    if (mapped === STOP) return STOP;
    if (mapped !== child) object[key] = mapped;
  }
  return node;
}

// An object that is not a plain object or array: a date becomes its ISO string, the rest is refused.
function special(walk: Walk, node: object, level: number): unknown {
  if (node instanceof Date) {
    if (!Number.isNaN(node.getTime())) return node.toISOString();
    addForeign(walk, level, 'a date beyond ±275760 years has no ISO 8601 representation');
  } else if (node instanceof Unrepresentable) addForeign(walk, level, node.description);
  else if (node instanceof Uint8Array)
    addForeign(walk, level, 'a byte string has no JSON representation; send binary data as base64 text');
  else if (node instanceof Map)
    addForeign(walk, level, 'a map whose keys are not all text strings has no JSON representation');
  else {
    const name = walk.describe?.(node) ?? `a ${node.constructor?.name ?? 'non-plain object'}`;
    addForeign(walk, level, `${name} is not read here`);
  }
  return node;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

// A string with half a surrogate pair: JSON's escapes can spell one ("\ud800"), but it is no Unicode
// text, and UTF-8 (MessagePack str, CBOR text, Protobuf string) cannot carry it — an answer or a
// conversion would silently turn it into U+FFFD. I-JSON (RFC 7493 §2.1) forbids them.
const LONE_SURROGATE =
  'a string with a lone surrogate (half of a UTF-16 pair, \\ud800–\\udfff) is no Unicode text, and UTF-8 formats cannot carry it; send well-formed text (RFC 7493 §2.1)';

function addForeign(walk: Walk, level: number, description: string): void {
  let pointer = '';
  for (let i = 0; i < level; i++) pointer += `/${String(walk.path[i]).replaceAll('~', '~0').replaceAll('/', '~1')}`;
  walk.foreign.push({ description, pointer });
}

function foreignValues(foreign: readonly Foreign[]): MalformedInputError {
  // Stored or answered as JSON they would turn into null or {} without a word.
  const listed: FieldProblem[] = foreign
    .slice(0, MAX_PROBLEM_ERRORS)
    .map(({ pointer, description }) => ({ pointer, message: description, keyword: 'jsonValue' }));
  const rest = { pointer: '', message: 'has no JSON representation', keyword: 'jsonValue' };
  return new MalformedInputError(
    `The body holds ${foreign.length} value(s) that JSON cannot represent (NaN, Infinity, undefined, byte strings, tags, integers beyond ±(2^53 − 1), lone surrogates, YAML !!set…)`,
    [...listed, ...Array<FieldProblem>(foreign.length - listed.length).fill(rest)],
  );
}

type WellFormed = { isWellFormed(): boolean; toWellFormed(): string };
const wellFormedText = (text: string): boolean => (text as unknown as WellFormed).isWellFormed();
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
// arrays (no toJSON method, no undefined or functions), finite numbers other than -0, well-formed
// strings and keys. Own enumerable keys only, as JSON.stringify reads them.
function isPlainJson(value: unknown, level: number): boolean {
  if (typeof value === 'string') return (value as unknown as WellFormed).isWellFormed();
  if (typeof value === 'number') return Number.isFinite(value) && (value !== 0 || 1 / value > 0); // JSON writes -0 as 0
  if (typeof value === 'boolean') return true;
  if (typeof value !== 'object') return false;
  if (value === null) return true;
  if (level > MAX_BODY_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      if (!isPlainJson(value[index], level + 1)) return false;
    }
    return true;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  const keys = Object.keys(value);
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index] as string;
    if (!(key as unknown as WellFormed).isWellFormed()) return false;
    if (!isPlainJson((value as Record<string, unknown>)[key], level + 1)) return false;
  }
  return true;
}
