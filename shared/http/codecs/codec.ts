/**
 * One serialization format of the API, keyed by media type. The codec registry
 * (`./registry.ts`) is the only list of formats: the pipeline decodes request bodies and encodes
 * answers through it, and the OpenAPI document lists its media types.
 */
export type Codec = {
  /** Short name a route uses to offer a codec that is not offered everywhere, e.g. `yaml`. */
  name: string;
  /** Name in error messages, e.g. `JSON`. */
  label: string;
  /** Media types it reads, lower case; the first is the one it answers with. */
  mediaTypes: readonly string[];
  /** A structured-syntax suffix it also reads (RFC 6838 §4.2.8), e.g. `+json` for `application/vnd.oai.openapi+json`. */
  suffix?: string;
  /** Offered by every route (JSON), or only by routes that name it in `formats` (YAML). */
  everyRoute: boolean;
  /** Text formats are UTF-8: a request naming another charset is refused (415) rather than corrupted. */
  text: boolean;
  /**
   * The bytes carry their own structure (JSON, MessagePack, CBOR, YAML), so any body in the format
   * means the same value to every reader and the mesh may convert a caller's body into it for an
   * instance. Protobuf is not: the API's bodies are one `google.protobuf.Value`, while an instance
   * that reads Protobuf reads its own messages — its bodies are relayed, never converted.
   * @default true
   */
  selfDescribing?: boolean;
  /**
   * Decodes a request body into JSON's data model, checked: a value the format can hold but JSON
   * cannot (a byte string, a 64-bit integer beyond 2^53, a tag) is either mapped as the codec
   * documents or refused with its pointer, and nesting and size are held to MAX_BODY_DEPTH and
   * MAX_BODY_VALUES — `checkJsonModel` does both in one walk, and a codec may skip it for a body that
   * cannot break them. Call it through `decodeStrict`. A promise lets a codec load its library on
   * first use (binary formats: no cost at cold start).
   *
   * @throws {MalformedInputError} naming each refused value's pointer (400)
   * @throws {Error} with a reader-facing message when the bytes are not valid in this format
   */
  decode(bytes: Buffer): unknown | Promise<unknown>;
  /** Encodes an answer's body (a JSON value): a string for text formats, bytes for binary ones. */
  encode(value: unknown): string | Buffer | Promise<string | Buffer>;
};

/**
 * A decoded value that has no faithful JSON representation, kept in place of it so that the
 * body can be refused naming the value's pointer (`checkJsonModel`: 400 with `errors[]`).
 *
 * @example new Unrepresentable('a byte string has no JSON representation; send binary data as base64 text')
 */
export class Unrepresentable {
  /** @param description - the problem's message: what the value is, why it is refused, what to send instead */
  constructor(readonly description: string) {}
}
