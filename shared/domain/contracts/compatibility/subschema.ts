import type { JsonSchema } from '../contract';
import { admittedTypes, admittedValues } from './admitted';
import { checkItems, checkUniqueItems } from './arrays';
import { ComparisonBudget, withinBudget } from './budget';
import { branchNodes, checkCombinators, provablyDisjoint } from './combinators';
import { checkCounts } from './counts';
import { checkEnumConst } from './enum-const';
import { evaluate } from './evaluate';
import { dedupe, issueOn, newSideLocation, tightenedRule, versionName } from './issues';
import { fieldPrefix, isJsonObject, type JsonObject } from './json';
import { intersectTypes, ownTypes } from './json-types';
import { type CheckContext, MAX_DEPTH, newCheckContext, type RawIssue, type SchemaNode } from './model';
import { checkMultipleOf, checkNumericRange } from './numbers';
import { checkPropertyNames, checkRequired } from './objects';
import { checkProperties } from './properties';
import { type Conjuncts, expandConjuncts, schemaEqual } from './refs';
import type { CompatibilityIssue, SubschemaContext } from './report';
import type { ConjunctScope, KeywordFamilyCheck } from './scope';
import { checkPatternAndFormat } from './strings';
import { checkType } from './types';
import { checkUnevaluated, checkVerbatim } from './verbatim';

/**
 * Every instance the `subs` conjuncts admit is valid under every `sups` conjunct (or issues saying why not).
 *
 * `$ref` and `allOf` are expanded on both sides first. A (sub, sup) pair already being compared further
 * up the recursion is assumed to hold (coinduction), which is what makes recursive schemas terminate.
 * Disjunctions of sub are split into their branches; each sup conjunct is then checked keyword family by
 * keyword family (see {@link checkConjunct}).
 */
export function compareSchemas(
  subs: SchemaNode[],
  sups: SchemaNode[],
  context: CheckContext,
  where: string,
  depth: number,
): RawIssue[] {
  context.budget.spend();
  if (depth > MAX_DEPTH) {
    const { side, pointer } = newSideLocation(context, subs, sups[0] ?? { schema: true, pointer: '' });
    return [issueOn(context, 'cannot-prove', side, pointer, `${fieldPrefix(where)}schemas nest too deeply to compare`)];
  }
  const subExpanded = expandConjuncts(subs, context.subDefs);
  if (subExpanded.empty) return [];
  const supExpanded = expandConjuncts(sups, context.supDefs);
  const issues = [
    ...unresolvedIssues(context, 'sub', subExpanded, where),
    ...unresolvedIssues(context, 'sup', supExpanded, where),
  ];
  const key = pairKey(context, subExpanded, supExpanded);
  if (context.inProgress.has(key)) return issues;
  context.inProgress.add(key);
  try {
    issues.push(...compareExpanded(subs, sups, subExpanded.nodes, supExpanded, context, where, depth));
    return issues;
  } finally {
    context.inProgress.delete(key);
  }
}

function unresolvedIssues(context: CheckContext, side: 'sub' | 'sup', expanded: Conjuncts, where: string): RawIssue[] {
  return expanded.unresolved.map((u) =>
    issueOn(
      context,
      'unresolved-ref',
      side,
      u.pointer,
      `${fieldPrefix(where)}cannot resolve "${u.ref}" in ${versionName(context, side)}`,
    ),
  );
}

/** The identity of a (sub conjuncts, sup conjuncts) pair, for coinduction. */
function pairKey(context: CheckContext, sub: Conjuncts, sup: Conjuncts): string {
  const keyOf = (nodes: SchemaNode[]): string =>
    nodes
      .map((n) => `${context.identities.of(n.origin ?? (n.schema as object))}${n.skip ? [...n.skip].join('') : ''}`)
      .sort()
      .join(',');
  return `${keyOf(sub.nodes)}|${keyOf(sup.nodes)}|${sup.empty}`;
}

function compareExpanded(
  subs: SchemaNode[],
  sups: SchemaNode[],
  conjuncts: SchemaNode[],
  sup: Conjuncts,
  context: CheckContext,
  where: string,
  depth: number,
): RawIssue[] {
  const values = admittedValues(conjuncts, context.subDefs, context.budget);
  const types = admittedTypes(conjuncts, values);
  if (types.size === 0 || values?.length === 0) return [];
  const subAnchors =
    conjuncts.length > 0 ? conjuncts : [{ schema: true, pointer: subs[0]?.pointer ?? '' } as SchemaNode];
  if (sup.empty) {
    const { side, pointer } = newSideLocation(context, subAnchors, sups[0] ?? { schema: false, pointer: '' });
    return [
      issueOn(
        context,
        tightenedRule(context),
        side,
        pointer,
        `${fieldPrefix(where)}${versionName(context, 'sub')} accepts values here, ${versionName(context, 'sup')} accepts none`,
      ),
    ];
  }
  let supConjuncts = markVerbatimCombinators(sup.nodes, conjuncts, context);
  const subSplits = conjuncts.some((c) =>
    (['anyOf', 'oneOf'] as const).some((k) => Array.isArray((c.schema as JsonObject)[k]) && !c.skip?.has(k)),
  );
  if (subSplits && !values) {
    supConjuncts = markFittingDisjunctions(supConjuncts, conjuncts, types, context, where, depth);
  }
  if (!values) {
    const split = splitSubDisjunction(conjuncts, supConjuncts, context, where, depth);
    if (split) return split;
  }
  const base = { context, subConjuncts: conjuncts, subAnchors, types, values, where, depth };
  return supConjuncts.filter((t) => t.schema !== true).flatMap((target) => checkConjunct(base, target));
}

