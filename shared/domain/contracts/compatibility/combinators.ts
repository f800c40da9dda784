import type { JsonSchema } from '../contract';
import { admittedTypes, admittedValues, requiredOf } from './admitted';
import { evaluate } from './evaluate';
import { issueAtKeyword, versionName } from './issues';
import { fieldPrefix, includesJson, isJsonObject, type JsonObject, preview } from './json';
import { canonicalTypes, intersectTypes, typeCovered } from './json-types';
import { ALL_TYPES } from './keywords';
import type { CheckContext, RawIssue, SchemaNode } from './model';
import { expandConjuncts } from './refs';
import { type ConjunctScope, valueIssues } from './scope';
import { typeChangedIssue } from './types';

/**
 * `anyOf`, `oneOf` and `not` of the target (those not already satisfied verbatim, see `skip`).
 * `anyOf`/`oneOf`: sub must fit one branch — for `oneOf` while being disjoint from the others.
 * `not`: sub must be disjoint from the negated schema, or carry a `not` of a superset of it.
 */
export function checkCombinators(scope: ConjunctScope): RawIssue[] {
  const { keywords, target } = scope;
  const skip = target.skip ?? new Set<string>();
  const issues: RawIssue[] = [];
  if (Array.isArray(keywords.anyOf) && !skip.has('anyOf')) {
    scope.handled.add('anyOf');
    issues.push(...checkSupDisjunction(scope, keywords.anyOf, false));
  }
  if (Array.isArray(keywords.oneOf) && !skip.has('oneOf')) {
    scope.handled.add('oneOf');
    issues.push(...checkSupDisjunction(scope, keywords.oneOf, true));
  }
  if (keywords.not !== undefined && !skip.has('not')) {
    scope.handled.add('not');
    issues.push(...checkNot(scope, keywords.not));
  }
  for (const keyword of ['anyOf', 'oneOf', 'not']) if (skip.has(keyword)) scope.handled.add(keyword);
  return issues;
}

function checkNot(scope: ConjunctScope, negated: unknown): RawIssue[] {
  const { context, subConjuncts, target, types, values, where, depth } = scope;
  const fromValues = valueIssues(scope, ['not'], { not: negated });
  if (fromValues !== undefined) return fromValues;
  if (typeof negated !== 'boolean' && !isJsonObject(negated)) return [];
  const negatedNode = { schema: negated, pointer: `${target.pointer}/not` };
  // sub's own `not x` excludes at least what the target's `not y` does when y ⊆ x (sides swapped).
  const swapped: CheckContext = {
    ...context,
    subDefs: context.supDefs,
    supDefs: context.subDefs,
    inProgress: new Set(),
  };
  const holds =
    provablyDisjoint(subConjuncts, types, values, negatedNode, context) ||
    subConjuncts.some((c) => {
      const own = (c.schema as JsonObject).not;
      return (
        (typeof own === 'boolean' || isJsonObject(own)) &&
        scope.compare([negatedNode], [{ schema: own, pointer: c.pointer }], swapped, where, depth + 1).length === 0
      );
    });
  if (holds) return [];
  return [
    issueAtKeyword(
      context,
      scope.subAnchors,
      target,
      'not',
      'cannot-prove',
      `${fieldPrefix(where)}cannot prove that ${versionName(context, 'sub')} excludes everything "not" ${preview(negated)} excludes`,
    ),
  ];
}

/** The branches of a disjunction as nodes (entries that are not schemas are ignored). */
export function branchNodes(owner: SchemaNode, keyword: string, branches: unknown[]): SchemaNode[] {
  return branches
    .map((branch, i) => ({ schema: branch as JsonSchema, pointer: `${owner.pointer}/${keyword}/${i}` }))
    .filter((n) => typeof n.schema === 'boolean' || isJsonObject(n.schema));
}

/** The target is anyOf/oneOf: sub must fit one branch (and, for oneOf, be disjoint from the others). */
function checkSupDisjunction(scope: ConjunctScope, branches: unknown[], exclusive: boolean): RawIssue[] {
  const { context, subConjuncts, target, types, values, where, depth } = scope;
  const keyword = exclusive ? 'oneOf' : 'anyOf';
  if (values) {
    const verdicts = values.map((v) => evaluate(v, { [keyword]: branches }, context.supDefs, context.budget));
    if (verdicts.every((r) => r === 'yes')) return [];
  }
  // Split sub by type so that e.g. [string, null] fits anyOf [{string}, {null}].
  if (!values && types.size > 1 && !ALL_TYPES.every((type) => types.has(type))) {
    const only = {
      ...target,
      origin: target.origin ?? (target.schema as object),
      schema: { [keyword]: branches },
      skip: undefined,
    };
    const anchor = scope.subAnchors[0]?.pointer ?? '';
    return [...types].flatMap((type) =>
      scope.compare([...subConjuncts, { schema: { type }, pointer: anchor }], [only], context, where, depth + 1),
    );
  }
  const nodes = branchNodes(target, keyword, branches);
  const branchTypes = nodes.map((n) => {
    const expanded = expandConjuncts([n], context.supDefs);
    return expanded.empty
      ? new Set<string>()
      : admittedTypes(expanded.nodes, admittedValues(expanded.nodes, context.supDefs, context.budget));
  });
  let closest: RawIssue[] | undefined;
  let overlapping = false;
  const candidates: RawIssue[][] = [];
  for (const [i, node] of nodes.entries()) {
    const found = scope.compare(subConjuncts, [node], context, where, depth + 1);
    if (found.length === 0) {
      const others = nodes.filter((_, j) => j !== i);
      if (!exclusive || others.every((o) => provablyDisjoint(subConjuncts, types, values, o, context))) return [];
      overlapping = true;
      continue;
    }
    const branch = branchTypes[i] as Set<string>;
    if ([...types].every((type) => typeCovered(branch, type))) candidates.push(found);
    if (!closest || found.length < closest.length) closest = found;
  }
  return disjunctionIssues(scope, keyword, { overlapping, branchTypes, candidates, closest });
}

