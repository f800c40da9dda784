import ipaddr from 'ipaddr.js';
import { ValidationError } from '../errors';

// Amazon EventBridge event patterns, validated and matched the way EventBridge does it.
//
// Sources, cited rule by rule below:
// - Amazon EventBridge User Guide, "Content filtering in Amazon EventBridge event patterns" and
//   "Creating Amazon EventBridge event patterns" (what each filter means);
// - Amazon EventBridge API Reference, PutRule (`EventPattern`: maximum length 4096);
// - aws/event-ruler, the open-source matcher AWS published from EventBridge (Apache-2.0): its
//   JsonRuleCompiler gives the refusal reasons word for word, and its array-consistent finder
//   (ACFinder) the matching of arrays; the messages recorded from the real service in
//   test/fixtures/eventbridge/eventbridge-invalid-patterns.json agree with it.

/**
 * A literal a pattern can list: it matches an event value of the same JSON type and value (User Guide,
 * "Creating Amazon EventBridge event patterns": "values are case sensitive", numbers compare as numbers).
 *
 * @example
 * const values: EventPatternValue[] = ['running', 42, true, null];
 */
export type EventPatternValue = string | number | boolean | null;

/**
 * The value of an `anything-but` filter (Amazon EventBridge User Guide, "Anything-but matching"): a
 * string, a number, a list of only strings or only numbers, or one of `prefix`, `suffix`,
 * `equals-ignore-case`, `wildcard` with a string or a list of strings.
 *
 * @example
 * const notTest: EventPatternAnythingBut = { prefix: ['test-', 'tmp-'] };
 */
export type EventPatternAnythingBut =
  | string
  | number
  | readonly string[]
  | readonly number[]
  | { readonly prefix: string | readonly string[] }
  | { readonly suffix: string | readonly string[] }
  | { readonly 'equals-ignore-case': string | readonly string[] }
  | { readonly wildcard: string | readonly string[] };

/**
 * One content filter, the object form of a pattern value (Amazon EventBridge User Guide, "Content
 * filtering in Amazon EventBridge event patterns"). `numeric` holds `[op, number]` or
 * `['>' | '>=', number, '<' | '<=', number]`; `cidr` an IPv4 or IPv6 CIDR.
 *
 * @example
 * const filters: EventPatternFilter[] = [{ prefix: { 'equals-ignore-case': 'eu-' } }, { numeric: ['>=', 0, '<', 10] }];
 */
export type EventPatternFilter =
  | { readonly prefix: string | { readonly 'equals-ignore-case': string } }
  | { readonly suffix: string | { readonly 'equals-ignore-case': string } }
  | { readonly 'equals-ignore-case': string }
  | { readonly wildcard: string }
  | { readonly 'anything-but': EventPatternAnythingBut }
  | { readonly numeric: readonly (string | number)[] }
  | { readonly exists: boolean }
  | { readonly cidr: string };

/**
 * One entry of a field's list: a literal or a content filter. The entries of a list are OR-ed (User
 * Guide, "Creating Amazon EventBridge event patterns").
 *
 * @example
 * const state: EventPatternMatcher[] = ['stopped', { prefix: 'run' }];
 */
export type EventPatternMatcher = EventPatternValue | EventPatternFilter;

/**
 * An EventBridge event pattern: field names mapping to nested patterns or to a non-empty list of
 * matchers, and `$or` mapping to two or more alternative patterns. All fields must match (AND);
 * fields the pattern does not name are ignored.
 *
 * @example
 * const pattern: EventPattern = { source: ['aif.orders'], detail: { amount: [{ numeric: ['>', 100] }] } };
 */
export type EventPattern = {
  readonly [field: string]: EventPattern | readonly EventPatternMatcher[] | readonly EventPattern[];
};

/**
 * What {@link validateEventPattern} answers: the pattern, typed, or EventBridge's reason for refusing it.
 *
 * @example
 * const refused: EventPatternValidation = { valid: false, reason: 'Event pattern is not valid. Reason: Empty arrays are not allowed' };
 */
export type EventPatternValidation = { valid: true; pattern: EventPattern } | { valid: false; reason: string };

/**
 * A compiled pattern (see {@link compileEventPattern}): `true` when the event matches. Never throws;
 * an event that is not a JSON object never matches.
 *
 * @example
 * const isOrder: EventMatcher = compileEventPattern({ source: ['aif.orders'] });
 */
export type EventMatcher = (event: unknown) => boolean;

/**
 * Longest event pattern EventBridge accepts, in characters: Amazon EventBridge API Reference,
 * PutRule, `EventPattern` "Length Constraints: Maximum length of 4096". Measured on the compact
 * `JSON.stringify` form in Unicode code points; a pattern sent with whitespace is longer.
 *
 * @example
 * JSON.stringify(pattern).length <= MAX_EVENT_PATTERN_LENGTH; // roughly what validateEventPattern checks
 */
export const MAX_EVENT_PATTERN_LENGTH = 4096;

/**
 * Deepest nesting of objects and arrays accepted, in levels: the default of Jackson's
 * `StreamReadConstraints.getMaxNestingDepth()`, the JSON parser event-ruler uses. A pattern within
 * {@link MAX_EVENT_PATTERN_LENGTH} characters cannot reach it; the check protects the recursion of
 * {@link validateEventPattern} from deeper objects built in code.
 *
 * @example
 * validateEventPattern(deeplyNested); // reason names "Document nesting depth (1001) exceeds …"
 */
export const MAX_EVENT_PATTERN_DEPTH = 1000;

