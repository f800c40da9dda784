import type { TagDecoderMap } from 'cbor2';
import { checkCborStructure } from './cbor-structure';
import { type Codec, Unrepresentable } from './codec';
import { checkJsonModel, jsonAnswer } from './json-model';
import { MAX_BODY_DEPTH } from './limits';

type CborLibrary = typeof import('cbor2');

// Loaded on first use: a function that never sees CBOR does not evaluate the library at init.
let library: Promise<CborLibrary> | undefined;
let ready: CborLibrary | undefined;
const load = (): Promise<CborLibrary> => {
  library ??= import('cbor2').then((loaded) => {
    ready = loaded;
    return loaded;
  });
  return library;
};

/**
 * CBOR (`application/cbor`, RFC 8949), binary, offered on every route. Decoded into JSON's data
 * model (`checkJsonModel`), refusing rather than rounding:
 * - integers (major types 0/1) and bignums (tags 2/3) within ±(2^53 − 1) become numbers; beyond,
 *   they are refused with their pointer (400) — never rounded to the nearest double;
 * - NaN and ±Infinity (any float width) and `undefined` are refused with their pointer; null is null;
 * - byte strings, simple values other than true/false/null, and maps with a key that is not a text
 *   string are refused with their pointer;
 * - tags: 0 (date/time string) becomes its text as sent, 1 (epoch seconds) its ISO 8601 string (UTC,
 *   millisecond precision), 2/3 bignums as above, 55799 (self-described CBOR) is transparent;
 *   every other tag is refused with its pointer, naming the tag number;
 * - text strings must be valid UTF-8; indefinite-length items are read; for a key given twice the
 *   last value is kept, as `JSON.parse` does.
 * Bounded like JSON: the body's size by the pipeline; before the decoder runs, its structure is
 * walked (`checkCborStructure`) so that a declared length beyond the bytes the body holds (a map
 * claiming 2^60 entries in 12 bytes), a missing break, runaway nesting or a body whose values times
 * their depth would keep the decoder busy for seconds are refused at once; the exact nesting and
 * value bounds by `checkJsonModel`.
 * Answers are the JSON value (`jsonAnswer`: lone surrogates become U+FFFD) in CBOR's preferred
 * serialization (shortest exact float).
 */
export const cborCodec: Codec = {
  name: 'cbor',
  label: 'CBOR',
  mediaTypes: ['application/cbor'],
  everyRoute: true,
  text: false,
  // Synchronous once the library is loaded: a promise per body would cost as much as decoding a small one.
  decode: (bytes) => (ready ? decodeWith(ready, bytes) : load().then((library) => decodeWith(library, bytes))),
  encode: (value) => (ready ? encodeWith(ready, value) : load().then((library) => encodeWith(library, value))),
};

function decodeWith({ decode, Simple, Tag }: CborLibrary, bytes: Buffer): unknown {
  checkCborStructure(bytes);
  let value: unknown;
  try {
    // cbor2 counts two levels per array (one per map), and one more for the innermost item: this
    // bound stops runaway nesting early; checkJsonModel applies the exact MAX_BODY_DEPTH.
    value = decode(bytes, { maxDepth: 2 * MAX_BODY_DEPTH + 2, ignoreGlobalTags: true, tags: TAGS });
  } catch (error) {
    throw new Error(readerMessage(error as Error));
  }
  // Text strings are validated UTF-8 by cbor2: no lone surrogate can arrive.
  return checkJsonModel(value, { strings: false, describe: (node) => describeCbor(node, Tag, Simple) });
}

// The encoder's bytes as a Buffer, without copying them.
const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

function describeCbor(node: object, Tag: CborLibrary['Tag'], Simple: CborLibrary['Simple']): string | undefined {
  if (node instanceof Tag) return `CBOR tag ${String(node.tag)}`;
  if (node instanceof Simple) return `the CBOR simple value ${node.value}`;
  return undefined;
}

// Through JSON's model first, so every format answers the same value.
const encodeWith = ({ encode }: CborLibrary, value: unknown): Buffer => asBuffer(encode(jsonAnswer(value)));

const MAX_SAFE_BYTES = 7; // a bignum of more than 7 bytes exceeds 2^53 − 1 (unless zero-padded, refused anyway)

function bignum(contents: unknown, negative: boolean): unknown {
  if (!(contents instanceof Uint8Array)) return new Unrepresentable('tag 2/3 holds no byte string, so it is no bignum');
  if (contents.byteLength > MAX_SAFE_BYTES) {
    return new Unrepresentable(
      `an integer of ${contents.byteLength} bytes is beyond ±(2^53 − 1) and would lose precision; send it as a string`,
    );
  }
  const magnitude = BigInt(`0x${Buffer.from(contents).toString('hex') || '0'}`);
  return negative ? -1n - magnitude : magnitude;
}

// The tags read; any other stays a Tag and is refused by name. Global registrations are ignored so
// that another module registering a decoder cannot change what the API accepts.
const TAGS: TagDecoderMap = new Map([
  [
    0,
    (tag) =>
      typeof tag.contents === 'string'
        ? tag.contents
        : new Unrepresentable('tag 0 holds no text string, so it is no date/time'),
  ],
  [
    1,
    (tag) =>
      typeof tag.contents === 'number'
        ? new Date(tag.contents * 1000)
        : new Unrepresentable('tag 1 holds no number, so it is no epoch date/time'),
  ],
  [2, (tag) => bignum(tag.contents, false)],
  [3, (tag) => bignum(tag.contents, true)],
  [55799, (tag) => tag.contents],
]);

// The library's RangeErrors carry DataView wording; a reader needs to know the body ends early.
function readerMessage(error: Error): string {
  if (error instanceof RangeError && /outside the bounds/.test(error.message)) {
    return 'the body ends before the values it declares are complete';
  }
  if (/Unexpected end of stream/.test(error.message)) return 'the body ends before the values it declares are complete';
  if (/not valid for encoding utf-8/i.test(error.message)) return 'a text string is not valid UTF-8';
  return error.message;
}