/** A combinator of sup repeated verbatim in sub is satisfied by it (this keeps oneOf reflexive). */
function markVerbatimCombinators(sups: SchemaNode[], conjuncts: SchemaNode[], context: CheckContext): SchemaNode[] {
  return sups.map((t) => {
    const keywords = t.schema as JsonObject;
    const skip = new Set(t.skip ?? []);
    for (const keyword of ['anyOf', 'oneOf', 'not'] as const) {
      if (keywords[keyword] === undefined || skip.has(keyword)) continue;
      const same = conjuncts.some((c) => {
        const own = c.schema as JsonObject;
        const candidates = keyword === 'anyOf' ? ['anyOf', 'oneOf'] : [keyword];
        return candidates.some(
          (k) =>
            own[k] !== undefined &&
            !c.skip?.has(k) &&
            schemaEqual(own[k], context.subDefs, keywords[keyword], context.supDefs),
        );
      });
      if (same) skip.add(keyword);
    }
    return skip.size > 0 ? { ...t, origin: t.origin ?? (t.schema as object), skip } : t;
  });
}

/**
 * Before sub disjunctions are split (which forgets oneOf exclusivity), tries fitting sub as a whole into
 * one branch of each sup disjunction; a disjunction that fits is marked satisfied.
 */
function markFittingDisjunctions(
  sups: SchemaNode[],
  conjuncts: SchemaNode[],
  types: Set<string>,
  context: CheckContext,
  where: string,
  depth: number,
): SchemaNode[] {
  return sups.map((t) => {
    const keywords = t.schema as JsonObject;
    const skip = new Set(t.skip ?? []);
    for (const keyword of ['anyOf', 'oneOf'] as const) {
      const branches = keywords[keyword];
      if (!Array.isArray(branches) || skip.has(keyword)) continue;
      const nodes = branchNodes(t, keyword, branches);
      const fits = nodes.some(
        (n, i) =>
          compareSchemas(conjuncts, [n], context, where, depth + 1).length === 0 &&
          (keyword === 'anyOf' ||
            nodes.every((o, j) => j === i || provablyDisjoint(conjuncts, types, undefined, o, context))),
      );
      if (fits) skip.add(keyword);
    }
    return skip.size > (t.skip?.size ?? 0) ? { ...t, origin: t.origin ?? (t.schema as object), skip } : t;
  });
}

/**
 * Sub disjunctions: every branch of the first sub anyOf/oneOf must be a subschema (exact for anyOf, an
 * over-approximation for oneOf). Undefined when sub has no disjunction left to split.
 */
function splitSubDisjunction(
  conjuncts: SchemaNode[],
  sups: SchemaNode[],
  context: CheckContext,
  where: string,
  depth: number,
): RawIssue[] | undefined {
  for (let i = 0; i < conjuncts.length; i += 1) {
    const node = conjuncts[i] as SchemaNode;
    const schema = node.schema as JsonObject;
    const keyword = (['anyOf', 'oneOf'] as const).find((k) => Array.isArray(schema[k]) && !node.skip?.has(k));
    if (!keyword) continue;
    const rest = { ...node, origin: node.origin ?? schema, skip: new Set([...(node.skip ?? []), keyword]) };
    const issues: RawIssue[] = [];
    (schema[keyword] as unknown[]).forEach((branch, b) => {
      if (typeof branch !== 'boolean' && !isJsonObject(branch)) return;
      const branchNode = { schema: branch, pointer: `${node.pointer}/${keyword}/${b}` };
      const next = [...conjuncts.slice(0, i), rest, ...conjuncts.slice(i + 1), branchNode];
      issues.push(...compareSchemas(next, sups, context, where, depth + 1));
    });
    return issues;
  }
  return undefined;
}

/** The keyword families after `type`, in the order their issues are reported (cdk-nag style: one rule a file). */
const KEYWORD_FAMILY_CHECKS: readonly KeywordFamilyCheck[] = [
  checkCombinators,
  checkEnumConst,
  checkNumericRange,
  checkCounts,
  checkMultipleOf,
  checkPatternAndFormat,
  checkUniqueItems,
  checkRequired,
  checkProperties,
  checkPropertyNames,
  checkItems,
  checkUnevaluated,
  checkVerbatim,
];

