import { type FieldProblem, MalformedInputError } from '../../domain/errors';
import { MAX_PROBLEM_ERRORS } from '../problem';
import { type Codec, Unrepresentable } from './codec';
import { MAX_BODY_DEPTH, MAX_BODY_VALUES } from './limits';
import type { CodecRegistry } from './registry';

/**
 * Decodes `bytes` with `codec` into JSON's data model, strictly: bytes that are not valid in the
 * format, nesting deeper than {@link MAX_BODY_DEPTH}, more than {@link MAX_BODY_VALUES} values, and
 * values JSON cannot represent (NaN, byte strings, integers beyond ±(2^53 − 1)… each named by its
 * RFC 6901 pointer, below `pointerPrefix`) are refused, never rounded or dropped. The request
 * pipeline (`decodeBody`), the format conversions of the mesh and the transformation pipeline all
 * decode through here.
 *
 * @param pointerPrefix - where the decoded value sits in the caller's terms (`''`: the request body itself)
 * @throws {MalformedInputError} with one `errors[]` entry per problem
 */
export function decodeStrict(codec: Codec, bytes: Buffer, pointerPrefix = ''): Promise<unknown> {
  // No await when the codec decodes synchronously (JSON, YAML, and the binary codecs once loaded):
  // a promise per layer cost as much as parsing a small body.
  let decoded: unknown;
  try {
    decoded = codec.decode(bytes);
  } catch (error) {
    return Promise.reject(decodeFailure(codec, error, pointerPrefix));
  }
  if (decoded instanceof Promise) {
    return decoded.then(
      (value: unknown) => bounded(value, pointerPrefix),
      (error: unknown) => {
        throw decodeFailure(codec, error, pointerPrefix);
      },
    );
  }
  try {
    return Promise.resolve(bounded(decoded, pointerPrefix));
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Converts a body from one format of the registry to another through JSON's data model (the hub):
 * decoded strictly ({@link decodeStrict}), then encoded by the target codec. The same media type on
 * both sides returns the bytes untouched.
 *
 * @param from - the media type of `bytes` (parameters ignored), e.g. `application/cbor`
 * @param to - the media type wanted, e.g. `application/msgpack`
 * @returns the converted bytes and the media type they are labelled with (the target codec's first)
 * @throws {MalformedInputError} when `bytes` are not valid in `from` or hold values JSON cannot represent
 * @throws {Error} when `from` or `to` is not a format of `registry` (check with `registry.forMediaType` first)
 */
export async function transcode(
  registry: CodecRegistry,
  bytes: Buffer,
  from: string,
  to: string,
  pointerPrefix = '',
): Promise<{ bytes: Buffer; mediaType: string }> {
  const source = registry.forMediaType(from, registry.codecs);
  const target = registry.forMediaType(to, registry.codecs);
  if (!source || !target) throw new Error(`No codec converts ${from} to ${to}`);
  if (source === target) return { bytes, mediaType: to };
  const encoded = await target.encode(await decodeStrict(source, bytes, pointerPrefix));
  return {
    bytes: typeof encoded === 'string' ? Buffer.from(encoded, 'utf8') : encoded,
    mediaType: target.mediaTypes[0] as string,
  };
}

function decodeFailure(codec: Codec, error: unknown, prefix: string): MalformedInputError {
  // A parser that recurses per nesting level overflows the stack on very deep input: say so
  // without passing the engine's own message on.
  // (the yaml package reports the overflow as a parse error carrying V8's message).
  const raw = (error as Error).message;
  const message =
    error instanceof RangeError || /maximum call stack/i.test(raw)
      ? `nests deeper than the ${codec.label} parser reads`
      : raw;
  return new MalformedInputError(`The body is not valid ${codec.label}: ${message}`, [
    { pointer: prefix === '' ? '/body' : prefix, message },
  ]);
}

function bounded(value: unknown, prefix: string): unknown {
  const { depth, values, foreign } = measure(value, MAX_BODY_DEPTH, MAX_BODY_VALUES);
  if (depth > MAX_BODY_DEPTH) {
    throw new MalformedInputError(`The body nests arrays and objects deeper than ${MAX_BODY_DEPTH} levels`, [
      { pointer: prefix, message: `nesting deeper than ${MAX_BODY_DEPTH} levels`, keyword: 'maxDepth' },
    ]);
  }
  if (values > MAX_BODY_VALUES) {
    throw new MalformedInputError(`The body expands to more than ${MAX_BODY_VALUES} values (YAML aliases?)`, [
      {
        pointer: prefix,
        message: `more than ${MAX_BODY_VALUES} values once aliases are expanded`,
        keyword: 'maxValues',
      },
    ]);
  }
  if (foreign.length > 0) {
    // Stored or answered as JSON they would turn into null or {} without a word.
    const listed = foreign.slice(0, MAX_PROBLEM_ERRORS).map((frame) => ({
      pointer: prefix + frame.pointer,
      message:
        frame.node instanceof Unrepresentable
          ? frame.node.description
          : `${describeForeign(frame.node)} has no JSON representation`,
      keyword: 'jsonValue',
    }));
    const rest = { pointer: prefix, message: 'has no JSON representation', keyword: 'jsonValue' };
    throw new MalformedInputError(
      `The body holds ${foreign.length} value(s) that JSON cannot represent (NaN, Infinity, undefined, byte strings, tags, integers beyond ±(2^53 − 1), lone surrogates, YAML !!set…)`,
      [...listed, ...Array<FieldProblem>(foreign.length - listed.length).fill(rest)],
    );
  }
  return value;
}

/**
 * Nesting depth of a value (a scalar is 0, `{}` and `[]` are 1), computed iteratively so that deep
 * input cannot overflow the stack; stops counting past `limit`.
 *
 * @example nestingDepth({ a: [1] }, 256) // 2
 */
export function nestingDepth(value: unknown, limit: number): number {
  return measure(value, limit, Number.POSITIVE_INFINITY).depth;
}

type Foreign = { node: unknown; pointer: string };

type Walk = { depth: number; values: number; foreign: Foreign[]; path: string[]; maxDepth: number; maxValues: number };

// Depth, value count and the values JSON cannot represent, in one walk in document order (an
// alias-expanded YAML value is a DAG: shared nodes are counted each time they occur, which is what
// validating or storing it costs). Recursive, but never deeper than maxDepth + 1 calls: input nested
// deeper stops the walk there, so deep input cannot overflow the stack. Keys are kept as a path and
// turned into a pointer only for a foreign value.
function measure(
  value: unknown,
  maxDepth: number,
  maxValues: number,
): { depth: number; values: number; foreign: Foreign[] } {
  const walk: Walk = { depth: 0, values: 0, foreign: [], path: [], maxDepth, maxValues };
  visit(walk, value, 0);
  return walk;
}

// false: a bound is broken, stop.
type WellFormed = { isWellFormed(): boolean }; // ES2024, in Node ≥ 20; the lib here is ES2023
const wellFormed = (text: string): boolean => (text as unknown as WellFormed).isWellFormed();

// A string with half a surrogate pair: JSON's escapes can spell one ("\ud800"), but it is no Unicode
// text, and UTF-8 (MessagePack str, CBOR text, Protobuf string) cannot carry it — an answer or a
// conversion would silently turn it into U+FFFD. I-JSON (RFC 7493 §2.1) forbids them.
const LONE_SURROGATE = new Unrepresentable(
  'a string with a lone surrogate (half of a UTF-16 pair, \\ud800–\\udfff) is no Unicode text, and UTF-8 formats cannot carry it; send well-formed text (RFC 7493 §2.1)',
);

function foreignString(walk: Walk, key: string): void {
  walk.path.push(key);
  walk.foreign.push({ node: LONE_SURROGATE, pointer: toPointer(walk.path) });
  walk.path.pop();
}

function visit(walk: Walk, node: unknown, level: number): boolean {
  if (++walk.values > walk.maxValues) return false;
  if (typeof node !== 'object' || node === null) {
    if (typeof node === 'string' && !wellFormed(node)) {
      walk.foreign.push({ node: LONE_SURROGATE, pointer: toPointer(walk.path) });
      return true;
    }
    if (typeof node === 'string' || typeof node === 'boolean' || node === null) return true;
    if (typeof node === 'number' && Number.isFinite(node)) return true;
    walk.foreign.push({ node, pointer: toPointer(walk.path) });
    return true;
  }
  if (level + 1 > walk.depth) {
    walk.depth = level + 1;
    if (walk.depth > walk.maxDepth) return false;
  }
  if (Array.isArray(node)) {
    for (let index = 0; index < node.length; index++) {
      const child = node[index];
      if (typeof child === 'string' || typeof child === 'boolean') {
        if (++walk.values > walk.maxValues) return false;
        if (typeof child === 'string' && !wellFormed(child)) foreignString(walk, String(index));
        continue;
      }
      walk.path.push(String(index));
      const more = visit(walk, child, level + 1);
      walk.path.pop();
      if (!more) return false;
    }
    return true;
  }
  const prototype = Object.getPrototypeOf(node);
  if (prototype !== Object.prototype && prototype !== null) {
    walk.foreign.push({ node, pointer: toPointer(walk.path) });
    return true;
  }
  for (const key in node) {
    if (!Object.hasOwn(node, key)) continue;
    const child = (node as Record<string, unknown>)[key];
    if (!wellFormed(key)) foreignString(walk, key);
    if (typeof child === 'string' || typeof child === 'boolean') {
      if (++walk.values > walk.maxValues) return false;
      if (typeof child === 'string' && !wellFormed(child)) foreignString(walk, key);
      continue;
    }
    walk.path.push(key);
    const more = visit(walk, child, level + 1);
    walk.path.pop();
    if (!more) return false;
  }
  return true;
}

function describeForeign(node: unknown): string {
  if (typeof node === 'number' || typeof node === 'bigint') return String(node);
  if (typeof node === 'object' && node !== null) return `a ${node.constructor?.name ?? 'non-plain object'}`;
  return `a ${typeof node}`;
}

// RFC 6901 pointer of a path of keys, from the body's root.
function toPointer(keys: readonly string[]): string {
  let pointer = '';
  for (const key of keys) pointer += `/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
  return pointer;
}
