import { compileFilter } from './filters';
import { inIpRange, ipAddressBytes } from './ip-cidr';
import { isRecord, type LeafTest } from './leaves';
import { numberEquals } from './numeric';
import { type PathPlan, planPath } from './paths';
import { refuse } from './refusal';
import { MAX_EVENT_PATTERN_ALTERNATIVES } from './types';

/** Field names refused inside `$or` (event-ruler Constants.RESERVED_FIELD_NAMES_IN_OR_RELATIONSHIP). */
export const RESERVED_IN_OR = new Set([
  'exactly',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  'html',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

/** A field of an alternative, compiled. The same object is shared by every alternative that AND-s it. */
export type CompiledField = {
  readonly id: number;
  readonly path: string;
  readonly pathId: number;
  readonly plan: PathPlan;
  readonly test: LeafTest | undefined;
  readonly allowsAbsence: boolean;
};

export type CompiledPattern = {
  readonly alternatives: readonly (readonly CompiledField[])[];
  readonly paths: readonly string[];
  readonly fieldCount: number;
};

export const anyOf = (tests: readonly LeafTest[]): LeafTest | undefined => {
  if (tests.length === 0) return undefined;
  if (tests.length === 1) return tests[0];
  return (value) => {
    for (const test of tests) if (test(value)) return true;
    return false;
  };
};

export class PatternCompiler {
  private readonly pathIds = new Map<string, number>();
  private readonly plans = new Map<string, PathPlan>();
  private fieldCount = 0;

  compile(pattern: unknown): CompiledPattern {
    if (!isRecord(pattern)) return refuse('Filter is not an object');
    const alternatives: Map<string, CompiledField>[] = [];
    this.object(pattern, [], alternatives, false);
    return {
      alternatives: alternatives.map((fields) =>
        [...fields.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
      ),
      paths: [...this.pathIds.keys()],
      fieldCount: this.fieldCount,
    };
  }

  private object(
    node: Record<string, unknown>,
    prefix: readonly string[],
    alternatives: Map<string, CompiledField>[],
    insideOr: boolean,
  ): void {
    const keys = Object.keys(node);
    if (keys.length === 0) refuse('Empty objects are not allowed');
    for (const key of keys) {
      const value = node[key];
      if (key === '$or') {
        this.or(value, prefix, alternatives);
        continue;
      }
      if (insideOr && RESERVED_IN_OR.has(key))
        refuse(`${key} is Ruler reserved fieldName which cannot be used inside $or.`);
      if (isRecord(value)) this.object(value, [...prefix, key], alternatives, insideOr);
      else if (Array.isArray(value)) this.field([...prefix, key].join('.'), value, alternatives);
      else refuse(`"${key}" must be an object or an array`);
    }
  }

  /** `$or`: each alternative AND-s with what is around it (User Guide, "$or matching"). */
  private or(value: unknown, prefix: readonly string[], alternatives: Map<string, CompiledField>[]): void {
    if (!Array.isArray(value)) refuse('It must be an Array followed with $or.');
    const before = alternatives.map((fields) => new Map(fields));
    alternatives.length = 0;
    for (const branch of value) {
      if (!isRecord(branch)) refuse('Only JSON object is allowed in array of $or relationship.');
      const forked = before.length > 0 ? before.map((fields) => new Map(fields)) : [new Map<string, CompiledField>()];
      this.object(branch, prefix, forked, true);
      alternatives.push(...forked);
      if (alternatives.length > MAX_EVENT_PATTERN_ALTERNATIVES) {
        refuse(`Pattern expands to more than ${MAX_EVENT_PATTERN_ALTERNATIVES} alternatives through $or`);
      }
    }
    if (value.length < 2) refuse('There must have at least 2 Objects in $or relationship.');
  }

  /** A field's list of matchers, OR-ed (User Guide, "Event patterns": values are always in arrays). */
  private field(path: string, list: readonly unknown[], alternatives: Map<string, CompiledField>[]): void {
    const literals = new Set<unknown>();
    const tests: LeafTest[] = [];
    let allowsAbsence = false;
    for (const item of list) {
      if (isRecord(item)) {
        const compiled = compileFilter(item);
        if (compiled.test) tests.push(compiled.test);
        if (compiled.absence) allowsAbsence = true;
      } else if (typeof item === 'string') {
        // A literal that is an IP address matches the same address however it is written (event-ruler ipToRangeIfPossible).
        const bytes = ipAddressBytes(item);
        if (bytes) tests.push((value) => inIpRange({ low: bytes, high: bytes }, value));
        else literals.add(item);
      } else if (typeof item === 'number') tests.push(numberEquals(item));
      else if (item === null || typeof item === 'boolean') literals.add(item);
      else refuse('Match value must be String, number, true, false, or null');
    }
    if (list.length === 0) refuse('Empty arrays are not allowed');
    if (literals.size > 0) tests.unshift((value) => literals.has(value));

    let pathId = this.pathIds.get(path);
    if (pathId === undefined) {
      pathId = this.pathIds.size;
      this.pathIds.set(path, pathId);
    }
    let plan = this.plans.get(path);
    if (plan === undefined) {
      plan = planPath(path);
      this.plans.set(path, plan);
    }
    const field: CompiledField = { id: this.fieldCount++, path, pathId, plan, test: anyOf(tests), allowsAbsence };
    if (alternatives.length === 0) alternatives.push(new Map());
    // A path set twice in one alternative keeps the later list, as event-ruler does (withOverriding).
    for (const fields of alternatives) fields.set(path, field);
  }
}
