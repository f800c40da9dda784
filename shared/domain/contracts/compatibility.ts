import { RE2JS } from 're2js';
import semver from 'semver';
import {
  type CompatibilityMode,
  type ContractDocument,
  type EndpointSpec,
  errorSchemasAsRecords,
  type JsonSchema,
  normalizeTemplate,
  type ParameterSpec,
  pathTemplateParameters,
} from './contract.js';

/**
 * Which way a new contract version is checked against an earlier one.
 *
 * - `BACKWARD`: clients written against the previous version keep working against the new one.
 * - `FORWARD`: clients written against the new version work against the previous one.
 * - `FULL`: both.
 *
 * Definitions follow Confluent Schema Registry's compatibility types, applied to an HTTP contract
 * (requests flow client → server, responses server → client).
 *
 * @example
 * const direction: CompatibilityDirection = 'BACKWARD';
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
 *
 * @example
 * const issue: CompatibilityIssue = {
 *   rule: 'endpoint-removed',
 *   pointer: '/endpoints/1',
 *   document: 'previous',
 *   message: 'DELETE /pets/{petId}: endpoint was removed',
 * };
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
 *
 * @example
 * const report: CompatibilityReport = { mode: 'BACKWARD', compatible: true, checkedAgainst: ['1.0.0'], issues: [] };
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
 *
 * @example
 * const ctx: SubschemaContext = { subDefs: {}, supDefs: {}, newSide: 'sub', context: 'response' };
 */
export type SubschemaContext = {
  subDefs: Record<string, JsonSchema>;
  supDefs: Record<string, JsonSchema>;
  subPointer?: string;
  supPointer?: string;
  newSide?: 'sub' | 'sup';
  context?: 'request' | 'response';
};

// ---------------------------------------------------------------------------------------------
// Internal model
// ---------------------------------------------------------------------------------------------

type Side = 'sub' | 'sup';
type Tri = 'yes' | 'no' | 'unknown';
type Obj = Record<string, unknown>;
type Node = { s: JsonSchema; ptr: string; origin?: object; skip?: ReadonlySet<string> };
type RawIssue = { rule: string; pointer: string; document: 'previous' | 'next'; detail: string };
type Ctx = {
  subDefs: Record<string, JsonSchema>;
  supDefs: Record<string, JsonSchema>;
  newSide: Side;
  context: 'request' | 'response';
  stack: Set<string>;
};

const MAX_DEPTH = 64;

/**
 * Subschema comparisons one compatibility check may make. Nested anyOf/oneOf multiply the work
 * (each sub branch is compared with each sup branch), so hostile or very large schemas could
 * otherwise occupy a function for minutes; past the budget the check answers "cannot prove".
 */
export const MAX_COMPARISONS = 100_000;
class ComparisonBudgetExceeded extends Error {}
// Reset by the outermost entry point; the checker is synchronous, so no two checks interleave.
let comparisonsLeft = MAX_COMPARISONS;
let budgetOpen = false;

/**
 * Runs several checks under one comparison budget (e.g. against every earlier and later version
 * of a contract), so their total time stays bounded; each check that finds the budget spent
 * answers "cannot prove" at once.
 *
 * @example withComparisonBudget(() => versions.map((v) => checkCompatibility(v, next, 'BACKWARD')))
 */
export function withComparisonBudget<T>(run: () => T): T {
  if (budgetOpen) return run();
  budgetOpen = true;
  comparisonsLeft = MAX_COMPARISONS;
  try {
    return run();
  } finally {
    budgetOpen = false;
  }
}

/** Runs a whole check; running out of budget (or stack) becomes one 'cannot-prove' issue. */
function withinBudget<T>(run: () => T, fallback: (detail: string) => T): T {
  if (!budgetOpen) comparisonsLeft = MAX_COMPARISONS;
  try {
    return run();
  } catch (error) {
    if (error instanceof ComparisonBudgetExceeded || error instanceof RangeError) {
      return fallback(
        `the schemas are too complex to compare (over ${MAX_COMPARISONS} subschema comparisons, or nesting too deep): cannot prove compatible — simplify nested anyOf/oneOf or register with compatibility NONE`,
      );
    }
    throw error;
  }
}
const ALL_TYPES = ['null', 'boolean', 'object', 'array', 'number', 'string'] as const;

/** Keywords with no effect on validation (2020-12 meta-data, core and content vocabularies, OpenAPI extras). */
const ANNOTATIONS = new Set([
  'title',
  'description',
  'default',
  'examples',
  'example',
  'deprecated',
  'readOnly',
  'writeOnly',
  '$comment',
  '$id',
  '$schema',
  '$anchor',
  '$dynamicAnchor',
  '$vocabulary',
  '$defs',
  'definitions',
  'contentEncoding',
  'contentMediaType',
  'contentSchema',
  'discriminator',
  'externalDocs',
  'xml',
]);

/** Keywords that only constrain instances of one JSON type. */
const KEYWORD_TYPE: Record<string, string> = {
  minimum: 'number',
  maximum: 'number',
  exclusiveMinimum: 'number',
  exclusiveMaximum: 'number',
  multipleOf: 'number',
  minLength: 'string',
  maxLength: 'string',
  pattern: 'string',
  format: 'string',
  minItems: 'array',
  maxItems: 'array',
  uniqueItems: 'array',
  items: 'array',
  prefixItems: 'array',
  contains: 'array',
  minContains: 'array',
  maxContains: 'array',
  unevaluatedItems: 'array',
  required: 'object',
  properties: 'object',
  patternProperties: 'object',
  additionalProperties: 'object',
  minProperties: 'object',
  maxProperties: 'object',
  propertyNames: 'object',
  dependentRequired: 'object',
  dependentSchemas: 'object',
  unevaluatedProperties: 'object',
};

const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);
const esc = (segment: string): string => segment.replaceAll('~', '~0').replaceAll('/', '~1');
const show = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};
const at = (where: string): string => (where ? `field '${where}': ` : '');
const child = (where: string, name: string): string => (where ? `${where}.${name}` : name);

let nextId = 0;
const ids = new WeakMap<object, number>();
function idOf(value: object): number {
  let id = ids.get(value);
  if (id === undefined) {
    id = nextId++;
    ids.set(value, id);
  }
  return id;
}

/** Deep equality of JSON values (object key order ignored). */
const scalarMembers = new WeakMap<readonly unknown[], Set<unknown>>();

/** `list` contains `value` (JSON equality): a Set lookup for scalars, so large enums stay linear. */
function includesJson(list: readonly unknown[], value: unknown): boolean {
  if (value === null || typeof value !== 'object') {
    let members = scalarMembers.get(list);
    if (!members) {
      members = new Set(list.filter((v) => v === null || typeof v !== 'object'));
      scalarMembers.set(list, members);
    }
    return members.has(value);
  }
  return list.some((x) => jsonEqual(x, value));
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (!isObj(a) || !isObj(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
}

/** Resolves `#/$defs/<name>` (RFC 6901 and percent decoding) against the named schemas of one side. */
function resolveRef(ref: string, defs: Record<string, JsonSchema>): { schema: JsonSchema; ptr: string } | undefined {
  const match = /^#\/\$defs\/([^/]+)$/.exec(ref);
  if (!match) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(match[1] as string)
      .replaceAll('~1', '/')
      .replaceAll('~0', '~');
  } catch {
    return undefined;
  }
  if (!Object.hasOwn(defs, name)) return undefined;
  return { schema: defs[name] as JsonSchema, ptr: `/schemas/${esc(name)}` };
}

/** Equality of two schemas where `$ref`s are compared by what they resolve to on each side. */
function schemaEqual(
  a: unknown,
  aDefs: Record<string, JsonSchema>,
  b: unknown,
  bDefs: Record<string, JsonSchema>,
  seen: Set<string> = new Set(),
): boolean {
  if (a === b && aDefs === bDefs) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((x, i) => schemaEqual(x, aDefs, b[i], bDefs, seen))
    );
  }
  if (!isObj(a) || !isObj(b)) return a === b;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length || !keys.every((k) => Object.hasOwn(b, k))) return false;
  if (typeof a.$ref === 'string' && typeof b.$ref === 'string') {
    const ra = resolveRef(a.$ref, aDefs);
    const rb = resolveRef(b.$ref, bDefs);
    if (!ra || !rb) {
      if (a.$ref !== b.$ref || ra || rb) return false;
    } else {
      const key = `${ra.ptr}|${rb.ptr}`;
      if (!seen.has(key)) {
        seen.add(key);
        if (!schemaEqual(ra.schema, aDefs, rb.schema, bDefs, seen)) return false;
      }
    }
  }
  return keys.every((k) => k === '$ref' || schemaEqual(a[k], aDefs, b[k], bDefs, seen));
}

/** A schema that accepts every instance: `true` or an object holding only annotations. */
function isTrivial(schema: JsonSchema | undefined): boolean {
  if (schema === undefined || schema === true) return true;
  if (schema === false) return false;
  return Object.keys(schema).every((k) => ANNOTATIONS.has(k));
}

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/** JSON type of a value; integers are reported as `integer`. */
function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Canonical type set: `number` subsumes `integer`. */
function canon(types: Iterable<string>): Set<string> {
  const set = new Set(types);
  if (set.has('number')) set.delete('integer');
  return set;
}

function intersectTypes(a: ReadonlySet<string>, b: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  for (const t of a) {
    if (b.has(t)) out.add(t);
    else if ((t === 'number' && b.has('integer')) || (t === 'integer' && b.has('number'))) out.add('integer');
  }
  return canon(out);
}

/** Types a schema object's own `type` (and OpenAPI `nullable`, as Ajv reads it) admits; undefined = no restriction. */
function ownTypes(schema: Obj): Set<string> | undefined {
  const raw = schema.type;
  if (raw === undefined) return undefined;
  const list = (Array.isArray(raw) ? raw : [raw]).filter((t): t is string => typeof t === 'string');
  if (schema.nullable === true) list.push('null');
  return canon(list);
}

