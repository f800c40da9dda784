import { evaluate } from './evaluate';
import { issueAtKeyword, newSideLocation, tightenedRule, versionName } from './issues';
import { fieldPrefix, preview } from './json';
import type { RawIssue } from './model';
import { type ConjunctScope, keywordGroup, valueIssues, valueRejectedIssue } from './scope';

/**
 * `enum` and `const` of the target. Provable when sub's values are finite (each is evaluated), or when
 * sub only admits `null`/`boolean`, whose values can be listed; otherwise the target restricts values
 * sub does not.
 */
export function checkEnumConst(scope: ConjunctScope): RawIssue[] {
  const { context, keywords, types, where } = scope;
  const issues: RawIssue[] = [];
  for (const keyword of ['enum', 'const'] as const) {
    if (keywords[keyword] === undefined) continue;
    scope.handled.add(keyword);
    const group = keywordGroup(scope, keyword);
    let fromValues = valueIssues(scope, [keyword], group);
    if (fromValues === undefined && [...types].every((type) => type === 'null' || type === 'boolean')) {
      const implied = [...types].flatMap((type) => (type === 'null' ? [null] : [true, false]));
      const rejected = implied.filter((v) => evaluate(v, group, context.supDefs, context.budget) === 'no');
      const { side, pointer } = newSideLocation(context, scope.subAnchors, scope.target, keyword);
      fromValues = rejected.map((v) => valueRejectedIssue(scope, side, pointer, v));
    }
    if (fromValues !== undefined) issues.push(...fromValues);
    else {
      issues.push(
        issueAtKeyword(
          context,
          scope.subAnchors,
          scope.target,
          keyword,
          tightenedRule(context),
          `${fieldPrefix(where)}${keyword} ${preview(keywords[keyword])} restricts values in ${versionName(context, 'sup')} but not in ${versionName(context, 'sub')}`,
        ),
      );
    }
  }
  return issues;
}
