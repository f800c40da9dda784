import type { JsonSchema } from '../contract';
import { issueAtKeyword, versionName } from './issues';
import { fieldPrefix, type JsonObject, preview } from './json';
import { ANNOTATIONS, isTrivial } from './keywords';
import type { RawIssue } from './model';
import { schemaEqual } from './refs';
import { type ConjunctScope, checkKeywordGroup, keywordGroup } from './scope';

/**
 * `unevaluatedProperties`/`unevaluatedItems` of the target. They depend on which sibling keywords
 * evaluated what, which this checker does not track: only a trivial value is provable.
 */
export function checkUnevaluated(scope: ConjunctScope): RawIssue[] {
  const issues: RawIssue[] = [];
  for (const keyword of ['unevaluatedProperties', 'unevaluatedItems']) {
    if (scope.keywords[keyword] === undefined) continue;
    const issue = checkKeywordGroup(scope, [keyword], () => {
      if (isTrivial(scope.keywords[keyword] as JsonSchema)) return [];
      return [
        issueAtKeyword(
          scope.context,
          scope.subAnchors,
          scope.target,
          keyword,
          'cannot-prove',
          `${fieldPrefix(scope.where)}${keyword} in ${versionName(scope.context, 'sup')} cannot be compared; cannot prove compatible`,
        ),
      ];
    });
    issues.push(...issue);
  }
  return issues;
}

/** Keywords that only mean something together, compared as one group. */
const KEYWORD_GROUPS: string[][] = [
  ['if', 'then', 'else'],
  ['contains', 'minContains', 'maxContains'],
];

/**
 * Every other keyword of the target (`if`/`then`/`else`, `contains`, `dependentSchemas`, the draft-07
 * tuple `items`, unknown keywords …): provable only when some sub conjunct carries the same keyword
 * group verbatim. Runs last: it relies on `scope.handled` naming the keywords other families took.
 */
export function checkVerbatim(scope: ConjunctScope): RawIssue[] {
  const { context, keywords, where } = scope;
  const issues: RawIssue[] = [];
  const rest = Object.keys(keywords).filter((k) => !scope.handled.has(k) && !ANNOTATIONS.has(k));
  const seenGroup = new Set<string>();
  for (const keyword of rest) {
    if (seenGroup.has(keyword)) continue;
    const group = KEYWORD_GROUPS.find((g) => g.includes(keyword)) ?? [keyword];
    for (const k of group) seenGroup.add(k);
    // `if` alone has no effect.
    if (group[0] === 'if' && keywords.then === undefined && keywords.else === undefined) continue;
    const issue = checkKeywordGroup(scope, group, () => {
      const same = scope.subConjuncts.some((c) =>
        group.every((k) => schemaEqual((c.schema as JsonObject)[k], context.subDefs, keywords[k], context.supDefs)),
      );
      if (same) return [];
      return [
        issueAtKeyword(
          context,
          scope.subAnchors,
          scope.target,
          keyword,
          'cannot-prove',
          `${fieldPrefix(where)}keyword${group.length > 1 ? 's' : ''} ${group.join('/')} differ between the versions (${versionName(context, 'sup')}: ${preview(keywordGroup(scope, ...group))}); cannot prove compatible`,
        ),
      ];
    });
    issues.push(...issue);
  }
  return issues;
}
