import type { CompatibilityMode, JsonSchema } from '../contract';
import type { ComparisonBudget } from './budget';

/**
 * Which way a new contract version is checked against an earlier one.
 *
 * - `BACKWARD`: clients written against the previous version keep working against the new one.
 * - `FORWARD`: clients written against the new version work against the previous one.
 * - `FULL`: both.
 *
 * Definitions follow Confluent Schema Registry's compatibility types, applied to an HTTP contract
 * (requests flow client → server, responses server → client).
 */
export type CompatibilityDirection = 'BACKWARD' | 'FORWARD' | 'FULL';

/**
 * One reason why a version is not (provably) compatible with another.
 *
 * - `rule`: stable kebab-case identifier (`endpoint-removed`, `type-narrowed`, `cannot-prove`, …).
 * - `pointer`: JSON pointer (RFC 6901) into the document named by `document` — the new document
 *   where the offending construct exists there, the previous one for things that were removed.
 * - `message`: human-readable explanation naming the endpoint, the field and old vs new.
 * - `document`: `'next'` or `'previous'`, the document `pointer` points into.
 */
export type CompatibilityIssue = { rule: string; pointer: string; message: string; document?: 'previous' | 'next' };

/**
 * Result of checking a new version against the stored history of a contract under a compatibility mode.
 *
 * - `mode`: the mode applied.
 * - `compatible`: `true` when `issues` is empty.
 * - `checkedAgainst`: the versions `next` was compared with, in ascending semver order (empty for `NONE`
 *   and for the first version).
 * - `issues`: every issue found, each tagged with the version it was found `against`.
 */
export type CompatibilityReport = {
  mode: CompatibilityMode;
  compatible: boolean;
  checkedAgainst: string[];
  issues: Array<CompatibilityIssue & { against: string }>;
};

/**
 * Context of a subschema check.
 *
 * - `subDefs` / `supDefs`: the named schemas `#/$defs/<name>` references resolve against, per side.
 * - `subPointer` / `supPointer`: JSON pointers of `sub` / `sup` in their documents (default `''`).
 * - `newSide`: which side is the newer version (default `'sup'`, i.e. `sub` is the old request schema).
 *   It only chooses rule names (`type-narrowed` vs `type-widened`) and the document pointers refer to.
 * - `context`: `'request'` (default) or `'response'`; chooses rule names such as `response-field-removed`.
 * - `budget`: the comparison budget to spend (default: a fresh one of {@link MAX_COMPARISONS}).
 */
export type SubschemaContext = {
  subDefs: Record<string, JsonSchema>;
  supDefs: Record<string, JsonSchema>;
  subPointer?: string;
  supPointer?: string;
  newSide?: 'sub' | 'sup';
  context?: 'request' | 'response';
  budget?: ComparisonBudget;
};
