import * as z from 'zod';

/** Most media types one instance may declare in `supportedFormats`. */
export const MAX_SUPPORTED_FORMATS = 16;

/** `type/subtype` (RFC 9110 §8.3.1 tokens), no parameters. */
const MEDIA_TYPE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * An instance's `supportedFormats`: 1–16 distinct media types (`type/subtype`, no parameters),
 * preferred first, stored lower case. A format name such as `msgpack` (the seed's FormatNegotiator
 * spelling) is refused with the media type to send instead.
 */
export const SupportedFormatsSchema = z
  .array(
    z
      .string()
      .max(127)
      .regex(MEDIA_TYPE, 'must be a media type such as "application/msgpack" (type/subtype, without parameters)')
      // An instance reads concrete formats: a range ("*/*", "application/*") would claim formats it cannot read.
      .refine((type) => !type.includes('*'), 'must be one media type, not a range such as "*/*" or "application/*"')
      .transform((type) => type.toLowerCase()),
  )
  .min(1)
  .max(MAX_SUPPORTED_FORMATS)
  .refine((types) => new Set(types).size === types.length, 'must not name a media type twice');

/** What planning needs to know about the formats the router converts between (the `WireFormats` port). */
export type FormatFacts = {
  /** Every media type of the convertible formats, server preference first. */
  readonly mediaTypes: readonly string[];
  /** The canonical media type of the convertible format reading `mediaType`, or undefined. */
  formatOf(mediaType: string): string | undefined;
  /**
   * The media type of `available` chosen by `accept`, or undefined.
   *
   * @throws {MalformedInputError} for a malformed `Accept`
   */
  negotiate(accept: string | undefined, available: readonly string[]): string | undefined;
};

/** The caller's side of one routed call, as far as formats go. */
export type CallFormats = {
  /** The request's `Content-Type` as sent (parameters included), if any. */
  contentType?: string;
  /** Whether the request has a non-empty body. */
  hasBody: boolean;
  /** The request's `Accept`, if any. */
  accept?: string;
};

/** How the router treats one instance's formats on one call. */
export type FormatPlan =
  /** The instance declares no `supportedFormats`: everything is relayed as it is (the behaviour before formats). */
  | { kind: 'relay' }
  | {
      kind: 'negotiated';
      /** The media type the request body is converted to; undefined: the body is sent untouched. */
      requestTo?: string;
      /** The `Accept` sent upstream in place of the caller's; undefined: the caller's is forwarded. */
      accept?: string;
      /**
       * The media type the answer is converted to when the caller does not accept the upstream's;
       * undefined: what the caller accepts directly is chosen when the answer comes.
       */
      answerIn?: string;
    }
  /** The body is in a media type the instance cannot be sent, even converted (415). */
  | { kind: 'unsupported'; mediaType: string; reason: string }
  /** Nothing the instance writes, even converted, is in the caller's `Accept` (406). */
  | { kind: 'not-acceptable'; available: string[] };

/**
 * Plans the formats of one call to one instance (issue 12, "Formats across the mesh"):
 * - no `supportedFormats` → `relay` (bytes as they are, whatever the type);
 * - request: a body whose media type (parameters ignored) the instance declares goes untouched; one
 *   in a convertible format, to an instance declaring a convertible format, is converted to the
 *   instance's declaration of the same format if any (only relabelled: `application/x-msgpack` →
 *   `application/msgpack`), else to its most preferred convertible format; anything else —
 *   a non-convertible type, a text format in a charset other than UTF-8, an instance that declares
 *   no convertible format — is `unsupported`. A body without `Content-Type` goes untouched (the
 *   pipeline only lets an empty one through without it);
 * - answer: when the caller accepts a media type the instance declares, its `Accept` is forwarded
 *   as it is; else, when the instance writes a convertible format and the caller accepts one, the
 *   upstream is asked for the instance's most preferred convertible format and the answer will be
 *   converted to the caller's choice (`answerIn`); else `not-acceptable`, naming what could be answered.
 *
 * @param supportedFormats - the instance's declaration (lower case), or undefined
 * @throws {MalformedInputError} when the caller's `Accept` is malformed (and the instance declares formats)
 * @example planFormats(['application/msgpack'], { contentType: 'application/json', hasBody: true, accept: 'application/json' }, facts)
 * // { kind: 'negotiated', requestTo: 'application/msgpack', accept: 'application/msgpack', answerIn: 'application/json' }
 */
