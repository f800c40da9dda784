/** How a body of a media type is turned into a value a JSON Schema can judge. */
export type MediaFamily = 'json' | 'form' | 'multipart' | 'msgpack' | 'cbor' | 'protobuf' | 'text';

/** The media types (or suffixes) each family decodes, as named in messages. */
export const DECODABLE_MEDIA_TYPES = [
  'application/json',
  '*/*+json',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'application/msgpack',
  'application/x-msgpack',
  'application/vnd.msgpack',
  'application/cbor',
  '*/*+cbor',
  'application/x-protobuf',
  'application/protobuf',
  'text/*',
] as const;

/**
 * Media types of Protobuf messages: `application/protobuf` (the IETF's registration) and the older
 * `application/x-protobuf`. Decoding one needs the message it is (`requestMessage`, `responseMessages`).
 *
 * @example isProtobufMediaType('application/x-protobuf') // true
 */
export function isProtobufMediaType(mediaType: string): boolean {
  return mediaType === 'application/x-protobuf' || mediaType === 'application/protobuf';
}

/**
 * The media type of a `Content-Type` value: `type/subtype` in lower case, parameters dropped.
 *
 * @example mediaTypeOf('Multipart/Form-Data; boundary=x') // 'multipart/form-data'
 */
export function mediaTypeOf(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

/**
 * The family that decodes a media type (RFC 6839 structured suffixes `+json`, `+cbor` included);
 * undefined for media types nothing here decodes (XML, octet streams, images…).
 *
 * @example familyOf('application/problem+json') // 'json'
 */
export function familyOf(mediaType: string): MediaFamily | undefined {
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) return 'json';
  if (mediaType === 'application/x-www-form-urlencoded') return 'form';
  if (mediaType === 'multipart/form-data') return 'multipart';
  if (/^application\/(x-|vnd\.)?msgpack$/.test(mediaType)) return 'msgpack';
  if (mediaType === 'application/cbor' || mediaType.endsWith('+cbor')) return 'cbor';
  if (isProtobufMediaType(mediaType)) return 'protobuf';
  if (mediaType.startsWith('text/')) return 'text';
  return undefined;
}

// Names of one format: a body sent as one matches a contract declaring another.
const ALIASES: readonly (readonly string[])[] = [
  ['application/protobuf', 'application/x-protobuf'],
  ['application/msgpack', 'application/x-msgpack', 'application/vnd.msgpack'],
];

/**
 * The declared media type key a `Content-Type` falls under: the exact type, else another name of
 * the same format (`application/protobuf` and `application/x-protobuf`; `application/msgpack`,
 * `application/x-msgpack` and `application/vnd.msgpack`), else its range (`type/*`), else `*` over
 * `*` — most specific first, as OpenAPI's Media Types section orders them.
 *
 * @param declared - media type keys (lower case, no parameters)
 * @returns the matching key, or undefined when none covers the content type
 * @example matchDeclared('application/json; charset=utf-8', ['text/*', 'application/json']) // 'application/json'
 * @example matchDeclared('application/x-protobuf', ['application/protobuf']) // 'application/protobuf'
 */
export function matchDeclared(contentType: string, declared: readonly string[]): string | undefined {
  const type = mediaTypeOf(contentType);
  const range = `${type.split('/')[0]}/*`;
  const aliases = ALIASES.find((names) => names.includes(type)) ?? [];
  return [type, ...aliases, range, '*/*'].find((candidate) => declared.includes(candidate));
}
