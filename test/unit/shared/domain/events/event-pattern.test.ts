import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../../shared/domain/errors';
import {
  compileEventPattern,
  type EventPattern,
  MAX_EVENT_PATTERN_ALTERNATIVES,
  MAX_EVENT_PATTERN_LENGTH,
  validateEventPattern,
} from '../../../../../shared/domain/events/event-pattern';
import { matchesEventPattern } from '../../../../support/event-pattern-oracle';
import { FIXTURES_DIR } from '../../../../support/fixtures';

type MatchCase = {
  id: string;
  feature: string;
  description: string;
  pattern: EventPattern;
  event: Record<string, unknown>;
  matches: boolean;
};
type InvalidCase = { id: string; feature: string; pattern: unknown; error: { code: string; message: string } };

const FIXTURES = join(FIXTURES_DIR, 'eventbridge');
const readFixture = <T>(name: string): T => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;

const matchCases = readFixture<MatchCase[]>('eventbridge-patterns.json');
const invalidCases = readFixture<InvalidCase[]>('eventbridge-invalid-patterns.json');

const REASON = 'Event pattern is not valid. Reason: ';

/** The reason validateEventPattern gives, or `undefined` when it accepts the pattern. */
const reasonFor = (pattern: unknown): string | undefined => {
  const result = validateEventPattern(pattern);
  return result.valid ? undefined : result.reason;
};

/** Both matchers, which must agree; the common answer. */
const bothMatch = (pattern: EventPattern, event: unknown): boolean => {
  const interpreted = matchesEventPattern(pattern, event);
  expect(compileEventPattern(pattern)(event)).toBe(interpreted);
  return interpreted;
};