/**
 * Most alternatives a pattern may expand to once its `$or`s are multiplied out (each `$or` in an
 * AND multiplies the count). EventBridge documents no such limit; this one is ours, so that a
 * pattern of nested `$or`s cannot make matching exponential. Patterns written by hand stay far below.
 *
 * @example
 * // { a: { $or: [x, y] }, b: { $or: [x, y] } } expands to 2 × 2 = 4 alternatives
 */
export const MAX_EVENT_PATTERN_ALTERNATIVES = 1024;

const REASON_PREFIX = 'Event pattern is not valid. Reason: ';

/** Numbers EventBridge compares numerically lie in ±5.0e9 (event-ruler ComparableNumber, `FIVE_BILLION`). */
const FIVE_BILLION = 5e9;
const MICROS_PER_UNIT = 1e6;

/** Field names refused inside `$or` (event-ruler Constants.RESERVED_FIELD_NAMES_IN_OR_RELATIONSHIP). */
const RESERVED_IN_OR = new Set([
  'exactly',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  'html',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

// ---------------------------------------------------------------------------------------------
// Shared primitives: event leaves, numbers, IP addresses, case folding, wildcards
// ---------------------------------------------------------------------------------------------

type Leaf = string | number | boolean | null;
type LeafTest = (value: Leaf) => boolean;

/** The array an event value sits in, its index there, and the arrays further out. */
type ArrayStep = { readonly array: readonly unknown[]; readonly index: number; readonly parent: ArrayStep | undefined };

/** One value the event holds at a field path, with the array elements it was reached through. */
type Occurrence = { readonly value: Leaf; readonly steps: ArrayStep | undefined };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isLeaf = (value: unknown): value is Leaf =>
  value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

/**
 * A number as a count of millionths, truncated toward zero, or `null` outside ±5.0e9. This is
 * EventBridge's numeric precision: "six digits to the right of the decimal point" within a bounded
 * range (User Guide, "Numeric matching"; event-ruler ComparableNumber). Digits past the sixth are
 * read from the number's shortest decimal form, so 9.999999 stays 9999999 millionths.
 */
function toMicros(value: number): number | null {
  if (!(value >= -FIVE_BILLION && value <= FIVE_BILLION)) return null;
  if (Number.isInteger(value)) return value * MICROS_PER_UNIT + 0; // + 0 turns -0 into 0
  const text = Math.abs(value).toString();
  // Below 1e-6 JavaScript writes an exponent; such a number truncates to 0 millionths.
  if (text.includes('e')) return 0;
  const dot = text.indexOf('.');
  const micros = Number(text.slice(0, dot)) * MICROS_PER_UNIT + Number(`${text.slice(dot + 1)}000000`.slice(0, 6));
  return value < 0 ? -micros : micros;
}

/** Java's `Double.toString` for the ±5.0e9 bound, as event-ruler prints it in its reason. */
const RANGE_REASON = 'Value must be between -5.0E9 and 5.0E9, inclusive';

const IPV4_SHAPE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;

/**
 * The bytes of an IP address literal: `undefined` when the text does not look like one, `null` when it
 * looks like one but is not (event-ruler CIDR.ipToBytes: the same two shapes, then Java's
 * `InetAddress`, which turns IPv4-mapped IPv6 addresses into IPv4 ones). Dotted quads are read in
 * decimal, leading zeros allowed.
 */
function ipAddressBytes(text: string): number[] | null | undefined {
  if (IPV4_SHAPE.test(text)) {
    const bytes = text.split('.').map(Number);
    return bytes.every((byte) => byte <= 255) ? bytes : null;
  }
  if (IPV6_SHAPE.test(text)) {
    if (!ipaddr.IPv6.isValid(text)) return null;
    const address = ipaddr.IPv6.parse(text);
    return address.isIPv4MappedAddress() ? address.toIPv4Address().toByteArray() : address.toByteArray();
  }
  return undefined;
}

function compareBytes(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    const difference = (a[i] as number) - (b[i] as number);
    if (difference !== 0) return difference;
  }
  return 0;
}

type IpRange = { readonly low: readonly number[]; readonly high: readonly number[] };

/** Whether `value` is an IP address literal inside `range` (same family: 4 or 16 bytes). */
function inIpRange(range: IpRange, value: Leaf): boolean {
  if (typeof value !== 'string') return false;
  const bytes = ipAddressBytes(value);
  return (
    bytes != null &&
    bytes.length === range.low.length &&
    compareBytes(bytes, range.low) >= 0 &&
    compareBytes(bytes, range.high) <= 0
  );
}

/** Java's `String.split("/")`: no match gives the text itself; trailing empty strings are dropped. */
function javaSplitOnSlash(text: string): string[] {
  if (!text.includes('/')) return [text];
  const parts = text.split('/');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** Java's `Integer.parseInt` on ASCII digits: an optional sign, then digits, within 32 bits. */
function javaParseInt(text: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const value = Number(text);
  return value >= -2147483648 && value <= 2147483647 ? value : undefined;
}

/**
 * The addresses a `cidr` filter covers, or event-ruler's reason for refusing it (CIDR.cidr). The
 * range runs from the network address to the broadcast address. event-ruler refuses `/32` for IPv4
 * and `/128` for IPv6 ("mask bits must be < 32"); so does this.
 */
function parseCidr(text: string): IpRange | string {
  const parts = javaSplitOnSlash(text);
  if (parts.length !== 2) return "Malformed CIDR, one '/' required";
  const maskBits = javaParseInt(parts[1] as string);
  if (maskBits === undefined) return 'Malformed CIDR, mask bits must be an integer';
  if (maskBits < 0) return 'Malformed CIDR, mask bits must not be negative';
  const address = parts[0] as string;
  const bytes = ipAddressBytes(address);
  if (bytes === undefined) return `Nonstandard IP address: ${address}`;
  if (bytes === null) return `Invalid IP address: ${address}`;
  if (bytes.length === 4 && maskBits > 31) return 'IPv4 mask bits must be < 32';
  if (bytes.length === 16 && maskBits > 127) return 'IPv6 mask bits must be < 128';
  let variableBits = bytes.length * 8 - maskBits;
  const low = [...bytes];
  const high = [...bytes];
  for (let i = bytes.length - 1; i >= 0 && variableBits > 0; i--, variableBits -= 8) {
    const hostMask = variableBits >= 8 ? 0xff : (1 << variableBits) - 1;
    low[i] = (bytes[i] as number) & ~hostMask & 0xff;
    high[i] = (bytes[i] as number) | hostMask;
  }
  return { low, high };
}

/**
 * The case variants equals-ignore-case accepts for each UTF-16 unit of `text`: its lower and upper
 * case (locale-independent), or the one form when they agree (event-ruler EqualsIgnoreCaseParser).
 */
function caseVariants(text: string): string[][] {
  const variants: string[][] = [];
  for (let i = 0; i < text.length; i++) {
    const unit = text[i] as string;
    const lower = unit.toLowerCase();
    const upper = unit.toUpperCase();
    variants.push(lower === upper ? [lower] : [lower, upper]);
  }
  return variants;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

type CaseMode = 'whole' | 'prefix' | 'suffix';

/** A regular expression for equals-ignore-case over `text`, anchored per `mode`; no quantifiers, so no backtracking blow-up. */
function caseInsensitiveRegExp(text: string, mode: CaseMode): RegExp {
  const body = caseVariants(text)
    .map((forms) =>
      forms.length === 1 ? escapeRegExp(forms[0] as string) : `(?:${forms.map(escapeRegExp).join('|')})`,
    )
    .join('');
  return new RegExp(`${mode === 'suffix' ? '' : '^'}${body}${mode === 'prefix' ? '' : '$'}`);
}

const WILDCARD = Symbol('wildcard');
type WildcardToken = string | typeof WILDCARD;

/** `*` is a wildcard, `\*` a literal star and `\\` a literal backslash (User Guide, "Wildcard matching"). */
function wildcardTokens(text: string): WildcardToken[] {
  const tokens: WildcardToken[] = [];
  for (let i = 0; i < text.length; i++) {
    const unit = text[i] as string;
    if (unit === '*') tokens.push(WILDCARD);
    else if (unit === '\\' && (text[i + 1] === '*' || text[i + 1] === '\\')) tokens.push(text[++i] as string);
    else tokens.push(unit);
  }
  return tokens;
}

/**
 * event-ruler's reason for refusing a wildcard (WildcardParser), or `undefined`. Positions count
 * UTF-8 bytes of the value wrapped in quotes, as event-ruler reports them.
 */
function wildcardProblem(text: string): string | undefined {
  const bytes = new TextEncoder().encode(`"${text}"`);
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x2a && bytes[i + 1] === 0x2a) return `Consecutive wildcard characters at pos ${i}`;
    if (bytes[i] === 0x5c) {
      if (bytes[i + 1] === 0x2a || bytes[i + 1] === 0x5c) i++;
      else return `Invalid escape character at pos ${i}`;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Events: the values at a field path, and array consistency
// ---------------------------------------------------------------------------------------------

/** Pushes every leaf of `value` (flattening nested arrays) as an occurrence. Objects hold no leaf at this path. */
function collectLeaves(value: unknown, steps: ArrayStep | undefined, out: Occurrence[]): void {
  if (isLeaf(value)) out.push({ value, steps });
  else if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      collectLeaves(value[index], { array: value, index, parent: steps }, out);
    }
  }
}

/**
 * How to walk a dot-joined field path: for each place the walk can stand in the path (its start and
 * after each dot), the keys to try there: the whole rest of the path (a leaf) and the rest up to each
 * later dot (an object or array to enter, resuming after that dot). EventBridge flattens field names
 * with `.`, so `{"a": {"b": 1}}` and `{"a.b": 1}` both hold 1 at `a.b`; every split is tried.
 */
type PathPlan = readonly (readonly { readonly key: string; readonly resume: number }[])[];

const LEAF = -1;

function planPath(path: string): PathPlan {
  const starts = [0];
  for (let i = 0; i < path.length; i++) if (path[i] === '.') starts.push(i + 1);
  return starts.map((start, at) => {
    const keys = [{ key: path.slice(start), resume: LEAF }];
    for (let next = at + 1; next < starts.length; next++) {
      keys.push({ key: path.slice(start, (starts[next] as number) - 1), resume: next });
    }
    return keys;
  });
}

function walkPath(value: unknown, plan: PathPlan, at: number, steps: ArrayStep | undefined, out: Occurrence[]): void {
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      walkPath(value[index], plan, at, { array: value, index, parent: steps }, out);
    }
    return;
  }
  if (!isRecord(value)) return;
  for (const { key, resume } of plan[at] as PathPlan[number]) {
    if (!Object.hasOwn(value, key)) continue;
    if (resume === LEAF) collectLeaves(value[key], steps, out);
    else walkPath(value[key], plan, resume, steps, out);
  }
}

