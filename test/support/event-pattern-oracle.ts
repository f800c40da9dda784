// An interpreted EventBridge event-pattern matcher, kept as the reference the compiled matcher
// (shared/domain/events/event-pattern) is tested against. Not product code.
import { type CaseMode, caseVariants } from '../../shared/domain/events/event-pattern/case-folding';
import { inIpRange, ipAddressBytes, parseCidr } from '../../shared/domain/events/event-pattern/ip-cidr';
import { isRecord, type Leaf } from '../../shared/domain/events/event-pattern/leaves';
import { toMicros } from '../../shared/domain/events/event-pattern/numeric';
import { type FieldCheck, occurrencesAt, planPath, satisfiable } from '../../shared/domain/events/event-pattern/paths';
import type { EventPattern } from '../../shared/domain/events/event-pattern/types';
import { WILDCARD, wildcardTokens } from '../../shared/domain/events/event-pattern/wildcard';

/** Multiplies out `$or` as the compiler does, keeping each field's raw list. */
function expandAlternatives(pattern: Record<string, unknown>): Map<string, readonly unknown[]>[] {
  const expand = (
    node: Record<string, unknown>,
    prefix: readonly string[],
    into: Map<string, readonly unknown[]>[],
  ) => {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$or' && Array.isArray(value)) {
        const before = into.map((fields) => new Map(fields));
        into.length = 0;
        for (const branch of value) {
          if (!isRecord(branch)) continue;
          const forked = before.length > 0 ? before.map((fields) => new Map(fields)) : [new Map()];
          expand(branch, prefix, forked);
          into.push(...forked);
        }
      } else if (Array.isArray(value)) {
        if (into.length === 0) into.push(new Map());
        for (const fields of into) fields.set([...prefix, key].join('.'), value);
      } else if (isRecord(value)) expand(value, [...prefix, key], into);
    }
  };
  const alternatives: Map<string, readonly unknown[]>[] = [];
  expand(pattern, [], alternatives);
  return alternatives;
}

/** equals-ignore-case by walking the case variants unit by unit (the compiler uses a RegExp). */
function matchesIgnoringCase(text: unknown, value: Leaf, mode: CaseMode): boolean {
  if (typeof text !== 'string' || typeof value !== 'string') return false;
  const variants = caseVariants(text);
  const from = (unit: number, position: number): boolean => {
    if (unit === variants.length) return mode === 'prefix' || position === value.length;
    return (variants[unit] as string[]).some(
      (form) => value.startsWith(form, position) && from(unit + 1, position + form.length),
    );
  };
  if (mode !== 'suffix') return from(0, 0);
  for (let start = 0; start <= value.length; start++) if (from(0, start)) return true;
  return false;
}

/** Wildcard matching by dynamic programming over tokens × positions (the compiler uses literal runs). */
function matchesWildcard(text: unknown, value: Leaf): boolean {
  if (typeof text !== 'string' || typeof value !== 'string') return false;
  let reachable = new Uint8Array(value.length + 1);
  reachable[0] = 1;
  for (const token of wildcardTokens(text)) {
    const next = new Uint8Array(value.length + 1);
    for (let j = 0; j <= value.length; j++) {
      const here = reachable[j] === 1;
      const before = j > 0 && reachable[j - 1] === 1;
      if (token === WILDCARD) next[j] = here || (j > 0 && next[j - 1] === 1) ? 1 : 0;
      else next[j] = before && value[j - 1] === token ? 1 : 0;
    }
    reachable = next;
  }
  return reachable[value.length] === 1;
}

function micros(value: unknown): number | null {
  return typeof value === 'number' ? toMicros(value) : null;
}