const describeTypes = (types: ReadonlySet<string> | undefined): string =>
  types === undefined || ALL_TYPES.every((t) => types.has(t)) ? 'any type' : [...types].sort().join(' | ') || 'none';

function typeAdmits(types: ReadonlySet<string>, t: string): boolean {
  if (t === 'number') return types.has('number') || types.has('integer');
  return types.has(t);
}

// ---------------------------------------------------------------------------------------------
// Evaluating a value against a schema (three-valued: unsupported keywords give 'unknown')
// ---------------------------------------------------------------------------------------------

/** A compiled pattern. */
type Matcher = { test(input: string): boolean; source: string };

/** Patterns are matched with RE2 here too (linear time), as the validator does: no ReDoS in a check. */
function regex(pattern: unknown): Matcher | undefined {
  if (typeof pattern !== 'string') return undefined;
  if (compiledPatterns.has(pattern)) return compiledPatterns.get(pattern) ?? undefined;
  let matcher: Matcher | null = null;
  try {
    const re = RE2JS.compile(RE2JS.translateRegExp(pattern));
    matcher = { test: (input) => re.test(input), source: pattern };
  } catch {
    matcher = null;
  }
  if (compiledPatterns.size >= 512) compiledPatterns.clear();
  compiledPatterns.set(pattern, matcher);
  return matcher ?? undefined;
}

/** Compiled patterns by source: a check evaluates the same pattern against many values. */
const compiledPatterns = new Map<string, Matcher | null>();

function all(results: Iterable<Tri>): Tri {
  let unknown = false;
  for (const r of results) {
    if (r === 'no') return 'no';
    if (r === 'unknown') unknown = true;
  }
  return unknown ? 'unknown' : 'yes';
}

/** Whether `value` is valid under `schema`: 'yes', 'no', or 'unknown' when a keyword is not supported. */
function evaluate(value: unknown, schema: JsonSchema, defs: Record<string, JsonSchema>, depth = 0): Tri {
  comparisonsLeft -= 1;
  if (comparisonsLeft < 0) throw new ComparisonBudgetExceeded();
  if (schema === true) return 'yes';
  if (schema === false) return 'no';
  if (depth > MAX_DEPTH) return 'unknown';
  const type = jsonType(value);
  const results: Tri[] = [];
  const sub = (v: unknown, s: unknown): Tri =>
    typeof s === 'boolean' || isObj(s) ? evaluate(v, s, defs, depth + 1) : 'unknown';
  for (const [kw, arg] of Object.entries(schema)) {
    if (ANNOTATIONS.has(kw) || kw === 'nullable') continue;
    const applies = KEYWORD_TYPE[kw];
    if (applies && !(applies === 'number' ? type === 'number' || type === 'integer' : type === applies)) continue;
    results.push(evaluateKeyword(kw, arg, value, schema, defs, sub));
    if (results.at(-1) === 'no') return 'no';
  }
  return all(results);
}

function evaluateKeyword(
  kw: string,
  arg: unknown,
  value: unknown,
  schema: Obj,
  defs: Record<string, JsonSchema>,
  sub: (v: unknown, s: unknown) => Tri,
): Tri {
  const yn = (b: boolean): Tri => (b ? 'yes' : 'no');
  const num = typeof arg === 'number' ? arg : undefined;
  switch (kw) {
    case '$ref': {
      const target = typeof arg === 'string' ? resolveRef(arg, defs) : undefined;
      return target ? sub(value, target.schema) : 'unknown';
    }
    case 'allOf':
      return Array.isArray(arg) ? all(arg.map((s) => sub(value, s))) : 'unknown';
    case 'anyOf': {
      if (!Array.isArray(arg)) return 'unknown';
      const rs = arg.map((s) => sub(value, s));
      return rs.includes('yes') ? 'yes' : rs.every((r) => r === 'no') ? 'no' : 'unknown';
    }
    case 'oneOf': {
      if (!Array.isArray(arg)) return 'unknown';
      const rs = arg.map((s) => sub(value, s));
      const yes = rs.filter((r) => r === 'yes').length;
      if (yes > 1) return 'no';
      if (rs.includes('unknown')) return 'unknown';
      return yn(yes === 1);
    }
    case 'not': {
      const r = sub(value, arg);
      return r === 'yes' ? 'no' : r === 'no' ? 'yes' : 'unknown';
    }
    case 'type': {
      const types = ownTypes(schema);
      const t = jsonType(value);
      return types ? yn(types.has(t) || (t === 'integer' && types.has('number'))) : 'unknown';
    }
    case 'enum':
      return Array.isArray(arg) ? yn(includesJson(arg, value)) : 'unknown';
    case 'const':
      return yn(jsonEqual(arg, value));
    case 'minimum':
      return num === undefined ? 'unknown' : yn((value as number) >= num);
    case 'maximum':
      return num === undefined ? 'unknown' : yn((value as number) <= num);
    case 'exclusiveMinimum':
      return num === undefined ? 'unknown' : yn((value as number) > num);
    case 'exclusiveMaximum':
      return num === undefined ? 'unknown' : yn((value as number) < num);
    case 'multipleOf':
      return num === undefined || num <= 0 ? 'unknown' : yn(Number.isInteger((value as number) / num));
    case 'minLength':
      return num === undefined ? 'unknown' : yn([...(value as string)].length >= num);
    case 'maxLength':
      return num === undefined ? 'unknown' : yn([...(value as string)].length <= num);
    case 'pattern': {
      const re = regex(arg);
      return re ? yn(re.test(value as string)) : 'unknown';
    }
    case 'minItems':
      return num === undefined ? 'unknown' : yn((value as unknown[]).length >= num);
    case 'maxItems':
      return num === undefined ? 'unknown' : yn((value as unknown[]).length <= num);
    case 'uniqueItems': {
      const list = value as unknown[];
      return arg !== true ? 'yes' : yn(list.every((x, i) => list.findIndex((y) => jsonEqual(x, y)) === i));
    }
    case 'prefixItems':
      return Array.isArray(arg)
        ? all((value as unknown[]).slice(0, arg.length).map((v, i) => sub(v, arg[i])))
        : 'unknown';
    case 'items': {
      if (Array.isArray(arg)) return 'unknown';
      const start = Array.isArray(schema.prefixItems) ? schema.prefixItems.length : 0;
      return all((value as unknown[]).slice(start).map((v) => sub(v, arg)));
    }
    case 'required':
      return Array.isArray(arg)
        ? yn(arg.every((k) => typeof k === 'string' && Object.hasOwn(value as Obj, k)))
        : 'unknown';
    case 'properties':
      if (!isObj(arg)) return 'unknown';
      return all(
        Object.entries(value as Obj)
          .filter(([k]) => Object.hasOwn(arg, k))
          .map(([k, v]) => sub(v, arg[k])),
      );
    case 'patternProperties': {
      if (!isObj(arg)) return 'unknown';
      const results: Tri[] = [];
      for (const [p, s] of Object.entries(arg)) {
        const re = regex(p);
        if (!re) return 'unknown';
        for (const [k, v] of Object.entries(value as Obj)) if (re.test(k)) results.push(sub(v, s));
      }
      return all(results);
    }
    case 'additionalProperties': {
      const props = isObj(schema.properties) ? schema.properties : {};
      const patterns: Matcher[] = [];
      for (const p of Object.keys(isObj(schema.patternProperties) ? schema.patternProperties : {})) {
        const re = regex(p);
        if (!re) return 'unknown';
        patterns.push(re);
      }
      return all(
        Object.entries(value as Obj)
          .filter(([k]) => !Object.hasOwn(props, k) && !patterns.some((re) => re.test(k)))
          .map(([, v]) => sub(v, arg)),
      );
    }
    case 'minProperties':
      return num === undefined ? 'unknown' : yn(Object.keys(value as Obj).length >= num);
    case 'maxProperties':
      return num === undefined ? 'unknown' : yn(Object.keys(value as Obj).length <= num);
    case 'propertyNames':
      return all(Object.keys(value as Obj).map((k) => sub(k, arg)));
    case 'dependentRequired':
      if (!isObj(arg)) return 'unknown';
      return yn(
        Object.entries(arg).every(
          ([k, deps]) =>
            !Object.hasOwn(value as Obj, k) ||
            (Array.isArray(deps) && deps.every((d) => typeof d === 'string' && Object.hasOwn(value as Obj, d))),
        ),
      );
    default:
      return 'unknown';
  }
}

// ---------------------------------------------------------------------------------------------
// The subschema check
// ---------------------------------------------------------------------------------------------

const sideName = (ctx: { newSide: Side }, side: Side): string =>
  side === ctx.newSide ? 'the new version' : 'the previous version';
const docOf = (ctx: Ctx, side: Side): 'previous' | 'next' => (side === ctx.newSide ? 'next' : 'previous');
/** Rule name depending on whether the new version is the narrower (`sup`) or the wider (`sub`) side. */
const pick = (ctx: Ctx, newIsSup: string, newIsSub: string): string => (ctx.newSide === 'sup' ? newIsSup : newIsSub);
const tighten = (ctx: Ctx): string => pick(ctx, 'constraint-tightened', 'constraint-loosened');

function mk(ctx: Ctx, rule: string, side: Side, pointer: string, detail: string): RawIssue {
  return { rule, pointer, document: docOf(ctx, side), detail };
}

/** Pointer for an issue located on the new side: the sup keyword, or the sub conjunct that carries `kw`. */
/** An issue located at keyword `kw` of the new version's side. */
function issueAt(ctx: Ctx, subs: Node[], sup: Node, kw: string, rule: string, detail: string): RawIssue {
  const { side, pointer } = newPtr(ctx, subs, sup, kw);
  return mk(ctx, rule, side, pointer, detail);
}

function newPtr(ctx: Ctx, subs: Node[], sup: Node, kw?: string): { side: Side; pointer: string } {
  if (ctx.newSide === 'sup') return { side: 'sup', pointer: kw ? `${sup.ptr}/${kw}` : sup.ptr };
  const holder = kw ? subs.find((n) => isObj(n.s) && n.s[kw] !== undefined) : undefined;
  if (holder) return { side: 'sub', pointer: `${holder.ptr}/${kw}` };
  return { side: 'sub', pointer: subs[0]?.ptr ?? '' };
}