/**
 * The values an event holds at a field path, every split of its dots tried (see {@link PathPlan}).
 * Arrays on the way are entered element by element (User Guide, "Matching arrays"); only own
 * properties count.
 */
function occurrencesAt(event: Record<string, unknown>, plan: PathPlan): Occurrence[] {
  const out: Occurrence[] = [];
  walkPath(event, plan, 0, undefined, out);
  return out;
}

/** One field of one alternative, ready for the array-consistency search. */
type FieldCheck = {
  /** Values at the path that some matcher accepts. */
  readonly matching: readonly Occurrence[];
  /** Every value at the path; consulted for `exists: false`. */
  readonly all: readonly Occurrence[];
  /** Whether the list holds `{"exists": false}`. */
  readonly allowsAbsence: boolean;
};

function consistent(steps: ArrayStep | undefined, bound: ReadonlyMap<unknown, number>): boolean {
  for (let step = steps; step; step = step.parent) {
    const index = bound.get(step.array);
    if (index !== undefined && index !== step.index) return false;
  }
  return true;
}

/**
 * Whether one alternative matches: every field has a value some matcher accepts (or, for
 * `exists: false`, no value), and the values chosen from elements of one array come from the same
 * element. This is event-ruler's array consistency (ACFinder, ArrayMembership): `{"items": {"sku":
 * ["a"], "qty": [2]}}` needs one item with both. Checks arrive sorted by path; as in event-ruler, an
 * absence is judged against the array elements fixed by the fields before it.
 */
