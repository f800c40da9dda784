import type jsonata from 'jsonata';
import { EVALUATION_TIMEOUT_MS, MAX_EVALUATION_DEPTH } from '../../domain/transformers/transformer';
import type { CompiledMapping, MappingEngine, MappingError } from '../../ports/mapping-engine';

type Jsonata = typeof jsonata;

// Loaded on first use: the contracts function's other routes never evaluate the library at init.
let library: Promise<Jsonata> | undefined;
const load = (): Promise<Jsonata> => {
  library ??= import('jsonata').then((module) => module.default);
  return library;
};

/** The bounds every evaluation runs under. */
export type JsonataLimits = {
  /** Longest one evaluation may run, milliseconds (checked at every evaluation step). */
  timeoutMs: number;
  /** Deepest evaluation stack (nested function calls and sub-expressions). */
  maxDepth: number;
  /** Longest sequence (array) an evaluation may build, including ranges such as `[1..n]`. */
  maxSequence: number;
};

/**
 * MappingEngine on JSONata 2.x (https://docs.jsonata.org). Each evaluation runs under JSONata's
 * own guardrails (`timeout`, `stack`, `sequence` options, checked at each step's
 * `__evaluate_entry`), so a runaway recursion (`D1011`), a loop past the time box (`D1012`) or a
 * huge range (`D2014`/`D2015`) ends as an error rather than hanging the function. JSONata has no
 * I/O: its function library is pure apart from `$now()`/`$millis()` (the clock); nothing here
 * registers more. Not bounded: a single built-in call's own time (one regular-expression match),
 * which the expression-size limit keeps small in practice.
 *
 * @example const { mapping } = await new JsonataMappingEngine().compile('{ "id": orderId }')
 */
export class JsonataMappingEngine implements MappingEngine {
  constructor(
    private readonly limits: JsonataLimits = {
      timeoutMs: EVALUATION_TIMEOUT_MS,
      maxDepth: MAX_EVALUATION_DEPTH,
      maxSequence: 1_000_000,
    },
  ) {}

  async compile(expression: string): Promise<{ mapping: CompiledMapping } | { error: MappingError }> {
    const compile = await load();
    try {
      const compiled = compile(expression, {
        timeout: this.limits.timeoutMs,
        stack: this.limits.maxDepth,
        sequence: this.limits.maxSequence,
      });
      return { mapping: new JsonataMapping(compiled) };
    } catch (error) {
      return { error: mappingErrorOf(error) };
    }
  }
}

class JsonataMapping implements CompiledMapping {
  constructor(private readonly expression: jsonata.Expression) {}

  async evaluate(input: unknown): Promise<{ value: unknown } | { error: MappingError }> {
    try {
      return { value: await this.expression.evaluate(input) };
    } catch (error) {
      return { error: mappingErrorOf(error) };
    }
  }
}

// JSONata throws plain objects ({ code, position, token, message }); the engine itself may throw a
// RangeError on a stack it could not guard.
function mappingErrorOf(error: unknown): MappingError {
  if (error instanceof RangeError) return { message: 'the evaluation exhausted the stack', code: 'D1011' };
  const raw = (error ?? {}) as { message?: unknown; code?: unknown; position?: unknown; token?: unknown };
  return {
    message: typeof raw.message === 'string' && raw.message !== '' ? raw.message : String(error),
    ...(typeof raw.code === 'string' && { code: raw.code }),
    ...(typeof raw.position === 'number' && { position: raw.position }),
    ...(typeof raw.token === 'string' && { token: raw.token }),
  };
}
