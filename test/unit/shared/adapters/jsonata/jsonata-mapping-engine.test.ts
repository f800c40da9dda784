import { describe, expect, it } from 'vitest';
import { JsonataMappingEngine } from '../../../../../shared/adapters/jsonata/jsonata-mapping-engine';
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
      const boxed = new JsonataMappingEngine({ timeoutMs: 20, maxDepth: 500, maxSequence: 1_000_000 });
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
});
