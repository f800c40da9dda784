import type { JsonSchema } from '../contract';
import type { ComparisonBudget } from './budget';

/**
 * The two sides of a subschema check `sub ⊆ sup`: every instance `sub` admits must be admitted by `sup`.
 * Which of them is the new version depends on the direction and on request vs response.
 */
export type Side = 'sub' | 'sup';

/** Three-valued answer: keywords the checker does not evaluate make a value's validity `'unknown'`. */
export type Verdict = 'yes' | 'no' | 'unknown';

/** Whether an issue's pointer refers into the previous or the next document. */
export type DocumentName = 'previous' | 'next';

/**
 * A schema at a location of its document.
 *
 * `origin` is the schema object the node was derived from (its identity for cycle detection when
 * `schema` is a copy) and `skip` the combinator keywords already accounted for on this node.
 */
export type SchemaNode = { schema: JsonSchema; pointer: string; origin?: object; skip?: ReadonlySet<string> };

/** An issue before the endpoint label is prefixed to its detail. */
export type RawIssue = { rule: string; pointer: string; document: DocumentName; detail: string };

/** Stable small numbers for schema objects, so that a pair of conjunct lists has a string key. */
export class ObjectIdentities {
  readonly #ids = new WeakMap<object, number>();
  #next = 0;

  /** The number of `value`, assigned on first sight. */
  of(value: object): number {
    let id = this.#ids.get(value);
    if (id === undefined) {
      id = this.#next++;
      this.#ids.set(value, id);
    }
    return id;
  }
}

/**
 * Everything one subschema check carries down its recursion.
 *
 * - `subDefs` / `supDefs`: the named schemas each side's `$ref`s resolve against.
 * - `newSide`: which side is the new version (chooses rule names and documents).
 * - `traffic`: whether the schemas describe requests or responses (chooses rule names).
 * - `budget`: comparisons left, shared by every check of one registration.
 * - `identities` / `inProgress`: keys of (sub, sup) pairs being compared further up (coinduction).
 */
export type CheckContext = {
  subDefs: Record<string, JsonSchema>;
  supDefs: Record<string, JsonSchema>;
  newSide: Side;
  traffic: 'request' | 'response';
  budget: ComparisonBudget;
  identities: ObjectIdentities;
  inProgress: Set<string>;
};

/** Nesting depth past which a comparison answers "cannot prove" (and evaluation "unknown"). */
export const MAX_DEPTH = 64;

/** A fresh context for comparing schemas of `subDefs` with schemas of `supDefs`. */
export function newCheckContext(
  subDefs: Record<string, JsonSchema>,
  supDefs: Record<string, JsonSchema>,
  newSide: Side,
  traffic: 'request' | 'response',
  budget: ComparisonBudget,
): CheckContext {
  return { subDefs, supDefs, newSide, traffic, budget, identities: new ObjectIdentities(), inProgress: new Set() };
}
