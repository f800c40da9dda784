import type { Codec } from './codec';
import { checkJsonModel, jsonAnswer } from './json-model';
import { MAX_BODY_VALUES } from './limits';
import { checkMsgpackStructure, type MsgpackContents } from './msgpack-structure';

type MsgpackLibrary = typeof import('@msgpack/msgpack');

// Loaded on first use: a function that never sees MessagePack does not evaluate the library at init.
let library: Promise<MsgpackLibrary> | undefined;
const load = (): Promise<MsgpackLibrary> => {
  library ??= import('@msgpack/msgpack');
  return library;
};

/**
 * MessagePack (`application/msgpack`, and the older `application/x-msgpack`), binary, offered on
 * every route. Decoded into JSON's data model (`checkJsonModel`), refusing rather than rounding:
 * - int 64 / uint 64 within ±(2^53 − 1) are numbers; beyond, they are refused with their pointer
 *   (400) — never rounded to the nearest double (the header walk finds them; only then is the
 *   body read with bigints);
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
  decode: (bytes) => (ready ? decodeWith(ready, bytes) : loaded().then((decoders) => decodeWith(decoders, bytes))),
  encode: (value) =>
    ready ? encodeWith(ready.encoder, value) : loaded().then(({ encoder }) => encodeWith(encoder, value)),
};

type Decoder = InstanceType<MsgpackLibrary['Decoder']>;
// `decoder` reads integers as numbers (exact within ±(2^53 − 1)), `wideDecoder` reads int 64 / uint 64 as bigints.
type Ready = { decoder: Decoder; wideDecoder: Decoder; encoder: InstanceType<MsgpackLibrary['Encoder']> };

function decodeWith({ decoder, wideDecoder }: Ready, bytes: Buffer): unknown {
  let value: unknown;
  let contents: MsgpackContents;
  try {
    // Declared lengths against the bytes that follow, nesting, value count and UTF-8, before the decoder allocates.
    contents = checkMsgpackStructure(bytes);
    // A 64-bit integer beyond 2^53 is read as a bigint, for the check to refuse it with its pointer.
    value = (contents === 'wide' ? wideDecoder : decoder).decode(bytes);
  } catch (error) {
    throw new Error(readerMessage(error as Error));
  }
  // Bounds and UTF-8 are checked: a body of JSON values needs no second walk; one with bigints,
  // floats that may be NaN, bin or ext is mapped and checked (no lone surrogate can arrive).
  return contents === 'json' ? value : checkJsonModel(value, { strings: false, describe: describeExtension });
}

const describeExtension = (node: object): string | undefined =>
  'type' in node && 'data' in node ? `a MessagePack extension of type ${String(node.type)}` : undefined;

// The encoder's bytes as a Buffer, without copying them.
const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

// Through JSON's model first, so every format answers the same value.
// `encode` copies the bytes out of the encoder's reused buffer.
const encodeWith = (encoder: Ready['encoder'], value: unknown): Buffer => asBuffer(encoder.encode(jsonAnswer(value)));

// One decoder for every body (decoding is synchronous, so calls never interleave): building one
// per body cost more than decoding a small one. The structure walk has already held every declared
// length to the bytes of the body at hand; the value cap stays as a second guard.
let ready: Ready | undefined;
let loading: Promise<Ready> | undefined;
const loaded = (): Promise<Ready> => {
  loading ??= load().then(({ Decoder, Encoder }) => {
    const options = { maxArrayLength: MAX_BODY_VALUES, maxMapLength: MAX_BODY_VALUES, mapKeyConverter: textKey };
    ready = {
      decoder: new Decoder<undefined>(options),
      wideDecoder: new Decoder<undefined>({ ...options, useBigInt64: true }),
      encoder: new Encoder(),
    };
    return ready;
  });
  return loading;
};

function textKey(key: unknown): string {
  if (typeof key !== 'string') throw new Error(`a map key is ${typeof key}; keys must be strings`);
  return key;
}

// The library's RangeErrors carry DataView wording; a reader needs to know the body ends early.
function readerMessage(error: Error): string {
  if (error instanceof RangeError && /Insufficient data|outside the bounds/.test(error.message)) {
    return 'the body ends before the values it declares are complete';
  }
  return error.message;
}
