import { describe, expect, it } from 'vitest';
import {
  DEFAULT_JSONATA_LIMITS,
  JsonataMappingEngine,
} from '../../../../../shared/adapters/jsonata/jsonata-mapping-engine';
import { Unrepresentable } from '../../../../../shared/http/codecs/codec';
import type { CompiledMapping } from '../../../../../shared/ports/mapping-engine';

const engine = new JsonataMappingEngine();

async function compiled(expression: string, on = engine): Promise<CompiledMapping> {
  const result = await on.compile(expression);
  if ('error' in result) throw new Error(`does not compile: ${result.error.message}`);
  return result.mapping;
}

describe('JsonataMappingEngine', () => {
  describe('compile', () => {
    it('answers a syntax error with its code, character position and token', async () => {
      // Act
      const result = await engine.compile('{ "a": ');

      // Assess
      expect(result).toEqual({
        error: { code: 'S0203', position: 7, token: '(end)', message: 'Expected "}" before end of expression' },
      });
    });

    it('compiles a mapping that evaluates many times', async () => {
      // Prepare
      const mapping = await compiled('{ "id": orderId, "total": $sum(lines.price) }');

      // Act
      const first = await mapping.evaluate({ orderId: 'o-1', lines: [{ price: 2 }, { price: 3 }] });
      const second = await mapping.evaluate({ orderId: 'o-2', lines: [{ price: 1 }] });

      // Assess
      expect(first).toEqual({ value: { id: 'o-1', total: 5 } });
      expect(second).toEqual({ value: { id: 'o-2', total: 1 } });
    });
  });

  describe('evaluate', () => {
    it('answers undefined when the expression matches nothing', async () => {
      // Act
      const result = await (await compiled('customer.name')).evaluate({ id: 1 });

      // Assess
      expect(result).toEqual({ value: undefined });
    });

    it('stops a runaway recursion at the time box (D1012) instead of hanging', async () => {
      // Prepare: JSONata runs this tail call in a loop, so only the time box ends it
      const boxed = new JsonataMappingEngine({ ...DEFAULT_JSONATA_LIMITS, timeoutMs: 20 });
      const mapping = await compiled('($f := function($x){ $f($x) }; $f(1))', boxed);

      // Act
      const result = await mapping.evaluate({});

      // Assess
      expect(result).toMatchObject({ error: { code: 'D1012' } });
    });

    it('stops a deep non-tail recursion at the stack bound (D1011)', async () => {
      // Prepare
      const mapping = await compiled('($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(100000))');

      // Act
      const result = await mapping.evaluate({});

      // Assess
      expect(result).toMatchObject({ error: { code: 'D1011' } });
    });

    it('refuses a huge range before building it', async () => {
      // Act
      const result = await (await compiled('[1..10000000]')).evaluate({});

      // Assess
      expect(result).toMatchObject({ error: { code: expect.stringMatching(/^D201[45]$/) } });
    });

    it('answers a type error with its code and position rather than throwing', async () => {
      // Act
      const result = await (await compiled('name + 1')).evaluate({ name: 'x' });

      // Assess
      expect(result).toMatchObject({ error: { code: 'T2001', position: 6 } });
    });
  });

  describe('what JSONata itself cannot interrupt (found by a hostile test)', () => {
    it('stops a catastrophic regular expression in the worker, and the next evaluation still runs', async () => {
      // Prepare: /^(a+)+$/ on 36 a's and a "!" backtracks for minutes inside one $match call
      const mapping = await compiled('$match("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", /^(a+)+$/)');
      const next = await compiled('{ "id": id }');
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 10);

      // Act
      const result = await mapping.evaluate({});
      const after = await next.evaluate({ id: 'o-1' });
      clearInterval(ticker);

      // Assess: the hard time box answered, the event loop kept turning meanwhile
      expect(result).toMatchObject({ error: { code: 'D1012', message: expect.stringMatching(/was stopped/) } });
      expect(after).toEqual({ value: { id: 'o-1' } });
      expect(ticks).toBeGreaterThan(5);
    });

    it('stops a quadratic built-in ($distinct over a million items) at the hard time box', async () => {
      const result = await (await compiled('$distinct([1..1000000])')).evaluate({});
      expect(result).toMatchObject({ error: { code: 'D1012' } });
    });

    it('ends an evaluation that allocates past the heap bound without touching the function', async () => {
      // Prepare: a small heap, so the test allocates little
      const small = new JsonataMappingEngine({
        ...DEFAULT_JSONATA_LIMITS,
        maxHeapMb: 32,
        timeoutMs: 5000,
        hardTimeoutMs: 10_000,
      });
      const mapping = await compiled('[1..900000].{ "a": $, "b": [$, $] }', small);

      // Act
      const result = await mapping.evaluate({});

      // Assess
      expect(result).toMatchObject({ error: { code: 'memory', message: expect.stringMatching(/more than 32 MiB/) } });
      await small.close();
    });

    it('refuses a result larger than an answer may be inside the worker, before copying it out', async () => {
      // Act
      const padded = await (await compiled('$pad("x", 100000000)')).evaluate({});
      const impossible = await (await compiled('$pad("x", 1000000000)')).evaluate({});

      // Assess
      expect(padded).toEqual({
        error: { message: 'the result is larger than 2097152 bytes as JSON', code: 'too-large' },
      });
      expect(impossible).toMatchObject({ error: { code: 'too-large' } });
    });

    it('returns functions in a result as values the result check refuses by pointer', async () => {
      const result = await (await compiled('{ "f": $sum, "n": 1 }')).evaluate({});
      expect(result).toEqual({ value: { f: expect.any(Unrepresentable), n: 1 } });
    });
  });
});
