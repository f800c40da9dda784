/**
 * The serialization formats the API speaks on every route (JSON, MessagePack, CBOR, and any codec
 * added to the registry with `everyRoute`), as the mesh router and the webhook dispatcher use them:
 * to tell a format they can convert, to choose one from `Accept`, to encode and to convert. The
 * codec registry implements it (`codecWireFormats` in shared/http/codecs/wire-formats.ts; the
 * subscriptions' subset, `deliveryFormats`, in delivery-formats.ts).
 */
export interface WireFormats {
  /**
   * Every media type of the formats, in the server's order of preference (JSON first), each format's
   * canonical type before its aliases, e.g. `application/json, application/msgpack, application/x-msgpack, application/cbor`.
   */
  readonly mediaTypes: readonly string[];
  /**
   * The canonical media type of the format that reads `mediaType` (lower case, no parameters;
   * structured suffixes such as `+json` count), or undefined when none does.
   *
   * @example formats.formatOf('application/x-msgpack') // 'application/msgpack'
   */
  formatOf(mediaType: string): string | undefined;
  /**
   * Chooses among `available` media types from an `Accept` header (RFC 9110 §12.5.1; ties go to the
   * order of `available`; no header accepts anything).
   *
   * @returns the chosen media type, or undefined when none is acceptable
   * @throws {MalformedInputError} naming each malformed element of `Accept`
   */
  negotiate(accept: string | undefined, available: readonly string[]): string | undefined;
  /**
   * Encodes a JSON value in the format of `mediaType`.
   *
   * @throws {Error} when `mediaType` is not one of {@link mediaTypes}
   */
  encode(value: unknown, mediaType: string): Promise<Buffer>;
  /**
   * Converts bytes from one format to another through JSON's data model, strictly (the same format on
   * both sides returns the bytes untouched, labelled `to`).
   *
   * @param pointerPrefix - where the bytes sit in the problem's terms, e.g. `/upstream/body` ('' = the request body)
   * @returns the bytes and the media type they are labelled with
   * @throws {MalformedInputError} when `bytes` are not valid in `from`, or hold values JSON cannot represent (each by pointer)
   */
  transcode(
    bytes: Buffer,
    from: string,
    to: string,
    pointerPrefix: string,
  ): Promise<{ bytes: Buffer; mediaType: string }>;
}