type Flat = { conj: Node[]; empty: boolean; unresolved: Array<{ ptr: string; ref: string }> };

/** Expands `$ref` and `allOf` into a list of conjuncts (object schemas); `false` makes the list empty. */
function flatten(nodes: Node[], defs: Record<string, JsonSchema>): Flat {
  const out: Flat = { conj: [], empty: false, unresolved: [] };
  const seen = new Set<object>();
  const queue = [...nodes];
  while (queue.length > 0) {
    const node = queue.shift() as Node;
    if (node.s === true) continue;
    if (node.s === false) {
      out.empty = true;
      continue;
    }
    const identity = node.origin ?? node.s;
    if (seen.has(identity)) continue;
    seen.add(identity);
    out.conj.push(node);
    const s = node.s;
    if (typeof s.$ref === 'string') {
      const target = resolveRef(s.$ref, defs);
      if (target) queue.push({ s: target.schema, ptr: target.ptr });
      else out.unresolved.push({ ptr: `${node.ptr}/$ref`, ref: s.$ref });
    }
    if (Array.isArray(s.allOf)) {
      s.allOf.forEach((m, i) => {
        if (typeof m === 'boolean' || isObj(m)) queue.push({ s: m, ptr: `${node.ptr}/allOf/${i}` });
      });
    }
  }
  return out;
}

function subTypes(conj: Node[], values: unknown[] | undefined): Set<string> {
  let types: Set<string> = new Set(ALL_TYPES);
  for (const n of conj) {
    const own = ownTypes(n.s as Obj);
    if (own) types = intersectTypes(types, own);
  }
  if (values) types = intersectTypes(types, canon(values.map(jsonType)));
  return types;
}

/** The finite set of values the conjuncts admit, when one of them has `enum`/`const`; undefined = infinite. */
function finiteValues(conj: Node[], defs: Record<string, JsonSchema>): unknown[] | undefined {
  let values: unknown[] | undefined;
  for (const n of conj) {
    const s = n.s as Obj;
    const own = Object.hasOwn(s, 'const') ? [s.const] : Array.isArray(s.enum) ? s.enum : undefined;
    if (!own) continue;
    values = values === undefined ? [...own] : values.filter((v) => includesJson(own, v));
  }
  return values?.filter((v) => conj.every((n) => evaluate(v, n.s, defs) !== 'no'));
}

/** Every instance the `subs` conjuncts admit is valid under every `sups` conjunct (or issues saying why not). */
function check(subs: Node[], sups: Node[], ctx: Ctx, where: string, depth: number): RawIssue[] {
  comparisonsLeft -= 1;
  if (comparisonsLeft < 0) throw new ComparisonBudgetExceeded();
  if (depth > MAX_DEPTH) {
    const { side, pointer } = newPtr(ctx, subs, sups[0] ?? { s: true, ptr: '' });
    return [mk(ctx, 'cannot-prove', side, pointer, `${at(where)}schemas nest too deeply to compare`)];
  }
  const subFlat = flatten(subs, ctx.subDefs);
  if (subFlat.empty) return [];
  const supFlat = flatten(sups, ctx.supDefs);
  const issues: RawIssue[] = [];
  for (const u of subFlat.unresolved) {
    issues.push(
      mk(ctx, 'unresolved-ref', 'sub', u.ptr, `${at(where)}cannot resolve "${u.ref}" in ${sideName(ctx, 'sub')}`),
    );
  }
  for (const u of supFlat.unresolved) {
    issues.push(
      mk(ctx, 'unresolved-ref', 'sup', u.ptr, `${at(where)}cannot resolve "${u.ref}" in ${sideName(ctx, 'sup')}`),
    );
  }
  const conj = subFlat.conj;
  const key = `${conj
    .map((n) => `${idOf(n.origin ?? (n.s as object))}${n.skip ? [...n.skip].join('') : ''}`)
    .sort()
    .join(',')}|${supFlat.conj
    .map((n) => `${idOf(n.origin ?? (n.s as object))}${n.skip ? [...n.skip].join('') : ''}`)
    .sort()
    .join(',')}|${supFlat.empty}`;
  // Coinduction: a pair already being compared further up is assumed to hold.
  if (ctx.stack.has(key)) return issues;
  ctx.stack.add(key);
  try {
    const values = finiteValues(conj, ctx.subDefs);
    const types = subTypes(conj, values);
    if (types.size === 0 || values?.length === 0) return issues;
    const subNodes = conj.length > 0 ? conj : [{ s: true, ptr: subs[0]?.ptr ?? '' } as Node];
    if (supFlat.empty) {
      const supFalse = sups[0] ?? { s: false, ptr: '' };
      const { side, pointer } = newPtr(ctx, subNodes, supFalse);
      issues.push(
        mk(
          ctx,
          tighten(ctx),
          side,
          pointer,
          `${at(where)}${sideName(ctx, 'sub')} accepts values here, ${sideName(ctx, 'sup')} accepts none`,
        ),
      );
      return issues;
    }
    // A combinator of sup repeated verbatim in sub is satisfied by it (this keeps oneOf reflexive).
    let supConj = supFlat.conj.map((t) => {
      const ts = t.s as Obj;
      const skip = new Set(t.skip ?? []);
      for (const kw of ['anyOf', 'oneOf', 'not'] as const) {
        if (ts[kw] === undefined || skip.has(kw)) continue;
        const same = conj.some((c) => {
          const cs = c.s as Obj;
          const kws = kw === 'anyOf' ? ['anyOf', 'oneOf'] : [kw];
          return kws.some(
            (k) => cs[k] !== undefined && !c.skip?.has(k) && schemaEqual(cs[k], ctx.subDefs, ts[kw], ctx.supDefs),
          );
        });
        if (same) skip.add(kw);
      }
      return skip.size > 0 ? { ...t, origin: t.origin ?? (t.s as object), skip } : t;
    });
    // Before sub disjunctions are split (which forgets oneOf exclusivity), try fitting sub as a whole into
    // one branch of each sup disjunction.
    const subSplits = conj.some((c) =>
      (['anyOf', 'oneOf'] as const).some((k) => Array.isArray((c.s as Obj)[k]) && !c.skip?.has(k)),
    );
    if (subSplits && !values) {
      supConj = supConj.map((t) => {
        const ts = t.s as Obj;
        const skip = new Set(t.skip ?? []);
        for (const kw of ['anyOf', 'oneOf'] as const) {
          const branches = ts[kw];
          if (!Array.isArray(branches) || skip.has(kw)) continue;
          const nodes = branches
            .map((b, i) => ({ s: b as JsonSchema, ptr: `${t.ptr}/${kw}/${i}` }))
            .filter((n) => typeof n.s === 'boolean' || isObj(n.s));
          const fits = nodes.some(
            (n, i) =>
              check(conj, [n], ctx, where, depth + 1).length === 0 &&
              (kw === 'anyOf' || nodes.every((o, j) => j === i || disjoint(conj, types, values, o, ctx))),
          );
          if (fits) skip.add(kw);
        }
        return skip.size > (t.skip?.size ?? 0) ? { ...t, origin: t.origin ?? (t.s as object), skip } : t;
      });
    }
    // Sub disjunctions: every branch must be a subschema (exact for anyOf, an over-approximation for oneOf).
    if (!values) {
      for (let i = 0; i < conj.length; i += 1) {
        const node = conj[i] as Node;
        const s = node.s as Obj;
        const kw = (['anyOf', 'oneOf'] as const).find((k) => Array.isArray(s[k]) && !node.skip?.has(k));
        if (!kw) continue;
        const rest = { ...node, origin: node.origin ?? s, skip: new Set([...(node.skip ?? []), kw]) };
        (s[kw] as unknown[]).forEach((branch, b) => {
          if (typeof branch !== 'boolean' && !isObj(branch)) return;
          const next = [...conj.slice(0, i), rest, ...conj.slice(i + 1), { s: branch, ptr: `${node.ptr}/${kw}/${b}` }];
          issues.push(...check(next, supConj, ctx, where, depth + 1));
        });
        return issues;
      }
    }
    supConj = supConj.filter((t) => t.s !== true);
    for (const t of supConj) issues.push(...checkConjunct(conj, subNodes, t, types, values, ctx, where, depth));
    return issues;
  } finally {
    ctx.stack.delete(key);
  }
}

