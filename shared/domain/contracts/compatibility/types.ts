import { issueAtKeyword, ruleFor } from './issues';
import { fieldPrefix } from './json';
import { describeTypes, ownTypes, typeCovered } from './json-types';
import type { RawIssue } from './model';
import { type ConjunctScope, keywordGroup, valueIssues } from './scope';

/**
 * `type` (with OpenAPI `nullable`): every type sub admits must be admitted by the target; `integer` is
 * admitted by `number`. The caller narrows `scope.types` to the target's types afterwards.
 */
export function checkType(scope: ConjunctScope): RawIssue[] {
  const { context, keywords, types, where } = scope;
  if (keywords.type === undefined) return [];
  scope.handled.add('type');
  const supTypes = ownTypes(keywords) ?? new Set<string>();
  const fromValues = valueIssues(scope, ['type'], keywordGroup(scope, 'type', 'nullable'));
  if (fromValues !== undefined) return fromValues;
  const missing = [...types].filter((type) => !typeCovered(supTypes, type));
  if (missing.length === 0) return [];
  const [oldTypes, newTypes] = context.newSide === 'sup' ? [types, supTypes] : [supTypes, types];
  return [typeChangedIssue(scope, 'type', oldTypes, newTypes, fieldPrefix(where))];
}

/** `type-narrowed` (or `-widened`) at keyword `keyword` of the target. */
export function typeChangedIssue(
  scope: ConjunctScope,
  keyword: string,
  oldTypes: ReadonlySet<string>,
  newTypes: ReadonlySet<string>,
  prefix: string,
): RawIssue {
  const { context } = scope;
  return issueAtKeyword(
    context,
    scope.subAnchors,
    scope.target,
    keyword,
    ruleFor(context, 'type-narrowed', 'type-widened'),
    `${prefix}type changed from ${describeTypes(oldTypes)} to ${describeTypes(newTypes)}`,
  );
}
