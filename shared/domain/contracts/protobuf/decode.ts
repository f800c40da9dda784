import type { Decoded } from '../media/binary';
import { loadProtobufjs, messageType, parseProtoSource } from './source';

type ProtojsonLibrary = typeof import('protobufjs/ext/protojson.js');

let protojson: Promise<ProtojsonLibrary> | undefined;
const loadProtojson = (): Promise<ProtojsonLibrary> => {
  protojson ??= import('protobufjs/ext/protojson.js').then(
    (module) => (module as { default?: ProtojsonLibrary }).default ?? module,
  );
  return protojson;
};

/** Which message a Protobuf body is: the contract's `.proto` source and a message name in it. */
export type ProtobufMessageRef = { source: string; message: string };

/**
 * Decodes a Protobuf body with the message `ref` names into its proto3 JSON form (the canonical
 * JSON mapping, as protobufjs's `protojson.toJson` writes it), which the media type's schema then
 * judges: field names as lowerCamelCase json names, 64-bit integers as decimal strings, bytes as
 * base64, enums by name, well-known types in their JSON forms (Timestamp as RFC 3339, Struct as an
 * object…), and fields that hold their default value without presence left out, as protoc's
 * JsonFormat prints by default: a proto3 field that is 0, "", false, or an empty repeated field or
 * map, is absent (so a schema should not `require` such a field).
 * Bytes that are not that message — truncated, a length beyond the body, invalid UTF-8 in a string,
 * nesting beyond protobufjs's 100 levels — and fields the message does not declare (unknown
 * fields, which protobuf itself would skip) are `decode` issues at `prefix`, never thrown.
 *
 * @param prefix - the issue pointer of the body, e.g. `/body`
 * @example await decodeProtobuf(bytes, { source, message: 'shop.v1.Order' }, '/body') // { value: { orderId: 'o-1', totalCents: '1250' } }
 */
export async function decodeProtobuf(bytes: Uint8Array, ref: ProtobufMessageRef, prefix: string): Promise<Decoded> {
  const fail = (message: string): Decoded => ({ issues: [{ instancePath: prefix, keyword: 'decode', message }] });
  const [protobuf, { toJson }] = await Promise.all([loadProtobufjs(), loadProtojson()]);
  let type: ReturnType<typeof messageType>;
  try {
    type = messageType(protobuf, await parseProtoSource(ref.source), ref.message);
  } catch (error) {
    return fail(`the contract's .proto does not parse: ${(error as Error).message}`);
  }
  if (!type) return fail(`the contract's .proto defines no message ${ref.message}`);
  try {
    const reader = protobuf.Reader.create(bytes);
    reader.discardUnknown = false;
    const message = type.decode(reader);
    const unknown = unknownFieldCount(message);
    if (unknown > 0)
      return fail(`is not valid ${ref.message}: it holds ${unknown} field(s) the message does not declare`);
    return { value: toJson(type, message) };
  } catch (error) {
    return fail(`is not valid ${ref.message}: ${readerMessage(error as Error)}`);
  }
}

// Unknown fields protobufjs kept aside (`$unknowns`) anywhere in the decoded message, iteratively.
function unknownFieldCount(message: object): number {
  let count = 0;
  const stack: unknown[] = [message];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object' || ArrayBuffer.isView(node)) continue;
    const unknowns = (node as { $unknowns?: unknown[] }).$unknowns;
    if (unknowns) count += unknowns.length;
    // One push per child that may hold messages (a repeated field can have millions of scalars).
    for (const child of Object.values(node)) if (child !== null && typeof child === 'object') stack.push(child);
  }
  return count;
}

function readerMessage(error: Error): string {
  if (error instanceof RangeError && /index out of range/.test(error.message)) {
    return 'the body ends before the fields it declares are complete';
  }
  if (/not valid for encoding utf-8/i.test(error.message)) return 'a string field is not valid UTF-8';
  return error.message;
}
