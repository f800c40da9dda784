import { isLeaf, isRecord, type Leaf } from './leaves';

/** The array an event value sits in, its index there, and the arrays further out. */
export type ArrayStep = {
  readonly array: readonly unknown[];
  readonly index: number;
  readonly parent: ArrayStep | undefined;
};

/** One value the event holds at a field path, with the array elements it was reached through. */
export type Occurrence = { readonly value: Leaf; readonly steps: ArrayStep | undefined };

/** Pushes every leaf of `value` (flattening nested arrays) as an occurrence. Objects hold no leaf at this path. */
export function collectLeaves(value: unknown, steps: ArrayStep | undefined, out: Occurrence[]): void {
  if (isLeaf(value)) out.push({ value, steps });
  else if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      collectLeaves(value[index], { array: value, index, parent: steps }, out);
    }
  }
}

/**
 * How to walk a dot-joined field path: for each place the walk can stand in the path (its start and
 * after each dot), the keys to try there: the whole rest of the path (a leaf) and the rest up to each
 * later dot (an object or array to enter, resuming after that dot). EventBridge flattens field names
 * with `.`, so `{"a": {"b": 1}}` and `{"a.b": 1}` both hold 1 at `a.b`; every split is tried.
 */
export type PathPlan = readonly (readonly { readonly key: string; readonly resume: number }[])[];

export const LEAF = -1;

export function planPath(path: string): PathPlan {
  const starts = [0];
  for (let i = 0; i < path.length; i++) if (path[i] === '.') starts.push(i + 1);
  return starts.map((start, at) => {
    const keys = [{ key: path.slice(start), resume: LEAF }];
    for (let next = at + 1; next < starts.length; next++) {
      keys.push({ key: path.slice(start, (starts[next] as number) - 1), resume: next });
    }
    return keys;
  });
}

export function walkPath(
  value: unknown,
  plan: PathPlan,
  at: number,
  steps: ArrayStep | undefined,
  out: Occurrence[],
): void {
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      walkPath(value[index], plan, at, { array: value, index, parent: steps }, out);
    }
    return;
  }
  if (!isRecord(value)) return;
  for (const { key, resume } of plan[at] as PathPlan[number]) {
    if (!Object.hasOwn(value, key)) continue;
    if (resume === LEAF) collectLeaves(value[key], steps, out);
    else walkPath(value[key], plan, resume, steps, out);
  }
}

/**
 * The values an event holds at a field path, every split of its dots tried (see {@link PathPlan}).
 * Arrays on the way are entered element by element (User Guide, "Matching arrays"); only own
 * properties count.
 */
export function occurrencesAt(event: Record<string, unknown>, plan: PathPlan): Occurrence[] {
  const out: Occurrence[] = [];
  walkPath(event, plan, 0, undefined, out);
  return out;
}

/** One field of one alternative, ready for the array-consistency search. */
export type FieldCheck = {
  /** Values at the path that some matcher accepts. */
  readonly matching: readonly Occurrence[];
  /** Every value at the path; consulted for `exists: false`. */
  readonly all: readonly Occurrence[];
  /** Whether the list holds `{"exists": false}`. */
  readonly allowsAbsence: boolean;
};

export function consistent(steps: ArrayStep | undefined, bound: ReadonlyMap<unknown, number>): boolean {
  for (let step = steps; step; step = step.parent) {
    const index = bound.get(step.array);
    if (index !== undefined && index !== step.index) return false;
  }
  return true;
}

/**
 * Whether one alternative matches: every field has a value some matcher accepts (or, for
 * `exists: false`, no value), and the values chosen from elements of one array come from the same
 * element. This is event-ruler's array consistency (ACFinder, ArrayMembership): `{"items": {"sku":
 * ["a"], "qty": [2]}}` needs one item with both. Checks arrive sorted by path; as in event-ruler, an
 * absence is judged against the array elements fixed by the fields before it.
 */
export function satisfiable(checks: readonly FieldCheck[]): boolean {
  for (const check of checks) if (check.matching.length === 0 && !check.allowsAbsence) return false;

  // Without arrays on the way, every field is judged on its own.
  const throughArrays = checks.some(
    (check) =>
      check.matching.some((occurrence) => occurrence.steps !== undefined) ||
      (check.allowsAbsence && check.all.some((occurrence) => occurrence.steps !== undefined)),
  );
  if (!throughArrays) return checks.every((check) => check.matching.length > 0 || check.all.length === 0);

  // Only arrays reached by two or more fields can make choices conflict.
  const owner = new Map<unknown, number>();
  const shared = new Set<unknown>();
  checks.forEach((check, i) => {
    for (const list of [check.matching, check.allowsAbsence ? check.all : []]) {
      for (const occurrence of list) {
        for (let step = occurrence.steps; step; step = step.parent) {
          const first = owner.get(step.array);
          if (first === undefined) owner.set(step.array, i);
          else if (first !== i) shared.add(step.array);
        }
      }
    }
  });
  if (shared.size === 0) return checks.every((check) => check.matching.length > 0 || check.all.length === 0);

  // Values reached through the same elements of shared arrays are interchangeable: keep one of each.
  const ids = new Map<unknown, number>();
  const candidates = checks.map((check) => {
    const seen = new Set<string>();
    return check.matching.filter((occurrence) => {
      let key = '';
      for (let step = occurrence.steps; step; step = step.parent) {
        if (!shared.has(step.array)) continue;
        let id = ids.get(step.array);
        if (id === undefined) {
          id = ids.size;
          ids.set(step.array, id);
        }
        key += `${id}:${step.index},`;
      }
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  });

  const bound = new Map<unknown, number>();
  const search = (i: number): boolean => {
    if (i === checks.length) return true;
    const check = checks[i] as FieldCheck;
    for (const occurrence of candidates[i] as Occurrence[]) {
      if (!consistent(occurrence.steps, bound)) continue;
      const added: unknown[] = [];
      for (let step = occurrence.steps; step; step = step.parent) {
        if (shared.has(step.array) && !bound.has(step.array)) {
          bound.set(step.array, step.index);
          added.push(step.array);
        }
      }
      if (search(i + 1)) return true;
      for (const array of added) bound.delete(array);
    }
    return (
      check.allowsAbsence && check.all.every((occurrence) => !consistent(occurrence.steps, bound)) && search(i + 1)
    );
  };
  return search(0);
}
