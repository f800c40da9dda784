import { MAX_BODY_DEPTH, MAX_BODY_VALUES } from './limits';

type Frame = { remaining: number };

/**
 * Walks a MessagePack body's headers without decoding any value (msgpack spec 2.0, "Formats"),
 * iteratively, and refuses it before the decoder runs when:
 * - a str, bin or ext declares more bytes than follow;
 * - the elements declared by the arrays and maps still open (each element takes at least one byte)
 *   exceed the bytes that follow — `@msgpack/msgpack` allocates `new Array(size)` for each array
 *   header it reads, so 90 KB of nested array16 headers each claiming 65,535 elements would
 *   otherwise allocate gigabytes and take the process down;
 * - arrays and maps nest deeper than {@link MAX_BODY_DEPTH}, or the body holds more than
 *   {@link MAX_BODY_VALUES} values;
 * - a byte is 0xc1 (never used) or the body ends early.
 * Trailing bytes, UTF-8 and map key types are left to the decoder.
 *
 * @param bytes - the whole body
 * @throws {Error} with a reader-facing message naming the byte offset
 * @example checkMsgpackStructure(Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff])) // throws: declares 4294967295 elements…
 */
export function checkMsgpackStructure(bytes: Uint8Array): void {
  const length = bytes.byteLength;
  const stack: Frame[] = [{ remaining: 1 }];
  let pending = 1; // elements declared and not yet read, over every open container
  let values = 0;
  let pos = 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const unsigned = (size: 1 | 2 | 4): number => {
    if (pos + size > length) throw endsEarly();
    const value = size === 1 ? view.getUint8(pos) : size === 2 ? view.getUint16(pos) : view.getUint32(pos);
    pos += size;
    return value;
  };
  const skip = (count: number, at: number, what: string): void => {
    if (count > length - pos)
      throw new Error(`the ${what} at byte ${at} declares ${count} bytes, but only ${length - pos} follow`);
    pos += count;
  };
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as Frame;
    if (top.remaining === 0) {
      stack.pop();
      continue;
    }
    if (pos >= length) throw endsEarly();
    top.remaining--;
    pending--;
    values++;
    if (values > MAX_BODY_VALUES) throw new Error(`the body holds more than ${MAX_BODY_VALUES} values`);
    const at = pos;
    const byte = bytes[pos++] as number;
    let elements = -1; // ≥ 0 for an array or map header: the elements it declares
    if (byte <= 0x7f || byte >= 0xe0 || byte === 0xc0 || byte === 0xc2 || byte === 0xc3) {
      // fixint, nil, bool: whole in their byte
    } else if (byte <= 0x8f) elements = (byte & 0x0f) * 2;
    else if (byte <= 0x9f) elements = byte & 0x0f;
    else if (byte <= 0xbf) skip(byte & 0x1f, at, 'str');
    else if (byte === 0xc1) throw new Error(`byte ${at} is 0xc1, which MessagePack never uses`);
    else if (byte <= 0xc6) skip(unsigned(SIZE_OF[byte - 0xc4] as 1 | 2 | 4), at, 'bin');
    else if (byte <= 0xc9) skip(unsigned(SIZE_OF[byte - 0xc7] as 1 | 2 | 4) + 1, at, 'ext');
    else if (byte <= 0xd3) skip(FIXED_WIDTH[byte - 0xca] as number, at, 'number');
    else if (byte <= 0xd8) skip((1 << (byte - 0xd4)) + 1, at, 'fixext');
    else if (byte <= 0xdb) skip(unsigned(SIZE_OF[byte - 0xd9] as 1 | 2 | 4), at, 'str');
    else if (byte <= 0xdd) elements = unsigned(byte === 0xdc ? 2 : 4);
    else elements = unsigned(byte === 0xde ? 2 : 4) * 2;
    if (elements <= 0) continue;
    pending += elements;
    // Each declared element takes at least one byte: more than the bytes left cannot be complete.
    if (pending > length - pos) {
      throw new Error(
        `the ${byte <= 0x8f || byte >= 0xde ? 'map' : 'array'} at byte ${at} declares ${elements} elements, but only ${length - pos} bytes follow for them and the elements still open`,
      );
    }
    if (stack.length > MAX_BODY_DEPTH)
      throw new Error(`the value at byte ${at} nests deeper than ${MAX_BODY_DEPTH} levels`);
    stack.push({ remaining: elements });
  }
}

// Length-field sizes of the 8/16/32 variants (bin, ext, str).
const SIZE_OF = [1, 2, 4] as const;
// Payload bytes of float 32, float 64, uint 8–64 and int 8–64 (0xca–0xd3).
const FIXED_WIDTH = [4, 8, 1, 2, 4, 8, 1, 2, 4, 8] as const;

const endsEarly = () => new Error('the body ends before the values it declares are complete');