/** Checks the sub conjuncts against one sup conjunct `t` (an object schema; `$ref`/`allOf` already expanded). */
function checkConjunct(
  conj: Node[],
  subNodes: Node[],
  t: Node,
  types0: Set<string>,
  values: unknown[] | undefined,
  ctx: Ctx,
  where: string,
  depth: number,
): RawIssue[] {
  const ts = t.s as Obj;
  const issues: RawIssue[] = [];
  const skip = t.skip ?? new Set<string>();
  let types = types0;
  if (values) {
    const verdicts = values.map((v) => [v, evaluate(v, t.s, ctx.supDefs)] as const);
    if (verdicts.every(([, r]) => r === 'yes')) return [];
  }
  const valueIssues = (kws: string[], group: Obj): RawIssue[] | undefined => {
    if (!values) return undefined;
    const verdicts = values.map((v) => [v, evaluate(v, group, ctx.supDefs)] as const);
    if (verdicts.every(([, r]) => r === 'yes')) return [];
    const rejected = verdicts.filter(([, r]) => r === 'no').map(([v]) => v);
    if (rejected.length === 0) return undefined;
    const holdsEnum = conj.some((c) => Array.isArray((c.s as Obj).enum));
    const kwEnum = ctx.newSide === 'sup' ? kws[0] : holdsEnum ? 'enum' : 'const';
    const { side, pointer } = newPtr(ctx, subNodes, t, kwEnum);
    return rejected.map((v) =>
      mk(
        ctx,
        pick(ctx, 'enum-value-removed', 'enum-value-added'),
        side,
        pointer,
        `${at(where)}value ${show(v)} is allowed by ${sideName(ctx, 'sub')} but not by ${sideName(ctx, 'sup')}`,
      ),
    );
  };
  const groupOf = (...kws: string[]): Obj =>
    Object.fromEntries(kws.filter((k) => ts[k] !== undefined).map((k) => [k, ts[k]]));
  const applies = (kw: string): boolean => {
    const type = KEYWORD_TYPE[kw];
    return type === undefined ? types.size > 0 : typeAdmits(types, type);
  };
  const handled = new Set<string>(['$ref', 'allOf', 'nullable']);

  // type
  if (ts.type !== undefined) {
    handled.add('type');
    const supTypes = ownTypes(ts) ?? new Set<string>();
    const fromValues = valueIssues(['type'], groupOf('type', 'nullable'));
    if (fromValues !== undefined) issues.push(...fromValues);
    else {
      const missing = [...types].filter((x) => !(supTypes.has(x) || (x === 'integer' && supTypes.has('number'))));
      if (missing.length > 0) {
        const { side, pointer } = newPtr(ctx, subNodes, t, 'type');
        const [oldT, newT] = ctx.newSide === 'sup' ? [types, supTypes] : [supTypes, types];
        issues.push(
          mk(
            ctx,
            pick(ctx, 'type-narrowed', 'type-widened'),
            side,
            pointer,
            `${at(where)}type changed from ${describeTypes(oldT)} to ${describeTypes(newT)}`,
          ),
        );
      }
    }
    types = intersectTypes(types, supTypes);
  }
  if (types.size === 0) return issues;

  // combinators of sup
  if (Array.isArray(ts.anyOf) && !skip.has('anyOf')) {
    handled.add('anyOf');
    issues.push(...checkSupAnyOf(conj, subNodes, t, ts.anyOf, false, types, values, ctx, where, depth));
  }
  if (Array.isArray(ts.oneOf) && !skip.has('oneOf')) {
    handled.add('oneOf');
    issues.push(...checkSupAnyOf(conj, subNodes, t, ts.oneOf, true, types, values, ctx, where, depth));
  }
  if (ts.not !== undefined && !skip.has('not')) {
    handled.add('not');
    const y = ts.not;
    const fromValues = valueIssues(['not'], { not: y });
    if (fromValues !== undefined) issues.push(...fromValues);
    else if (typeof y === 'boolean' || isObj(y)) {
      const yNode = { s: y, ptr: `${t.ptr}/not` };
      const swapped: Ctx = { ...ctx, subDefs: ctx.supDefs, supDefs: ctx.subDefs, stack: new Set() };
      const ok =
        disjoint(conj, types, values, yNode, ctx) ||
        conj.some((c) => {
          const x = (c.s as Obj).not;
          return (
            (typeof x === 'boolean' || isObj(x)) &&
            check([yNode], [{ s: x, ptr: c.ptr }], swapped, where, depth + 1).length === 0
          );
        });
      if (!ok) {
        const { side, pointer } = newPtr(ctx, subNodes, t, 'not');
        issues.push(
          mk(
            ctx,
            'cannot-prove',
            side,
            pointer,
            `${at(where)}cannot prove that ${sideName(ctx, 'sub')} excludes everything "not" ${show(y)} excludes`,
          ),
        );
      }
    }
  }
  for (const kw of ['anyOf', 'oneOf', 'not']) if (skip.has(kw)) handled.add(kw);

  // enum / const
  for (const kw of ['enum', 'const'] as const) {
    if (ts[kw] === undefined) continue;
    handled.add(kw);
    const group = groupOf(kw);
    let fromValues = valueIssues([kw], group);
    if (fromValues === undefined && [...types].every((x) => x === 'null' || x === 'boolean')) {
      const implied = [...types].flatMap((x) => (x === 'null' ? [null] : [true, false]));
      const rejected = implied.filter((v) => evaluate(v, group, ctx.supDefs) === 'no');
      const { side, pointer } = newPtr(ctx, subNodes, t, kw);
      fromValues = rejected.map((v) =>
        mk(
          ctx,
          pick(ctx, 'enum-value-removed', 'enum-value-added'),
          side,
          pointer,
          `${at(where)}value ${show(v)} is allowed by ${sideName(ctx, 'sub')} but not by ${sideName(ctx, 'sup')}`,
        ),
      );
    }
    if (fromValues !== undefined) issues.push(...fromValues);
    else {
      const { side, pointer } = newPtr(ctx, subNodes, t, kw);
      issues.push(
        mk(
          ctx,
          tighten(ctx),
          side,
          pointer,
          `${at(where)}${kw} ${show(ts[kw])} restricts values in ${sideName(ctx, 'sup')} but not in ${sideName(ctx, 'sub')}`,
        ),
      );
    }
  }

  const structural = (kws: string[], run: () => void): void => {
    const present = kws.filter((k) => ts[k] !== undefined);
    if (present.length === 0) return;
    for (const k of present) handled.add(k);
    if (!applies(present[0] as string)) return;
    // A sub conjunct carrying the same keyword group verbatim satisfies it (groups are self-contained).
    const verbatim = conj.some((c) => kws.every((k) => schemaEqual((c.s as Obj)[k], ctx.subDefs, ts[k], ctx.supDefs)));
    if (verbatim && !kws.some((k) => k.startsWith('unevaluated'))) return;
    const fromValues = valueIssues(present, groupOf(...present));
    if (fromValues !== undefined) issues.push(...fromValues);
    else run();
  };

  // numeric, length and count bounds
  for (const kw of ['minimum', 'exclusiveMinimum', 'maximum', 'exclusiveMaximum'] as const) {
    if (typeof ts[kw] !== 'number') continue;
    structural([kw], () => {
      const lower = kw === 'minimum' || kw === 'exclusiveMinimum';
      const bound = ts[kw] as number;
      const exclusive = kw.startsWith('exclusive');
      let best: { v: number; excl: boolean; kw: string } | undefined;
      for (const c of conj) {
        const cs = c.s as Obj;
        for (const [k, excl] of lower
          ? ([
              ['minimum', false],
              ['exclusiveMinimum', true],
            ] as const)
          : ([
              ['maximum', false],
              ['exclusiveMaximum', true],
            ] as const)) {
          const v = cs[k];
          if (typeof v !== 'number') continue;
          const better = !best || (lower ? v > best.v : v < best.v) || (v === best.v && excl && !best.excl);
          if (better) best = { v, excl, kw: k };
        }
      }
      const ok =
        best !== undefined &&
        ((lower ? best.v > bound : best.v < bound) || (best.v === bound && (!exclusive || best.excl)));
      if (!ok) {
        const subDesc = best ? `${best.kw} ${best.v}` : 'none';
        const supDesc = `${kw} ${bound}`;
        issues.push(boundIssue(ctx, subNodes, t, kw, where, subDesc, supDesc));
      }
    });
  }
  const counts: Array<[string, boolean]> = [
    ['minLength', true],
    ['maxLength', false],
    ['minItems', true],
    ['maxItems', false],
    ['minProperties', true],
    ['maxProperties', false],
  ];
  for (const [kw, lower] of counts) {
    if (typeof ts[kw] !== 'number') continue;
    structural([kw], () => {
      const bound = ts[kw] as number;
      const own = conj.map((c) => (c.s as Obj)[kw]).filter((v): v is number => typeof v === 'number');
      if (kw === 'minProperties') own.push(new Set(conj.flatMap((c) => requiredOf(c.s as Obj))).size);
      if (kw === 'maxProperties') {
        for (const c of conj) {
          const cs = c.s as Obj;
          if (cs.additionalProperties === false && cs.patternProperties === undefined) {
            own.push(Object.keys(isObj(cs.properties) ? cs.properties : {}).length);
          }
        }
      }
      const best = own.length === 0 ? undefined : lower ? Math.max(...own) : Math.min(...own);
      if (best === undefined || (lower ? best < bound : best > bound)) {
        issues.push(
          boundIssue(ctx, subNodes, t, kw, where, best === undefined ? 'none' : `${kw} ${best}`, `${kw} ${bound}`),
        );
      }
    });
  }
  if (ts.multipleOf !== undefined) {
    structural(['multipleOf'], () => {
      const m = ts.multipleOf;
      const onlyIntegers = !types.has('number');
      const ok =
        typeof m === 'number' &&
        m > 0 &&
        ((onlyIntegers && Number.isInteger(1 / m)) ||
          conj.some((c) => {
            const own = (c.s as Obj).multipleOf;
            return typeof own === 'number' && own > 0 && Number.isInteger(own / m);
          }));
      if (!ok) {
        const own = conj.map((c) => (c.s as Obj).multipleOf).find((v) => v !== undefined);
        issues.push(
          boundIssue(
            ctx,
            subNodes,
            t,
            'multipleOf',
            where,
            own === undefined ? 'none' : `multipleOf ${own}`,
            `multipleOf ${show(m)}`,
          ),
        );
      }
    });
  }
  for (const kw of ['pattern', 'format'] as const) {
    if (ts[kw] === undefined) continue;
    structural([kw], () => {
      const own = conj.map((c) => (c.s as Obj)[kw]).filter((v) => v !== undefined);
      if (own.some((v) => v === ts[kw])) return;
      const { side, pointer } = newPtr(ctx, subNodes, t, kw);
      const [oldV, newV] = ctx.newSide === 'sup' ? [own[0], ts[kw]] : [ts[kw], own[0]];
      if (own.length > 0) {
        issues.push(
          mk(
            ctx,
            'cannot-prove',
            side,
            pointer,
            `${at(where)}${kw} changed from ${show(oldV)} to ${show(newV)}; cannot prove the new one accepts everything the old one did`,
          ),
        );
      } else {
        issues.push(
          mk(
            ctx,
            tighten(ctx),
            side,
            pointer,
            `${at(where)}${kw} changed from ${oldV === undefined ? 'none' : show(oldV)} to ${newV === undefined ? 'none' : show(newV)}`,
          ),
        );
      }
    });
  }
  if (ts.uniqueItems !== undefined) {
    structural(['uniqueItems'], () => {
      if (ts.uniqueItems !== true) return;
      const ok = conj.some(
        (c) =>
          (c.s as Obj).uniqueItems === true ||
          (typeof (c.s as Obj).maxItems === 'number' && ((c.s as Obj).maxItems as number) <= 1),
      );
      if (!ok) issues.push(boundIssue(ctx, subNodes, t, 'uniqueItems', where, 'none', 'uniqueItems true'));
    });
  }

  // objects
  const reported = new Set<string>();
  if (ts.required !== undefined) {
    structural(['required'], () => {
      const subRequired = new Set(conj.flatMap((c) => requiredOf(c.s as Obj)));
      requiredOf(ts).forEach((name, index) => {
        if (subRequired.has(name)) return;
        reported.add(name);
        const declaredIn = conj.find(
          (c) => isObj((c.s as Obj).properties) && Object.hasOwn((c.s as Obj).properties as Obj, name),
        );
        const field = child(where, name);
        if (ctx.newSide === 'sup') {
          issues.push(
            mk(
              ctx,
              'required-field-added',
              'sup',
              `${t.ptr}/required/${index}`,
              `field '${field}' is required by the new version but ${declaredIn ? 'optional' : 'not declared'} in the previous version`,
            ),
          );
          return;
        }
        const supProps = isObj(ts.properties) ? ts.properties : {};
        const oldPtr = Object.hasOwn(supProps, name)
          ? `${t.ptr}/properties/${esc(name)}`
          : `${t.ptr}/required/${index}`;
        if (declaredIn) {
          const rule = ctx.context === 'response' ? 'response-field-optional' : 'required-field-removed';
          issues.push(
            mk(
              ctx,
              rule,
              'sub',
              `${declaredIn.ptr}/properties/${esc(name)}`,
              `field '${field}' is required by the previous version but optional in the new version`,
            ),
          );
        } else {
          const rule = ctx.context === 'response' ? 'response-field-removed' : 'required-field-removed';
          issues.push(
            mk(
              ctx,
              rule,
              'sup',
              oldPtr,
              `field '${field}' is required by the previous version but was removed in the new version`,
            ),
          );
        }
      });
    });
  }
  if (ts.properties !== undefined || ts.additionalProperties !== undefined || ts.patternProperties !== undefined) {
    structural(['properties', 'additionalProperties', 'patternProperties'], () =>
      issues.push(...checkProperties(conj, subNodes, t, ctx, where, depth, reported)),
    );
  }
  if (ts.propertyNames !== undefined) {
    structural(['propertyNames'], () => {
      const own = conj
        .filter((c) => (c.s as Obj).propertyNames !== undefined)
        .map((c) => ({ s: (c.s as Obj).propertyNames as JsonSchema, ptr: `${c.ptr}/propertyNames` }));
      const names: Node[] = own.length > 0 ? own : [{ s: { type: 'string' }, ptr: subNodes[0]?.ptr ?? '' }];
      issues.push(
        ...check(
          names,
          [{ s: ts.propertyNames as JsonSchema, ptr: `${t.ptr}/propertyNames` }],
          ctx,
          child(where, '{propertyNames}'),
          depth + 1,
        ),
      );
    });
  }

  // arrays
  if (ts.items !== undefined || ts.prefixItems !== undefined) {
    if (Array.isArray(ts.items)) {
      // draft-07 tuple form: not 2020-12, compared verbatim below
    } else {
      structural(['prefixItems', 'items'], () => issues.push(...checkItems(conj, subNodes, t, ctx, where, depth)));
    }
  }

  // unevaluated* depend on the evaluation of sibling keywords: only a trivial value is provable.
  for (const kw of ['unevaluatedProperties', 'unevaluatedItems']) {
    if (ts[kw] === undefined) continue;
    structural([kw], () => {
      if (isTrivial(ts[kw] as JsonSchema)) return;
      issues.push(
        issueAt(
          ctx,
          subNodes,
          t,
          kw,
          'cannot-prove',
          `${at(where)}${kw} in ${sideName(ctx, 'sup')} cannot be compared; cannot prove compatible`,
        ),
      );
    });
  }

  // everything else: provable only when some sub conjunct carries the same keyword group verbatim
  const groups: string[][] = [
    ['if', 'then', 'else'],
    ['contains', 'minContains', 'maxContains'],
  ];
  const rest = Object.keys(ts).filter((k) => !handled.has(k) && !ANNOTATIONS.has(k));
  const seenGroup = new Set<string>();
  for (const kw of rest) {
    if (seenGroup.has(kw)) continue;
    const group = groups.find((g) => g.includes(kw)) ?? [kw];
    for (const k of group) seenGroup.add(k);
    if (group[0] === 'if' && ts.then === undefined && ts.else === undefined) continue;
    structural(group, () => {
      const same = conj.some((c) => group.every((k) => schemaEqual((c.s as Obj)[k], ctx.subDefs, ts[k], ctx.supDefs)));
      if (same) return;
      issues.push(
        issueAt(
          ctx,
          subNodes,
          t,
          kw,
          'cannot-prove',
          `${at(where)}keyword${group.length > 1 ? 's' : ''} ${group.join('/')} differ between the versions (${sideName(ctx, 'sup')}: ${show(groupOf(...group))}); cannot prove compatible`,
        ),
      );
    });
  }
  return issues;
}

