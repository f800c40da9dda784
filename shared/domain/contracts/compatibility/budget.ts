/**
 * Subschema comparisons one compatibility check may make. Nested anyOf/oneOf multiply the work
 * (each sub branch is compared with each sup branch), so hostile or very large schemas could
 * otherwise occupy a function for minutes; past the budget the check answers "cannot prove".
 */
export const MAX_COMPARISONS = 100_000;

/** Internal control flow only: thrown by {@link ComparisonBudget.spend}, caught by {@link withinBudget}. */
class ComparisonBudgetExceeded extends Error {}

/**
 * The comparisons left to one compatibility check, or to several checks that share it (e.g. against
 * every earlier and later version of a contract) so that their total time stays bounded. Once it is
 * spent, every check that uses it answers "cannot prove" at once.
 *
 * @example
 * const budget = new ComparisonBudget();
 * const reports = versions.map((v) => checkAgainstHistory([v], next, 'BACKWARD', budget));
 */
export class ComparisonBudget {
  #left: number;

  /** @param comparisons - how many subschema comparisons and value evaluations may be made */
  constructor(comparisons: number = MAX_COMPARISONS) {
    this.#left = comparisons;
  }

  /**
   * Spends one comparison.
   *
   * @throws {ComparisonBudgetExceeded} when none is left (caught by the check's entry point)
   */
  spend(): void {
    this.#left -= 1;
    if (this.#left < 0) throw new ComparisonBudgetExceeded();
  }
}

/** Runs a whole check; running out of budget (or stack) becomes the `fallback`'s 'cannot-prove' answer. */
export function withinBudget<T>(run: () => T, fallback: (detail: string) => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof ComparisonBudgetExceeded || error instanceof RangeError) {
      return fallback(
        `the schemas are too complex to compare (over ${MAX_COMPARISONS} subschema comparisons, or nesting too deep): cannot prove compatible — simplify nested anyOf/oneOf or register with compatibility NONE`,
      );
    }
    throw error;
  }
}
