import type { JsonSchema } from '../contract';
import type { ComparisonBudget } from './budget';
import { includesJson, isJsonObject, type JsonObject, jsonEqual } from './json';
import { jsonType, ownTypes } from './json-types';
import { ANNOTATIONS, KEYWORD_TYPE } from './keywords';
import { MAX_DEPTH, type Verdict } from './model';
import { compilePattern, type PatternMatcher } from './patterns';
import { resolveRef } from './refs';

/** 'no' if any is 'no', else 'unknown' if any is 'unknown', else 'yes'. */
export function allHold(verdicts: Iterable<Verdict>): Verdict {
  let unknown = false;
  for (const verdict of verdicts) {
    if (verdict === 'no') return 'no';
    if (verdict === 'unknown') unknown = true;
  }
  return unknown ? 'unknown' : 'yes';
}

const verdictOf = (holds: boolean): Verdict => (holds ? 'yes' : 'no');

/**
 * One keyword of a schema applied to a value of the type it constrains.
 *
 * - `argument`: the keyword's value; `schema`: the whole schema object (for sibling keywords).
 * - `evaluateChild`: evaluates a value against a subschema one level deeper.
 */
type KeywordEvaluation = {
  argument: unknown;
  value: unknown;
  schema: JsonObject;
  defs: Record<string, JsonSchema>;
  evaluateChild: (value: unknown, schema: unknown) => Verdict;
};
type KeywordEvaluator = (evaluation: KeywordEvaluation) => Verdict;

/** A numeric keyword's test, or 'unknown' when its argument is not a number. */
const numeric =
  (holds: (value: unknown, bound: number) => boolean): KeywordEvaluator =>
  ({ argument, value }) =>
    typeof argument === 'number' ? verdictOf(holds(value, argument)) : 'unknown';

/** Compiles the `patternProperties` keys of a schema, or undefined when one does not compile. */
function compiledPatternKeys(patternProperties: unknown): PatternMatcher[] | undefined {
  const patterns: PatternMatcher[] = [];
  for (const source of Object.keys(isJsonObject(patternProperties) ? patternProperties : {})) {
    const matcher = compilePattern(source);
    if (!matcher) return undefined;
    patterns.push(matcher);
  }
  return patterns;
}

const COMBINATOR_EVALUATORS: Record<string, KeywordEvaluator> = {
  $ref: ({ argument, value, defs, evaluateChild }) => {
    const target = typeof argument === 'string' ? resolveRef(argument, defs) : undefined;
    return target ? evaluateChild(value, target.schema) : 'unknown';
  },
  allOf: ({ argument, value, evaluateChild }) =>
    Array.isArray(argument) ? allHold(argument.map((s) => evaluateChild(value, s))) : 'unknown',
  anyOf: ({ argument, value, evaluateChild }) => {
    if (!Array.isArray(argument)) return 'unknown';
    const verdicts = argument.map((s) => evaluateChild(value, s));
    return verdicts.includes('yes') ? 'yes' : verdicts.every((r) => r === 'no') ? 'no' : 'unknown';
  },
  oneOf: ({ argument, value, evaluateChild }) => {
    if (!Array.isArray(argument)) return 'unknown';
    const verdicts = argument.map((s) => evaluateChild(value, s));
    const matching = verdicts.filter((r) => r === 'yes').length;
    if (matching > 1) return 'no';
    if (verdicts.includes('unknown')) return 'unknown';
    return verdictOf(matching === 1);
  },
  not: ({ argument, value, evaluateChild }) => {
    const verdict = evaluateChild(value, argument);
    return verdict === 'yes' ? 'no' : verdict === 'no' ? 'yes' : 'unknown';
  },
};

const VALUE_EVALUATORS: Record<string, KeywordEvaluator> = {
  type: ({ value, schema }) => {
    const types = ownTypes(schema);
    const type = jsonType(value);
    return types ? verdictOf(types.has(type) || (type === 'integer' && types.has('number'))) : 'unknown';
  },
  enum: ({ argument, value }) => (Array.isArray(argument) ? verdictOf(includesJson(argument, value)) : 'unknown'),
  const: ({ argument, value }) => verdictOf(jsonEqual(argument, value)),
  minimum: numeric((value, bound) => (value as number) >= bound),
  maximum: numeric((value, bound) => (value as number) <= bound),
  exclusiveMinimum: numeric((value, bound) => (value as number) > bound),
  exclusiveMaximum: numeric((value, bound) => (value as number) < bound),
  multipleOf: ({ argument, value }) =>
    typeof argument !== 'number' || argument <= 0
      ? 'unknown'
      : verdictOf(Number.isInteger((value as number) / argument)),
  minLength: numeric((value, bound) => [...(value as string)].length >= bound),
  maxLength: numeric((value, bound) => [...(value as string)].length <= bound),
  pattern: ({ argument, value }) => {
    const matcher = compilePattern(argument);
    return matcher ? verdictOf(matcher.test(value as string)) : 'unknown';
  },
};

