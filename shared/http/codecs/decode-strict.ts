import { MalformedInputError } from '../../domain/errors';
import type { Codec } from './codec';
import type { CodecRegistry } from './registry';

/**
 * Decodes `bytes` with `codec` into JSON's data model, strictly: bytes that are not valid in the
 * format, nesting deeper than MAX_BODY_DEPTH, more than MAX_BODY_VALUES values, and values JSON
 * cannot represent (NaN, byte strings, integers beyond ±(2^53 − 1)…, each named by its RFC 6901
 * pointer below `pointerPrefix`) are refused, never rounded or dropped. Each codec checks what its
 * format can hold (`checkJsonModel`, see {@link Codec.decode}). The request pipeline (`decodeBody`),
 * the format conversions of the mesh and the transformation pipeline all decode through here.
 *
 * Synchronous when the codec is (JSON, YAML, and the binary codecs once their library is loaded):
 * callers `await` the result, which costs nothing extra then — a promise per body cost as much as
 * parsing a small one. While a codec's library is still loading, the answer is a promise.
 *
 * @param pointerPrefix - where the decoded value sits in the caller's terms (`''`: the request body itself)
 * @returns the decoded value, or a promise of it while the codec loads its library
 * @throws {MalformedInputError} with one `errors[]` entry per problem (thrown, or the promise rejected)
 */
export function decodeStrict(codec: Codec, bytes: Buffer, pointerPrefix = ''): unknown {
  let decoded: unknown;
  try {
    decoded = codec.decode(bytes);
  } catch (error) {
    throw decodeFailure(codec, error, pointerPrefix);
  }
  if (decoded instanceof Promise) {
    return decoded.catch((error: unknown) => {
      throw decodeFailure(codec, error, pointerPrefix);
    });
  }
  return decoded;
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

// The codec's own refusal of values, re-pointed below the prefix; anything else: the bytes are not
// valid in the format.
function decodeFailure(codec: Codec, error: unknown, prefix: string): MalformedInputError {
  if (error instanceof MalformedInputError) {
    if (prefix === '') return error;
    return new MalformedInputError(
      error.message,
      error.problems.map((problem) => ({ ...problem, pointer: prefix + problem.pointer })),
    );
  }
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
