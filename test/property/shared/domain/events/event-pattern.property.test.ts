import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compileEventPattern,
  type EventPattern,
  validateEventPattern,
} from '../../../../../shared/domain/events/event-pattern';
import { matchesEventPattern } from '../../../../support/event-pattern-oracle';

type Leaf = string | number | boolean | null;

/** Field names without dots or `$or`, so a generated event maps back onto a pattern unambiguously. */
const fieldName = fc.string({ minLength: 1, maxLength: 6 }).filter((name) => !name.includes('.') && name !== '$or');

/** Any JSON leaf; numbers stay finite because events are JSON. */
const anyLeaf: fc.Arbitrary<Leaf> = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);

/** Events of nested objects whose arrays hold leaves only (arrays of objects need array consistency). */
const { event: plainEvent } = fc.letrec<{ event: Record<string, unknown>; value: unknown }>((tie) => ({
  event: fc.dictionary(fieldName, tie('value'), { minKeys: 1, maxKeys: 4 }),
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    anyLeaf,
    fc.array(anyLeaf, { maxLength: 4 }),
    tie('event'),
  ),
}));

/** The exact-value pattern of an event: every leaf listed at its own path, or `undefined` when none. */
function exactPatternOf(node: Record<string, unknown>): EventPattern | undefined {
  const pattern: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (Array.isArray(value)) {
      if (value.length > 0) pattern[key] = value;
    } else if (typeof value === 'object' && value !== null) {
      const nested = exactPatternOf(value as Record<string, unknown>);
      if (nested) pattern[key] = nested;
    } else pattern[key] = [value];
  }
  return Object.keys(pattern).length > 0 ? (pattern as EventPattern) : undefined;
}

// Small shared domains, so that random patterns and events meet often: strings over a tiny alphabet
// (prefixes, suffixes, case variants and ß/SS folding all occur), small numbers and a few addresses.
const KEYS = ['a', 'b', 'c'] as const;
const ADDRESSES = ['10.0.0.1', '10.0.0.7', '10.1.2.3', '2001:db8::1', '2001:0DB8:0:0::1', '::ffff:a00:1'];
const texts = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: fc.constantFrom('a', 'b', 'A', 'B', 'ß', 'S', '*'), maxLength: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom(...ADDRESSES) },
);
const nonEmptyTexts = texts.filter((text) => text !== '');
const numbers = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -3, max: 6 }) },
  { weight: 1, arbitrary: fc.constantFrom(2.5, 5.0000001, 0.0000001, -0.5, 1e10) },
);
const wildcards = fc.string({ unit: fc.constantFrom('a', 'b', 'A', '*', '\\*', '\\\\'), maxLength: 6 });

const matcher: fc.Arbitrary<unknown> = fc.oneof(
  texts,
  numbers,
  fc.boolean(),
  fc.constant(null),
  texts.map((prefix) => ({ prefix })),
  texts.map((text) => ({ prefix: { 'equals-ignore-case': text } })),
  texts.map((suffix) => ({ suffix })),
  texts.map((text) => ({ suffix: { 'equals-ignore-case': text } })),
  texts.map((text) => ({ 'equals-ignore-case': text })),
  wildcards.map((wildcard) => ({ wildcard })),
  fc
    .oneof(
      texts,
      fc.integer({ min: -3, max: 5 }),
      fc.array(texts, { minLength: 1, maxLength: 3 }),
      fc.array(
        numbers.filter((n) => Math.abs(n) < 5e9),
        { minLength: 1, maxLength: 3 },
      ),
      fc.array(nonEmptyTexts, { maxLength: 2 }).map((prefix) => ({ prefix })),
      nonEmptyTexts.map((suffix) => ({ suffix })),
      fc.array(texts, { minLength: 1, maxLength: 2 }).map((text) => ({ 'equals-ignore-case': text })),
      wildcards.map((wildcard) => ({ wildcard })),
    )
    .map((argument) => ({ 'anything-but': argument })),
  fc
    .oneof(
      fc.tuple(fc.constantFrom('=', '<', '<=', '>', '>='), fc.integer({ min: -3, max: 6 })),
      fc.tuple(
        fc.constantFrom('>', '>='),
        fc.integer({ min: -3, max: 2 }),
        fc.constantFrom('<', '<='),
        fc.integer({ min: 3, max: 6 }),
      ),
    )
    .map((numeric) => ({ numeric })),
  fc.boolean().map((exists) => ({ exists })),
  fc.constantFrom('10.0.0.0/8', '10.0.0.0/24', '2001:db8::/32').map((cidr) => ({ cidr })),
);

/** Random patterns, nested `depth` levels at most (objects and `$or`), so that most stay under 4096 characters. */
const patternAt = (depth: number): fc.Arbitrary<Record<string, unknown>> => {
  const list = fc.array(matcher, { minLength: 1, maxLength: 3 });
  const field: fc.Arbitrary<unknown> = depth > 0 ? fc.oneof(list, patternAt(depth - 1)) : list;
  const fields = fc.dictionary(fc.constantFrom(...KEYS), field, { minKeys: 1, maxKeys: 2 });
  if (depth === 0) return fields;
  return fc
    .tuple(fields, fc.option(fc.array(patternAt(depth - 1), { minLength: 2, maxLength: 3 }), { freq: 3 }))
    .map(([named, or]) => (or ? { ...named, $or: or } : named));
};
const randomPattern = fc.oneof(patternAt(0), patternAt(1), patternAt(2));

