import { issueAtKeyword, tightenedRule } from './issues';
import { fieldPrefix, type JsonObject, preview } from './json';
import type { RawIssue } from './model';
import { type ConjunctScope, checkKeywordGroup } from './scope';

/**
 * `pattern` and `format` of the target: provable only when a sub conjunct has the same value. Two
 * different regular expressions (or formats) are not compared, so a change is "cannot prove"; a
 * constraint sub lacks altogether is a tightening.
 */
export function checkPatternAndFormat(scope: ConjunctScope): RawIssue[] {
  const { context, keywords, where } = scope;
  const issues: RawIssue[] = [];
  for (const keyword of ['pattern', 'format'] as const) {
    if (keywords[keyword] === undefined) continue;
    const issue = checkKeywordGroup(scope, [keyword], () => {
      const own = scope.subConjuncts.map((c) => (c.schema as JsonObject)[keyword]).filter((v) => v !== undefined);
      if (own.some((v) => v === keywords[keyword])) return [];
      const [oldValue, newValue] =
        context.newSide === 'sup' ? [own[0], keywords[keyword]] : [keywords[keyword], own[0]];
      const show = (value: unknown): string => (value === undefined ? 'none' : preview(value));
      const [rule, detail] =
        own.length > 0
          ? [
              'cannot-prove',
              `${keyword} changed from ${preview(oldValue)} to ${preview(newValue)}; cannot prove the new one accepts everything the old one did`,
            ]
          : [tightenedRule(context), `${keyword} changed from ${show(oldValue)} to ${show(newValue)}`];
      return [issueAtKeyword(context, scope.subAnchors, scope.target, keyword, rule, `${fieldPrefix(where)}${detail}`)];
    });
    issues.push(...issue);
  }
  return issues;
}