export function planFormats(
  supportedFormats: readonly string[] | undefined,
  call: CallFormats,
  facts: FormatFacts,
): FormatPlan {
  if (!supportedFormats) return { kind: 'relay' };
  const convertible = supportedFormats.filter((type) => facts.formatOf(type) !== undefined);
  const request = requestPlan(supportedFormats, convertible, call, facts);
  if (request.kind === 'unsupported') return request;
  const requestTo = request.to;
  if (facts.negotiate(call.accept, supportedFormats) !== undefined) {
    return { kind: 'negotiated', ...(requestTo && { requestTo }) };
  }
  const answerIn = convertible.length > 0 ? facts.negotiate(call.accept, facts.mediaTypes) : undefined;
  if (answerIn === undefined || convertible[0] === undefined) {
    const available = [...supportedFormats, ...(convertible.length > 0 ? facts.mediaTypes : [])];
    return { kind: 'not-acceptable', available: [...new Set(available)] };
  }
  return { kind: 'negotiated', ...(requestTo && { requestTo }), accept: convertible[0], answerIn };
}

function requestPlan(
  supportedFormats: readonly string[],
  convertible: readonly string[],
  call: CallFormats,
  facts: FormatFacts,
): { kind: 'ok'; to?: string } | { kind: 'unsupported'; mediaType: string; reason: string } {
  if (!call.hasBody || call.contentType === undefined || call.contentType.trim() === '') return { kind: 'ok' };
  const { type, charset } = mediaTypeOf(call.contentType);
  if (supportedFormats.includes(type)) return { kind: 'ok' };
  const source = facts.formatOf(type);
  const declared = `it reads ${supportedFormats.join(', ')}`;
  if (source === undefined) {
    return { kind: 'unsupported', mediaType: type, reason: `${type} is not a format the router converts; ${declared}` };
  }
  if (convertible.length === 0) {
    return { kind: 'unsupported', mediaType: type, reason: `${declared}, none of which the router converts to` };
  }
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    return { kind: 'unsupported', mediaType: type, reason: `charset=${charset} cannot be converted; send UTF-8` };
  }
  return { kind: 'ok', to: convertible.find((target) => facts.formatOf(target) === source) ?? convertible[0] };
}

/**
 * Whether an answer labelled `contentType` must be converted for a caller with `accept`: not when
 * the caller accepts it, not when it is in no convertible format (then it is relayed as it is).
 *
 * @returns the media type to convert it to, or undefined to relay it untouched
 * @example answerTarget('application/msgpack', 'application/json', undefined, facts) // 'application/json'
 */
export function answerTarget(
  contentType: string | undefined,
  accept: string | undefined,
  planned: string | undefined,
  facts: FormatFacts,
): string | undefined {
  if (contentType === undefined || contentType.trim() === '') return undefined;
  const { type } = mediaTypeOf(contentType);
  if (facts.formatOf(type) === undefined || facts.negotiate(accept, [type]) !== undefined) return undefined;
  return planned ?? facts.negotiate(accept, facts.mediaTypes);
}

/** A Content-Type's media type (lower case, no parameters) and charset. */
function mediaTypeOf(contentType: string): { type: string; charset?: string } {
  const [type = '', ...parameters] = contentType.split(';');
  const charset = parameters
    .map((parameter) => parameter.split('=').map((part) => part.trim().toLowerCase()))
    .find(([name]) => name === 'charset')?.[1]
    ?.replace(/^"|"$/g, '');
  return { type: type.trim().toLowerCase(), ...(charset !== undefined && { charset }) };
}
