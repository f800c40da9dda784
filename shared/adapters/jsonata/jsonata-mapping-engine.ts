import type jsonata from 'jsonata';
import { EVALUATION_TIMEOUT_MS, MAX_EVALUATION_DEPTH } from '../../domain/transformers/transformer';
import type { CompiledMapping, MappingEngine, MappingError } from '../../ports/mapping-engine';
import { JsonataSandbox, type SandboxLimits } from './jsonata-sandbox';

type Jsonata = typeof jsonata;

// Loaded on first use: the contracts function's other routes never evaluate the library at init.
let library: Promise<Jsonata> | undefined;
const load = (): Promise<Jsonata> => {
  library ??= import('jsonata').then((module) => module.default);
  return library;
};

/** The bounds every evaluation runs under (`SandboxLimits`: JSONata's own, and the worker's hard ones). */
export type JsonataLimits = SandboxLimits;

/** Default bounds: JSONata's 100 ms time box, and the worker stopped 150 ms later or past 256 MiB of heap. */
export const DEFAULT_JSONATA_LIMITS: JsonataLimits = {
  timeoutMs: EVALUATION_TIMEOUT_MS,
  maxDepth: MAX_EVALUATION_DEPTH,
  maxSequence: 1_000_000,
  hardTimeoutMs: EVALUATION_TIMEOUT_MS + 150,
  maxHeapMb: 256,
  // The HTTP body bound (MAX_BODY_BYTES, 2 MiB): a larger result could not be answered anyway.
  maxResultSize: 2 * 1024 * 1024,
};

/**
 * MappingEngine on JSONata 2.x (https://docs.jsonata.org). Expressions are compiled here (syntax
 * errors with their position) and evaluated in a worker thread ({@link JsonataSandbox}) under
 * JSONata's own guardrails (`timeout`, `stack`, `sequence`, checked at each step), so a runaway
 * recursion (`D1011`), a loop past the time box (`D1012`) or a huge range (`D2014`/`D2015`) ends as
 * an error; what JSONata cannot interrupt — one catastrophic regular expression, a quadratic
 * `$distinct`, a `$pad` to half a gigabyte — ends the worker (hard time box `D1012`, heap bound
 * `memory`), never the function's event loop or memory. JSONata has no I/O: its function library is
 * pure apart from `$now()`/`$millis()` (the clock); nothing here registers more.
 *
 * @example const { mapping } = await new JsonataMappingEngine().compile('{ "id": orderId }')
 */
export class JsonataMappingEngine implements MappingEngine {
  private readonly sandbox: JsonataSandbox;

  constructor(limits: JsonataLimits = DEFAULT_JSONATA_LIMITS) {
    this.sandbox = new JsonataSandbox(limits);
  }

  /** Stops the evaluation worker (tests). */
  close(): Promise<void> {
    return this.sandbox.close();
  }

  async compile(expression: string): Promise<{ mapping: CompiledMapping } | { error: MappingError }> {
    const compile = await load();
    try {
      // Parsed here for its syntax errors; evaluated in the sandbox, which compiles it once more.
      compile(expression);
      return { mapping: new JsonataMapping(this.sandbox, expression) };
    } catch (error) {
      return { error: mappingErrorOf(error) };
    }
  }
}

class JsonataMapping implements CompiledMapping {
  constructor(
    private readonly sandbox: JsonataSandbox,
    private readonly expression: string,
  ) {}

  evaluate(input: unknown): Promise<{ value: unknown } | { error: MappingError }> {
    return this.sandbox.evaluate(this.expression, input);
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
