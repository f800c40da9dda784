import type { Codec } from './codec';
import { jsonAnswer } from './json-model';
import { decodeProtobufValue } from './protobuf-value';

type ProtobufLibrary = typeof import('protobufjs/minimal.js');
type Writer = InstanceType<ProtobufLibrary['Writer']>;

// Loaded on first use: a function that never answers Protobuf does not evaluate the library at init.
let library: Promise<ProtobufLibrary> | undefined;
let ready: ProtobufLibrary | undefined;
const load = (): Promise<ProtobufLibrary> => {
  library ??= import('protobufjs/minimal.js').then((loaded) => {
    ready = loaded;
    return loaded;
  });
  return library;
};

/**
 * Protocol Buffers (`application/x-protobuf`, and `application/protobuf`, the name the IETF
 * registers), binary, offered on every route. The wire message is always the well-known
 * `google.protobuf.Value` (struct.proto, served by `GET /v1/proto`) carrying the same JSON value the
 * JSON format carries — one message for every route rather than one generated per schema: a
 * client compiles one file, and the API's schemas keep validating the value as they do for JSON.
 * The proto3 JSON mapping of Value is the rule: objects are `struct_value`, arrays `list_value`,
 * strings `string_value`, booleans `bool_value`, null `null_value: NULL_VALUE`, numbers
 * `number_value` — a double, so an integer beyond ±(2^53 − 1) cannot arrive (nothing to refuse) and
 * none is answered (JSON's model holds none either). Requests are decoded strictly by
 * {@link decodeProtobufValue}: unknown fields, a kind set twice, a Value with no kind (an empty
 * message too), null_value other than 0 and text that is not UTF-8 are refused (400, the pointer or
 * byte offset named); NaN and ±Infinity are refused with their pointer by `decodeStrict`; nesting
 * beyond MAX_BODY_DEPTH, more than MAX_BODY_VALUES values and lengths the body cannot hold are
 * refused before anything is allocated. Answers: the JSON value (`jsonAnswer`: lone surrogates
 * become U+FFFD), written with protobufjs's minimal Writer, map entries in the object's key order.
 * Problems stay `application/problem+json` whatever Accept says.
 */
export const protobufCodec: Codec = {
  name: 'protobuf',
  label: 'Protobuf',
  mediaTypes: ['application/x-protobuf', 'application/protobuf'],
  everyRoute: true,
  // A caller's Protobuf is its own schema's: the mesh relays it, never converts into or out of it.
  selfDescribing: false,
  text: false,
  decode: (bytes) => decodeProtobufValue(bytes),
  // Synchronous once the library is loaded: a promise per body would cost as much as encoding a small one.
  encode: (value) => (ready ? encodeWith(ready, value) : load().then((loaded) => encodeWith(loaded, value))),
};

function encodeWith({ Writer }: ProtobufLibrary, value: unknown): Buffer {
  const writer = Writer.create();
  writeValue(writer, jsonAnswer(value));
  const bytes = writer.finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// Tags: field number << 3 | wire type (struct.proto field numbers).
const NULL_VALUE = (1 << 3) | 0;
const NUMBER_VALUE = (2 << 3) | 1;
const STRING_VALUE = (3 << 3) | 2;
const BOOL_VALUE = (4 << 3) | 0;
const STRUCT_VALUE = (5 << 3) | 2;
const LIST_VALUE = (6 << 3) | 2;
const FIELD_1 = (1 << 3) | 2; // Struct.fields entry, ListValue.values item, map entry key
const FIELD_2 = (2 << 3) | 2; // map entry value

// Recursive: answers are JSON values the API built (bounded by what it accepts and stores), and
// JSON.stringify in jsonAnswer has already walked them to the same depth.
function writeValue(writer: Writer, value: unknown): void {
  if (value === null) writer.uint32(NULL_VALUE).uint32(0);
  else if (typeof value === 'number') writer.uint32(NUMBER_VALUE).double(value);
  else if (typeof value === 'string') writer.uint32(STRING_VALUE).string(value);
  else if (typeof value === 'boolean') writer.uint32(BOOL_VALUE).bool(value);
  else if (Array.isArray(value)) {
    writer.uint32(LIST_VALUE).fork();
    for (const item of value) {
      writer.uint32(FIELD_1).fork();
      writeValue(writer, item);
      writer.ldelim();
    }
    writer.ldelim();
  } else {
    writer.uint32(STRUCT_VALUE).fork();
    for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
      writer.uint32(FIELD_1).fork().uint32(FIELD_1).string(key).uint32(FIELD_2).fork();
      writeValue(writer, member);
      writer.ldelim().ldelim();
    }
    writer.ldelim();
  }
}