function satisfiable(checks: readonly FieldCheck[]): boolean {
  for (const check of checks) if (check.matching.length === 0 && !check.allowsAbsence) return false;

  // Without arrays on the way, every field is judged on its own.
  const throughArrays = checks.some(
    (check) =>
      check.matching.some((occurrence) => occurrence.steps !== undefined) ||
      (check.allowsAbsence && check.all.some((occurrence) => occurrence.steps !== undefined)),
  );
  if (!throughArrays) return checks.every((check) => check.matching.length > 0 || check.all.length === 0);

  // Only arrays reached by two or more fields can make choices conflict.
  const owner = new Map<unknown, number>();
  const shared = new Set<unknown>();
  checks.forEach((check, i) => {
    for (const list of [check.matching, check.allowsAbsence ? check.all : []]) {
      for (const occurrence of list) {
        for (let step = occurrence.steps; step; step = step.parent) {
          const first = owner.get(step.array);
          if (first === undefined) owner.set(step.array, i);
          else if (first !== i) shared.add(step.array);
        }
      }
    }
  });
  if (shared.size === 0) return checks.every((check) => check.matching.length > 0 || check.all.length === 0);

  // Values reached through the same elements of shared arrays are interchangeable: keep one of each.
  const ids = new Map<unknown, number>();
  const candidates = checks.map((check) => {
    const seen = new Set<string>();
    return check.matching.filter((occurrence) => {
      let key = '';
      for (let step = occurrence.steps; step; step = step.parent) {
        if (!shared.has(step.array)) continue;
        let id = ids.get(step.array);
        if (id === undefined) {
          id = ids.size;
          ids.set(step.array, id);
        }
        key += `${id}:${step.index},`;
      }
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  });

  const bound = new Map<unknown, number>();
  const search = (i: number): boolean => {
    if (i === checks.length) return true;
    const check = checks[i] as FieldCheck;
    for (const occurrence of candidates[i] as Occurrence[]) {
      if (!consistent(occurrence.steps, bound)) continue;
      const added: unknown[] = [];
      for (let step = occurrence.steps; step; step = step.parent) {
        if (shared.has(step.array) && !bound.has(step.array)) {
          bound.set(step.array, step.index);
          added.push(step.array);
        }
      }
      if (search(i + 1)) return true;
      for (const array of added) bound.delete(array);
    }
    return (
      check.allowsAbsence && check.all.every((occurrence) => !consistent(occurrence.steps, bound)) && search(i + 1)
    );
  };
  return search(0);
}

// ---------------------------------------------------------------------------------------------
// Validation and compilation (one pass, after event-ruler's JsonRuleCompiler)
// ---------------------------------------------------------------------------------------------

/** Internal control flow of the compiler only: never escapes this module (see validateEventPattern). */
class InvalidEventPatternError extends Error {}

function refuse(reason: string): never {
  throw new InvalidEventPatternError(reason);
}

/** A field of an alternative, compiled. The same object is shared by every alternative that AND-s it. */
type CompiledField = {
  readonly id: number;
  readonly path: string;
  readonly pathId: number;
  readonly plan: PathPlan;
  readonly test: LeafTest | undefined;
  readonly allowsAbsence: boolean;
};

type CompiledPattern = {
  readonly alternatives: readonly (readonly CompiledField[])[];
  readonly paths: readonly string[];
  readonly fieldCount: number;
};

const anyOf = (tests: readonly LeafTest[]): LeafTest | undefined => {
  if (tests.length === 0) return undefined;
  if (tests.length === 1) return tests[0];
  return (value) => {
    for (const test of tests) if (test(value)) return true;
    return false;
  };
};

const numberEquals = (expected: number): LeafTest => {
  const micros = toMicros(expected);
  return (value) =>
    typeof value === 'number' && (value === expected || (micros !== null && toMicros(value) === micros));
};

const isStringWith =
  (predicate: (text: string) => boolean): LeafTest =>
  (value) =>
    typeof value === 'string' && predicate(value);

/** A compiled wildcard: literal runs between stars, matched left to right (linear, no backtracking). */
function wildcardTest(text: string): (value: string) => boolean {
  const runs: string[] = [''];
  for (const token of wildcardTokens(text)) {
    if (token === WILDCARD) runs.push('');
    else runs[runs.length - 1] += token;
  }
  if (runs.length === 1) {
    const only = runs[0] as string;
    return (value) => value === only;
  }
  const first = runs[0] as string;
  const last = runs[runs.length - 1] as string;
  const middle = runs.slice(1, -1).filter((run) => run.length > 0);
  return (value) => {
    if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last)) return false;
    const end = value.length - last.length;
    let position = first.length;
    for (const run of middle) {
      const at = value.indexOf(run, position);
      if (at === -1 || at + run.length > end) return false;
      position = at + run.length;
    }
    return true;
  };
}