function matchesNumeric(terms: unknown, value: Leaf): boolean {
  if (!Array.isArray(terms) || typeof value !== 'number') return false;
  const actual = toMicros(value);
  if (actual === null) return false;
  const [operator, operand, upper, top] = terms;
  const bound = micros(operand);
  if (bound === null) return false;
  switch (operator) {
    case '=':
      return actual === bound;
    case '<':
      return actual < bound;
    case '<=':
      return actual <= bound;
    case '>':
    case '>=': {
      if (operator === '>' ? actual <= bound : actual < bound) return false;
      if (upper === undefined) return true;
      const high = micros(top);
      return high !== null && (upper === '<' ? actual < high : actual <= high);
    }
    default:
      return false;
  }
}

function excludedByAnythingBut(argument: unknown, value: Leaf): boolean {
  if (isRecord(argument)) {
    const [kind] = Object.keys(argument);
    const inner = kind === undefined ? [] : argument[kind];
    const texts: unknown[] = Array.isArray(inner) ? inner : [inner];
    return texts.some((text) => {
      if (typeof text !== 'string' || typeof value !== 'string') return false;
      if (kind === 'prefix') return value.startsWith(text);
      if (kind === 'suffix') return value.endsWith(text);
      if (kind === 'wildcard') return matchesWildcard(text, value);
      return kind === 'equals-ignore-case' && matchesIgnoringCase(text, value, 'whole');
    });
  }
  const excluded: unknown[] = Array.isArray(argument) ? argument : [argument];
  return excluded.some((item) =>
    typeof item === 'number' ? micros(value) !== null && micros(value) === micros(item) : item === value,
  );
}

function matchesEntry(entry: unknown, value: Leaf): boolean {
  if (typeof entry === 'string') {
    const bytes = ipAddressBytes(entry);
    return bytes ? inIpRange({ low: bytes, high: bytes }, value) : value === entry;
  }
  if (typeof entry === 'number') {
    if (typeof value !== 'number') return false;
    const expected = toMicros(entry);
    return value === entry || (expected !== null && toMicros(value) === expected);
  }
  if (!isRecord(entry)) return entry === value;
  const [name] = Object.keys(entry);
  const argument = name === undefined ? undefined : entry[name];
  switch (name) {
    case 'prefix':
      if (isRecord(argument)) return matchesIgnoringCase(argument['equals-ignore-case'], value, 'prefix');
      return typeof value === 'string' && typeof argument === 'string' && value.startsWith(argument);
    case 'suffix':
      if (isRecord(argument)) return matchesIgnoringCase(argument['equals-ignore-case'], value, 'suffix');
      return typeof value === 'string' && typeof argument === 'string' && value.endsWith(argument);
    case 'equals-ignore-case':
      return matchesIgnoringCase(argument, value, 'whole');
    case 'wildcard':
      return matchesWildcard(argument, value);
    case 'anything-but':
      return !excludedByAnythingBut(argument, value);
    case 'numeric':
      return matchesNumeric(argument, value);
    case 'exists':
      return argument === true;
    case 'cidr': {
      const range = typeof argument === 'string' ? parseCidr(argument) : 'not a string';
      return typeof range !== 'string' && inIpRange(range, value);
    }
    default:
      return false;
  }
}

/**
 * Test oracle: whether an event matches an event pattern, reading the pattern as it goes (no
 * compilation, no cache, different algorithms for case folding and wildcards). The product matches
 * with `compileEventPattern`; the unit and property tests check it gives the same answers.
 *
 * @param pattern - a pattern that `validateEventPattern` accepts; shapes it refuses never match
 * @param event - the event, as parsed JSON; anything that is not an object never matches
 * @returns whether the event matches
 */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  if (!isRecord(event) || !isRecord(pattern)) return false;
  return expandAlternatives(pattern).some((fields) => {
    const paths = [...fields.keys()].sort();
    const checks = paths.map((path): FieldCheck => {
      const entries = fields.get(path) as readonly unknown[];
      const all = occurrencesAt(event, planPath(path));
      return {
        matching: all.filter((occurrence) => entries.some((entry) => matchesEntry(entry, occurrence.value))),
        all,
        allowsAbsence: entries.some((entry) => isRecord(entry) && entry.exists === false),
      };
    });
    return satisfiable(checks);
  });
}
