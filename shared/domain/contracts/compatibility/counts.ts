import { requiredOf } from './admitted';
import { isJsonObject, type JsonObject } from './json';
import type { RawIssue } from './model';
import { boundIssue, type ConjunctScope, checkKeywordGroup } from './scope';

/** Length, item-count and property-count bounds, and whether each is a lower bound. */
const COUNT_BOUNDS: ReadonlyArray<readonly [string, boolean]> = [
  ['minLength', true],
  ['maxLength', false],
  ['minItems', true],
  ['maxItems', false],
  ['minProperties', true],
  ['maxProperties', false],
];

/**
 * The bounds sub puts on a count. Besides explicit keywords, `required` implies a minimum property
 * count and a closed object (`additionalProperties: false`, no patterns) a maximum one.
 */
function subCounts(scope: ConjunctScope, keyword: string): number[] {
  const own = scope.subConjuncts
    .map((c) => (c.schema as JsonObject)[keyword])
    .filter((v): v is number => typeof v === 'number');
  if (keyword === 'minProperties') {
    own.push(new Set(scope.subConjuncts.flatMap((c) => requiredOf(c.schema as JsonObject))).size);
  }
  if (keyword === 'maxProperties') {
    for (const c of scope.subConjuncts) {
      const schema = c.schema as JsonObject;
      if (schema.additionalProperties === false && schema.patternProperties === undefined) {
        own.push(Object.keys(isJsonObject(schema.properties) ? schema.properties : {}).length);
      }
    }
  }
  return own;
}

/** `minLength`/`maxLength`, `minItems`/`maxItems`, `minProperties`/`maxProperties`: sub's bound must be as tight. */
export function checkCounts(scope: ConjunctScope): RawIssue[] {
  const issues: RawIssue[] = [];
  for (const [keyword, lower] of COUNT_BOUNDS) {
    const bound = scope.keywords[keyword];
    if (typeof bound !== 'number') continue;
    const issue = checkKeywordGroup(scope, [keyword], () => {
      const own = subCounts(scope, keyword);
      const best = own.length === 0 ? undefined : lower ? Math.max(...own) : Math.min(...own);
      if (best !== undefined && !(lower ? best < bound : best > bound)) return [];
      const subBound = best === undefined ? 'none' : `${keyword} ${best}`;
      return [boundIssue(scope, keyword, subBound, `${keyword} ${bound}`)];
    });
    issues.push(...issue);
  }
  return issues;
}
