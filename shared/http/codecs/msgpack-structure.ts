import { isUtf8 } from 'node:buffer';
import { MAX_BODY_DEPTH, MAX_BODY_VALUES } from './limits';

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
 * - a str is not valid UTF-8 (the decoder would replace the bytes with U+FFFD, or read them as
 *   Latin-1 in its JavaScript path for short strings, and the body would change silently);
 * - a byte is 0xc1 (never used) or the body ends early.
 * Trailing bytes and map key types are left to the decoder.
 *
 * @param bytes - the whole body
 * @returns what the decoded value can hold: `json` — JSON values only, so it needs no
 *   `checkJsonModel` walk (the bounds are checked here); `mapped` — bin, ext, NaN or ±Infinity, to
 *   be mapped or refused by that walk; `wide` — a 64-bit integer beyond ±(2^53 − 1), which only a
 *   decoder reading bigints keeps exact (a plain one rounds it)
 * @throws {Error} with a reader-facing message naming the byte offset
 * @example checkMsgpackStructure(Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff])) // throws: declares 4294967295 elements…
 */
export function checkMsgpackStructure(bytes: Uint8Array): MsgpackContents {
  // A small body's strs are checked one by one; a larger body's in one call over a copy.
  if (bytes.byteLength < ONE_CALL_FROM_BYTES) return walk(bytes, undefined);
  const strs = new StrPayloads(bytes);
  const contents = walk(bytes, strs);
  if (strs.valid()) return contents;
  // Some str is not UTF-8: walked again, checking each, to name the one.
  return walk(bytes, undefined);
}

// The header walk; each str's bytes are handed to `strs`, or checked one by one when it is undefined.
function walk(bytes: Uint8Array, strs: StrPayloads | undefined): MsgpackContents {
  const length = bytes.byteLength;
  // Elements still to read in each open container, innermost last (a plain number stack: this walk
  // runs on every body, and allocating a frame per container cost as much as decoding).
  const remaining: number[] = [1];
  let pending = 1; // elements declared and not yet read, over every open container
  let values = 0;
  let pos = 0;
  let contents: MsgpackContents = 'json';
  while (remaining.length > 0) {
    const top = remaining.length - 1;
    if (remaining[top] === 0) {
      remaining.pop();
      continue;
    }
    if (pos >= length) throw endsEarly();
    (remaining[top] as number)--;
    pending--;
    if (++values > MAX_BODY_VALUES) throw new Error(`the body holds more than ${MAX_BODY_VALUES} values`);
    const at = pos;
    const byte = bytes[pos++] as number;
    let elements = 0; // for an array or map header: the elements it declares
    if (byte <= 0x7f || byte >= 0xe0 || byte === 0xc0 || byte === 0xc2 || byte === 0xc3) {
      continue; // fixint, nil, bool: whole in their byte
    }
    if (byte <= 0x8f) elements = (byte & 0x0f) * 2;
    else if (byte <= 0x9f) elements = byte & 0x0f;
    else if (byte <= 0xbf) pos = text(bytes, pos, byte & 0x1f, at, strs);
    else if (byte === 0xc1) throw new Error(`byte ${at} is 0xc1, which MessagePack never uses`);
    else if (byte <= 0xc6) {
      const width = WIDTH[byte - 0xc4] as Width;
      pos = skip(bytes, pos + width, readLength(bytes, pos, width), at, 'bin');
      if (contents === 'json') contents = 'mapped';
    } else if (byte <= 0xc9) {
      const width = WIDTH[byte - 0xc7] as Width;
      pos = skip(bytes, pos + width, readLength(bytes, pos, width) + 1, at, 'ext');
      if (contents === 'json') contents = 'mapped';
    } else if (byte <= 0xd3) {
      const start = pos;
      pos = skip(bytes, pos, FIXED_WIDTH[byte - 0xca] as number, at, 'number');
      // A float may be NaN or ±Infinity (exponent all ones); a 64-bit integer may be beyond 2^53.
      if (byte === 0xcf || byte === 0xd3) {
        if (!safeInteger(bytes, start, byte === 0xd3)) contents = 'wide';
      } else if (byte <= 0xcb && !finiteFloat(bytes, start, byte === 0xcb) && contents === 'json') contents = 'mapped';
    } else if (byte <= 0xd8) {
      pos = skip(bytes, pos, (1 << (byte - 0xd4)) + 1, at, 'fixext');
      if (contents === 'json') contents = 'mapped';
    } else if (byte <= 0xdb) {
      const width = WIDTH[byte - 0xd9] as Width;
      pos = text(bytes, pos + width, readLength(bytes, pos, width), at, strs);
    } else {
      const width = byte === 0xdc || byte === 0xde ? 2 : 4;
      elements = readLength(bytes, pos, width) * (byte >= 0xde ? 2 : 1);
      pos += width;
    }
    if (elements === 0) continue;
    pending += elements;
    // Each declared element takes at least one byte: more than the bytes left cannot be complete.
    if (pending > length - pos) {
      throw new Error(
        `the ${byte <= 0x8f || byte >= 0xde ? 'map' : 'array'} at byte ${at} declares ${elements} elements, but only ${length - pos} bytes follow for them and the elements still open`,
      );
    }
    if (remaining.length > MAX_BODY_DEPTH)
      throw new Error(`the value at byte ${at} nests deeper than ${MAX_BODY_DEPTH} levels`);
    remaining.push(elements);
  }
  return contents;
}