/** Java token text as event-ruler's messages quote it (`JsonParser.getText()`). */
function tokenText(value: unknown): string {
  if (value === undefined) return ']';
  if (Array.isArray(value)) return '[';
  if (isRecord(value)) return '{';
  return String(value);
}

/** A numeric range in millionths; either end open or closed (event-ruler Range). */
function numericRange(bottom: number, openBottom: boolean, top: number, openTop: boolean): LeafTest {
  if (bottom >= top) refuse('Bottom must be less than top');
  const low = toMicros(bottom) ?? refuse(RANGE_REASON);
  const high = toMicros(top) ?? refuse(RANGE_REASON);
  return (value) => {
    if (typeof value !== 'number') return false;
    const micros = toMicros(value);
    return micros !== null && (openBottom ? micros > low : micros >= low) && (openTop ? micros < high : micros <= high);
  };
}

/** `{"numeric": [...]}` (User Guide, "Numeric matching"; event-ruler processNumericMatchExpression). */
function compileNumeric(terms: readonly unknown[]): LeafTest {
  const [operator, operand] = terms;
  if (typeof operator !== 'string') return refuse(`Invalid member in numeric match: ${tokenText(operator)}`);
  const tooMany = 'Too many elements in numeric expression';
  switch (operator) {
    case '=': {
      if (typeof operand !== 'number') return refuse('Value of equals must be numeric');
      if (terms.length > 2) refuse(tooMany);
      const micros = toMicros(operand) ?? refuse(RANGE_REASON);
      return (value) => typeof value === 'number' && toMicros(value) === micros;
    }
    case '>':
    case '>=': {
      if (typeof operand !== 'number') return refuse(`Value of ${operator} must be numeric`);
      if (terms.length === 2) return numericRange(operand, operator === '>', FIVE_BILLION, false);
      const upper = terms[2];
      if (typeof upper !== 'string') return refuse(`Bad value in numeric range: ${tokenText(upper)}`);
      if (upper !== '<' && upper !== '<=') return refuse(`Bad numeric range operator: ${upper}`);
      const top = terms[3];
      if (typeof top !== 'number') return refuse(`Value of ${upper} must be numeric`);
      if (terms.length > 4) refuse('Too many terms in numeric range expression');
      return numericRange(operand, operator === '>', top, upper === '<');
    }
    case '<':
    case '<=':
      if (typeof operand !== 'number') return refuse(`Value of ${operator} must be numeric`);
      if (terms.length > 2) refuse(tooMany);
      return numericRange(-FIVE_BILLION, false, operand, operator === '<');
    default:
      return refuse(`Unrecognized numeric range operator: ${operator}`);
  }
}

type AnythingButKind = 'equals-ignore-case' | 'prefix' | 'suffix' | 'wildcard';

/** A value of `anything-but: {prefix|suffix|equals-ignore-case|wildcard: …}`, checked as event-ruler does. */
function anythingButText(kind: AnythingButKind, value: unknown): string {
  if (typeof value !== 'string') {
    if (kind === 'equals-ignore-case') {
      return refuse('Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.');
    }
    return refuse(
      kind === 'wildcard' ? 'wildcard match pattern must be a string' : 'prefix/suffix match pattern must be a string',
    );
  }
  if ((kind === 'prefix' || kind === 'suffix') && value === '') refuse('Null prefix/suffix not allowed');
  return value;
}

/** `{"anything-but": …}` (User Guide, "Anything-but matching"; event-ruler processMatchExpression). */
function compileAnythingBut(argument: unknown, extraKeys: boolean): LeafTest {
  const tooMany = 'Too many elements in numeric expression'; // sic: event-ruler's wording for extra keys here
  let kind: AnythingButKind | undefined;
  let values = argument;
  let innerExtraKeys = false;
  if (isRecord(argument)) {
    const keys = Object.keys(argument);
    if (keys.length === 0) return refuse('Anything-But expression name not found');
    const name = keys[0] as string;
    if (name !== 'equals-ignore-case' && name !== 'prefix' && name !== 'suffix' && name !== 'wildcard') {
      return refuse(`Unsupported anything-but pattern: ${name}`);
    }
    kind = name;
    values = argument[name];
    innerExtraKeys = keys.length > 1;
  }
  if (!Array.isArray(values) && typeof values !== 'string' && typeof values !== 'number') {
    return refuse('Value of anything-but must be an array or single string/number value.');
  }

  let excluded: (value: Leaf) => boolean;
  if (kind === undefined) {
    const list: readonly unknown[] = Array.isArray(values) ? values : [values];
    const strings = new Set<string>();
    const micros = new Set<number>();
    for (const item of list) {
      if (typeof item === 'string') strings.add(item);
      else if (typeof item === 'number') micros.add(toMicros(item) ?? refuse(RANGE_REASON));
      else refuse('Inside anything but list, start|null|boolean is not supported.');
    }
    if (Array.isArray(values) && strings.size > 0 === micros.size > 0) {
      refuse('Inside anything but list, either all values are number or string, mixed type is not supported');
    }
    excluded = (value) => {
      if (typeof value === 'string') return strings.has(value);
      if (typeof value !== 'number' || micros.size === 0) return false;
      const valueMicros = toMicros(value);
      return valueMicros !== null && micros.has(valueMicros);
    };
  } else {
    // event-ruler does not refuse an empty list here; it then excludes nothing (any present value matches).
    const texts = (Array.isArray(values) ? values : [values]).map((value) => anythingButText(kind, value));
    if (kind === 'wildcard') for (const text of texts) refuseWildcard(text);
    const predicates: ((text: string) => boolean)[] = texts.map((text) => {
      if (kind === 'prefix') return (value: string) => value.startsWith(text);
      if (kind === 'suffix') return (value: string) => value.endsWith(text);
      if (kind === 'wildcard') return wildcardTest(text);
      const pattern = caseInsensitiveRegExp(text, 'whole');
      return (value: string) => pattern.test(value);
    });
    excluded = (value) => typeof value === 'string' && predicates.some((predicate) => predicate(value));
  }
  if (innerExtraKeys || extraKeys) refuse(tooMany);
  return (value) => !excluded(value);
}

