import { NotAcceptableError } from '../http/errors';
import type { HttpMiddleware } from '../http/pipeline';

/**
 * Content negotiation of the answer (RFC 9110 §12.5.1), as middy's http-content-negotiation and
 * http-response-serializer do together: before the operation runs, picks the codec from `Accept`
 * among those the route offers (406 when none is acceptable, so no work is done for an answer the
 * client cannot read); after, encodes the operation's `body` with it and labels the answer with
 * `Content-Type` and `Vary: Accept`. Raw-body routes (the mesh relay) answer the upstream's bytes
 * as they are and are not negotiated; a route that `produces` one media type answers it when
 * `Accept` allows it. A JSON answer (`application/json`, any `+json` type) ends with a newline, as
 * a text file does, so `curl` output and shell prompts stay on their own lines.
 *
 * @throws {NotAcceptableError} naming the media types the route can produce
 */
export function encodeResponse(): HttpMiddleware {
  return async (context, next) => {
    if (context.route?.request?.rawBody) return next();
    const produces = context.route?.produces;
    if (produces !== undefined) {
      if (!context.codecs.accepts(context.headers.accept, produces)) {
        throw new NotAcceptableError(`This route answers ${produces} only; Accept does not allow it`, [produces]);
      }
      return next();
    }
    const offered = context.codecs.offeredBy(context.route?.formats);
    const chosen = context.codecs.negotiate(context.headers.accept, offered);
    if (!chosen) {
      const available = offered.map((codec) => codec.mediaTypes[0] as string);
      throw new NotAcceptableError(
        `None of the media types in Accept can be produced here; available: ${available.join(', ')}`,
        available,
      );
    }
    context.response = chosen;
    const result = await next();
    if (result.rawBody !== undefined || result.body === undefined) return result;
    const encoded = await chosen.codec.encode(result.body);
    const text = typeof encoded === 'string' && chosen.codec.name === 'json' ? `${encoded}\n` : encoded;
    const headers = {
      'content-type': chosen.codec.text ? `${chosen.mediaType}` : chosen.mediaType,
      ...(offered.length > 1 && { vary: 'accept' }),
      ...result.headers,
    };
    return typeof text === 'string'
      ? { status: result.status, headers, body: text }
      : { status: result.status, headers, rawBody: text };
  };
}
