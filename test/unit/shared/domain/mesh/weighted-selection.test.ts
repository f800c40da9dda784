import { describe, expect, it } from 'vitest';
import { pickWeighted } from '../../../../../shared/domain/mesh/weighted-selection';
import { mulberry32 } from '../../../../support/random';
import { CHI_SQUARE_CRITICAL_P001, chiSquare } from '../../../../support/statistics';

/** How often each candidate index is picked in `draws` draws. */
function histogram(weights: readonly number[], draws: number, random: () => number): number[] {
  const candidates = weights.map((_, i) => i);
  const counts = weights.map(() => 0);
  for (let d = 0; d < draws; d++) {
    const picked = pickWeighted(candidates, (i) => weights[i]!, random);
    counts[picked!]!++;
  }
  return counts;
}

const DRAWS = 100_000;
const SEED = 20_240_601;

describe('weighted selection', () => {
  describe('pickWeighted', () => {
    it('follows weights 90/10 (chi-square goodness of fit, 100 000 draws, p = 0.001)', () => {
      // Prepare
      const weights = [90, 10];

      // Act
      const counts = histogram(weights, DRAWS, mulberry32(SEED));

      // Assess
      expect(chiSquare(counts, weights)).toBeLessThan(CHI_SQUARE_CRITICAL_P001[1]!);
    });

    it('follows weights 1/2/3/4 (chi-square goodness of fit, 100 000 draws, p = 0.001)', () => {
      // Prepare
      const weights = [1, 2, 3, 4];

      // Act
      const counts = histogram(weights, DRAWS, mulberry32(SEED + 1));

      // Assess
      expect(chiSquare(counts, weights)).toBeLessThan(CHI_SQUARE_CRITICAL_P001[3]!);
    });

    it('has a test that notices a one-point bias (89/11 drawn, 90/10 expected)', () => {
      // Act: the statistic would miss a subtly wrong picker if 100 000 draws were too few
      const counts = histogram([89, 11], DRAWS, mulberry32(SEED));

      // Assess
      expect(chiSquare(counts, [90, 10])).toBeGreaterThan(CHI_SQUARE_CRITICAL_P001[1]!);
    });

    it('never picks a zero-weight candidate, wherever it sits', () => {
      // Prepare
      const weights = [0, 5, 0, 5, 0];

      // Act
      const counts = histogram(weights, 10_000, mulberry32(SEED));

      // Assess
      expect([counts[0], counts[2], counts[4]]).toEqual([0, 0, 0]);
      expect(chiSquare([counts[1]!, counts[3]!], [5, 5])).toBeLessThan(CHI_SQUARE_CRITICAL_P001[1]!);
    });

    it('maps the ends of [0, 1) to the first and last positive weights', () => {
      // Prepare
      const candidates = ['zero', 'a', 'b', 'zero-too'];
      const weightOf = (c: string) => (c.startsWith('zero') ? 0 : 1);

      // Act
      const low = pickWeighted(candidates, weightOf, () => 0);
      const high = pickWeighted(candidates, weightOf, () => 1 - Number.EPSILON);
      const middle = pickWeighted(candidates, weightOf, () => 0.5);

      // Assess
      expect(low).toBe('a');
      expect(high).toBe('b');
      expect(middle).toBe('b');
    });

    it('answers undefined for no candidates or all-zero weights, without drawing', () => {
      // Prepare
      let draws = 0;
      const random = () => {
        draws++;
        return 0.5;
      };

      // Act
      const none = pickWeighted([], () => 1, random);
      const allZero = pickWeighted(['a', 'b'], () => 0, random);

      // Assess
      expect(none).toBeUndefined();
      expect(allZero).toBeUndefined();
      expect(draws).toBe(0);
    });

    it('skips excluded candidates strictly, even when only they carry weight', () => {
      // Prepare
      const a = { id: 'a', weight: 9 };
      const b = { id: 'b', weight: 1 };
      const c = { id: 'c', weight: 0 };

      // Act
      const retry = pickWeighted(
        [a, b, c],
        (x) => x.weight,
        () => 0,
        new Set([a]),
      );
      const nothingLeft = pickWeighted(
        [a, b, c],
        (x) => x.weight,
        () => 0,
        new Set([a, b]),
      );

      // Assess
      expect(retry).toBe(b);
      expect(nothingLeft).toBeUndefined();
    });

    it('keeps the proportions among the candidates left after excluding', () => {
      // Prepare
      const candidates = [0, 1, 2, 3];
      const weights = [1, 2, 3, 4];
      const random = mulberry32(SEED + 2);
      const counts = [0, 0, 0, 0];

      // Act
      for (let d = 0; d < DRAWS; d++) counts[pickWeighted(candidates, (i) => weights[i]!, random, new Set([3]))!]!++;

      // Assess
      expect(counts[3]).toBe(0);
      expect(chiSquare(counts.slice(0, 3), [1, 2, 3])).toBeLessThan(CHI_SQUARE_CRITICAL_P001[2]!);
    });

    it('calls weightOf once per candidate', () => {
      // Prepare
      const seen: string[] = [];

      // Act
      pickWeighted(
        ['a', 'b', 'c'],
        (c) => {
          seen.push(c);
          return 1;
        },
        () => 0.99,
      );

      // Assess
      expect(seen).toEqual(['a', 'b', 'c']);
    });

    it('rejects negative, NaN or infinite weights and draws outside [0, 1)', () => {
      // Act / Assess
      expect(() => pickWeighted(['a'], () => -1, Math.random)).toThrow(RangeError);
      expect(() => pickWeighted(['a'], () => Number.NaN, Math.random)).toThrow(RangeError);
      expect(() => pickWeighted(['a'], () => Number.POSITIVE_INFINITY, Math.random)).toThrow(RangeError);
      expect(() =>
        pickWeighted(
          ['a'],
          () => 1,
          () => 1,
        ),
      ).toThrow(RangeError);
      expect(() =>
        pickWeighted(
          ['a'],
          () => 1,
          () => -0.1,
        ),
      ).toThrow(RangeError);
    });
  });
});
