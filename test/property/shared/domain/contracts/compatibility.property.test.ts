import Ajv2020 from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkCompatibility, isSubschema } from '../../../../../shared/domain/contracts/compatibility';
import { ContractDocumentSchema, type JsonSchema } from '../../../../../shared/domain/contracts/contract';

type Schema = Exclude<JsonSchema, boolean>;
const NAMES = ['a', 'b', 'c'] as const;
const TYPES = ['null', 'boolean', 'integer', 'number', 'string', 'object', 'array'] as const;
const ctx = { subDefs: {}, supDefs: {} };

const leafValue = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom(-1.5, 0.5, 2.5),
  fc.constantFrom('', 'a', 'ab', 'abc', 'b', 'ba'),
);

const jsonValue = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafValue,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), tie('value'), { maxKeys: 3, noNullPrototype: true }),
  ),
})).value;

const typeKeyword = fc.oneof(
  fc.constantFrom(...TYPES),
  fc.uniqueArray(fc.constantFrom(...TYPES), { minLength: 1, maxLength: 3 }),
);
const small = fc.integer({ min: -2, max: 4 });
const count = fc.integer({ min: 0, max: 3 });

/** Small JSON Schemas over types, required, properties, enum, bounds and additionalProperties (depth ≤ 2). */
function schemaArb(withCombinators: boolean, depth = 2): fc.Arbitrary<JsonSchema> {
  const keywords: Record<string, fc.Arbitrary<unknown>> = {
    type: typeKeyword,
    enum: fc.uniqueArray(leafValue, { minLength: 1, maxLength: 3, comparator: 'SameValueZero' }),
    minimum: small,
    maximum: small,
    exclusiveMinimum: small,
    minLength: count,
    maxLength: count,
    pattern: fc.constantFrom('^a', 'b$'),
    minItems: count,
    maxItems: count,
    required: fc.subarray([...NAMES]),
    additionalProperties: fc.boolean(),
  };
  if (depth > 0) {
    const inner = schemaArb(withCombinators, depth - 1);
    keywords.items = inner;
    keywords.properties = fc.dictionary(fc.constantFrom(...NAMES), inner, { maxKeys: 3 });
    keywords.additionalProperties = fc.oneof(fc.boolean(), inner);
    if (withCombinators) {
      keywords.anyOf = fc.array(inner, { minLength: 1, maxLength: 2 });
      keywords.allOf = fc.array(inner, { minLength: 1, maxLength: 2 });
    }
  }
  // Each schema carries a few keywords only, so that instances have a chance to be valid.
  const object = fc
    .shuffledSubarray(Object.keys(keywords), { minLength: 0, maxLength: 4 })
    .chain((chosen) =>
      fc.record(Object.fromEntries(chosen.map((k) => [k, keywords[k] as fc.Arbitrary<unknown>]))),
    ) as fc.Arbitrary<Schema>;
  return fc.oneof({ weight: 6, arbitrary: object }, { weight: 1, arbitrary: fc.boolean() });
}

/** Derives a schema from `a` that keeps, drops or takes from `b` each keyword (recursively in `properties`). */
function mix(a: JsonSchema, b: JsonSchema, choices: number[]): JsonSchema {
  let cursor = 0;
  const nextChoice = (): number => choices[cursor++ % Math.max(choices.length, 1)] ?? 0;
  const go = (x: JsonSchema, y: JsonSchema): JsonSchema => {
    if (typeof x === 'boolean' || typeof y === 'boolean') return nextChoice() % 2 === 0 ? x : y;
    const out: Record<string, unknown> = {};
    for (const key of new Set([...Object.keys(x), ...Object.keys(y)])) {
      const choice = nextChoice() % 4;
      if (key === 'properties' && x.properties && y.properties && choice === 3) {
        const px = x.properties as Record<string, JsonSchema>;
        const py = y.properties as Record<string, JsonSchema>;
        out.properties = Object.fromEntries(
          [...new Set([...Object.keys(px), ...Object.keys(py)])].map((k) => [k, go(px[k] ?? true, py[k] ?? true)]),
        );
      } else if (choice === 0 || choice === 3) {
        if (key in x) out[key] = x[key];
      } else if (choice === 1) {
        if (key in y) out[key] = y[key];
      }
    }
    return out;
  };
  return go(a, b);
}