function requiredOf(s: Obj): string[] {
  return Array.isArray(s.required) ? s.required.filter((k): k is string => typeof k === 'string') : [];
}

function boundIssue(
  ctx: Ctx,
  subNodes: Node[],
  t: Node,
  kw: string,
  where: string,
  subDesc: string,
  supDesc: string,
): RawIssue {
  const { side, pointer } = newPtr(ctx, subNodes, t, kw);
  const [oldD, newD] = ctx.newSide === 'sup' ? [subDesc, supDesc] : [supDesc, subDesc];
  return mk(
    ctx,
    tighten(ctx),
    side,
    pointer,
    `${at(where)}${kw}: ${oldD} in the previous version, ${newD} in the new version`,
  );
}

/** `sup` is anyOf/oneOf: sub must fit one branch (and, for oneOf, be disjoint from the others). */
function checkSupAnyOf(
  conj: Node[],
  subNodes: Node[],
  t: Node,
  branches: unknown[],
  exclusive: boolean,
  types: Set<string>,
  values: unknown[] | undefined,
  ctx: Ctx,
  where: string,
  depth: number,
): RawIssue[] {
  const kw = exclusive ? 'oneOf' : 'anyOf';
  if (values) {
    const verdicts = values.map((v) => [v, evaluate(v, { [kw]: branches }, ctx.supDefs)] as const);
    if (verdicts.every(([, r]) => r === 'yes')) return [];
  }
  // Split sub by type so that e.g. [string, null] fits anyOf [{string}, {null}].
  if (!values && types.size > 1 && !ALL_TYPES.every((x) => types.has(x))) {
    const only = { ...t, origin: t.origin ?? (t.s as object), s: { [kw]: branches }, skip: undefined };
    return [...types].flatMap((type) =>
      check([...conj, { s: { type }, ptr: subNodes[0]?.ptr ?? '' }], [only], ctx, where, depth + 1),
    );
  }
  const nodes: Node[] = branches
    .map((b, i) => ({ s: b as JsonSchema, ptr: `${t.ptr}/${kw}/${i}` }))
    .filter((n) => typeof n.s === 'boolean' || isObj(n.s));
  const covers = (have: ReadonlySet<string>, x: string): boolean =>
    have.has(x) || (x === 'integer' && have.has('number'));
  const branchTypes = nodes.map((n) => {
    const flat = flatten([n], ctx.supDefs);
    return flat.empty ? new Set<string>() : subTypes(flat.conj, finiteValues(flat.conj, ctx.supDefs));
  });
  let best: RawIssue[] | undefined;
  let overlapping = false;
  const candidates: RawIssue[][] = [];
  for (const [i, n] of nodes.entries()) {
    const found = check(conj, [n], ctx, where, depth + 1);
    if (found.length === 0) {
      if (!exclusive || nodes.every((o, j) => j === i || disjoint(conj, types, values, o, ctx))) return [];
      overlapping = true;
      continue;
    }
    const branch = branchTypes[i] as Set<string>;
    if ([...types].every((x) => covers(branch, x))) candidates.push(found);
    if (!best || found.length < best.length) best = found;
  }
  const { side, pointer } = newPtr(ctx, subNodes, t, kw);
  if (overlapping) {
    return [
      mk(
        ctx,
        'cannot-prove',
        side,
        pointer,
        `${at(where)}cannot prove that values of ${sideName(ctx, 'sub')} match exactly one oneOf branch of ${sideName(ctx, 'sup')}`,
      ),
    ];
  }
  const union = canon(branchTypes.flatMap((b) => [...b]));
  const missing = [...types].filter((x) => !covers(union, x));
  if (missing.length > 0) {
    const [oldT, newT] = ctx.newSide === 'sup' ? [types, union] : [union, types];
    return [
      mk(
        ctx,
        pick(ctx, 'type-narrowed', 'type-widened'),
        side,
        pointer,
        `${at(where)}type changed from ${describeTypes(oldT)} to ${describeTypes(newT)}`,
      ),
    ];
  }
  // Only one branch admits the types involved: its reasons are the reasons.
  if (candidates.length === 1) return candidates[0] as RawIssue[];
  const hint = best?.[0] ? ` (closest branch: ${best[0].detail})` : '';
  return [
    mk(
      ctx,
      'cannot-prove',
      side,
      pointer,
      `${at(where)}cannot prove that every value of ${sideName(ctx, 'sub')} matches one ${kw} branch of ${sideName(ctx, 'sup')}${hint}`,
    ),
  ];
}