const ARRAY_EVALUATORS: Record<string, KeywordEvaluator> = {
  minItems: numeric((value, bound) => (value as unknown[]).length >= bound),
  maxItems: numeric((value, bound) => (value as unknown[]).length <= bound),
  uniqueItems: ({ argument, value }) => {
    const list = value as unknown[];
    return argument !== true ? 'yes' : verdictOf(list.every((x, i) => list.findIndex((y) => jsonEqual(x, y)) === i));
  },
  prefixItems: ({ argument, value, evaluateChild }) =>
    Array.isArray(argument)
      ? allHold((value as unknown[]).slice(0, argument.length).map((v, i) => evaluateChild(v, argument[i])))
      : 'unknown',
  items: ({ argument, value, schema, evaluateChild }) => {
    // draft-07 tuple form (`items: [...]`) is not evaluated
    if (Array.isArray(argument)) return 'unknown';
    const start = Array.isArray(schema.prefixItems) ? schema.prefixItems.length : 0;
    return allHold((value as unknown[]).slice(start).map((v) => evaluateChild(v, argument)));
  },
};

const OBJECT_EVALUATORS: Record<string, KeywordEvaluator> = {
  required: ({ argument, value }) =>
    Array.isArray(argument)
      ? verdictOf(argument.every((k) => typeof k === 'string' && Object.hasOwn(value as JsonObject, k)))
      : 'unknown',
  properties: ({ argument, value, evaluateChild }) => {
    if (!isJsonObject(argument)) return 'unknown';
    return allHold(
      Object.entries(value as JsonObject)
        .filter(([k]) => Object.hasOwn(argument, k))
        .map(([k, v]) => evaluateChild(v, argument[k])),
    );
  },
  patternProperties: ({ argument, value, evaluateChild }) => {
    if (!isJsonObject(argument)) return 'unknown';
    const verdicts: Verdict[] = [];
    for (const [source, schema] of Object.entries(argument)) {
      const matcher = compilePattern(source);
      if (!matcher) return 'unknown';
      for (const [k, v] of Object.entries(value as JsonObject))
        if (matcher.test(k)) verdicts.push(evaluateChild(v, schema));
    }
    return allHold(verdicts);
  },
  additionalProperties: ({ argument, value, schema, evaluateChild }) => {
    const properties = isJsonObject(schema.properties) ? schema.properties : {};
    const patterns = compiledPatternKeys(schema.patternProperties);
    if (!patterns) return 'unknown';
    return allHold(
      Object.entries(value as JsonObject)
        .filter(([k]) => !Object.hasOwn(properties, k) && !patterns.some((re) => re.test(k)))
        .map(([, v]) => evaluateChild(v, argument)),
    );
  },
  minProperties: numeric((value, bound) => Object.keys(value as JsonObject).length >= bound),
  maxProperties: numeric((value, bound) => Object.keys(value as JsonObject).length <= bound),
  propertyNames: ({ argument, value, evaluateChild }) =>
    allHold(Object.keys(value as JsonObject).map((k) => evaluateChild(k, argument))),
  dependentRequired: ({ argument, value }) => {
    if (!isJsonObject(argument)) return 'unknown';
    const object = value as JsonObject;
    return verdictOf(
      Object.entries(argument).every(
        ([k, dependencies]) =>
          !Object.hasOwn(object, k) ||
          (Array.isArray(dependencies) && dependencies.every((d) => typeof d === 'string' && Object.hasOwn(object, d))),
      ),
    );
  },
};

/** Every keyword the evaluator understands; any other keyword makes a value's validity 'unknown'. */
const KEYWORD_EVALUATORS: Record<string, KeywordEvaluator> = {
  ...COMBINATOR_EVALUATORS,
  ...VALUE_EVALUATORS,
  ...ARRAY_EVALUATORS,
  ...OBJECT_EVALUATORS,
};

/**
 * Whether `value` is valid under `schema`: 'yes', 'no', or 'unknown' when a keyword is not supported.
 * Each call spends one comparison of `budget`.
 */
export function evaluate(
  value: unknown,
  schema: JsonSchema,
  defs: Record<string, JsonSchema>,
  budget: ComparisonBudget,
  depth = 0,
): Verdict {
  budget.spend();
  if (schema === true) return 'yes';
  if (schema === false) return 'no';
  if (depth > MAX_DEPTH) return 'unknown';
  const type = jsonType(value);
  const verdicts: Verdict[] = [];
  const evaluateChild = (v: unknown, s: unknown): Verdict =>
    typeof s === 'boolean' || isJsonObject(s) ? evaluate(v, s, defs, budget, depth + 1) : 'unknown';
  for (const [keyword, argument] of Object.entries(schema)) {
    if (ANNOTATIONS.has(keyword) || keyword === 'nullable') continue;
    const applies = KEYWORD_TYPE[keyword];
    if (applies && !(applies === 'number' ? type === 'number' || type === 'integer' : type === applies)) continue;
    const evaluator = Object.hasOwn(KEYWORD_EVALUATORS, keyword) ? KEYWORD_EVALUATORS[keyword] : undefined;
    const verdict = evaluator ? evaluator({ argument, value, schema, defs, evaluateChild }) : 'unknown';
    verdicts.push(verdict);
    if (verdict === 'no') return 'no';
  }
  return allHold(verdicts);
}
