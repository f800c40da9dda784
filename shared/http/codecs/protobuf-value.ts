import { isUtf8 } from 'node:buffer';
import { Unrepresentable } from './codec';
import { checkJsonModel } from './json-model';
import { MAX_BODY_DEPTH, MAX_BODY_VALUES } from './limits';

// Wire types (protobuf encoding guide, "Message structure").
const VARINT = 0;
const I64 = 1;
const LEN = 2;

type Frame =
  // A google.protobuf.Value: it writes its JSON value to `holder[key]` when it ends.
  | {
      type: 'Value';
      end: number;
      at: number;
      depth: number;
      holder: Record<string, unknown>;
      key: string;
      set?: string;
    }
  // A Struct's object, a ListValue's array.
  | { type: 'Struct'; end: number; at: number; depth: number; object: Record<string, unknown> }
  | { type: 'ListValue'; end: number; at: number; depth: number; array: unknown[] }
  // One `map<string, Value> fields` entry of a Struct: `key` = 1, `value` = 2.
  | {
      type: 'Entry';
      end: number;
      at: number;
      depth: number;
      object: Record<string, unknown>;
      slot: { value?: unknown };
      name?: string;
      hasValue: boolean;
    };

/** What a Value with no kind, or a map entry without a value, decodes to: refused with its pointer. */
const NO_KIND =
  'a google.protobuf.Value with no kind set has no JSON value (proto3 JSON mapping); send null_value for null';

/**
 * Decodes one `google.protobuf.Value` (struct.proto) from its wire bytes into the JSON value it
 * stands for (the proto3 JSON mapping of Value, Struct, ListValue and NullValue), iteratively, in
 * one pass, strictly:
 * - each field must be one struct.proto defines, with its wire type; any other (an unknown field)
 *   is refused naming its number and byte offset, since skipping it would drop data silently;
 * - a Value setting its `kind` oneof twice, or a map entry its key or value twice, is refused
 *   (protobuf would keep the last or merge the two: the sender meant something else);
 * - a Value with no kind (an empty message, an entry without value) is refused with its pointer;
 *   so are null_value other than NULL_VALUE (0) and NaN and ±Infinity in number_value
 *   (`checkJsonModel`, which runs only on a body that holds one of them);
 * - strings and keys must be valid UTF-8 (proto3 `string`); bool is true for any non-zero varint;
 *   an entry without key has the key "" (the proto3 default); a key given twice keeps the last value,
 *   as `JSON.parse` does;
 * - every declared length must fit in the bytes its enclosing message holds (no allocation is made
 *   for a length the body cannot hold), varints are at most 10 bytes, nesting stops past
 *   {@link MAX_BODY_DEPTH} Struct/ListValue levels and counting past {@link MAX_BODY_VALUES} Values.
 * protobufjs's own decoder recurses (and stops at 100 messages, about 50 JSON levels), keeps unknown
 * fields aside and lets a later kind replace an earlier one, hence this walk; tests check it against
 * protobufjs reading the served struct.proto.
 *
 * @param bytes - the whole body: one Value message, not length-prefixed
 * @returns the JSON value
 * @throws {MalformedInputError} naming the pointer of each value that has no JSON form
 * @throws {Error} with a reader-facing message naming the byte offset when the bytes are not a Value
 * @example decodeProtobufValue(Buffer.from([0x20, 0x01])) // true (bool_value = 1)
 */
export function decodeProtobufValue(bytes: Uint8Array): unknown {
  const wire = new Wire(bytes);
  const root: Record<string, unknown> = {};
  const stack: Frame[] = [{ type: 'Value', end: bytes.byteLength, at: 0, depth: 0, holder: root, key: 'value' }];
  let values = 1;
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as Frame;
    if (wire.pos === top.end) {
      stack.pop();
      close(wire, top);
      continue;
    }
    const at = wire.pos;
    const tag = wire.varint(top.end);
    const field = Math.floor(tag / 8);
    const wireType = tag % 8;
    const child = readField(wire, top, field, wireType, at);
    if (child === undefined) continue;
    if (child.type === 'Value' && ++values > MAX_BODY_VALUES) {
      throw new Error(`the body holds more than ${MAX_BODY_VALUES} values`);
    }
    if (child.depth > MAX_BODY_DEPTH)
      throw new Error(`the message at byte ${at} nests deeper than ${MAX_BODY_DEPTH} levels`);
    stack.push(child);
  }
  return wire.foreign ? checkJsonModel(root.value, { strings: false }) : root.value;
}

// Reads one field of `top`, setting what it holds, or returning the frame of the message it opens.
function readField(wire: Wire, top: Frame, field: number, wireType: number, at: number): Frame | undefined {
  switch (top.type) {
    case 'Value': {
      if (field < 1 || field > 6 || wireType !== VALUE_WIRE_TYPES[field]) throw unknownField(top, field, wireType, at);
      if (top.set !== undefined) {
        throw new Error(
          `the Value at byte ${top.at} sets its kind twice (${top.set}, then ${KINDS[field]}); a Value holds one`,
        );
      }
      top.set = KINDS[field];
      return readKind(wire, top, field, at);
    }
    case 'Struct': {
      if (field !== 1 || wireType !== LEN) throw unknownField(top, field, wireType, at);
      const end = wire.length(top.end);
      return { type: 'Entry', end, at, depth: top.depth, object: top.object, slot: {}, hasValue: false };
    }
    case 'ListValue': {
      if (field !== 1 || wireType !== LEN) throw unknownField(top, field, wireType, at);
      const end = wire.length(top.end);
      top.array.push(undefined);
      return {
        type: 'Value',
        end,
        at,
        depth: top.depth,
        holder: top.array as never,
        key: String(top.array.length - 1),
      };
    }
    case 'Entry': {
      if ((field !== 1 && field !== 2) || wireType !== LEN) throw unknownField(top, field, wireType, at);
      if (field === 1 ? top.name !== undefined : top.hasValue) {
        throw new Error(`the Struct entry at byte ${top.at} sets its ${field === 1 ? 'key' : 'value'} twice`);
      }
      const end = wire.length(top.end);
      if (field === 1) {
        top.name = wire.text(end, 'a Struct key');
        return undefined;
      }
      top.hasValue = true;
      return { type: 'Value', end, at, depth: top.depth, holder: top.slot, key: 'value' };
    }
  }
}