const eventLeaf: fc.Arbitrary<Leaf> = fc.oneof(
  texts,
  numbers,
  fc.string({ unit: fc.constantFrom('a', 'b', 'A', '*', '\\'), maxLength: 5 }),
  fc.boolean(),
  fc.constant(null),
);

/** Random events over the patterns' field names (plus the dotted `a.b`), with arrays of leaves and of objects. */
const eventAt = (depth: number): fc.Arbitrary<Record<string, unknown>> => {
  const value: fc.Arbitrary<unknown> =
    depth > 0
      ? fc.oneof(
          eventLeaf,
          fc.array(eventLeaf, { maxLength: 3 }),
          eventAt(depth - 1),
          fc.array(eventAt(depth - 1), { maxLength: 3 }),
        )
      : fc.oneof(eventLeaf, fc.array(eventLeaf, { maxLength: 3 }));
  return fc.dictionary(fc.constantFrom(...KEYS, 'a.b'), value, { minKeys: depth > 0 ? 2 : 0, maxKeys: 4 });
};
const randomEvent = eventAt(3);

/** A random pattern that validates (most do; `$or` with reserved names or size limits do not). */
const validPattern = randomPattern.filter(
  (pattern) => validateEventPattern(pattern).valid,
) as fc.Arbitrary<EventPattern>;

describe('event-pattern (property)', () => {
  it('matches an event with the exact-value pattern built from its own leaf values', () => {
    fc.assert(
      fc.property(plainEvent, (event) => {
        const pattern = exactPatternOf(event);
        fc.pre(pattern !== undefined && validateEventPattern(pattern).valid);
        expect(matchesEventPattern(pattern as EventPattern, event)).toBe(true);
        expect(compileEventPattern(pattern as EventPattern)(event)).toBe(true);
      }),
    );
  });

  it('never matches anything-but of a value on an event holding exactly that single value', () => {
    fc.assert(
      fc.property(
        fieldName,
        fc.oneof(fc.string(), fc.integer({ min: -5e9, max: 5e9 }), fc.double({ min: -5e9, max: 5e9, noNaN: true })),
        (field, value) => {
          const pattern = { [field]: [{ 'anything-but': value }] };
          expect(matchesEventPattern(pattern, { [field]: value })).toBe(false);
          expect(compileEventPattern(pattern)({ [field]: value })).toBe(false);
        },
      ),
    );
  });

  it('matches a string with any of its prefixes', () => {
    fc.assert(
      fc.property(fieldName, fc.string(), fc.nat(), (field, text, cut) => {
        const pattern = { [field]: [{ prefix: text.slice(0, cut % (text.length + 1)) }] };
        expect(matchesEventPattern(pattern, { [field]: text })).toBe(true);
        expect(compileEventPattern(pattern)({ [field]: text })).toBe(true);
      }),
    );
  });

  it('gives the same answer when the event gains a field the pattern does not name', () => {
    fc.assert(
      fc.property(validPattern, randomEvent, anyLeaf, (pattern, event, extra) => {
        const matcher = compileEventPattern(pattern);
        const widened = { ...event, unrelated: extra, zz: { nested: [extra] } };
        expect(matcher(widened)).toBe(matcher(event));
        expect(matchesEventPattern(pattern, widened)).toBe(matchesEventPattern(pattern, event));
      }),
    );
  });

  it('answers the same compiled and interpreted', () => {
    fc.assert(
      fc.property(validPattern, fc.array(randomEvent, { minLength: 1, maxLength: 5 }), (pattern, events) => {
        const matcher = compileEventPattern(pattern);
        for (const event of events) expect(matcher(event)).toBe(matchesEventPattern(pattern, event));
      }),
      { numRuns: 500 },
    );
  });

  it('answers the same compiled and interpreted for every single filter on every value', () => {
    fc.assert(
      fc.property(matcher, fc.oneof(eventLeaf, fc.array(eventLeaf, { maxLength: 3 })), (entry, value) => {
        const pattern = { a: [entry] } as EventPattern;
        fc.pre(validateEventPattern(pattern).valid);
        expect(compileEventPattern(pattern)({ a: value })).toBe(matchesEventPattern(pattern, { a: value }));
      }),
      { numRuns: 2000 },
    );
  });

  it('finds both answers often enough for the agreement to mean something', () => {
    const outcomes = fc
      .sample(fc.tuple(validPattern, randomEvent), { numRuns: 400, seed: 42 })
      .map(([pattern, event]) => matchesEventPattern(pattern, event));
    // Seeded, so stable: about 1 in 15 random pairs match, which over the runs above is hundreds of matches.
    expect(outcomes.filter(Boolean).length).toBeGreaterThanOrEqual(20);
    expect(outcomes.filter((outcome) => !outcome).length).toBeGreaterThanOrEqual(20);
  });

  it('validates arbitrary JSON without throwing', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.dictionary(fc.string(), fc.jsonValue()), randomPattern), (value) => {
        const result = validateEventPattern(value);
        if (result.valid) expect(result.pattern).toBe(value);
        else expect(result.reason).toMatch(/\S/);
      }),
      { numRuns: 500 },
    );
  });

  it('validates arbitrary JavaScript values without throwing', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(() => validateEventPattern(value)).not.toThrow();
      }),
    );
  });
});
