/**
 * Bad context values, one line each: `composeApp` gathers every problem it finds before failing, so
 * a deploy with three bad values reports three lines, not the first one's stack trace.
 */
export class ContextError extends Error {
  /** One line per bad value, each naming its context key. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ContextError';
    this.problems = problems;
  }
}

/**
 * Collects context problems: `read` runs one reader and, when it throws, records its message (every
 * message of a nested {@link ContextError}) and answers the fallback, so reading goes on.
 *
 * @example
 * const problems = new ContextProblems();
 * const stage = problems.read(() => readStage(node), 'dev');
 * problems.throwIfAny(); // ContextError listing every problem
 */
export class ContextProblems {
  readonly problems: string[] = [];

  /** Runs `reader`; on an Error records it and answers `fallback`. */
  read<T>(reader: () => T, fallback: T): T {
    try {
      return reader();
    } catch (error) {
      if (error instanceof ContextError) this.problems.push(...error.problems);
      else if (error instanceof Error) this.problems.push(error.message);
      else throw error;
      return fallback;
    }
  }

  /** @throws {ContextError} listing every problem recorded, when there is one */
  throwIfAny(): void {
    if (this.problems.length > 0) throw new ContextError(this.problems);
  }
}
