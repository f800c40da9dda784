/**
 * Weighted random choice, the one primitive behind instance selection. Kept apart from routing so
 * its distribution can be tested on its own (chi-square goodness of fit in
 * test/unit/weighted-selection.test.ts).
 */

/**
 * Picks one candidate with probability proportional to its weight (roulette-wheel selection:
 * one uniform draw `r` in [0, 1), target = r × Σw, the first candidate whose running sum exceeds
 * the target wins).
 *
 * Candidates with weight 0 are never picked, excluded candidates are skipped strictly (the caller
 * decides whether to fall back to them, e.g. when every other instance was already tried), and
 * when no candidate is left with weight > 0 the answer is `undefined` — never a division by zero.
 * `weightOf` is called once per candidate; `random` is called once, and only when there is
 * something to pick from. Selection depends on the candidates' order only through which candidate
 * owns which slice of [0, 1); the distribution does not.
 *
 * @param candidates - what to pick from, in a stable order (for reproducible draws)
 * @param weightOf - the candidate's relative weight, finite and ≥ 0 (any unit; only ratios matter)
 * @param random - uniform draws in [0, 1), e.g. `Math.random` or a seeded PRNG in tests
 * @param exclude - candidates that must not be picked (compared by identity, as `Set` does)
 * @returns the picked candidate, or undefined when the eligible weights sum to 0 (or there are none)
 * @throws {RangeError} when a weight is negative, NaN or infinite, or `random` returns a value outside [0, 1)
 * @example
 * const instance = pickWeighted(instances, (i) => i.weight, Math.random); // weights 90/10 → ~90 % the first
 * const retry = pickWeighted(instances, (i) => i.weight, Math.random, new Set([instance]));
 */
export function pickWeighted<T>(
  candidates: readonly T[],
  weightOf: (candidate: T) => number,
  random: () => number,
  exclude?: ReadonlySet<T>,
): T | undefined {
  const eligible: T[] = [];
  const weights: number[] = [];
  let total = 0;
  for (const candidate of candidates) {
    const weight = weightOf(candidate);
    if (!(weight >= 0 && Number.isFinite(weight))) {
      throw new RangeError(`weights must be finite and ≥ 0, got ${weight}`);
    }
    if (weight === 0 || exclude?.has(candidate)) continue;
    eligible.push(candidate);
    weights.push(weight);
    total += weight;
  }
  if (eligible.length === 0) return undefined;

  const r = random();
  if (!(r >= 0 && r < 1)) throw new RangeError(`random() must return a number in [0, 1), got ${r}`);
  const target = r * total;
  let cumulative = 0;
  for (let i = 0; i < eligible.length; i++) {
    cumulative += weights[i]!;
    if (target < cumulative) return eligible[i];
  }
  // Rounding can leave r × Σw a hair above the last running sum; that draw belongs to the last slice.
  return eligible[eligible.length - 1];
}
