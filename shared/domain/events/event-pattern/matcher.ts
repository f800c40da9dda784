import { ValidationError } from '../../errors';
import type { CompiledField } from './compile';
import { isRecord } from './leaves';
import { type FieldCheck, type Occurrence, occurrencesAt, satisfiable } from './paths';
import type { EventMatcher, EventPattern } from './types';
import { compileOrRefuse } from './validate';

/**
 * Compiles an event pattern into a matcher for hot paths (one pattern, many events): literals in
 * sets, case-insensitive filters as regular expressions, wildcards as literal runs, CIDRs as byte
 * ranges, numbers as millionths; each field path is looked up once per event however many `$or`
 * alternatives use it. The one matcher of the product: the tests compare it with an interpreted
 * reference (test/support/event-pattern-oracle.ts).
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
export function fieldChecks(
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
