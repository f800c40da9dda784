import { type Codec, Unrepresentable } from './codec';
import { checkJsonModel, needsJsonModelCheck } from './json-model';
import { MAX_BODY_VALUES } from './limits';
import { utf8Text } from './utf8';

/**
 * `application/json` (RFC 8259; UTF-8 only, §8.1) and every `+json` media type. The default format.
 *
 * An integer literal (no fraction, no exponent) beyond ±(2^53 − 1) is refused with its pointer
 * (400), as in MessagePack and CBOR: `JSON.parse` would round it to the nearest double without a
 * word (RFC 8259 §6 warns of exactly this). Send such numbers as strings. Numbers written with a
 * fraction or exponent are read as doubles, and those beyond ±1.8e308 are refused with their pointer;
 * so are lone surrogates (`"\ud800"`, RFC 7493 §2.1) and bodies beyond the nesting and value bounds
 * (`checkJsonModel`).
 */
export const jsonCodec: Codec = {
  name: 'json',
  label: 'JSON',
  mediaTypes: ['application/json'],
  suffix: '+json',
  everyRoute: true,
  text: true,
  decode: (bytes) => {
    const text = utf8Text(bytes);
    const value: unknown = JSON.parse(text);
    // The common body only needs a lean walk for depth and numbers: a lone surrogate can only be
    // spelled as a \u escape (the text is valid UTF-8), and each value takes at least a character.
    const escapes = text.includes('\\u');
    if (!escapes && text.length <= MAX_BODY_VALUES && !needsJsonModelCheck(value)) return value;
    // Only a run of 16 digits can be an unsafe integer (2^53 has 16): the common body is not rescanned.
    return checkJsonModel(LONG_DIGIT_RUN.test(text) ? markUnsafeIntegers(text, value) : value, { strings: escapes });
  },
  encode: (value) => JSON.stringify(value),
};

const LONG_DIGIT_RUN = /\d{16}/;
const STRING = /"(?:[^"\\]|\\.)*"/y;
const NUMBER = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;

type Level = { array: boolean; index: number; key?: string; awaitingKey: boolean };

// Replaces each unsafe integer of `value` by an Unrepresentable, found by scanning `text` (valid
// JSON: JSON.parse read it) for integer literals while tracking the path of each.
function markUnsafeIntegers(text: string, value: unknown): unknown {
  const root: Record<string, unknown> = { '': value };
  const levels: Level[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i] as string;
    const top = levels[levels.length - 1];
    if (char === '"') {
      STRING.lastIndex = i;
      const literal = (STRING.exec(text) as RegExpExecArray)[0];
      if (top && !top.array && top.awaitingKey) {
        top.key = JSON.parse(literal) as string;
        top.awaitingKey = false;
      }
      i += literal.length;
    } else if (char === '{' || char === '[') {
      levels.push({ array: char === '[', index: 0, awaitingKey: char === '{' });
      i++;
    } else if (char === '}' || char === ']') {
      levels.pop();
      i++;
    } else if (char === ',') {
      if (top?.array) top.index++;
      else if (top) top.awaitingKey = true;
      i++;
    } else if (char === '-' || (char >= '0' && char <= '9')) {
      NUMBER.lastIndex = i;
      const [literal, fraction, exponent] = NUMBER.exec(text) as RegExpExecArray;
      if (fraction === undefined && exponent === undefined && !Number.isSafeInteger(Number(literal))) {
        mark(
          root,
          ['', ...levels.map((level) => (level.array ? String(level.index) : (level.key as string)))],
          literal,
        );
      }
      i += literal.length;
    } else i++;
  }
  return root[''];
}

function mark(root: Record<string, unknown>, path: readonly string[], literal: string): void {
  let holder: unknown = root;
  for (const key of path.slice(0, -1)) holder = (holder as Record<string, unknown>)?.[key];
  const last = path[path.length - 1] as string;
  if (holder === null || typeof holder !== 'object') return;
  const container = holder as Record<string, unknown>;
  // With a key given twice, JSON.parse kept the last value: mark only what it kept.
  const current = container[last];
  if (typeof current === 'number' && !Number.isSafeInteger(current)) {
    container[last] = new Unrepresentable(
      `the integer ${clip(literal)} is beyond ±(2^53 − 1) and would lose precision; send it as a string`,
    );
  }
}

const clip = (literal: string) =>
  literal.length > 40 ? `${literal.slice(0, 20)}…(${literal.length} digits)` : literal;
