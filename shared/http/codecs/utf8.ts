const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The bytes of a text format as a string, refusing bytes that are not UTF-8: `Buffer#toString`
 * would replace them with U+FFFD and the body would change silently (RFC 8259 §8.1: JSON is UTF-8).
 * A byte-order mark is kept, so a format that does not allow one still refuses it.
 *
 * @throws {Error} when the bytes are not valid UTF-8
 * @example utf8Text(Buffer.from('{"a":1}')) // '{"a":1}'
 */
export function utf8Text(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new Error('the bytes are not valid UTF-8');
  }
}