/** What a MessagePack body's values can be, as {@link checkMsgpackStructure} finds them. */
export type MsgpackContents = 'json' | 'mapped' | 'wide';

// Whether the uint 64 / int 64 at `pos` is within ±(2^53 − 1): its high 32 bits decide.
function safeInteger(bytes: Uint8Array, pos: number, signed: boolean): boolean {
  const high =
    ((bytes[pos] as number) << 24) |
    ((bytes[pos + 1] as number) << 16) |
    ((bytes[pos + 2] as number) << 8) |
    (bytes[pos + 3] as number);
  if (!signed || high >= 0) return (signed ? high : high >>> 0) <= 0x1fffff;
  // Negative: -(2^53) is high 0xffe00000 and low 0, the first value too far.
  const lowIsZero = bytes[pos + 4] === 0 && bytes[pos + 5] === 0 && bytes[pos + 6] === 0 && bytes[pos + 7] === 0;
  return high > -0x200000 || (high === -0x200000 && !lowIsZero);
}

// Whether the float 32 / float 64 at `pos` is finite: NaN and ±Infinity have every exponent bit set.
function finiteFloat(bytes: Uint8Array, pos: number, double: boolean): boolean {
  if (((bytes[pos] as number) & 0x7f) !== 0x7f) return true;
  return double ? ((bytes[pos + 1] as number) & 0xf0) !== 0xf0 : ((bytes[pos + 1] as number) & 0x80) === 0;
}

// Length-field widths of the 8/16/32 variants (bin, ext, str).
const WIDTH = [1, 2, 4] as const;
type Width = (typeof WIDTH)[number];
// Payload bytes of float 32, float 64, uint 8–64 and int 8–64 (0xca–0xd3).
const FIXED_WIDTH = [4, 8, 1, 2, 4, 8, 1, 2, 4, 8] as const;

// A big-endian unsigned length of `width` bytes at `pos`.
function readLength(bytes: Uint8Array, pos: number, width: Width): number {
  if (pos + width > bytes.byteLength) throw endsEarly();
  let value = 0;
  for (let i = 0; i < width; i++) value = value * 256 + (bytes[pos + i] as number);
  return value;
}

// The position after `count` bytes at `pos`, which must all be in the body.
function skip(bytes: Uint8Array, pos: number, count: number, at: number, what: string): number {
  if (count > bytes.byteLength - pos)
    throw new Error(`the ${what} at byte ${at} declares ${count} bytes, but only ${bytes.byteLength - pos} follow`);
  return pos + count;
}

// Below this size, copying the body costs more than checking its strs one by one.
const ONE_CALL_FROM_BYTES = 1024;

// Like skip, for a str: its bytes must be UTF-8. Checked one by one: in place when short (a loop
// over ASCII bytes beats a native call), else by Node's native validator.
function text(bytes: Uint8Array, pos: number, count: number, at: number, strs: StrPayloads | undefined): number {
  const end = skip(bytes, pos, count, at, 'str');
  if (strs) {
    strs.add(pos, end);
    return end;
  }
  let ascii = count <= 16;
  for (let i = pos; ascii && i < end; i++) ascii = (bytes[i] as number) < 0x80;
  if (!ascii && !isUtf8(bytes.subarray(pos, end))) throw new Error(`the str at byte ${at} is not valid UTF-8`);
  return end;
}

/**
 * The str payloads of a body, checked as UTF-8 in one native call rather than one per string (which
 * cost more than decoding): a copy of the body in which every byte outside a str payload is set to
 * 0, an ASCII byte, so `isUtf8` over the copy checks every str at once. A sequence cut off at the
 * end of a str meets a 0 and is invalid, as it is on its own.
 */
class StrPayloads {
  private readonly copy: Buffer;
  private outsideFrom = 0;

  constructor(bytes: Uint8Array) {
    this.copy = Buffer.from(bytes);
  }

  /** The str payload `[start, end)`; everything since the previous one is outside. */
  add(start: number, end: number): void {
    zero(this.copy, this.outsideFrom, start);
    this.outsideFrom = end;
  }

  /** Whether every str payload added is UTF-8. */
  valid(): boolean {
    zero(this.copy, this.outsideFrom, this.copy.byteLength);
    return isUtf8(this.copy);
  }
}

// Header runs between strs are a few bytes: a loop beats a native call for those.
function zero(buffer: Buffer, start: number, end: number): void {
  if (end - start > 32) buffer.fill(0, start, end);
  else for (let i = start; i < end; i++) buffer[i] = 0;
}

const endsEarly = () => new Error('the body ends before the values it declares are complete');
