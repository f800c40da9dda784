import { isRecord } from './leaves';
import { MAX_EVENT_PATTERN_DEPTH } from './types';

// Refusing a pattern with EventBridge's words: event-ruler JsonRuleCompiler's reasons, after AWS's prefix.

export const REASON_PREFIX = 'Event pattern is not valid. Reason: ';

/** Internal control flow of the compiler only: `compileOrRefuse` (validate.ts) turns it into a reason. */
export class InvalidEventPatternError extends Error {}

/** Refuses the pattern being compiled with `reason` (EventBridge's wording). */
export function refuse(reason: string): never {
  throw new InvalidEventPatternError(reason);
}

/** Java token text as event-ruler's messages quote it (`JsonParser.getText()`). */
export function tokenText(value: unknown): string {
  if (value === undefined) return ']';
  if (Array.isArray(value)) return '[';
  if (isRecord(value)) return '{';
  return String(value);
}

/** Why `value` is not JSON data (or is nested too deep), or `undefined`. */
export function jsonProblem(value: unknown, depth: number, ancestors: Set<object>): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${value} is not a JSON number`;
  if (typeof value !== 'object') return `${typeof value} is not a JSON value`;
  if (depth + 1 > MAX_EVENT_PATTERN_DEPTH) {
    return `Document nesting depth (${depth + 1}) exceeds the maximum allowed (${MAX_EVENT_PATTERN_DEPTH}, from \`StreamReadConstraints.getMaxNestingDepth()\`)`;
  }
  if (ancestors.has(value)) return 'the pattern contains a cycle';
  const prototype = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && prototype !== Object.prototype && prototype !== null) {
    return 'only plain objects and arrays are JSON';
  }
  ancestors.add(value);
  const children: unknown[] = Array.isArray(value) ? value : Object.values(value);
  for (const child of children) {
    const problem = jsonProblem(child, depth + 1, ancestors);
    if (problem !== undefined) return problem;
  }
  ancestors.delete(value);
  return undefined;
}

/** Characters as EventBridge's length constraint counts them (Unicode code points). */
export function codePointLength(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    length++;
  }
  return length;
}
