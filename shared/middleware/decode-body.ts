import { InputTooLargeError } from '../domain/errors';
import type { Codec } from '../http/codecs/codec';
import { decodeStrict } from '../http/codecs/decode-strict';
import { MAX_BODY_DEPTH, MAX_BODY_VALUES } from '../http/codecs/limits';
import { parseMediaType } from '../http/codecs/registry';
import { UnsupportedMediaTypeError } from '../http/errors';
import type { HttpContext, HttpMiddleware } from '../http/pipeline';

export { nestingDepth } from '../http/codecs/json-model';
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
    context.body = await decodeStrict(codec, bytes);
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
