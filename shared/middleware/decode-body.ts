import { type FieldProblem, InputTooLargeError, MalformedInputError } from '../domain/errors';
import { type Codec, Unrepresentable } from '../http/codecs/codec';
import { MAX_BODY_DEPTH, MAX_BODY_VALUES } from '../http/codecs/limits';
import { parseMediaType } from '../http/codecs/registry';
import { UnsupportedMediaTypeError } from '../http/errors';
import type { HttpContext, HttpMiddleware } from '../http/pipeline';
import { MAX_PROBLEM_ERRORS } from '../http/problem';

export { MAX_BODY_DEPTH, MAX_BODY_VALUES };

/**
 * Decodes the request body through the codec registry by its `Content-Type`: 413 over
 * `maxBodyBytes`, 415 for a body without `Content-Type` (never guessed to be JSON: a browser form or
 * `sendBeacon` sends one without it, and an API that reads it anyway can be posted to from any
 * page; issue 11), for a media type the route does not offer or a charset other than
 * UTF-8 on a text format, 400 for bytes that are not valid in the format, a value nested deeper
 * than {@link MAX_BODY_DEPTH} or larger than {@link MAX_BODY_VALUES}, or values JSON cannot
 * represent (each named by its pointer). Raw-body routes (the mesh
 * relay) get the bytes as a Buffer, and need a `Content-Type` too (any media type: it is the
 * upstream's to judge). An empty body needs none. API Gateway hands bodies base64-encoded when `isBase64Encoded`.
 *
 * @throws {InputTooLargeError} | {UnsupportedMediaTypeError} | {MalformedInputError}
 */
export function decodeBody(): HttpMiddleware {
  return async (context, next) => {
    const bytes = bodyBytes(context);
    if (bytes === undefined) return next();
    if (bytes.byteLength > 0) requireContentType(context);
    if (context.route?.request?.rawBody) {
      context.body = bytes;
      return next();
    }
    if (bytes.byteLength === 0) return next();
    const offered = context.codecs.offeredBy(context.route?.formats);
    const codec = codecFor(context, offered);
    context.body = bounded(await decodeWith(codec, bytes));
    return next();
  };
}

function bodyBytes(context: HttpContext): Buffer | undefined {
  const { body, isBase64Encoded } = context.event;
  if (body === null || body === undefined) return undefined;
  const bytes = Buffer.from(body, isBase64Encoded ? 'base64' : 'utf8');
  if (bytes.byteLength > context.maxBodyBytes) {
    throw new InputTooLargeError(
      `The body is ${bytes.byteLength} bytes; this API accepts at most ${context.maxBodyBytes} bytes`,
    );
  }
  return bytes;
}

function requireContentType(context: HttpContext): void {
  if ((context.headers['content-type'] ?? '').trim() !== '') return;
  const accepted = context.route?.request?.rawBody
    ? 'the media type of the bytes sent'
    : context.codecs
        .offeredBy(context.route?.formats)
        .map((codec) => codec.mediaTypes[0])
        .join(', ');
  throw new UnsupportedMediaTypeError(`The request has a body but no Content-Type; send one of ${accepted}`);
}

