import { type CompiledPattern, PatternCompiler } from './compile';
import { codePointLength, jsonProblem, REASON_PREFIX } from './refusal';
import { type EventPattern, type EventPatternValidation, MAX_EVENT_PATTERN_LENGTH } from './types';

export function compileOrRefuse(pattern: unknown): { compiled: CompiledPattern } | { reason: string } {
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