/** Why no branch of the target's disjunction provably holds sub, most specific reason first. */
function disjunctionIssues(
  scope: ConjunctScope,
  keyword: string,
  found: {
    overlapping: boolean;
    branchTypes: Set<string>[];
    candidates: RawIssue[][];
    closest: RawIssue[] | undefined;
  },
): RawIssue[] {
  const { context, types, where } = scope;
  const cannotProve = (detail: string): RawIssue[] => [
    issueAtKeyword(context, scope.subAnchors, scope.target, keyword, 'cannot-prove', `${fieldPrefix(where)}${detail}`),
  ];
  if (found.overlapping) {
    return cannotProve(
      `cannot prove that values of ${versionName(context, 'sub')} match exactly one oneOf branch of ${versionName(context, 'sup')}`,
    );
  }
  const union = canonicalTypes(found.branchTypes.flatMap((b) => [...b]));
  const missing = [...types].filter((type) => !typeCovered(union, type));
  if (missing.length > 0) {
    const [oldTypes, newTypes] = context.newSide === 'sup' ? [types, union] : [union, types];
    return [typeChangedIssue(scope, keyword, oldTypes, newTypes, fieldPrefix(where))];
  }
  // Only one branch admits the types involved: its reasons are the reasons.
  if (found.candidates.length === 1) return found.candidates[0] as RawIssue[];
  const hint = found.closest?.[0] ? ` (closest branch: ${found.closest[0].detail})` : '';
  return cannotProve(
    `cannot prove that every value of ${versionName(context, 'sub')} matches one ${keyword} branch of ${versionName(context, 'sup')}${hint}`,
  );
}

/** The constants a schema allows, when finite (`[]` for `false`). */
function constantsOf(schema: unknown, defs: Record<string, JsonSchema>, context: CheckContext): unknown[] | undefined {
  if (!isJsonObject(schema) && typeof schema !== 'boolean') return undefined;
  const expanded = expandConjuncts([{ schema, pointer: '' }], defs);
  return expanded.empty ? [] : admittedValues(expanded.nodes, defs, context.budget);
}

/**
 * Conservative disjointness of the sub conjuncts and a sup schema `other` (true only when proven):
 * no common type, finite values on either side all rejected by the other, or a discriminator — a
 * property sub requires whose allowed constants `other` never allows.
 */
export function provablyDisjoint(
  conjuncts: SchemaNode[],
  types: Set<string>,
  values: unknown[] | undefined,
  other: SchemaNode,
  context: CheckContext,
): boolean {
  const { budget, subDefs, supDefs } = context;
  const expanded = expandConjuncts([other], supDefs);
  if (expanded.empty) return true;
  const otherValues = admittedValues(expanded.nodes, supDefs, budget);
  const common = intersectTypes(types, admittedTypes(expanded.nodes, otherValues));
  if (common.size === 0) return true;
  if (values?.every((v) => evaluate(v, other.schema, supDefs, budget) === 'no')) return true;
  if (otherValues?.every((v) => conjuncts.some((c) => evaluate(v, c.schema, subDefs, budget) === 'no'))) return true;
  if ([...common].some((type) => type !== 'object')) return false;
  const required = new Set(conjuncts.flatMap((c) => requiredOf(c.schema as JsonObject)));
  for (const name of required) {
    for (const c of conjuncts) {
      const properties = (c.schema as JsonObject).properties;
      const mine = isJsonObject(properties) ? constantsOf(properties[name], subDefs, context) : undefined;
      if (!mine) continue;
      for (const oc of expanded.nodes) {
        const theirProperties = (oc.schema as JsonObject).properties;
        const theirs =
          isJsonObject(theirProperties) && Object.hasOwn(theirProperties, name)
            ? constantsOf(theirProperties[name], supDefs, context)
            : undefined;
        if (theirs && mine.every((v) => !includesJson(theirs, v))) return true;
      }
    }
  }
  return false;
}
