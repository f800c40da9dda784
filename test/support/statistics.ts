/**
 * Upper critical values of the chi-square distribution at p = 0.001, by degrees of freedom
 * (NIST/SEMATECH e-Handbook of Statistical Methods, §1.3.6.7.4, "Critical Values of the
 * Chi-Square Distribution").
 */
export const CHI_SQUARE_CRITICAL_P001: Readonly<Record<number, number>> = { 1: 10.828, 2: 13.816, 3: 16.266 };

/**
 * Pearson's statistic Σ (observed − expected)² / expected for expected = n × weight / Σweight.
 *
 * @example chiSquare([9_000, 1_000], [90, 10]) // 0
 */
export function chiSquare(observed: readonly number[], weights: readonly number[]): number {
  const n = observed.reduce((a, b) => a + b, 0);
  const total = weights.reduce((a, b) => a + b, 0);
  return observed.reduce((sum, o, i) => {
    const expected = (n * (weights[i] as number)) / total;
    return sum + (o - expected) ** 2 / expected;
  }, 0);
}
