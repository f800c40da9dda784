import { isUtf8 } from 'node:buffer';
import type { Codec } from './codec';
import { jsonAnswer, toJsonModel } from './json-model';
import { MAX_BODY_VALUES } from './limits';
import { checkMsgpackStructure } from './msgpack-structure';

type MsgpackLibrary = typeof import('@msgpack/msgpack');

// Loaded on first use: a function that never sees MessagePack does not evaluate the library at init.
let library: Promise<MsgpackLibrary> | undefined;
const load = (): Promise<MsgpackLibrary> => {
  library ??= import('@msgpack/msgpack');
  return library;
};

/**
 * MessagePack (`application/msgpack`, and the older `application/x-msgpack`), binary, offered on
 * every route. Decoded into JSON's data model (`toJsonModel`), refusing rather than rounding:
 * - int 64 / uint 64 are read as bigints: within ±(2^53 − 1) they become numbers, beyond they are
 *   refused with their pointer (400) — never rounded to the nearest double;
 * - NaN and ±Infinity (float 32/64) are refused with their pointer; nil is null;
 * - bin (byte strings) and extension types are refused with their pointer; the timestamp extension
 *   (type −1) becomes its ISO 8601 string (UTC, millisecond precision: nanoseconds are truncated);
 * - map keys must be strings (a number key is refused, not turned into text); `__proto__` is refused;
 * - a str that is not valid UTF-8 is refused (the library would replace the bytes with U+FFFD).
 * Bounded like JSON: the body's size by the pipeline; before the decoder runs, its headers are
 * walked (`checkMsgpackStructure`) so that every declared length (str, bin, ext) and the elements
 * all open arrays and maps declare are held to the bytes the body holds, nesting to MAX_BODY_DEPTH
 * and the values to {@link MAX_BODY_VALUES}: a header claiming 2^32 elements, or thousands of nested
 * headers each claiming 65,535, are refused before anything is allocated. Answers are the JSON value
 * (`jsonAnswer`: lone surrogates become U+FFFD) encoded, integers as MessagePack ints, other
 * numbers as float 64.
 */
export const msgpackCodec: Codec = {
  name: 'msgpack',
  label: 'MessagePack',
  mediaTypes: ['application/msgpack', 'application/x-msgpack'],
  everyRoute: true,
  text: false,
  // Synchronous once the library is loaded: a promise per body would cost as much as decoding a small one.
  decode: (bytes) =>
    ready ? decodeWith(ready.decoder, bytes) : loaded().then(({ decoder }) => decodeWith(decoder, bytes)),
  encode: (value) =>
    ready ? encodeWith(ready.encode, value) : loaded().then(({ encode }) => encodeWith(encode, value)),
};

type Ready = { decoder: InstanceType<MsgpackLibrary['Decoder']>; encode: MsgpackLibrary['encode'] };

function decodeWith(decoder: Ready['decoder'], bytes: Buffer): unknown {
  let value: unknown;
  try {
    // Declared lengths against the bytes that follow, nesting and value count, before the decoder allocates.
    checkMsgpackStructure(bytes);
    value = decoder.decode(bytes);
  } catch (error) {
    throw new Error(readerMessage(error as Error));
  }
  return toJsonModel(value, (node) =>
    'type' in node && 'data' in node ? `a MessagePack extension of type ${String(node.type)}` : undefined,
  );
}

// Through JSON's model first, so every format answers the same value.
const encodeWith = (encode: Ready['encode'], value: unknown): Buffer => Buffer.from(encode(jsonAnswer(value)));

// One decoder for every body (decoding is synchronous, so calls never interleave): building one
// per body cost more than decoding a small one. The structure walk has already held every declared
// length to the bytes of the body at hand; the value cap stays as a second guard.
let ready: Ready | undefined;
let loading: Promise<Ready> | undefined;
const loaded = (): Promise<Ready> => {
  loading ??= load().then(({ Decoder, encode }) => {
    const decoder = new Decoder({
      useBigInt64: true,
      maxArrayLength: MAX_BODY_VALUES,
      maxMapLength: MAX_BODY_VALUES,
      mapKeyConverter: textKey,
    });
    strictUtf8Strings(decoder);
    ready = { decoder, encode };
    return ready;
  });
  return loading;
};

function textKey(key: unknown): string {
  if (typeof key !== 'string') throw new Error(`a map key is ${typeof key}; keys must be strings`);
  return key;
}

type LenientDecoder = {
  bytes: Uint8Array;
  pos: number;
  decodeUtf8String(byteLength: number, headerOffset: number): string;
};

// @msgpack/msgpack decodes str leniently (invalid UTF-8 → U+FFFD, or Latin-1-like characters in
// its JavaScript decoder for short strings), which would change the body silently: the bytes just
// read are checked with Node's native UTF-8 validator.
// (Reaches into the decoder's internals: the version is pinned, and a test sends invalid UTF-8.)
function strictUtf8Strings(decoder: object): void {
  const internal = decoder as LenientDecoder;
  const lenient = internal.decodeUtf8String;
  internal.decodeUtf8String = function strict(this: LenientDecoder, byteLength, headerOffset) {
    const text = lenient.call(this, byteLength, headerOffset);
    if (!isUtf8(this.bytes.subarray(this.pos - byteLength, this.pos))) throw new Error('a str is not valid UTF-8');
    return text;
  };
}

// The library's RangeErrors carry DataView wording; a reader needs to know the body ends early.
function readerMessage(error: Error): string {
  if (error instanceof RangeError && /Insufficient data|outside the bounds/.test(error.message)) {
    return 'the body ends before the values it declares are complete';
  }
  return error.message;
}