function refuseWildcard(text: string): void {
  const problem = wildcardProblem(text);
  if (problem !== undefined) refuse(problem);
}

/** `prefix`/`suffix` with `{"equals-ignore-case": …}` (User Guide, "Prefix matching while ignoring case"). */
function compileAffixIgnoringCase(kind: 'prefix' | 'suffix', argument: Record<string, unknown>, extra: boolean) {
  const label = kind === 'prefix' ? 'Prefix' : 'Suffix';
  const keys = Object.keys(argument);
  if (keys.length === 0) return refuse(`${label} expression name not found`);
  if (keys[0] !== 'equals-ignore-case') return refuse(`Unsupported ${kind} pattern: ${keys[0]}`);
  const text = argument['equals-ignore-case'];
  if (typeof text !== 'string') return refuse('equals-ignore-case match pattern must be a string');
  if (keys.length > 1 || extra) refuse('Only one key allowed in match expression');
  const pattern = caseInsensitiveRegExp(text, kind);
  return isStringWith((value) => pattern.test(value));
}

type CompiledMatcher = { test?: LeafTest; absence?: true };

/** One content filter object (User Guide, "Content filtering"; event-ruler processMatchExpression). */
function compileFilter(filter: Record<string, unknown>): CompiledMatcher {
  const keys = Object.keys(filter);
  if (keys.length === 0) return refuse('Match expression name not found');
  const name = keys[0] as string;
  const argument = filter[name];
  const extra = keys.length > 1;
  const oneKey = () => {
    if (extra) refuse('Only one key allowed in match expression');
  };
  switch (name) {
    case 'prefix':
    case 'suffix': {
      if (isRecord(argument)) return { test: compileAffixIgnoringCase(name, argument, extra) };
      if (typeof argument !== 'string') return refuse(`${name} match pattern must be a string`);
      oneKey();
      return {
        test: isStringWith(
          name === 'prefix' ? (value) => value.startsWith(argument) : (value) => value.endsWith(argument),
        ),
      };
    }
    case 'numeric': {
      if (!Array.isArray(argument)) return refuse('Value of numeric must be an array.');
      const test = compileNumeric(argument);
      if (extra) refuse('Too many elements in numeric expression');
      return { test };
    }
    case 'anything-but':
      return { test: compileAnythingBut(argument, extra) };
    case 'exists':
      if (typeof argument !== 'boolean') return refuse('exists match pattern must be either true or false.');
      oneKey();
      return argument ? { test: () => true } : { absence: true };
    case 'cidr': {
      // sic: event-ruler reports a non-string cidr with the prefix wording (recorded from AWS in the fixtures).
      if (typeof argument !== 'string') return refuse('prefix match pattern must be a string');
      const range = parseCidr(argument);
      if (typeof range === 'string') return refuse(range);
      oneKey();
      return { test: (value) => inIpRange(range, value) };
    }
    case 'equals-ignore-case': {
      if (typeof argument !== 'string') return refuse('equals-ignore-case match pattern must be a string');
      oneKey();
      const pattern = caseInsensitiveRegExp(argument, 'whole');
      return { test: isStringWith((value) => pattern.test(value)) };
    }
    case 'wildcard': {
      if (typeof argument !== 'string') return refuse('wildcard match pattern must be a string');
      refuseWildcard(argument);
      oneKey();
      return { test: isStringWith(wildcardTest(argument)) };
    }
    default:
      return refuse(`Unrecognized match type ${name}`);
  }
}

class PatternCompiler {
  private readonly pathIds = new Map<string, number>();
  private readonly plans = new Map<string, PathPlan>();
  private fieldCount = 0;

