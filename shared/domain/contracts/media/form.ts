/**
 * An `application/x-www-form-urlencoded` body (WHATWG URL Standard, `URLSearchParams`) as an
 * object of strings: a key sent once holds its string, a key sent more than once the array of its
 * values in order. Values stay strings here; the schema's types are applied when the body is
 * validated (numbers, integers, booleans coerced and a single value wrapped into an array where
 * the schema says array — OpenAPI's `style: form, explode: true`, the default for form bodies).
 *
 * @example decodeForm('To=%2B15558675310&MediaUrl=a&MediaUrl=b') // { To: '+15558675310', MediaUrl: ['a', 'b'] }
 */
export function decodeForm(text: string): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of new URLSearchParams(text)) addField(fields, name, value);
  return { ...fields };
}

/** Adds one field, turning a repeated name into the array of its values. */
export function addField<T>(fields: Record<string, T | T[]>, name: string, value: T): void {
  if (!Object.hasOwn(fields, name)) {
    fields[name] = value;
    return;
  }
  const existing = fields[name] as T | T[];
  if (Array.isArray(existing)) existing.push(value);
  else fields[name] = [existing, value];
}

/**
 * A `multipart/form-data` body (RFC 7578) as an object, parsed by the platform's `FormData`
 * (undici in Node 20). Text fields are strings; a file part (one with a `filename`) becomes its
 * content as a binary string — one character per byte (latin1) — so that OpenAPI's
 * `type: string, format: binary` applies and `maxLength` counts bytes. Repeated names become
 * arrays, as in `decodeForm`.
 *
 * @param contentType - the full `Content-Type`, with its `boundary` parameter
 * @throws {TypeError} when the body is not multipart/form-data with that boundary
 */
export async function decodeMultipart(
  bytes: Uint8Array,
  contentType: string,
): Promise<Record<string, string | string[]>> {
  const form = await new Response(bytes, { headers: { 'content-type': contentType } }).formData();
  const fields: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of form) {
    const text = typeof value === 'string' ? value : Buffer.from(await value.arrayBuffer()).toString('latin1');
    addField(fields, name, text);
  }
  return { ...fields };
}