/** Conservative disjointness of the sub conjuncts and a sup schema `y` (true only when proven). */
function disjoint(conj: Node[], types: Set<string>, values: unknown[] | undefined, y: Node, ctx: Ctx): boolean {
  const yFlat = flatten([y], ctx.supDefs);
  if (yFlat.empty) return true;
  const yValues = finiteValues(yFlat.conj, ctx.supDefs);
  const yTypes = subTypes(yFlat.conj, yValues);
  const common = intersectTypes(types, yTypes);
  if (common.size === 0) return true;
  if (values?.every((v) => evaluate(v, y.s, ctx.supDefs) === 'no')) return true;
  if (yValues?.every((v) => conj.some((c) => evaluate(v, c.s, ctx.subDefs) === 'no'))) return true;
  if ([...common].some((x) => x !== 'object')) return false;
  // discriminator: a property sub requires whose allowed constants differ from y's
  const constants = (s: unknown, defs: Record<string, JsonSchema>): unknown[] | undefined => {
    if (!isObj(s) && typeof s !== 'boolean') return undefined;
    const flat = flatten([{ s, ptr: '' }], defs);
    return flat.empty ? [] : finiteValues(flat.conj, defs);
  };
  const required = new Set(conj.flatMap((c) => requiredOf(c.s as Obj)));
  for (const name of required) {
    for (const c of conj) {
      const props = (c.s as Obj).properties;
      const mine = isObj(props) ? constants(props[name], ctx.subDefs) : undefined;
      if (!mine) continue;
      for (const yc of yFlat.conj) {
        const yProps = (yc.s as Obj).properties;
        const theirs = isObj(yProps) && Object.hasOwn(yProps, name) ? constants(yProps[name], ctx.supDefs) : undefined;
        if (theirs && mine.every((v) => !includesJson(theirs, v))) return true;
      }
    }
  }
  return false;
}

/** Compiles the patternProperties of a schema; undefined when one does not compile. */
function patternsOf(s: Obj, ptr: string): Array<{ re: Matcher; node: Node }> | undefined {
  if (!isObj(s.patternProperties)) return [];
  const out: Array<{ re: Matcher; node: Node }> = [];
  for (const [p, schema] of Object.entries(s.patternProperties)) {
    const re = regex(p);
    if (!re || (typeof schema !== 'boolean' && !isObj(schema))) return undefined;
    out.push({ re, node: { s: schema, ptr: `${ptr}/patternProperties/${esc(p)}` } });
  }
  return out;
}

function checkProperties(
  conj: Node[],
  subNodes: Node[],
  t: Node,
  ctx: Ctx,
  where: string,
  depth: number,
  reported: Set<string>,
): RawIssue[] {
  const ts = t.s as Obj;
  const issues: RawIssue[] = [];
  const supProps = isObj(ts.properties) ? ts.properties : {};
  const supAdditional: Node = {
    s: (ts.additionalProperties ?? true) as JsonSchema,
    ptr: `${t.ptr}/additionalProperties`,
  };
  const supPatterns = patternsOf(ts, t.ptr);
  if (!supPatterns) {
    const { side, pointer } = newPtr(ctx, subNodes, t, 'patternProperties');
    return [
      mk(
        ctx,
        'cannot-prove',
        side,
        pointer,
        `${at(where)}patternProperties of ${sideName(ctx, 'sup')} cannot be compiled`,
      ),
    ];
  }
  const objConj = conj.filter((c) => {
    const s = c.s as Obj;
    return s.properties !== undefined || s.additionalProperties !== undefined || s.patternProperties !== undefined;
  });
  const subPatterns = new Map(objConj.map((c) => [c, patternsOf(c.s as Obj, c.ptr)]));
  const names = new Set([
    ...Object.keys(supProps),
    ...objConj.flatMap((c) => Object.keys(isObj((c.s as Obj).properties) ? ((c.s as Obj).properties as Obj) : {})),
  ]);
  const anchor = objConj[0]?.ptr ?? subNodes[0]?.ptr ?? '';
  const nodeOf = (s: unknown, ptr: string): Node | undefined =>
    typeof s === 'boolean' || isObj(s) ? { s, ptr } : undefined;

  for (const name of names) {
    const field = child(where, name);
    const matching = supPatterns.filter((p) => p.re.test(name)).map((p) => p.node);
    const inSup = Object.hasOwn(supProps, name);
    const supNodes = (
      inSup
        ? [nodeOf(supProps[name], `${t.ptr}/properties/${esc(name)}`), ...matching]
        : matching.length > 0
          ? matching
          : [supAdditional]
    ).filter((n): n is Node => n !== undefined && !isTrivial(n.s));
    if (supNodes.length === 0) continue;
    let declaredIn: Node | undefined;
    const subP: Node[] = [];
    for (const c of objConj) {
      const s = c.s as Obj;
      const props = isObj(s.properties) ? s.properties : {};
      if (Object.hasOwn(props, name)) {
        declaredIn ??= c;
        const n = nodeOf(props[name], `${c.ptr}/properties/${esc(name)}`);
        if (n) subP.push(n);
        subP.push(...(subPatterns.get(c) ?? []).filter((p) => p.re.test(name)).map((p) => p.node));
        continue;
      }
      const patterns = subPatterns.get(c);
      if (patterns === undefined) continue; // uncompilable: over-approximate as "anything"
      const hits = patterns.filter((p) => p.re.test(name)).map((p) => p.node);
      if (hits.length > 0) subP.push(...hits);
      else {
        const n = nodeOf(s.additionalProperties ?? true, `${c.ptr}/additionalProperties`);
        if (n) subP.push(n);
      }
    }
    const subAllowsAnything = subP.every((n) => isTrivial(n.s));
    const subForbids = subP.some((n) => n.s === false);
    if (!declaredIn && subAllowsAnything && inSup) {
      if (reported.has(name)) continue;
      if (ctx.newSide === 'sup') {
        issues.push(
          mk(
            ctx,
            'property-added-to-open-content-model',
            'sup',
            `${t.ptr}/properties/${esc(name)}`,
            `property '${field}' added to an object that allows additional properties: old data may carry '${name}' with any value; cannot prove compatible — close the old schema with additionalProperties:false or make '${name}' accept anything`,
          ),
        );
      } else {
        const rule = ctx.context === 'response' ? 'response-field-removed' : 'property-removed-from-open-content-model';
        issues.push(
          mk(
            ctx,
            rule,
            'sup',
            `${t.ptr}/properties/${esc(name)}`,
            `property '${field}' was removed from an object that allows additional properties: the new version may carry '${name}' with any value, the previous version expects ${show(supProps[name])}`,
          ),
        );
      }
      continue;
    }
    if (!inSup && matching.length === 0 && ts.additionalProperties === false && declaredIn && !subForbids) {
      if (ctx.newSide === 'sup') {
        issues.push(
          mk(
            ctx,
            'property-removed',
            'sub',
            `${declaredIn.ptr}/properties/${esc(name)}`,
            `field '${field}' is accepted by the previous version but rejected by the new version (additionalProperties: false)`,
          ),
        );
      } else {
        issues.push(
          mk(
            ctx,
            'property-added-to-closed-schema',
            'sub',
            `${declaredIn.ptr}/properties/${esc(name)}`,
            `field '${field}' is allowed by the new version but the previous version does not allow additional properties`,
          ),
        );
      }
      continue;
    }
    const subs = subP.length > 0 ? subP : [{ s: true, ptr: anchor } as Node];
    for (const s of supNodes) issues.push(...check(subs, [s], ctx, field, depth + 1));
  }

  // properties not named anywhere
  const supRest = [supAdditional, ...supPatterns.map((p) => p.node)].filter((n) => !isTrivial(n.s));
  if (supRest.length === 0) return issues;
  const subRest: Node[] = [];
  // Sub conjuncts with patternProperties are handled by cases below (uncompilable ones count as "anything").
  const patterned: Array<{ c: Node; patterns: Array<{ re: Matcher; node: Node }> }> = [];
  for (const c of objConj) {
    const s = c.s as Obj;
    const patterns = subPatterns.get(c);
    if (s.patternProperties !== undefined) {
      if (patterns && patterns.length > 0) patterned.push({ c, patterns });
      if (patterns?.length !== 0) continue;
    }
    const n = nodeOf(s.additionalProperties ?? true, `${c.ptr}/additionalProperties`);
    if (n && !isTrivial(n.s)) subRest.push(n);
  }
  if (patterned.length === 0 && subRest.length === 0 && ts.additionalProperties === false) {
    const { side, pointer } = newPtr(ctx, subNodes, t, 'additionalProperties');
    issues.push(
      mk(
        ctx,
        pick(ctx, 'additional-properties-closed', 'additional-properties-opened'),
        side,
        pointer,
        `${at(where)}${sideName(ctx, 'sub')} allows additional properties, ${sideName(ctx, 'sup')} does not (additionalProperties: false)`,
      ),
    );
    return issues;
  }
  const withFixed = (extra: Node[]): Node[] => {
    const list = [...extra, ...subRest].filter((n) => !isTrivial(n.s));
    return list.length > 0 ? list : [{ s: true, ptr: anchor }];
  };
  const restWhere = child(where, '*');
  if (patterned.length === 0) {
    for (const s of supRest) issues.push(...check(withFixed([]), [s], ctx, restWhere, depth + 1));
    return issues;
  }
  const additionalOf = (c: Node): Node =>
    nodeOf((c.s as Obj).additionalProperties ?? true, `${c.ptr}/additionalProperties`) as Node;
  const sameKeys = patterned.every(
    ({ patterns }) =>
      supPatterns.length === patterns.length &&
      supPatterns.every((p) => patterns.some((q) => q.re.source === p.re.source)),
  );
  if (sameKeys) {
    // Same pattern set everywhere: a name matches the same patterns on both sides, or none on both.
    for (const p of supPatterns) {
      const mine = patterned.map(
        ({ patterns }) => (patterns.find((q) => q.re.source === p.re.source) as { node: Node }).node,
      );
      if (!isTrivial(p.node.s)) issues.push(...check(withFixed(mine), [p.node], ctx, restWhere, depth + 1));
    }
    if (!isTrivial(supAdditional.s)) {
      issues.push(
        ...check(withFixed(patterned.map(({ c }) => additionalOf(c))), [supAdditional], ctx, restWhere, depth + 1),
      );
    }
    return issues;
  }
  // Otherwise a name may fall under any one of the first such conjunct's patterns or its additionalProperties.
  const [first] = patterned as [(typeof patterned)[number]];
  for (const option of [additionalOf(first.c), ...first.patterns.map((p) => p.node)]) {
    for (const s of supRest) issues.push(...check(withFixed([option]), [s], ctx, restWhere, depth + 1));
  }
  return issues;
}