  compile(pattern: unknown): CompiledPattern {
    if (!isRecord(pattern)) return refuse('Filter is not an object');
    const alternatives: Map<string, CompiledField>[] = [];
    this.object(pattern, [], alternatives, false);
    return {
      alternatives: alternatives.map((fields) =>
        [...fields.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
      ),
      paths: [...this.pathIds.keys()],
      fieldCount: this.fieldCount,
    };
  }

  private object(
    node: Record<string, unknown>,
    prefix: readonly string[],
    alternatives: Map<string, CompiledField>[],
    insideOr: boolean,
  ): void {
    const keys = Object.keys(node);
    if (keys.length === 0) refuse('Empty objects are not allowed');
    for (const key of keys) {
      const value = node[key];
      if (key === '$or') {
        this.or(value, prefix, alternatives);
        continue;
      }
      if (insideOr && RESERVED_IN_OR.has(key))
        refuse(`${key} is Ruler reserved fieldName which cannot be used inside $or.`);
      if (isRecord(value)) this.object(value, [...prefix, key], alternatives, insideOr);
      else if (Array.isArray(value)) this.field([...prefix, key].join('.'), value, alternatives);
      else refuse(`"${key}" must be an object or an array`);
    }
  }

  /** `$or`: each alternative AND-s with what is around it (User Guide, "$or matching"). */
  private or(value: unknown, prefix: readonly string[], alternatives: Map<string, CompiledField>[]): void {
    if (!Array.isArray(value)) refuse('It must be an Array followed with $or.');
    const before = alternatives.map((fields) => new Map(fields));
    alternatives.length = 0;
    for (const branch of value) {
      if (!isRecord(branch)) refuse('Only JSON object is allowed in array of $or relationship.');
      const forked = before.length > 0 ? before.map((fields) => new Map(fields)) : [new Map<string, CompiledField>()];
      this.object(branch, prefix, forked, true);
      alternatives.push(...forked);
      if (alternatives.length > MAX_EVENT_PATTERN_ALTERNATIVES) {
        refuse(`Pattern expands to more than ${MAX_EVENT_PATTERN_ALTERNATIVES} alternatives through $or`);
      }
    }
    if (value.length < 2) refuse('There must have at least 2 Objects in $or relationship.');
  }

  /** A field's list of matchers, OR-ed (User Guide, "Event patterns": values are always in arrays). */
  private field(path: string, list: readonly unknown[], alternatives: Map<string, CompiledField>[]): void {
    const literals = new Set<unknown>();
    const tests: LeafTest[] = [];
    let allowsAbsence = false;
    for (const item of list) {
      if (isRecord(item)) {
        const compiled = compileFilter(item);
        if (compiled.test) tests.push(compiled.test);
        if (compiled.absence) allowsAbsence = true;
      } else if (typeof item === 'string') {
        // A literal that is an IP address matches the same address however it is written (event-ruler ipToRangeIfPossible).
        const bytes = ipAddressBytes(item);
        if (bytes) tests.push((value) => inIpRange({ low: bytes, high: bytes }, value));
        else literals.add(item);
      } else if (typeof item === 'number') tests.push(numberEquals(item));
      else if (item === null || typeof item === 'boolean') literals.add(item);
      else refuse('Match value must be String, number, true, false, or null');
    }
    if (list.length === 0) refuse('Empty arrays are not allowed');
    if (literals.size > 0) tests.unshift((value) => literals.has(value));

    let pathId = this.pathIds.get(path);
    if (pathId === undefined) {
      pathId = this.pathIds.size;
      this.pathIds.set(path, pathId);
    }
    let plan = this.plans.get(path);
    if (plan === undefined) {
      plan = planPath(path);
      this.plans.set(path, plan);
    }
    const field: CompiledField = { id: this.fieldCount++, path, pathId, plan, test: anyOf(tests), allowsAbsence };
    if (alternatives.length === 0) alternatives.push(new Map());
    // A path set twice in one alternative keeps the later list, as event-ruler does (withOverriding).
    for (const fields of alternatives) fields.set(path, field);
  }
}

/** Why `value` is not JSON data (or is nested too deep), or `undefined`. */
function jsonProblem(value: unknown, depth: number, ancestors: Set<object>): string | undefined {
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
function codePointLength(text: string): number {
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

function compileOrRefuse(pattern: unknown): { compiled: CompiledPattern } | { reason: string } {
  try {
    const problem = jsonProblem(pattern, 0, new Set());
    if (problem !== undefined) return { reason: `${REASON_PREFIX}Filter is not valid JSON: ${problem}` };
    const text = JSON.stringify(pattern);
    if (typeof text === 'string' && codePointLength(text) > MAX_EVENT_PATTERN_LENGTH) {
      return {
        reason: `1 validation error detected: Value at 'eventPattern' failed to satisfy constraint: Member must have length less than or equal to ${MAX_EVENT_PATTERN_LENGTH}`,
      };
    }
    return { compiled: new PatternCompiler().compile(pattern) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { reason: `${REASON_PREFIX}${message || 'the pattern could not be read'}` };
  }
}

/**
 * Checks an event pattern the way EventBridge's PutRule does and says why it is refused.
 *
 * Refused, with EventBridge's own wording after "Event pattern is not valid. Reason: " (event-ruler
 * JsonRuleCompiler, whose messages match those AWS returns, see the fixtures): a top level that is not
 * an object ("Filter is not an object"); empty objects, `{}` included ("Empty objects are not
 * allowed"); fields whose value is neither an object nor an array; empty arrays; list entries that are
 * arrays; unknown or mis-cased operators ("Unrecognized match type EXISTS"); filters with more than one
 * key; `prefix`/`suffix`/`equals-ignore-case`/`wildcard` values that are not strings; `anything-but`
 * shapes other than a string, a number, a list of only strings or only numbers, or one of `prefix`,
 * `suffix`, `equals-ignore-case`, `wildcard` with a string or list of strings (empty prefix/suffix
 * refused); `exists` that is not a boolean; `numeric` that is not `[op, n]` with op `=`, `<`, `<=`, `>`,
 * `>=` or `['>'|'>=', n, '<'|'<=', m]` with n < m, all within ±5.0e9; `cidr` that is not an IPv4 or IPv6
 * CIDR (mask below 32 / 128); wildcards with consecutive `*` or a `\` not escaping `*` or `\`; `$or`
 * that is not an array of at least two objects, or that names an operator as a field.
 * Also refused: patterns longer than 4096 characters (PutRule `EventPattern` length constraint, as
 * AWS's ValidationException words it), values that are not JSON data, nesting beyond
 * {@link MAX_EVENT_PATTERN_DEPTH}, and (our own limit) more than {@link MAX_EVENT_PATTERN_ALTERNATIVES}
 * `$or` alternatives. Undocumented event-ruler operators (`exactly`) are refused as unrecognised;
 * an empty list under `anything-but: {prefix|suffix|equals-ignore-case|wildcard}` is accepted, as
 * event-ruler accepts it, and excludes nothing.
 *
 * @param pattern - the parsed JSON pattern; anything is accepted
 * @returns `{ valid: true, pattern }` (the same object, typed) or `{ valid: false, reason }`
 * @throws never: every failure, even a throwing getter, becomes a reason
 * @example
 * validateEventPattern({ detail: { state: [{ 'anything-but': null }] } });
 * // { valid: false, reason: 'Event pattern is not valid. Reason: Value of anything-but must be an array or single string/number value.' }
 */
export function validateEventPattern(pattern: unknown): EventPatternValidation {
  const result = compileOrRefuse(pattern);
  return 'reason' in result
    ? { valid: false, reason: result.reason }
    : { valid: true, pattern: pattern as EventPattern };
}

/**
 * Compiles an event pattern into a matcher for hot paths (one pattern, many events): literals in
 * sets, case-insensitive filters as regular expressions, wildcards as literal runs, CIDRs as byte
 * ranges, numbers as millionths; each field path is looked up once per event however many `$or`
 * alternatives use it. Same answers as {@link matchesEventPattern}.
 *
 * Semantics (Amazon EventBridge User Guide, "Content filtering in Amazon EventBridge event patterns"
 * and "Creating Amazon EventBridge event patterns"; aws/event-ruler for what the guide leaves open):
 * - all fields of the pattern must match (AND), fields it does not name are ignored, a field's list
 *   matches when any entry does (OR), `$or` alternatives at any level AND with their surroundings;
 * - field names are dot-joined, so `{"a": {"b": …}}` and `{"a.b": …}` address the same values;
 * - literals match values of the same JSON type, strings case-sensitively; numbers compare as numbers
 *   with six decimal places within ±5.0e9 (beyond that, only the identical number); an IP-address
 *   literal matches the same address in any notation;
 * - an array in the event matches when any element does (nested arrays flattened); values taken from
 *   elements of one array for different fields must come from the same element (array consistency);
 * - `prefix`, `suffix`, `equals-ignore-case`, `wildcard` and `cidr` apply to strings only;
 *   `numeric` to numbers only; `anything-but` matches any present value (null included) not excluded,
 *   never a missing field; `exists: true` matches any value, null included; `exists: false` matches a
 *   field with no value (missing, an empty array, or an object); a non-object event never matches.
 *
 * @param pattern - a pattern that {@link validateEventPattern} accepts
 * @returns a matcher `(event) => boolean` that never throws
 * @throws {ValidationError} when the pattern is not valid; `problems[0].message` is EventBridge's reason
 * @example
 * const matches = compileEventPattern({ source: ['aif.orders'], detail: { total: [{ numeric: ['>=', 100] }] } });
 * matches({ source: 'aif.orders', detail: { total: 120 } }); // true
 */
export function compileEventPattern(pattern: EventPattern): EventMatcher {
  const result = compileOrRefuse(pattern);
  if ('reason' in result) {
    throw new ValidationError('The event pattern is not valid', [
      { pointer: '', message: result.reason, keyword: 'eventPattern' },
    ]);
  }
  const { alternatives, paths, fieldCount } = result.compiled;
  return (event) => {
    if (!isRecord(event)) return false;
    // Per event: the values at each path and the values each field accepts, shared by all alternatives.
    const occurrences: (Occurrence[] | undefined)[] = new Array(paths.length);
    const accepted: (readonly Occurrence[] | undefined)[] = new Array(fieldCount);
    for (const fields of alternatives) {
      const checks = fieldChecks(event, fields, occurrences, accepted);
      if (checks !== undefined && satisfiable(checks)) return true;
    }
    return false;
  };
}

/** The checks of one compiled alternative, or `undefined` as soon as a field cannot match. Fills the caches. */
function fieldChecks(
  event: Record<string, unknown>,
  fields: readonly CompiledField[],
  occurrences: (Occurrence[] | undefined)[],
  accepted: (readonly Occurrence[] | undefined)[],
): FieldCheck[] | undefined {
  const checks: FieldCheck[] = [];
  for (const field of fields) {
    let all = occurrences[field.pathId];
    if (all === undefined) {
      all = occurrencesAt(event, field.plan);
      occurrences[field.pathId] = all;
    }
    let matching = accepted[field.id];
    if (matching === undefined) {
      const test = field.test;
      matching = test ? all.filter((occurrence) => test(occurrence.value)) : [];
      accepted[field.id] = matching;
    }
    if (matching.length === 0 && !field.allowsAbsence) return undefined;
    checks.push({ matching, all, allowsAbsence: field.allowsAbsence });
  }
  return checks;
}

// ---------------------------------------------------------------------------------------------
// The interpreter: reads the pattern as it goes, with no precompiled state
// ---------------------------------------------------------------------------------------------

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
 * Whether an event matches an event pattern, reading the pattern as it goes (no compilation, no
 * cache): for one-off checks and as the reference {@link compileEventPattern} is tested against.
 * Same semantics as {@link compileEventPattern}, which lists them with their sources (Amazon
 * EventBridge User Guide, "Content filtering in Amazon EventBridge event patterns"; aws/event-ruler).
 *
 * @param pattern - a pattern that {@link validateEventPattern} accepts; shapes it refuses never match
 * @param event - the event, as parsed JSON; anything that is not an object never matches
 * @returns whether the event matches
 * @throws never
 * @example
 * matchesEventPattern({ detail: { state: [{ 'anything-but': 'initializing' }] } }, { detail: { state: 'running' } }); // true
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
