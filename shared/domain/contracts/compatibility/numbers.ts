import { type JsonObject, preview } from './json';
import type { RawIssue } from './model';
import { boundIssue, type ConjunctScope, checkKeywordGroup } from './scope';

type RangeBound = { value: number; exclusive: boolean; keyword: string };

const LOWER_BOUNDS = [
  ['minimum', false],
  ['exclusiveMinimum', true],
] as const;
const UPPER_BOUNDS = [
  ['maximum', false],
  ['exclusiveMaximum', true],
] as const;

/** The tightest lower (or upper) bound among the sub conjuncts; exclusive wins over inclusive at equal values. */
function tightestBound(scope: ConjunctScope, lower: boolean): RangeBound | undefined {
  let best: RangeBound | undefined;
  for (const conjunct of scope.subConjuncts) {
    const schema = conjunct.schema as JsonObject;
    for (const [keyword, exclusive] of lower ? LOWER_BOUNDS : UPPER_BOUNDS) {
      const value = schema[keyword];
      if (typeof value !== 'number') continue;
      const better =
        !best ||
        (lower ? value > best.value : value < best.value) ||
        (value === best.value && exclusive && !best.exclusive);
      if (better) best = { value, exclusive, keyword };
    }
  }
  return best;
}

/**
 * `minimum`/`exclusiveMinimum`/`maximum`/`exclusiveMaximum` of the target: sub's tightest bound on the
 * same end must be at least as tight (an inclusive sub bound equal to an exclusive target bound is not).
 */
export function checkNumericRange(scope: ConjunctScope): RawIssue[] {
  const { keywords } = scope;
  const issues: RawIssue[] = [];
  for (const keyword of ['minimum', 'exclusiveMinimum', 'maximum', 'exclusiveMaximum'] as const) {
    const bound = keywords[keyword];
    if (typeof bound !== 'number') continue;
    const issue = checkKeywordGroup(scope, [keyword], () => {
      const lower = keyword === 'minimum' || keyword === 'exclusiveMinimum';
      const exclusive = keyword.startsWith('exclusive');
      const best = tightestBound(scope, lower);
      const holds =
        best !== undefined &&
        ((lower ? best.value > bound : best.value < bound) || (best.value === bound && (!exclusive || best.exclusive)));
      if (holds) return [];
      const subBound = best ? `${best.keyword} ${best.value}` : 'none';
      return [boundIssue(scope, keyword, subBound, `${keyword} ${bound}`)];
    });
    issues.push(...issue);
  }
  return issues;
}

/**
 * `multipleOf` of the target: some sub `multipleOf` must be a multiple of it, or sub admits only
 * integers and the target's divisor divides 1 (e.g. 0.5).
 */
export function checkMultipleOf(scope: ConjunctScope): RawIssue[] {
  const { keywords, types } = scope;
  if (keywords.multipleOf === undefined) return [];
  return checkKeywordGroup(scope, ['multipleOf'], () => {
    const divisor = keywords.multipleOf;
    const onlyIntegers = !types.has('number');
    const holds =
      typeof divisor === 'number' &&
      divisor > 0 &&
      ((onlyIntegers && Number.isInteger(1 / divisor)) ||
        scope.subConjuncts.some((c) => {
          const own = (c.schema as JsonObject).multipleOf;
          return typeof own === 'number' && own > 0 && Number.isInteger(own / divisor);
        }));
    if (holds) return [];
    const own = scope.subConjuncts.map((c) => (c.schema as JsonObject).multipleOf).find((v) => v !== undefined);
    const subBound = own === undefined ? 'none' : `multipleOf ${own}`;
    return [boundIssue(scope, 'multipleOf', subBound, `multipleOf ${preview(divisor)}`)];
  });
}
