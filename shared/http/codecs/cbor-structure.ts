import { MAX_BODY_DEPTH } from './limits';

/**
 * Most "value-levels" (each item counted once per enclosing container) a CBOR body may hold.
 * cbor2 decodes through one generator per nesting level, so each item costs as many steps as it is
 * deep: 2 MB of small integers 250 levels down takes seconds, where JSON.parse takes milliseconds.
 * This bound keeps the worst case to a few hundred milliseconds; flat bodies never approach it.
 */
export const MAX_CBOR_VALUE_LEVELS = 32_000_000;

const BREAK = 0xff;

type Frame = { remaining: number; indefinite: boolean };

/**
 * Walks a CBOR body's item headers without decoding any value (RFC 8949 §3), iteratively, and
 * refuses it before the decoder runs when a declared length exceeds the bytes left (a map claiming
 * 2^60 entries in 12 bytes; or nested arrays whose declared items together exceed them), an indefinite-length item has no break, the nesting exceeds twice
 * {@link MAX_BODY_DEPTH} (tags and containers each count) or the items' total depth exceeds
 * {@link MAX_CBOR_VALUE_LEVELS}. Malformed details it does not check (UTF-8, simple values, chunk
 * types, trailing bytes) are left to the decoder.
 *
 * @param bytes - the whole body
 * @throws {Error} with a reader-facing message naming the byte offset
 * @example checkCborStructure(Buffer.from([0x9b, 0, 0, 0, 1, 0, 0, 0, 0, 1])) // throws: declares 4294967296 items…
 */
export function checkCborStructure(bytes: Uint8Array): void {
  const length = bytes.byteLength;
  const stack: Frame[] = [{ remaining: 1, indefinite: false }];
  let pos = 0;
  let levels = 0;
  let pending = 1; // items declared by open definite-length containers and not yet read
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as Frame;
    if (!top.indefinite && top.remaining === 0) {
      stack.pop();
      continue;
    }
    if (pos >= length) throw new Error('the body ends before the values it declares are complete');
    const initial = bytes[pos] as number;
    if (top.indefinite && initial === BREAK) {
      pos++;
      stack.pop();
      continue;
    }
    if (!top.indefinite) {
      top.remaining--;
      pending--;
    }
    const at = pos;
    const major = initial >> 5;
    const info = initial & 0x1f;
    pos++;
    let argument = info;
    if (info >= 24 && info <= 27) {
      const size = 1 << (info - 24);
      if (pos + size > length) throw new Error('the body ends before the values it declares are complete');
      argument = 0;
      for (let i = 0; i < size; i++) argument = argument * 256 + (bytes[pos + i] as number);
      pos += size;
    } else if (info >= 28 && info <= 30) {
      throw new Error(`the item at byte ${at} has reserved additional information ${info}`);
    }
    levels += stack.length;
    if (levels > MAX_CBOR_VALUE_LEVELS) {
      throw new Error(`the body holds more than ${MAX_CBOR_VALUE_LEVELS} value-levels (values times their depth)`);
    }
    const indefinite = info === 31;
    switch (major) {
      case 2:
      case 3:
        if (indefinite) push(stack, { remaining: 0, indefinite: true }, at);
        else if (argument > length - pos) throw declaresTooMuch(at, argument, 'bytes', length - pos);
        else pos += argument;
        break;
      case 4:
      case 5: {
        const items = major === 5 ? argument * 2 : argument;
        // Each item takes at least one byte: more than the bytes left — for this container and the
        // items the open ones still declare — cannot be complete.
        if (!indefinite && items > length - pos) throw declaresTooMuch(at, items, 'items', length - pos);
        if (!indefinite) pending += items;
        if (pending > length - pos) {
          throw new Error(
            `the item at byte ${at} declares ${items} items, but only ${length - pos} bytes follow for them and the items still open`,
          );
        }
        push(stack, { remaining: indefinite ? 0 : items, indefinite }, at);
        break;
      }
      case 6:
        pending += 1;
        push(stack, { remaining: 1, indefinite: false }, at);
        break;
      case 7:
        if (indefinite) throw new Error(`a break at byte ${at} closes no indefinite-length item`);
        break;
      default: // 0 and 1: integers, whole in their header
        if (indefinite) throw new Error(`the integer at byte ${at} has indefinite length`);
    }
  }
}

function push(stack: Frame[], frame: Frame, at: number): void {
  if (stack.length > 2 * MAX_BODY_DEPTH + 1) {
    throw new Error(`the item at byte ${at} nests deeper than ${MAX_BODY_DEPTH} levels`);
  }
  stack.push(frame);
}

function declaresTooMuch(at: number, declared: number, unit: string, left: number): Error {
  return new Error(`the item at byte ${at} declares ${declared} ${unit}, but only ${left} bytes follow`);
}