const ajv = new Ajv2020({ strict: false, allErrors: false });
const validatorCache = new Map<string, (value: unknown) => boolean>();
function validator(schema: JsonSchema): (value: unknown) => boolean {
  const key = JSON.stringify(schema);
  let validate = validatorCache.get(key);
  if (!validate) {
    const compiled = ajv.compile(schema);
    validate = (value: unknown) => compiled(value) as boolean;
    validatorCache.set(key, validate);
  }
  return validate;
}

/** Sets every `integer` type to `number`. */
function widenIntegers(schema: JsonSchema): JsonSchema {
  if (typeof schema === 'boolean') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'type')
      out.type = Array.isArray(value)
        ? value.map((t) => (t === 'integer' ? 'number' : t))
        : value === 'integer'
          ? 'number'
          : value;
    else if (key === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, JsonSchema>).map(([k, v]) => [k, widenIntegers(v)]),
      );
    } else if (key === 'items' || key === 'additionalProperties') out[key] = widenIntegers(value as JsonSchema);
    else if (key === 'anyOf' || key === 'allOf') out[key] = (value as JsonSchema[]).map(widenIntegers);
    else out[key] = value;
  }
  return out;
}

describe('checkCompatibility', () => {
  describe('isSubschema properties', () => {
    it('finds every generated schema a subschema of itself', () => {
      fc.assert(
        fc.property(schemaArb(true), (schema) => {
          expect(isSubschema(schema, structuredClone(schema), ctx)).toEqual([]);
        }),
        { numRuns: 300 },
      );
    });

    it('finds every generated schema a subschema of true', () => {
      fc.assert(
        fc.property(schemaArb(true), (schema) => {
          expect(isSubschema(schema, true, ctx)).toEqual([]);
        }),
        { numRuns: 300 },
      );
    });

    it('never reports widening integer to number as a break', () => {
      fc.assert(
        fc.property(schemaArb(true), (schema) => {
          expect(isSubschema(schema, widenIntegers(schema), ctx)).toEqual([]);
        }),
        { numRuns: 300 },
      );
    });

    it('rejects a required field added to a closed request object', () => {
      fc.assert(
        fc.property(
          fc.dictionary(fc.constantFrom(...NAMES), schemaArb(false), { maxKeys: 3 }),
          fc.subarray([...NAMES]),
          schemaArb(false),
          (properties, required, added) => {
            const old = {
              type: 'object',
              properties,
              required: required.filter((r) => r in properties),
              additionalProperties: false,
            };
            const next = { ...old, properties: { ...properties, extra: added }, required: [...old.required, 'extra'] };
            const doc = (version: string, schema: JsonSchema) =>
              ContractDocumentSchema.parse({
                name: 'p',
                version,
                endpoints: [{ path: '/x', method: 'POST', requestSchema: 'Body' }],
                schemas: { Body: schema },
              });
            const issues = checkCompatibility(doc('1.0.0', old), doc('1.1.0', next), 'BACKWARD');
            expect(issues).toContainEqual(
              expect.objectContaining({
                rule: 'required-field-added',
                pointer: `/schemas/Body/required/${old.required.length}`,
              }),
            );
          },
        ),
        { numRuns: 200 },
      );
    });

    it('is sound: when it reports no issues, instances valid under sub are valid under sup', () => {
      let proven = 0;
      fc.assert(
        fc.property(
          schemaArb(false),
          schemaArb(false),
          fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
          fc.boolean(),
          fc.array(jsonValue, { maxLength: 30 }),
          (a, b, choices, flip, instances) => {
            const derived = mix(a, b, choices);
            const [sub, sup] = flip ? [derived, a] : [a, derived];
            if (isSubschema(sub, sup, ctx).length > 0) return;
            proven += 1;
            const validSub = validator(sub);
            const validSup = validator(sup);
            const enums = [sub, sup].flatMap((s) => (typeof s === 'object' && Array.isArray(s.enum) ? s.enum : []));
            for (const instance of [...instances, ...enums]) {
              if (validSub(instance))
                expect({ instance, valid: validSup(instance) }).toEqual({ instance, valid: true });
            }
          },
        ),
        { numRuns: 1000 },
      );
      expect(proven).toBeGreaterThan(100);
    });
  });
});