// No closure over the arguments per field read: this runs for every field of every body.
function unknownField(top: Frame, field: number, wireType: number, at: number): Error {
  return new Error(
    `field ${field} (wire type ${wireType}) at byte ${at} is not a field of google.protobuf.${MESSAGE_NAMES[top.type]}`,
  );
}

// The message each frame reads, as protoc names it (a map's entries are a nested FieldsEntry message).
const MESSAGE_NAMES = { Value: 'Value', Struct: 'Struct', ListValue: 'ListValue', Entry: 'Struct.FieldsEntry' };

// Field number → the kind's name and its wire type (struct.proto: Value.kind).
const KINDS = ['', 'null_value', 'number_value', 'string_value', 'bool_value', 'struct_value', 'list_value'];
const VALUE_WIRE_TYPES = [-1, VARINT, I64, LEN, VARINT, LEN, LEN];

function readKind(wire: Wire, top: Extract<Frame, { type: 'Value' }>, field: number, at: number): Frame | undefined {
  const { holder, key } = top;
  switch (field) {
    case 1: {
      const enumValue = wire.varint(top.end);
      if (enumValue === 0) holder[key] = null;
      else holder[key] = wire.unrepresentable(`null_value ${enumValue} is not a NullValue (only NULL_VALUE = 0)`);
      return undefined;
    }
    case 2: {
      const number = wire.double(top.end);
      if (!Number.isFinite(number)) wire.foreign = true;
      holder[key] = number;
      return undefined;
    }
    case 3:
      holder[key] = wire.text(wire.length(top.end), 'a string_value');
      return undefined;
    case 4:
      holder[key] = wire.varint(top.end) !== 0;
      return undefined;
    case 5: {
      const object: Record<string, unknown> = {};
      holder[key] = object;
      return { type: 'Struct', end: wire.length(top.end), at, depth: top.depth + 1, object };
    }
    default: {
      const array: unknown[] = [];
      holder[key] = array;
      return { type: 'ListValue', end: wire.length(top.end), at, depth: top.depth + 1, array };
    }
  }
}

// Ends a message: a Value without kind, an entry put into its Struct.
function close(wire: Wire, frame: Frame): void {
  if (frame.type === 'Value' && frame.set === undefined) frame.holder[frame.key] = wire.unrepresentable(NO_KIND);
  if (frame.type !== 'Entry') return;
  const value = frame.hasValue ? frame.slot.value : wire.unrepresentable(NO_KIND);
  const name = frame.name ?? '';
  // Assigned, except "__proto__", which is defined: it is a member, as JSON.parse makes it (assigning
  // would set the prototype). Defining every member would turn the object into a slow dictionary.
  if (name === '__proto__') {
    Object.defineProperty(frame.object, name, { value, enumerable: true, writable: true, configurable: true });
  } else frame.object[name] = value;
}

/** The body's bytes and a read position; each read is bounded by the enclosing message's end. */
class Wire {
  pos = 0;
  /** Set once a value with no JSON form (NaN, a Value without kind…) is read: the JSON-model check must run. */
  foreign = false;
  private readonly bytes: Buffer;

  constructor(bytes: Uint8Array) {
    this.bytes = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** A value with no JSON form, to be refused with its pointer. */
  unrepresentable(description: string): Unrepresentable {
    this.foreign = true;
    return new Unrepresentable(description);
  }

  /** A varint of at most 10 bytes, exact up to 2^53 (beyond, it is some number ≥ 2^53: lengths that large never fit). */
  varint(end: number): number {
    const at = this.pos;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) throw new Error(`the varint at byte ${at} runs past the end of its message`);
      const byte = this.bytes[this.pos++] as number;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    throw new Error(`the varint at byte ${at} is longer than 10 bytes`);
  }

  /** A length prefix, checked against the bytes its message has left: returns the end of what it delimits. */
  length(end: number): number {
    const at = this.pos;
    const declared = this.varint(end);
    if (declared > end - this.pos) {
      throw new Error(
        `the length prefix at byte ${at} declares ${declared} bytes, but its message has only ${end - this.pos} left`,
      );
    }
    return this.pos + declared;
  }

  double(end: number): number {
    if (end - this.pos < 8) throw new Error(`the double at byte ${this.pos} runs past the end of its message`);
    const number = this.bytes.readDoubleLE(this.pos);
    this.pos += 8;
    return number;
  }

  text(end: number, what: string): string {
    const at = this.pos;
    this.pos = end;
    // ASCII (the common case) is checked in place; anything else by Node's native UTF-8 validator.
    for (let i = at; i < end; i++) {
      if ((this.bytes[i] as number) >= 0x80) {
        if (!isUtf8(this.bytes.subarray(at, end))) throw new Error(`${what} at byte ${at} is not valid UTF-8`);
        break;
      }
    }
    return this.bytes.toString('utf8', at, end);
  }
}