function checkItems(conj: Node[], subNodes: Node[], t: Node, ctx: Ctx, where: string, depth: number): RawIssue[] {
  const ts = t.s as Obj;
  const issues: RawIssue[] = [];
  const prefixOf = (s: Obj): unknown[] => (Array.isArray(s.prefixItems) ? s.prefixItems : []);
  const supPrefix = prefixOf(ts);
  const supItems: Node = { s: (ts.items ?? true) as JsonSchema, ptr: `${t.ptr}/items` };
  const maxItems = conj
    .map((c) => (c.s as Obj).maxItems)
    .filter((v): v is number => typeof v === 'number')
    .reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
  const n = Math.max(supPrefix.length, ...conj.map((c) => prefixOf(c.s as Obj).length));
  const subAt = (i: number | undefined): Node[] =>
    conj.flatMap((c) => {
      const s = c.s as Obj;
      const prefix = prefixOf(s);
      if (i !== undefined && i < prefix.length)
        return [{ s: prefix[i] as JsonSchema, ptr: `${c.ptr}/prefixItems/${i}` }];
      if (Array.isArray(s.items) || s.items === undefined) return [];
      return [{ s: s.items as JsonSchema, ptr: `${c.ptr}/items` }];
    });
  const anchor = subNodes[0]?.ptr ?? '';
  for (let i = 0; i < n && i < maxItems; i += 1) {
    const sup: Node =
      i < supPrefix.length ? { s: supPrefix[i] as JsonSchema, ptr: `${t.ptr}/prefixItems/${i}` } : supItems;
    if (isTrivial(sup.s)) continue;
    const subs = subAt(i);
    issues.push(...check(subs.length > 0 ? subs : [{ s: true, ptr: anchor }], [sup], ctx, `${where}[${i}]`, depth + 1));
  }
  if (maxItems > n && !isTrivial(supItems.s)) {
    const subs = subAt(undefined);
    issues.push(
      ...check(subs.length > 0 ? subs : [{ s: true, ptr: anchor }], [supItems], ctx, `${where}[]`, depth + 1),
    );
  }
  return issues;
}

function dedupe(issues: RawIssue[]): RawIssue[] {
  const seen = new Map<string, RawIssue>();
  for (const issue of issues) {
    // The same schema location reached through a recursive path is one issue: keep the shortest field path.
    const key = `${issue.rule}\u0000${issue.document}\u0000${issue.pointer}\u0000${issue.detail.replace(/^field '[^']*': /, '')}`;
    const known = seen.get(key);
    if (!known || issue.detail.length < known.detail.length) seen.set(key, issue);
  }
  return [...seen.values()];
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
 * @param ctx named schemas per side, pointers of both schemas, and which side is the new version
 * @returns issues with `message` describing the difference; empty when `sub ⊆ sup` is proven
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
  return withinBudget(
    () =>
      toIssues(
        check(
          [{ s: sub, ptr: ctx.subPointer ?? '' }],
          [{ s: sup, ptr: ctx.supPointer ?? '' }],
          internalCtx(ctx.subDefs, ctx.supDefs, ctx.newSide ?? 'sup', ctx.context ?? 'request'),
          '',
          0,
        ),
        '',
      ),
    (detail) => [{ rule: 'cannot-prove', pointer: ctx.supPointer ?? '', document: 'next', message: detail }],
  );
}

function internalCtx(
  subDefs: Record<string, JsonSchema>,
  supDefs: Record<string, JsonSchema>,
  newSide: Side,
  context: 'request' | 'response',
): Ctx {
  return { subDefs, supDefs, newSide, context, stack: new Set() };
}

function toIssues(raw: RawIssue[], label: string): CompatibilityIssue[] {
  return dedupe(raw).map((r) => ({
    rule: r.rule,
    pointer: r.pointer,
    document: r.document,
    message: label ? `${label}: ${r.detail}` : r.detail,
  }));
}

// ---------------------------------------------------------------------------------------------
// Contract-level checks
// ---------------------------------------------------------------------------------------------

type Located = { doc: ContractDocument; endpoint: EndpointSpec; index: number };
type Labeled = RawIssue & { label: string };

const endpointKey = (e: EndpointSpec): string => `${e.method} ${normalizeTemplate(e.path)}`;

/**
 * One direction of the check: everything `sub` (the side whose requests must be accepted and whose
 * responses must be understood … by the other) relates to `sup`. `newSide` tells which one is new.
 *
 * Requests: sub-requests ⊆ sup-requests. Responses: sup-responses ⊆ sub-responses.
 */
function checkPair(reqSub: Located, reqSup: Located, newSide: Side): Labeled[] {
  const out: Labeled[] = [];
  const nextEp = newSide === 'sup' ? reqSup : reqSub;
  const name = `${nextEp.endpoint.method} ${nextEp.endpoint.path}`;
  const reqCtx = internalCtx(reqSub.doc.schemas, reqSup.doc.schemas, newSide, 'request');
  const schemaNode = (loc: Located, schemaName: string): Node => ({
    s: loc.doc.schemas[schemaName] ?? true,
    ptr: `/schemas/${esc(schemaName)}`,
  });
  const push = (label: string, issues: RawIssue[]): void => {
    for (const issue of dedupe(issues)) out.push({ ...issue, label });
  };
  const docFor = (side: Side): 'previous' | 'next' => (side === newSide ? 'next' : 'previous');
  const epPtr = (side: Side): string => `/endpoints/${side === 'sub' ? reqSub.index : reqSup.index}`;
  const rule = (newIsSup: string, newIsSub: string): string => (newSide === 'sup' ? newIsSup : newIsSub);
  const bodyLabel = `${name} request body`;

  // request body
  const a = reqSub.endpoint;
  const b = reqSup.endpoint;
  if (a.requestSchema === undefined && b.requestSchema !== undefined && b.requestBodyRequired) {
    out.push({
      rule: rule('request-body-required', 'request-body-removed'),
      pointer: newSide === 'sup' ? `${epPtr('sup')}/requestBodyRequired` : `${epPtr('sup')}/requestSchema`,
      document: docFor('sup'),
      detail: `${sideName({ newSide }, 'sup')} requires a request body, ${sideName({ newSide }, 'sub')} declares none`,
      label: bodyLabel,
    });
  } else if (a.requestSchema !== undefined && b.requestSchema === undefined) {
    out.push({
      rule: rule('request-body-removed', 'request-body-added'),
      pointer: `${epPtr('sub')}/requestSchema`,
      document: docFor('sub'),
      detail: `${sideName({ newSide }, 'sub')} sends a request body (${a.requestSchema}), ${sideName({ newSide }, 'sup')} declares none`,
      label: bodyLabel,
    });
  } else if (a.requestSchema !== undefined && b.requestSchema !== undefined) {
    if (!a.requestBodyRequired && b.requestBodyRequired) {
      const side: Side = newSide === 'sup' ? 'sup' : 'sub';
      out.push({
        rule: rule('request-body-required', 'request-body-made-optional'),
        pointer: `${epPtr(side)}/requestBodyRequired`,
        document: 'next',
        detail: `the request body is optional in ${sideName({ newSide }, 'sub')} but required in ${sideName({ newSide }, 'sup')}`,
        label: bodyLabel,
      });
    }
    push(bodyLabel, check([schemaNode(reqSub, a.requestSchema)], [schemaNode(reqSup, b.requestSchema)], reqCtx, '', 0));
  }

  // parameters
  const kinds = ['pathParameters', 'query', 'headers'] as const;
  for (const kind of kinds) {
    const label = (param: string): string =>
      `${name} ${kind === 'pathParameters' ? 'path' : kind === 'query' ? 'query' : 'header'} parameter '${param}'`;
    const paramNode = (loc: Located, param: string, spec: ParameterSpec | undefined): Node => ({
      s: spec?.schema ?? true,
      ptr: `/endpoints/${loc.index}/${kind}/${esc(param)}${spec?.schema !== undefined ? '/schema' : ''}`,
    });
    if (kind === 'pathParameters') {
      const subNames = pathTemplateParameters(a.path);
      const supNames = pathTemplateParameters(b.path);
      subNames.forEach((subName, i) => {
        const supName = supNames[i];
        if (supName === undefined) return;
        const subNode = paramNode(reqSub, subName, a.pathParameters[subName]);
        const supNode = paramNode(reqSup, supName, b.pathParameters[supName]);
        push(label(newSide === 'sup' ? supName : subName), check([subNode], [supNode], reqCtx, '', 0));
      });
      continue;
    }
    const normalize = (n: string): string => (kind === 'headers' ? n.toLowerCase() : n);
    const subParams = new Map(Object.entries(a[kind]).map(([n, s]) => [normalize(n), { name: n, spec: s }]));
    const supParams = new Map(Object.entries(b[kind]).map(([n, s]) => [normalize(n), { name: n, spec: s }]));
    for (const [key, supParam] of supParams) {
      const subParam = subParams.get(key);
      const shownName = newSide === 'sup' ? supParam.name : (subParam?.name ?? supParam.name);
      if (supParam.spec.required && !subParam?.spec.required) {
        if (newSide === 'sup') {
          out.push({
            rule: 'required-parameter-added',
            pointer: `${epPtr('sup')}/${kind}/${esc(supParam.name)}/required`,
            document: 'next',
            detail: `the new version requires it; the previous version ${subParam ? 'had it optional' : 'did not declare it'}`,
            label: label(shownName),
          });
        } else {
          out.push({
            rule: subParam ? 'parameter-made-optional' : 'required-parameter-removed',
            pointer: subParam
              ? `${epPtr('sub')}/${kind}/${esc(subParam.name)}/required`
              : `${epPtr('sup')}/${kind}/${esc(supParam.name)}`,
            document: subParam ? 'next' : 'previous',
            detail: `the previous version requires it; the new version ${subParam ? 'makes it optional' : 'removed it'}`,
            label: label(shownName),
          });
        }
      }
      if (subParam) {
        push(
          label(shownName),
          check(
            [paramNode(reqSub, subParam.name, subParam.spec)],
            [paramNode(reqSup, supParam.name, supParam.spec)],
            reqCtx,
            '',
            0,
          ),
        );
      }
    }
    for (const [key, subParam] of subParams) {
      if (supParams.has(key)) continue;
      out.push({
        rule: rule('parameter-removed', 'parameter-added'),
        pointer: `${epPtr('sub')}/${kind}/${esc(subParam.name)}`,
        document: docFor('sub'),
        detail:
          newSide === 'sup'
            ? 'clients of the previous version may send it; the new version no longer declares it'
            : 'clients of the new version may send it; the previous version does not declare it',
        label: label(subParam.name),
      });
    }
  }

  // responses: what the sup side (server) sends must be understood by the sub side (client)
  const resSub = reqSup;
  const resSup = reqSub;
  const resNewSide: Side = newSide === 'sup' ? 'sub' : 'sup';
  const resCtx = internalCtx(resSub.doc.schemas, resSup.doc.schemas, resNewSide, 'response');
  const resName = (loc: Located, status: string | undefined): string | undefined => {
    const e = loc.endpoint;
    if (status === undefined) return e.responseSchema;
    // checkCompatibility rewrote list-form errorSchemas to records (errorSchemasAsRecords).
    const errorSchemas = e.errorSchemas as Record<string, string>;
    const exact = errorSchemas[status];
    if (exact !== undefined) return exact;
    const klass = /^\d\d\d$/.test(status) ? errorSchemas[`${status[0]}XX`] : undefined;
    return klass ?? errorSchemas.default;
  };
  const statuses: Array<string | undefined> = [
    undefined,
    ...new Set([...Object.keys(resSub.endpoint.errorSchemas), ...Object.keys(resSup.endpoint.errorSchemas)]),
  ];
  const pairs = new Map<string, { statuses: string[]; subName?: string; supName?: string }>();
  for (const status of statuses) {
    const subName = resName(resSub, status);
    const supName = resName(resSup, status);
    if (supName === undefined) continue;
    const k = `${subName ?? ''}\u0000${supName}\u0000${status === undefined ? '2xx' : 'error'}`;
    const entry = pairs.get(k) ?? { statuses: [], subName, supName };
    entry.statuses.push(status ?? '2xx');
    pairs.set(k, entry);
  }
  for (const { statuses: group, subName, supName } of pairs.values()) {
    const label = `${name} response ${group.join(', ')}`;
    const is2xx = group[0] === '2xx';
    if (subName === undefined) {
      if (isTrivial(resSup.doc.schemas[supName as string])) continue;
      out.push({
        rule: is2xx
          ? resNewSide === 'sub'
            ? 'response-schema-removed'
            : 'response-schema-added'
          : resNewSide === 'sub'
            ? 'error-response-removed'
            : 'error-response-added',
        pointer: `/endpoints/${resSup.index}/${is2xx ? 'responseSchema' : `errorSchemas/${esc(group[0] as string)}`}`,
        document: resNewSide === 'sup' ? 'next' : 'previous',
        detail: `${resNewSide === 'sub' ? 'the new version no longer declares' : 'the previous version did not declare'} a schema for it (${sideName({ newSide: resNewSide }, 'sup')} has ${supName})`,
        label,
      });
      continue;
    }
    push(label, check([schemaNode(resSub, subName)], [schemaNode(resSup, supName as string)], resCtx, '', 0));
  }
  return out;
}