const ONE_MEDIA_TYPE = /^[!#$%&'*+.^_`|~0-9a-z-]+\/[!#$%&'*+.^_`|~0-9a-z-]+$/;

function codecFor(context: HttpContext, offered: readonly Codec[]): Codec {
  const { type, charset } = parseMediaType(context.headers['content-type'] ?? '');
  const accepted = offered.map((codec) => codec.mediaTypes[0]).join(', ');
  if (!ONE_MEDIA_TYPE.test(type)) {
    // Empty, or several Content-Type headers joined with ", " (never read as the one whose suffix matches).
    throw new UnsupportedMediaTypeError(`Content-Type "${type}" is not one media type; send one of ${accepted}`);
  }
  const codec = context.codecs.forMediaType(type, offered);
  if (!codec) throw new UnsupportedMediaTypeError(`Content-Type ${type} is not accepted here; send one of ${accepted}`);
  if (codec.text && charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    // Decoding another charset as UTF-8 would corrupt text silently.
    throw new UnsupportedMediaTypeError(`charset=${charset} is not accepted; send the body as UTF-8`);
  }
  return codec;
}

async function decodeWith(codec: Codec, bytes: Buffer): Promise<unknown> {
  try {
    return await codec.decode(bytes);
  } catch (error) {
    // A parser that recurses per nesting level overflows the stack on very deep input: say so
    // without passing the engine's own message on.
    // (the yaml package reports the overflow as a parse error carrying V8's message).
    const raw = (error as Error).message;
    const message =
      error instanceof RangeError || /maximum call stack/i.test(raw)
        ? `nests deeper than the ${codec.label} parser reads`
        : raw;
    throw new MalformedInputError(`The body is not valid ${codec.label}: ${message}`, [{ pointer: '/body', message }]);
  }
}

function bounded(value: unknown): unknown {
  const { depth, values, foreign } = measure(value, MAX_BODY_DEPTH, MAX_BODY_VALUES);
  if (depth > MAX_BODY_DEPTH) {
    throw new MalformedInputError(`The body nests arrays and objects deeper than ${MAX_BODY_DEPTH} levels`, [
      { pointer: '', message: `nesting deeper than ${MAX_BODY_DEPTH} levels`, keyword: 'maxDepth' },
    ]);
  }
  if (values > MAX_BODY_VALUES) {
    throw new MalformedInputError(`The body expands to more than ${MAX_BODY_VALUES} values (YAML aliases?)`, [
      { pointer: '', message: `more than ${MAX_BODY_VALUES} values once aliases are expanded`, keyword: 'maxValues' },
    ]);
  }
  if (foreign.length > 0) {
    // Stored or answered as JSON they would turn into null or {} without a word.
    const listed = foreign.slice(0, MAX_PROBLEM_ERRORS).map((frame) => ({
      pointer: pointerOf(frame),
      message:
        frame.node instanceof Unrepresentable
          ? frame.node.description
          : `${describeForeign(frame.node)} has no JSON representation`,
      keyword: 'jsonValue',
    }));
    const rest = { pointer: '', message: 'has no JSON representation', keyword: 'jsonValue' };
    throw new MalformedInputError(
      `The body holds ${foreign.length} value(s) that JSON cannot represent (NaN, Infinity, undefined, byte strings, tags, integers beyond ±(2^53 − 1), YAML !!set…)`,
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

type Frame = { node: unknown; level: number; parent?: Frame; key?: string };

// Depth, value count and the values JSON cannot represent, in one iterative walk (an alias-expanded
// YAML value is a DAG: shared nodes are counted each time they occur, which is what validating or
// storing it costs).
function measure(
  value: unknown,
  maxDepth: number,
  maxValues: number,
): { depth: number; values: number; foreign: Frame[] } {
  let depth = 0;
  let values = 0;
  const foreign: Frame[] = [];
  const stack: Frame[] = [{ node: value, level: 0 }];
  while (stack.length > 0) {
    const frame = stack.pop() as Frame;
    const { node, level } = frame;
    values += 1;
    if (values > maxValues) break;
    if (!isJsonValue(node)) {
      foreign.push(frame);
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    if (level + 1 > depth) depth = level + 1;
    if (depth > maxDepth) break;
    for (const [key, child] of Object.entries(node)) stack.push({ node: child, level: level + 1, parent: frame, key });
  }
  return { depth, values, foreign };
}

// What JSON.parse can produce, except the Infinity of a number beyond ±1.8e308.
function isJsonValue(node: unknown): boolean {
  switch (typeof node) {
    case 'bigint':
      return false;
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(node);
    case 'object': {
      if (node === null || Array.isArray(node)) return true;
      const prototype = Object.getPrototypeOf(node);
      return prototype === Object.prototype || prototype === null;
    }
    default:
      return false;
  }
}

function describeForeign(node: unknown): string {
  if (typeof node === 'number' || typeof node === 'bigint') return String(node);
  if (typeof node === 'object' && node !== null) return `a ${node.constructor?.name ?? 'non-plain object'}`;
  return `a ${typeof node}`;
}

// RFC 6901 pointer of a frame, from the body's root.
function pointerOf(frame: Frame): string {
  const keys: string[] = [];
  for (let at: Frame | undefined = frame; at?.parent; at = at.parent) {
    keys.push((at.key as string).replaceAll('~', '~0').replaceAll('/', '~1'));
  }
  return keys
    .reverse()
    .map((key) => `/${key}`)
    .join('');
}