describe('event-pattern', () => {
  describe('fixtures', () => {
    it('hold the cases this suite expects', () => {
      expect(matchCases).toHaveLength(176);
      expect(invalidCases).toHaveLength(22);
    });
  });

  describe('matchesEventPattern', () => {
    it.each(matchCases)('$id: $description', ({ pattern, event, matches }) => {
      // Prepare
      expect(validateEventPattern(pattern).valid).toBe(true);

      // Act
      const result = matchesEventPattern(pattern, event);

      // Assess
      expect(result).toBe(matches);
    });
  });

  describe('compileEventPattern', () => {
    it.each(matchCases)('$id: $description', ({ pattern, event, matches }) => {
      // Prepare
      const matcher = compileEventPattern(pattern);

      // Act
      const result = matcher(event);

      // Assess
      expect(result).toBe(matches);
    });

    it('rejects an invalid pattern with a ValidationError carrying the reason', () => {
      // Act
      const compile = () => compileEventPattern({ source: 'aws.ec2' } as unknown as EventPattern);

      // Assess
      expect(compile).toThrow(ValidationError);
      try {
        compile();
      } catch (error) {
        expect((error as ValidationError).problems).toEqual([
          { pointer: '', message: `${REASON}"source" must be an object or an array`, keyword: 'eventPattern' },
        ]);
      }
    });

    it('keeps matching the pattern as compiled when the pattern object changes later', () => {
      // Prepare
      const pattern = { source: ['a'] };
      const matcher = compileEventPattern(pattern);

      // Act
      pattern.source[0] = 'b';

      // Assess
      expect(matcher({ source: 'a' })).toBe(true);
    });
  });

  describe('validateEventPattern', () => {
    it.each(invalidCases)('rejects $id with the message AWS returned', ({ pattern, error }) => {
      // Act
      const result = validateEventPattern(pattern);

      // Assess
      expect(result).toEqual({ valid: false, reason: error.message });
    });

    it('accepts every fixture pattern and hands back the same object', () => {
      for (const { pattern } of matchCases) expect(validateEventPattern(pattern)).toEqual({ valid: true, pattern });
    });

    it.each([null, [], 'source', 42, true, [{ source: ['a'] }]])(
      'rejects the top level %j: not an object',
      (pattern) => {
        expect(reasonFor(pattern)).toBe(`${REASON}Filter is not an object`);
      },
    );

    it('rejects an empty pattern and empty nested objects', () => {
      expect(reasonFor({})).toBe(`${REASON}Empty objects are not allowed`);
      expect(reasonFor({ detail: {} })).toBe(`${REASON}Empty objects are not allowed`);
      expect(reasonFor({ $or: [{}, { a: ['x'] }] })).toBe(`${REASON}Empty objects are not allowed`);
    });

    it.each([
      [{ a: 'x' }, '"a" must be an object or an array'],
      [{ a: null }, '"a" must be an object or an array'],
      [{ a: [] }, 'Empty arrays are not allowed'],
      [{ a: [['x']] }, 'Match value must be String, number, true, false, or null'],
      [{ a: [{}] }, 'Match expression name not found'],
      [{ a: [{ EXISTS: true }] }, 'Unrecognized match type EXISTS'],
      [{ a: [{ exactly: 'x' }] }, 'Unrecognized match type exactly'],
      [{ a: [{ $or: [] }] }, 'Unrecognized match type $or'],
      [{ a: [{ prefix: 'x', suffix: 'y' }] }, 'Only one key allowed in match expression'],
      [{ a: [{ exists: true, prefix: 'y' }] }, 'Only one key allowed in match expression'],
      [{ a: [{ exists: 'true' }] }, 'exists match pattern must be either true or false.'],
      [{ a: [{ prefix: null }] }, 'prefix match pattern must be a string'],
      [{ a: [{ prefix: {} }] }, 'Prefix expression name not found'],
      [{ a: [{ prefix: { 'equals-ignore-case': 1 } }] }, 'equals-ignore-case match pattern must be a string'],
      [{ a: [{ prefix: { wildcard: 'x' } }] }, 'Unsupported prefix pattern: wildcard'],
      [{ a: [{ suffix: { prefix: 'x' } }] }, 'Unsupported suffix pattern: prefix'],
      [{ a: [{ suffix: { 'equals-ignore-case': 'x', y: 1 } }] }, 'Only one key allowed in match expression'],
      [{ a: [{ 'equals-ignore-case': ['x'] }] }, 'equals-ignore-case match pattern must be a string'],
    ])('rejects %j: %s', (pattern, reason) => {
      expect(reasonFor(pattern)).toBe(REASON + reason);
    });

    it.each([
      [[], 'Invalid member in numeric match: ]'],
      [[5], 'Invalid member in numeric match: 5'],
      [['!=', 5], 'Unrecognized numeric range operator: !='],
      [['=', '5'], 'Value of equals must be numeric'],
      [['=', 5, 6], 'Too many elements in numeric expression'],
      [['<'], 'Value of < must be numeric'],
      [['<=', 5, '>', 1], 'Too many elements in numeric expression'],
      [['>', 5, 10], 'Bad value in numeric range: 10'],
      [['>', 5, '>', 10], 'Bad numeric range operator: >'],
      [['>', 5, '<', 'ten'], 'Value of < must be numeric'],
      [['>', 5, '<', 10, '<', 20], 'Too many terms in numeric range expression'],
      [['>', 10, '<', 5], 'Bottom must be less than top'],
      [['>=', 5, '<=', 5], 'Bottom must be less than top'],
      [['>', 5e9], 'Bottom must be less than top'],
      [['<', 6e9], 'Value must be between -5.0E9 and 5.0E9, inclusive'],
      [['=', -5.000001e9], 'Value must be between -5.0E9 and 5.0E9, inclusive'],
    ])('rejects numeric %j: %s', (terms, reason) => {
      expect(reasonFor({ a: [{ numeric: terms }] })).toBe(REASON + reason);
    });

    it('rejects extra keys beside numeric', () => {
      expect(reasonFor({ a: [{ numeric: ['>', 1], exists: true }] })).toBe(
        `${REASON}Too many elements in numeric expression`,
      );
    });

    it.each([
      [true, 'Value of anything-but must be an array or single string/number value.'],
      [{}, 'Anything-But expression name not found'],
      [{ numeric: ['>', 1] }, 'Unsupported anything-but pattern: numeric'],
      [[], 'Inside anything but list, either all values are number or string, mixed type is not supported'],
      [['a', 1], 'Inside anything but list, either all values are number or string, mixed type is not supported'],
      [['a', null], 'Inside anything but list, start|null|boolean is not supported.'],
      [[6e9], 'Value must be between -5.0E9 and 5.0E9, inclusive'],
      [{ prefix: [''] }, 'Null prefix/suffix not allowed'],
      [{ suffix: 1 }, 'prefix/suffix match pattern must be a string'],
      [
        { 'equals-ignore-case': [1] },
        'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.',
      ],
      [{ wildcard: ['a**'] }, 'Consecutive wildcard characters at pos 2'],
      [{ prefix: 'a', suffix: 'b' }, 'Too many elements in numeric expression'],
    ])('rejects anything-but %j: %s', (argument, reason) => {
      expect(reasonFor({ a: [{ 'anything-but': argument }] })).toBe(REASON + reason);
    });

    it('rejects extra keys beside anything-but', () => {
      expect(reasonFor({ a: [{ 'anything-but': 'x', exists: true }] })).toBe(
        `${REASON}Too many elements in numeric expression`,
      );
    });

    it.each([
      ['a**b', 'Consecutive wildcard characters at pos 2'],
      ['**', 'Consecutive wildcard characters at pos 1'],
      ['é**', 'Consecutive wildcard characters at pos 3'],
      ['a\\b', 'Invalid escape character at pos 2'],
      ['a\\', 'Invalid escape character at pos 2'],
    ])('rejects the wildcard %j: %s', (wildcard, reason) => {
      expect(reasonFor({ a: [{ wildcard }] })).toBe(REASON + reason);
    });

    it.each(['a\\**', 'a\\\\*', '*a*b*', ''])('accepts the wildcard %j', (wildcard) => {
      expect(reasonFor({ a: [{ wildcard }] })).toBeUndefined();
    });

    it.each([
      ['10.0.0.0', "Malformed CIDR, one '/' required"],
      ['10.0.0.0/8/8', "Malformed CIDR, one '/' required"],
      ['10.0.0.0/x', 'Malformed CIDR, mask bits must be an integer'],
      ['10.0.0.0/-1', 'Malformed CIDR, mask bits must not be negative'],
      ['10.0.0.0/32', 'IPv4 mask bits must be < 32'],
      ['2001:db8::/128', 'IPv6 mask bits must be < 128'],
      ['999.0.0.1/8', 'Invalid IP address: 999.0.0.1'],
      ['2001:db8:::/64', 'Invalid IP address: 2001:db8:::'],
      ['example.com/8', 'Nonstandard IP address: example.com'],
    ])('rejects the cidr %j: %s', (cidr, reason) => {
      expect(reasonFor({ a: [{ cidr }] })).toBe(REASON + reason);
    });

    it.each([
      [{ $or: { a: ['x'] } }, 'It must be an Array followed with $or.'],
      [{ $or: [{ a: ['x'] }] }, 'There must have at least 2 Objects in $or relationship.'],
      [{ $or: [] }, 'There must have at least 2 Objects in $or relationship.'],
      [{ $or: [{ a: ['x'] }, ['b']] }, 'Only JSON object is allowed in array of $or relationship.'],
      [
        { $or: [{ a: ['x'] }, { prefix: ['b'] }] },
        'prefix is Ruler reserved fieldName which cannot be used inside $or.',
      ],
      [
        { $or: [{ a: ['x'] }, { b: { numeric: ['y'] } }] },
        'numeric is Ruler reserved fieldName which cannot be used inside $or.',
      ],
    ])('rejects %j: %s', (pattern, reason) => {
      expect(reasonFor(pattern)).toBe(REASON + reason);
    });

    it('accepts operator names as field names outside $or', () => {
      expect(reasonFor({ prefix: ['x'], detail: { numeric: [1] } })).toBeUndefined();
    });

    it('accepts a pattern of exactly 4096 characters and rejects one longer', () => {
      // Prepare
      const sized = (length: number) => ({ a: ['x'.repeat(length - '{"a":[""]}'.length)] });

      // Act
      const atLimit = reasonFor(sized(MAX_EVENT_PATTERN_LENGTH));
      const overLimit = reasonFor(sized(MAX_EVENT_PATTERN_LENGTH + 1));

      // Assess
      expect(atLimit).toBeUndefined();
      expect(overLimit).toBe(
        "1 validation error detected: Value at 'eventPattern' failed to satisfy constraint: Member must have length less than or equal to 4096",
      );
    });

    it('counts the length in characters, not UTF-16 units', () => {
      expect(reasonFor({ a: ['🚀'.repeat(MAX_EVENT_PATTERN_LENGTH - 10)] })).toBeUndefined();
    });

    it('rejects $or combinations that expand beyond our limit', () => {
      // Prepare: 11 independent two-way $or multiply to 2048 alternatives.
      const pattern: Record<string, unknown> = {};
      for (let i = 0; i < 11; i++) pattern[`f${i}`] = { $or: [{ a: ['x'] }, { b: ['y'] }] };

      // Act
      const reason = reasonFor(pattern);

      // Assess
      expect(reason).toBe(
        `${REASON}Pattern expands to more than ${MAX_EVENT_PATTERN_ALTERNATIVES} alternatives through $or`,
      );
    });

    it.each([
      ['undefined', { a: [undefined] }],
      ['a function', { a: [() => 1] }],
      ['NaN', { a: [Number.NaN] }],
      ['Infinity', { a: [{ numeric: ['>', Number.POSITIVE_INFINITY] }] }],
      ['a Date', { a: [new Date(0)] }],
      ['a Map', { a: new Map() }],
      ['a bigint', { a: [1n] }],
    ])('rejects %s, which is not JSON', (_name, pattern) => {
      expect(reasonFor(pattern)).toMatch(/^Event pattern is not valid\. Reason: Filter is not valid JSON: .+/);
    });

    it('rejects a cyclic pattern without throwing', () => {
      // Prepare
      const pattern: Record<string, unknown> = { a: ['x'] };
      pattern.self = pattern;

      // Act
      const reason = reasonFor(pattern);

      // Assess
      expect(reason).toBe(`${REASON}Filter is not valid JSON: the pattern contains a cycle`);
    });

    it('rejects nesting deeper than Jackson allows without overflowing the stack', () => {
      // Prepare
      let pattern: Record<string, unknown> = { a: ['x'] };
      for (let i = 0; i < 20_000; i++) pattern = { n: pattern };

      // Act
      const reason = reasonFor(pattern);

      // Assess
      expect(reason).toBe(
        `${REASON}Filter is not valid JSON: Document nesting depth (1001) exceeds the maximum allowed (1000, from \`StreamReadConstraints.getMaxNestingDepth()\`)`,
      );
    });

    it('rejects a pattern whose getter throws instead of throwing itself', () => {
      // Prepare
      const pattern = Object.defineProperty({}, 'a', {
        enumerable: true,
        get() {
          throw new Error('boom');
        },
      });

      // Act
      const result = validateEventPattern(pattern);

      // Assess
      expect(result).toEqual({ valid: false, reason: `${REASON}boom` });
    });
  });

  describe('matching beyond the fixtures', () => {
    it('requires fields taken from one array of objects to come from the same element', () => {
      // Prepare: event-ruler array consistency (ACFinder).
      const event = {
        detail: {
          items: [
            { sku: 'a', qty: 1 },
            { sku: 'b', qty: 2 },
          ],
        },
      };

      // Act & Assess
      expect(bothMatch({ detail: { items: { sku: ['a'], qty: [2] } } }, event)).toBe(false);
      expect(bothMatch({ detail: { items: { sku: ['a'], qty: [1] } } }, event)).toBe(true);
      expect(bothMatch({ detail: { items: { sku: ['b'], qty: [{ numeric: ['>', 1] }] } } }, event)).toBe(true);
    });

    it('lets independent arrays match from different elements', () => {
      const event = { tags: ['x', 'y'], owners: ['p', 'q'] };
      expect(bothMatch({ tags: ['y'], owners: ['p'] }, event)).toBe(true);
    });

    it('judges exists:false against the elements chosen by the fields before it, in name order', () => {
      // event-ruler evaluates fields in name order; an absence sees only the choices made so far.
      const event = { a: [{ b: 1 }, { c: 2 }] };
      expect(bothMatch({ a: { c: [{ exists: false }], b: [1] } }, event)).toBe(true);
      expect(bothMatch({ a: { b: [{ exists: false }], c: [2] } }, event)).toBe(false);
    });

    it('treats exists:true as matching null and exists:false as matching an object', () => {
      const event = { a: null, b: { c: 1 } };
      expect(bothMatch({ a: [{ exists: true }] }, event)).toBe(true);
      expect(bothMatch({ b: [{ exists: false }] }, event)).toBe(true);
      expect(bothMatch({ b: [{ exists: true }] }, event)).toBe(false);
    });

    it('addresses dotted field names and nested objects alike', () => {
      expect(bothMatch({ 'a.b': { c: [1] } }, { a: { 'b.c': 1 } })).toBe(true);
      expect(bothMatch({ a: { b: [1] } }, { 'a.b': [2, 1] })).toBe(true);
      expect(bothMatch({ '': { a: [1] } }, { '': { a: 1 } })).toBe(true);
    });

    it('looks only at own fields of the event', () => {
      expect(bothMatch({ constructor: [{ exists: true }] }, {})).toBe(false);
      expect(bothMatch({ toString: [{ exists: false }] }, {})).toBe(true);
    });

    it('never matches an event that is not an object', () => {
      for (const event of [null, undefined, 'x', 1, [{ a: 'x' }]]) {
        expect(bothMatch({ a: [{ exists: false }] }, event)).toBe(false);
      }
    });

    it('nests $or inside $or and AND-s each alternative with its surroundings', () => {
      const pattern: EventPattern = {
        source: ['s'],
        $or: [{ a: ['1'] }, { $or: [{ b: ['2'] }, { c: ['3'] }] }],
      };
      expect(bothMatch(pattern, { source: 's', c: '3' })).toBe(true);
      expect(bothMatch(pattern, { source: 't', c: '3' })).toBe(false);
      expect(bothMatch(pattern, { source: 's', d: '4' })).toBe(false);
    });

    it('lets a field set again inside $or replace the outer one, as event-ruler does', () => {
      const pattern: EventPattern = { a: ['outer'], $or: [{ a: ['inner'] }, { b: ['x'] }] };
      expect(bothMatch(pattern, { a: 'inner' })).toBe(true);
      expect(bothMatch(pattern, { a: 'outer', b: 'x' })).toBe(true);
      expect(bothMatch(pattern, { a: 'outer' })).toBe(false);
    });

    it('compares numbers to six decimal places within ±5e9', () => {
      expect(bothMatch({ n: [{ numeric: ['=', 5] }] }, { n: 5.0000001 })).toBe(true);
      expect(bothMatch({ n: [5] }, { n: 5.0000009 })).toBe(true);
      expect(bothMatch({ n: [{ numeric: ['>', 0] }] }, { n: 0.0000009 })).toBe(false);
      expect(bothMatch({ n: [{ numeric: ['>', 0] }] }, { n: 0.000001 })).toBe(true);
      expect(bothMatch({ n: [{ numeric: ['<', 10] }] }, { n: 9.999999 })).toBe(true);
      expect(bothMatch({ n: [{ numeric: ['>', -1] }] }, { n: -0.0000001 })).toBe(true);
    });

    it('matches numbers beyond ±5e9 only as the identical literal', () => {
      expect(bothMatch({ account: [123456789012] }, { account: 123456789012 })).toBe(true);
      expect(bothMatch({ account: [123456789012] }, { account: 123456789013 })).toBe(false);
      expect(bothMatch({ n: [{ numeric: ['>', 0] }] }, { n: 6e9 })).toBe(false);
      expect(bothMatch({ n: [{ 'anything-but': 5 }] }, { n: 6e9 })).toBe(true);
    });

    it('keeps anything-but numbers and strings apart', () => {
      expect(bothMatch({ n: [{ 'anything-but': [123] }] }, { n: '123' })).toBe(true);
      expect(bothMatch({ n: [{ 'anything-but': ['123'] }] }, { n: 123 })).toBe(true);
      expect(bothMatch({ n: [{ 'anything-but': [123] }] }, { n: 123 })).toBe(false);
      expect(bothMatch({ n: [{ 'anything-but': ['x'] }] }, { n: true })).toBe(true);
    });

    it('treats an IP-address literal as that address in any notation', () => {
      expect(bothMatch({ ip: ['2001:db8::1'] }, { ip: '2001:0DB8:0:0:0:0:0:1' })).toBe(true);
      expect(bothMatch({ ip: ['10.0.0.1'] }, { ip: '10.0.0.1' })).toBe(true);
      expect(bothMatch({ ip: ['10.0.0.1'] }, { ip: '10.0.0.2' })).toBe(false);
    });

    it('matches cidr on the network of the given address, IPv4-mapped IPv6 counting as IPv4', () => {
      expect(bothMatch({ ip: [{ cidr: '10.0.0.5/24' }] }, { ip: '10.0.0.1' })).toBe(true);
      expect(bothMatch({ ip: [{ cidr: '10.0.0.0/8' }] }, { ip: '::ffff:a00:1' })).toBe(true);
      expect(bothMatch({ ip: [{ cidr: '2001:db8::/32' }] }, { ip: '2001:db8:ffff::1' })).toBe(true);
      expect(bothMatch({ ip: [{ cidr: '2001:db8::/32' }] }, { ip: '2001:db9::1' })).toBe(false);
      expect(bothMatch({ ip: [{ cidr: '10.0.0.0/8' }] }, { ip: 'ten' })).toBe(false);
    });

    it('escapes stars and backslashes in wildcards', () => {
      expect(bothMatch({ a: [{ wildcard: 'a\\*b' }] }, { a: 'a*b' })).toBe(true);
      expect(bothMatch({ a: [{ wildcard: 'a\\*b' }] }, { a: 'axb' })).toBe(false);
      expect(bothMatch({ a: [{ wildcard: 'a\\\\*' }] }, { a: 'a\\anything' })).toBe(true);
      expect(bothMatch({ a: [{ wildcard: '*ab*ab' }] }, { a: 'xabyab' })).toBe(true);
      expect(bothMatch({ a: [{ wildcard: 'ab*ba' }] }, { a: 'aba' })).toBe(false);
      expect(bothMatch({ a: [{ wildcard: '*ab*b' }] }, { a: 'ab' })).toBe(false);
      expect(bothMatch({ a: [{ wildcard: '*ab*b' }] }, { a: 'xabb' })).toBe(true);
    });

    it('matches long values against many wildcards in linear time', () => {
      // Prepare
      const value = 'a'.repeat(50_000);
      const pattern: EventPattern = { a: [{ wildcard: `${'*a'.repeat(200)}*b` }] };

      // Act
      const started = performance.now();
      const result = compileEventPattern(pattern)({ a: value });

      // Assess
      expect(result).toBe(false);
      expect(performance.now() - started).toBeLessThan(1000);
    });

    it('folds case per character, as Java lower- and upper-cases each one', () => {
      expect(bothMatch({ a: [{ 'equals-ignore-case': 'ÉCOLE' }] }, { a: 'école' })).toBe(true);
      expect(bothMatch({ a: [{ 'equals-ignore-case': 'straße' }] }, { a: 'STRASSE' })).toBe(true);
      // The Kelvin sign lower-cases to "k", but "k" never upper-cases to the Kelvin sign.
      expect(bothMatch({ a: [{ 'equals-ignore-case': 'k' }] }, { a: '\u212a' })).toBe(false);
      expect(bothMatch({ a: [{ prefix: { 'equals-ignore-case': 'EVENTB' } }] }, { a: 'eventbridge' })).toBe(true);
      expect(bothMatch({ a: [{ suffix: { 'equals-ignore-case': '.PNG' } }] }, { a: 'cat.png' })).toBe(true);
      expect(bothMatch({ a: [{ suffix: { 'equals-ignore-case': '.PNG' } }] }, { a: 'cat.jpg' })).toBe(false);
    });

    it('applies string filters to strings only', () => {
      for (const filter of [{ prefix: '' }, { suffix: '' }, { wildcard: '*' }, { 'equals-ignore-case': '1' }]) {
        expect(bothMatch({ a: [filter] }, { a: 1 })).toBe(false);
        expect(bothMatch({ a: [filter] }, { a: null })).toBe(false);
      }
    });

    it('matches anything-but with an empty list of prefixes on any present value', () => {
      expect(reasonFor({ a: [{ 'anything-but': { prefix: [] } }] })).toBeUndefined();
      expect(bothMatch({ a: [{ 'anything-but': { prefix: [] } }] }, { a: 'x' })).toBe(true);
      expect(bothMatch({ a: [{ 'anything-but': { prefix: [] } }] }, {})).toBe(false);
    });

    it('tells apart strings, numbers, booleans and null', () => {
      expect(bothMatch({ a: ['null'] }, { a: null })).toBe(false);
      expect(bothMatch({ a: [null] }, { a: null })).toBe(true);
      expect(bothMatch({ a: [false] }, { a: 0 })).toBe(false);
      expect(bothMatch({ a: [0] }, { a: false })).toBe(false);
    });
  });
});
