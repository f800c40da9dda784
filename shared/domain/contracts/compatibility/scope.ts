import { evaluate } from './evaluate';
import { issueAtKeyword, issueOn, newSideLocation, ruleFor, tightenedRule, versionName } from './issues';
import { fieldPrefix, type JsonObject, preview } from './json';
import { typeAdmits } from './json-types';
import { KEYWORD_TYPE } from './keywords';
import type { CheckContext, RawIssue, SchemaNode } from './model';
import { schemaEqual } from './refs';

/**
 * What every keyword-family check sees: the sub conjuncts and the one sup conjunct they are checked against.
 *
 * - `subConjuncts`: the sub side's object schemas (`$ref`/`allOf` expanded); `subAnchors` the same, or one
 *   `true` node carrying a pointer when sub has none (issues need somewhere to point).
 * - `target` / `keywords`: the sup conjunct and its keywords.
 * - `types` / `values`: what sub admits — its types (already narrowed by the sup `type`) and, when sub has
 *   `enum`/`const`, its finite values.
 * - `where`: the dotted field path of messages; `depth`: recursion depth.
 * - `handled`: sup keywords a family has accounted for; the rest must appear verbatim in sub.
 * - `reportedRequired`: property names `required` already reported, so `properties` does not repeat them.
 */
export type ConjunctScope = {
  readonly context: CheckContext;
  /** The subschema comparison itself (`compareSchemas`), for families that recurse into subschemas. */
  readonly compare: CompareSchemas;
  readonly subConjuncts: SchemaNode[];
  readonly subAnchors: SchemaNode[];
  readonly target: SchemaNode;
  readonly keywords: JsonObject;
  types: Set<string>;
  readonly values: unknown[] | undefined;
  readonly where: string;
  readonly depth: number;
  readonly handled: Set<string>;
  readonly reportedRequired: Set<string>;
};

/** Every instance the `subs` conjuncts admit is valid under every `sups` conjunct, or the issues saying why not. */
export type CompareSchemas = (
  subs: SchemaNode[],
  sups: SchemaNode[],
  context: CheckContext,
  where: string,
  depth: number,
) => RawIssue[];

/** The one signature of a keyword-family check: the issues that keep `sub ⊆ target` from being proven. */
export type KeywordFamilyCheck = (scope: ConjunctScope) => RawIssue[];

/** The keywords of the target among `keywords`, as a schema of their own. */
export const keywordGroup = (scope: ConjunctScope, ...keywords: string[]): JsonObject =>
  Object.fromEntries(keywords.filter((k) => scope.keywords[k] !== undefined).map((k) => [k, scope.keywords[k]]));

/**
 * With finite sub values: the values `group` (keywords of the target) rejects, each an issue.
 * Returns undefined when the values do not decide it (infinite, or only 'unknown' verdicts).
 */
export function valueIssues(scope: ConjunctScope, keywords: string[], group: JsonObject): RawIssue[] | undefined {
  const { context, values } = scope;
  if (!values) return undefined;
  const verdicts = values.map((v) => [v, evaluate(v, group, context.supDefs, context.budget)] as const);
  if (verdicts.every(([, r]) => r === 'yes')) return [];
  const rejected = verdicts.filter(([, r]) => r === 'no').map(([v]) => v);
  if (rejected.length === 0) return undefined;
  const holdsEnum = scope.subConjuncts.some((c) => Array.isArray((c.schema as JsonObject).enum));
  const keyword = context.newSide === 'sup' ? keywords[0] : holdsEnum ? 'enum' : 'const';
  const { side, pointer } = newSideLocation(context, scope.subAnchors, scope.target, keyword);
  return rejected.map((v) => valueRejectedIssue(scope, side, pointer, v));
}

/** `enum-value-removed` (or `-added`): sub allows `value`, the target does not. */
export function valueRejectedIssue(
  scope: ConjunctScope,
  side: 'sub' | 'sup',
  pointer: string,
  value: unknown,
): RawIssue {
  const { context, where } = scope;
  return issueOn(
    context,
    ruleFor(context, 'enum-value-removed', 'enum-value-added'),
    side,
    pointer,
    `${fieldPrefix(where)}value ${preview(value)} is allowed by ${versionName(context, 'sub')} but not by ${versionName(context, 'sup')}`,
  );
}

/** Whether a keyword applies to some type sub admits (keywords of no one type apply to any). */
const applies = (scope: ConjunctScope, keyword: string): boolean => {
  const type = KEYWORD_TYPE[keyword];
  return type === undefined ? scope.types.size > 0 : typeAdmits(scope.types, type);
};

/**
 * Runs `compare` for a self-contained group of target keywords, unless it is moot: the group is absent,
 * does not apply to sub's types, is repeated verbatim by a sub conjunct, or sub's finite values decide it.
 * Marks the present keywords handled either way.
 */
export function checkKeywordGroup(scope: ConjunctScope, keywords: string[], compare: () => RawIssue[]): RawIssue[] {
  const { context, keywords: target } = scope;
  const present = keywords.filter((k) => target[k] !== undefined);
  if (present.length === 0) return [];
  for (const k of present) scope.handled.add(k);
  if (!applies(scope, present[0] as string)) return [];
  // A sub conjunct carrying the same keyword group verbatim satisfies it (groups are self-contained).
  const verbatim = scope.subConjuncts.some((c) =>
    keywords.every((k) => schemaEqual((c.schema as JsonObject)[k], context.subDefs, target[k], context.supDefs)),
  );
  if (verbatim && !keywords.some((k) => k.startsWith('unevaluated'))) return [];
  return valueIssues(scope, present, keywordGroup(scope, ...present)) ?? compare();
}

/**
 * A tightened (or loosened) bound at keyword `keyword` of the target: `subBound` / `supBound` describe each
 * side's bound, e.g. `maxLength 10` or `none`.
 */
export function boundIssue(scope: ConjunctScope, keyword: string, subBound: string, supBound: string): RawIssue {
  const { context } = scope;
  const [oldBound, newBound] = context.newSide === 'sup' ? [subBound, supBound] : [supBound, subBound];
  return issueAtKeyword(
    context,
    scope.subAnchors,
    scope.target,
    keyword,
    tightenedRule(context),
    `${fieldPrefix(scope.where)}${keyword}: ${oldBound} in the previous version, ${newBound} in the new version`,
  );
}
