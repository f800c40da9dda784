/**
 * What a mapping engine says about an expression that fails: its message, and where the engine
 * knows them, its error code (JSONata's `S0201`, `T2001`, `D1012`…), the character position in the
 * expression and the offending token.
 */
export type MappingError = { message: string; code?: string; position?: number; token?: string };

/** A compiled mapping: evaluated many times, each evaluation bounded in time and depth by the engine. */
export interface CompiledMapping {
  /**
   * Maps one JSON value. `value` is `undefined` when the expression matched nothing (JSONata's
   * empty result). Never throws for a failing expression: failures are answered as `error`.
   */
  evaluate(input: unknown): Promise<{ value: unknown } | { error: MappingError }>;
}

/**
 * A declarative mapping language (JSONata): expressions are compiled once (at registration, and
 * once per Lambda instance when first used) and evaluated with the engine's bounds. Expressions
 * have no access to the outside: no file, network, environment or module access.
 */
export interface MappingEngine {
  /** Compiles an expression; a syntax error is answered as `error` (with its position), never thrown. */
  compile(expression: string): Promise<{ mapping: CompiledMapping } | { error: MappingError }>;
}