/**
 * Checks the sub conjuncts against one sup conjunct `target` (an object schema; `$ref`/`allOf` already
 * expanded): `type` first (it narrows the types the other families apply to), then each keyword family
 * in a fixed order — issues come out in that order.
 */
function checkConjunct(
  base: Pick<ConjunctScope, 'context' | 'subConjuncts' | 'subAnchors' | 'types' | 'values' | 'where' | 'depth'>,
  target: SchemaNode,
): RawIssue[] {
  const { context, values } = base;
  if (values) {
    const verdicts = values.map((v) => evaluate(v, target.schema, context.supDefs, context.budget));
    if (verdicts.every((r) => r === 'yes')) return [];
  }
  const keywords = target.schema as JsonObject;
  const scope: ConjunctScope = {
    context,
    compare: compareSchemas,
    subConjuncts: base.subConjuncts,
    subAnchors: base.subAnchors,
    target,
    keywords,
    types: base.types,
    values,
    where: base.where,
    depth: base.depth,
    handled: new Set(['$ref', 'allOf', 'nullable']),
    reportedRequired: new Set(),
  };
  const issues = checkType(scope);
  if (keywords.type !== undefined) scope.types = intersectTypes(scope.types, ownTypes(keywords) ?? new Set());
  if (scope.types.size === 0) return issues;
  for (const family of KEYWORD_FAMILY_CHECKS) {
    const found = family(scope);
    if (found.length > 0) issues.push(...found);
  }
  return issues;
}

/** Issues of the public API: deduplicated, with `label` (an endpoint part) prefixed to each message. */
export function toIssues(raw: RawIssue[], label: string): CompatibilityIssue[] {
  return dedupe(raw).map((r) => ({
    rule: r.rule,
    pointer: r.pointer,
    document: r.document,
    message: label ? `${label}: ${r.detail}` : r.detail,
  }));
}

/**
 * Conservative subschema check: is every instance valid under `sub` also valid under `sup`?
 *
 * Returns an empty list when that is proven, otherwise the reasons it is false or cannot be proven
 * (rule `cannot-prove` for the latter). Handles boolean schemas, `type` (string or array, `integer` ⊂
 * `number`, OpenAPI `nullable`), `enum`/`const`, `required`, `properties`/`patternProperties`/
 * `additionalProperties` (absent = open content model), `items`/`prefixItems`, numeric/length/count bounds,
 * `multipleOf`, `uniqueItems`, `pattern` and `format` (equal values only), `propertyNames`,
 * `allOf`/`anyOf`/`oneOf`/`not` and `$ref` to `#/$defs/<name>`, resolved against each side's own named
 * schemas; a (sub, sup) pair revisited through a `$ref` cycle is assumed to hold (coinduction). Other
 * keywords in `sup` are accepted only when `sub` carries them verbatim. Semantics: JSON Schema 2020-12;
 * the open-content-model rule mirrors Confluent's PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL.
 *
 * @param sub the schema whose instances must all be accepted (e.g. the previous request schema)
 * @param sup the schema that must accept them (e.g. the new request schema)
 * @param ctx named schemas per side, pointers of both schemas, which side is the new version, and the
 *   comparison budget to spend (a fresh one by default)
 * @returns issues with `message` describing the difference; empty when `sub ⊆ sup` is proven; one
 *   `cannot-prove` issue when the budget runs out
 *
 * @example
 * isSubschema({ type: 'integer' }, { type: 'number' }, { subDefs: {}, supDefs: {} }); // []
 * isSubschema({ type: 'number' }, { type: 'integer' }, { subDefs: {}, supDefs: {} });
 * // [{ rule: 'type-narrowed', pointer: '/type', document: 'next', message: 'type changed from number to integer' }]
 */
export function isSubschema(
  sub: JsonSchema,
  sup: JsonSchema,
  ctx: SubschemaContext = { subDefs: {}, supDefs: {} },
): CompatibilityIssue[] {
  const context = newCheckContext(
    ctx.subDefs,
    ctx.supDefs,
    ctx.newSide ?? 'sup',
    ctx.context ?? 'request',
    ctx.budget ?? new ComparisonBudget(),
  );
  return withinBudget(
    () =>
      toIssues(
        compareSchemas(
          [{ schema: sub, pointer: ctx.subPointer ?? '' }],
          [{ schema: sup, pointer: ctx.supPointer ?? '' }],
          context,
          '',
          0,
        ),
        '',
      ),
    (detail) => [{ rule: 'cannot-prove', pointer: ctx.supPointer ?? '', document: 'next', message: detail }],
  );
}
