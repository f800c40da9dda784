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
 */
export type EventPatternValue = string | number | boolean | null;

/**
 * The value of an `anything-but` filter (Amazon EventBridge User Guide, "Anything-but matching"): a
 * string, a number, a list of only strings or only numbers, or one of `prefix`, `suffix`,
 * `equals-ignore-case`, `wildcard` with a string or a list of strings.
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
 */
export type EventPatternMatcher = EventPatternValue | EventPatternFilter;

/**
 * An EventBridge event pattern: field names mapping to nested patterns or to a non-empty list of
 * matchers, and `$or` mapping to two or more alternative patterns. All fields must match (AND);
 * fields the pattern does not name are ignored.
 */
export type EventPattern = {
  readonly [field: string]: EventPattern | readonly EventPatternMatcher[] | readonly EventPattern[];
};

/**
 * What {@link validateEventPattern} answers: the pattern, typed, or EventBridge's reason for refusing it.
 */
export type EventPatternValidation = { valid: true; pattern: EventPattern } | { valid: false; reason: string };

/**
 * A compiled pattern (see {@link compileEventPattern}): `true` when the event matches. Never throws;
 * an event that is not a JSON object never matches.
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
