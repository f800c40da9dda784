import { decodeProtobuf, type ProtobufMessageRef } from '../protobuf/decode';
import type { ValidationIssue } from '../validator';
import { type Decoded, decodeCbor, decodeMsgpack, toJsonModel } from './binary';
import { decodeForm, decodeMultipart } from './form';
import type { MediaFamily } from './media-types';

/** A body as the validate routes take it: its text or JSON value (`body`), or its bytes (`bodyBase64`). */
export type EncodedBody = { body?: unknown; bodyBase64?: string };

/**
 * Decodes a body by the family of its media type, for validation against that media type's schema.
 * `body` is the wire text of text formats (JSON text, form-urlencoded, multipart, `text/*`); for JSON
 * a `body` that is not a string is taken as the JSON value itself. `bodyBase64` is the raw bytes of
 * any format (the only way to send MessagePack, CBOR and Protobuf). What cannot be decoded is
 * returned as issues at `prefix` (keyword `decode`), never thrown.
 *
 * @param contentType - the full Content-Type (multipart needs its `boundary`)
 * @param protobuf - the message a Protobuf body is (`decodeProtobuf`); without it such a body is an issue
 * @example await decodeBody('form', 'application/x-www-form-urlencoded', { body: 'To=%2B1555' }, '/body') // { value: { To: '+1555' } }
 */
export async function decodeBody(
  family: MediaFamily,
  contentType: string,
  input: EncodedBody,
  prefix: string,
  protobuf?: ProtobufMessageRef,
): Promise<Decoded> {
  const fail = (message: string): Decoded => ({ issues: [{ instancePath: prefix, keyword: 'decode', message }] });
  const bytes = input.bodyBase64 === undefined ? undefined : Buffer.from(input.bodyBase64, 'base64');
  if (family === 'msgpack' || family === 'cbor') {
    if (!bytes) return fail(`${contentType} bodies are binary: send them as bodyBase64`);
    return family === 'msgpack' ? decodeMsgpack(bytes, prefix) : decodeCbor(bytes, prefix);
  }
  if (family === 'protobuf') {
    if (!bytes) return fail(`${contentType} bodies are binary: send them as bodyBase64`);
    if (!protobuf)
      return fail('the endpoint names no Protobuf message for this body (requestMessage / responseMessages)');
    return decodeProtobuf(bytes, protobuf, prefix);
  }
  if (family === 'json' && bytes === undefined && typeof input.body !== 'string') return { value: input.body };
  if (bytes === undefined && typeof input.body !== 'string') {
    return fail(`a ${contentType} body is sent as its text in body (a string) or its bytes in bodyBase64`);
  }
  if (family === 'multipart') {
    // File parts may hold any bytes: multipart is parsed from the bytes, never decoded as UTF-8 first.
    try {
      return { value: await decodeMultipart(bytes ?? Buffer.from(input.body as string, 'utf8'), contentType) };
    } catch (error) {
      return fail(`is not valid multipart/form-data: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const text = bytes ? new TextDecoder('utf-8', { fatal: true }) : undefined;
  let source: string;
  try {
    source = text && bytes ? text.decode(bytes) : (input.body as string);
  } catch {
    return fail('is not valid UTF-8');
  }
  switch (family) {
    case 'json':
      return parseJson(source, prefix);
    case 'form':
      return { value: decodeForm(source) };
    default:
      return { value: source };
  }
}

function parseJson(source: string, prefix: string): Decoded {
  try {
    // Parsed text gets the depth bound (and JSON-model check) that decoded binary bodies get.
    return toJsonModel(JSON.parse(source), prefix);
  } catch (error) {
    const issue: ValidationIssue = {
      instancePath: prefix,
      keyword: 'decode',
      message: `is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    };
    return { issues: [issue] };
  }
}
