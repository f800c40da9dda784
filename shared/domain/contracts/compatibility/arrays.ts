import type { JsonSchema } from '../contract';
import type { JsonObject } from './json';
import { isTrivial } from './keywords';
import type { RawIssue, SchemaNode } from './model';
import { boundIssue, type ConjunctScope, checkKeywordGroup } from './scope';

/** `uniqueItems: true` of the target: sub must require unique items too, or allow at most one item. */
export function checkUniqueItems(scope: ConjunctScope): RawIssue[] {
  if (scope.keywords.uniqueItems === undefined) return [];
  return checkKeywordGroup(scope, ['uniqueItems'], () => {
    if (scope.keywords.uniqueItems !== true) return [];
    const holds = scope.subConjuncts.some((c) => {
      const schema = c.schema as JsonObject;
      return schema.uniqueItems === true || (typeof schema.maxItems === 'number' && schema.maxItems <= 1);
    });
    if (holds) return [];
    return [boundIssue(scope, 'uniqueItems', 'none', 'uniqueItems true')];
  });
}

const prefixOf = (schema: JsonObject): unknown[] => (Array.isArray(schema.prefixItems) ? schema.prefixItems : []);

/** The sub schemas that item `index` must satisfy (`undefined`: an item past every prefix). */
function subItemsAt(scope: ConjunctScope, index: number | undefined): SchemaNode[] {
  return scope.subConjuncts.flatMap((c) => {
    const schema = c.schema as JsonObject;
    const prefix = prefixOf(schema);
    if (index !== undefined && index < prefix.length) {
      return [{ schema: prefix[index] as JsonSchema, pointer: `${c.pointer}/prefixItems/${index}` }];
    }
    if (Array.isArray(schema.items) || schema.items === undefined) return [];
    return [{ schema: schema.items as JsonSchema, pointer: `${c.pointer}/items` }];
  });
}

/**
 * `prefixItems`/`items` (2020-12) of the target: each position up to the longest prefix (and sub's
 * `maxItems`) is compared on its own, then the items past every prefix. The draft-07 tuple form
 * (`items: [...]`) is left to the verbatim check.
 */
export function checkItems(scope: ConjunctScope): RawIssue[] {
  const { keywords: target } = scope;
  if (target.items === undefined && target.prefixItems === undefined) return [];
  if (Array.isArray(target.items)) return [];
  return checkKeywordGroup(scope, ['prefixItems', 'items'], () => compareItems(scope));
}

function compareItems(scope: ConjunctScope): RawIssue[] {
  const { context, subConjuncts, target, keywords, where, depth } = scope;
  const issues: RawIssue[] = [];
  const supPrefix = prefixOf(keywords);
  const supItems: SchemaNode = { schema: (keywords.items ?? true) as JsonSchema, pointer: `${target.pointer}/items` };
  const maxItems = subConjuncts
    .map((c) => (c.schema as JsonObject).maxItems)
    .filter((v): v is number => typeof v === 'number')
    .reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
  const positions = Math.max(supPrefix.length, ...subConjuncts.map((c) => prefixOf(c.schema as JsonObject).length));
  const anchor = scope.subAnchors[0]?.pointer ?? '';
  const orAnything = (subs: SchemaNode[]): SchemaNode[] =>
    subs.length > 0 ? subs : [{ schema: true, pointer: anchor }];
  for (let i = 0; i < positions && i < maxItems; i += 1) {
    const sup: SchemaNode =
      i < supPrefix.length
        ? { schema: supPrefix[i] as JsonSchema, pointer: `${target.pointer}/prefixItems/${i}` }
        : supItems;
    if (isTrivial(sup.schema)) continue;
    issues.push(...scope.compare(orAnything(subItemsAt(scope, i)), [sup], context, `${where}[${i}]`, depth + 1));
  }
  if (maxItems > positions && !isTrivial(supItems.schema)) {
    issues.push(
      ...scope.compare(orAnything(subItemsAt(scope, undefined)), [supItems], context, `${where}[]`, depth + 1),
    );
  }
  return issues;
}