function finish(issues: Labeled[]): CompatibilityIssue[] {
  const merged = new Map<string, { issue: RawIssue; labels: string[] }>();
  for (const issue of issues) {
    const key = `${issue.rule}\u0000${issue.document}\u0000${issue.pointer}\u0000${issue.detail}`;
    const entry = merged.get(key);
    if (entry) {
      if (!entry.labels.includes(issue.label)) entry.labels.push(issue.label);
    } else merged.set(key, { issue, labels: [issue.label] });
  }
  return [...merged.values()].map(({ issue, labels }) => ({
    rule: issue.rule,
    pointer: issue.pointer,
    document: issue.document,
    message: `${labels.join('; ')}: ${issue.detail}`,
  }));
}

function checkDirection(
  previous: ContractDocument,
  next: ContractDocument,
  direction: 'BACKWARD' | 'FORWARD',
): Labeled[] {
  const out: Labeled[] = [];
  // BACKWARD: an endpoint of the previous version missing from the next one breaks its clients;
  // FORWARD: the mirror image, an endpoint only the next version has.
  const [from, to, rule, document, detail] =
    direction === 'BACKWARD'
      ? ([
          previous,
          next,
          'endpoint-removed',
          'previous',
          'endpoint was removed; clients of the previous version still call it',
        ] as const)
      : ([
          next,
          previous,
          'endpoint-added',
          'next',
          'endpoint was added; clients of the new version call it but the previous version lacks it',
        ] as const);
  const present = new Set(to.endpoints.map(endpointKey));
  const nextByKey = new Map(next.endpoints.map((e, i) => [endpointKey(e), i]));
  from.endpoints.forEach((e, i) => {
    if (!present.has(endpointKey(e)))
      out.push({ rule, pointer: `/endpoints/${i}`, document, detail, label: `${e.method} ${e.path}` });
  });
  previous.endpoints.forEach((e, i) => {
    const j = nextByKey.get(endpointKey(e));
    if (j === undefined) return;
    const prev: Located = { doc: previous, endpoint: e, index: i };
    const nxt: Located = { doc: next, endpoint: next.endpoints[j] as EndpointSpec, index: j };
    // BACKWARD: old requests ⊆ new requests; FORWARD: new requests ⊆ old requests.
    out.push(...(direction === 'BACKWARD' ? checkPair(prev, nxt, 'sup') : checkPair(nxt, prev, 'sub')));
  });
  return out;
}

/**
 * Checks whether `next` is compatible with `previous` in the given direction.
 *
 * Endpoints are matched by method and path template with parameter names erased (`/a/{id}` = `/a/{key}`);
 * path parameters are compared by position. BACKWARD (clients of `previous` keep working): no endpoint
 * removed; every request valid under `previous` is valid under `next` (body, path/query/header schemas
 * may only widen; no new required parameter or body; no declared parameter removed); every response
 * `next` may send is valid under `previous` (2xx and error schemas may only narrow). FORWARD is the
 * mirror image (endpoint added = break), FULL is both. Schemas are compared with {@link isSubschema};
 * "cannot prove" counts as incompatible but carries the rule `cannot-prove` (or
 * `property-added-to-open-content-model`). Rules follow Confluent Schema Registry's compatibility types.
 *
 * @param previous the earlier version
 * @param next the candidate version
 * @param direction BACKWARD, FORWARD or FULL
 * @returns issues, empty when compatible; an issue found for several endpoints is reported once with all labels
 *
 * @example
 * const issues = checkCompatibility(v1, v2, 'BACKWARD');
 * // [{ rule: 'endpoint-removed', pointer: '/endpoints/1', document: 'previous',
 * //    message: 'DELETE /pets/{petId}: endpoint was removed; clients of the previous version still call it' }]
 */
export function checkCompatibility(
  previous: ContractDocument,
  next: ContractDocument,
  direction: CompatibilityDirection,
): CompatibilityIssue[] {
  const [before, after] = [errorSchemasAsRecords(previous), errorSchemasAsRecords(next)];
  return withinBudget(
    () => {
      const issues: Labeled[] = [];
      if (direction === 'BACKWARD' || direction === 'FULL') issues.push(...checkDirection(before, after, 'BACKWARD'));
      if (direction === 'FORWARD' || direction === 'FULL') issues.push(...checkDirection(before, after, 'FORWARD'));
      return finish(issues);
    },
    (detail) => [{ rule: 'cannot-prove', pointer: '/schemas', document: 'next', message: detail }],
  );
}

/**
 * Checks a candidate version against the registered history of a contract under a compatibility mode.
 *
 * Only versions lower than `next.version` by semver precedence (never string order, so 1.10.0 follows
 * 1.9.0) take part. BACKWARD/FORWARD/FULL compare with the highest of them; the `_TRANSITIVE` modes with
 * every one of them (Confluent's transitive semantics); NONE checks nothing. Duplicate versions in
 * `history` are compared once.
 *
 * @param history earlier versions of the contract, in any order (higher versions are ignored)
 * @param next the candidate version
 * @param mode the compatibility mode of the contract
 * @returns the report; `compatible` is false when any issue was found
 *
 * @example
 * checkAgainstHistory([v1_9_0, v1_10_0], v1_11_0, 'BACKWARD');
 * // { mode: 'BACKWARD', compatible: true, checkedAgainst: ['1.10.0'], issues: [] }
 */
export function checkAgainstHistory(
  history: ContractDocument[],
  next: ContractDocument,
  mode: CompatibilityMode,
): CompatibilityReport {
  if (mode === 'NONE') return { mode, compatible: true, checkedAgainst: [], issues: [] };
  const byVersion = new Map<string, ContractDocument>();
  for (const doc of history) {
    if (semver.valid(doc.version) && semver.lt(doc.version, next.version) && !byVersion.has(doc.version)) {
      byVersion.set(doc.version, doc);
    }
  }
  const ordered = [...byVersion.keys()].sort(semver.compare);
  const transitive = mode.endsWith('_TRANSITIVE');
  const against = transitive ? ordered : ordered.slice(-1);
  const direction = mode.replace('_TRANSITIVE', '') as CompatibilityDirection;
  const issues = against.flatMap((version) =>
    checkCompatibility(byVersion.get(version) as ContractDocument, next, direction).map((issue) => ({
      ...issue,
      against: version,
    })),
  );
  return { mode, compatible: issues.length === 0, checkedAgainst: against, issues };
}
