import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { Unrepresentable } from '../../http/codecs/codec';
import type { MappingError } from '../../ports/mapping-engine';

/** The hard bounds of the worker every JSONata evaluation runs in. */
export type SandboxLimits = {
  /** JSONata's own step-checked time box, milliseconds (`D1012` when passed between steps). */
  timeoutMs: number;
  /** Deepest evaluation stack. */
  maxDepth: number;
  /** Longest sequence an evaluation may build. */
  maxSequence: number;
  /**
   * Wall time after which the worker is terminated, milliseconds: what bounds a single built-in
   * call that JSONata cannot interrupt (a catastrophic regular expression, `$distinct` over a
   * million items).
   */
  hardTimeoutMs: number;
  /** Heap of the worker, MiB: an evaluation that builds millions of objects ends the worker, not the function. */
  maxHeapMb: number;
  /**
   * Largest result the worker hands back, in UTF-16 code units of its strings plus a few per other
   * value (about its size as JSON): `$pad("x", 500000000)` is refused in the worker (`too-large`)
   * rather than copied into the function's memory.
   */
  maxResultSize: number;
};

type Reply = { id: number; value: unknown; functions: string[][] } | { id: number; error: MappingError };

// The worker: compiles (cached by expression text) and evaluates; functions in a result cannot be
// posted, so they are replaced by null and their paths reported.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const jsonata = require(workerData.jsonataPath);
const compiled = new Map();
const compile = (expression, limits) => {
  let entry = compiled.get(expression);
  if (!entry) {
    if (compiled.size >= 128) compiled.delete(compiled.keys().next().value);
    entry = jsonata(expression, { timeout: limits.timeoutMs, stack: limits.maxDepth, sequence: limits.maxSequence });
    compiled.set(expression, entry);
  }
  return entry;
};
const strip = (value, path, functions, depth) => {
  if (isFunction(value)) { functions.push(path); return null; }
  if (value === null || typeof value !== 'object' || depth > 300) return value;
  if (Array.isArray(value)) return Array.from(value, (item, i) => strip(item, [...path, String(i)], functions, depth + 1));
  const out = {};
  for (const key of Object.keys(value)) out[key] = strip(value[key], [...path, key], functions, depth + 1);
  return out;
};
const isFunction = (v) => typeof v === 'function' || (typeof v === 'object' && v !== null && (v._jsonata_lambda === true || v._jsonata_function === true));
const sizeOf = (value, limit) => {
  let size = 0;
  const stack = [value];
  while (stack.length > 0 && size <= limit) {
    const node = stack.pop();
    if (typeof node === 'string') size += node.length + 2;
    else if (node === null || typeof node !== 'object' || isFunction(node)) size += 8;
    else if (Array.isArray(node)) { size += 2; for (const item of node) stack.push(item); }
    else { size += 2; for (const key of Object.keys(node)) { size += key.length + 4; stack.push(node[key]); } }
  }
  return size;
};
const errorOf = (error) => {
  if (error instanceof RangeError && /string length|array length/i.test(error.message)) {
    return { message: 'the evaluation built a string or array longer than the engine can hold', code: 'too-large' };
  }
  if (error instanceof RangeError) return { message: 'the evaluation exhausted the stack', code: 'D1011' };
  const raw = error ?? {};
  return {
    message: typeof raw.message === 'string' && raw.message !== '' ? raw.message : String(error),
    ...(typeof raw.code === 'string' && { code: raw.code }),
    ...(typeof raw.position === 'number' && { position: raw.position }),
    ...(typeof raw.token === 'string' && { token: raw.token }),
  };
};
parentPort.on('message', async ({ id, expression, input, limits }) => {
  try {
    const value = await compile(expression, limits).evaluate(input);
    if (sizeOf(value, limits.maxResultSize) > limits.maxResultSize) {
      parentPort.postMessage({ id, error: { message: 'the result is larger than ' + limits.maxResultSize + ' bytes as JSON', code: 'too-large' } });
      return;
    }
    const functions = [];
    parentPort.postMessage({ id, value: strip(value, [], functions, 0), functions });
  } catch (error) {
    parentPort.postMessage({ id, error: errorOf(error) });
  }
});
`;

/**
 * Runs JSONata evaluations in a worker thread, one at a time, so that an expression can neither
 * block the function's event loop nor exhaust its memory: JSONata's step-checked `timeout` ends
 * most runaways itself, and the worker is terminated (and replaced on the next call) when one
 * evaluation passes `hardTimeoutMs` of wall time — a single built-in call JSONata cannot interrupt —
 * or its heap passes `maxHeapMb` (Node's `resourceLimits`). jsonata is loaded in the worker from
 * node_modules (it ships beside the Lambda bundle, `LAZY_LOADED_PACKAGES`).
 *
 * @example const { value } = await sandbox.evaluate('{ "id": orderId }', { orderId: 'o-1' })
 */
export class JsonataSandbox {
  private worker: Worker | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 0;

  constructor(private readonly limits: SandboxLimits) {}

  /**
   * Evaluates `expression` on `input` (a JSON value). Never throws for the expression's failures:
   * JSONata's errors, the hard time box (`D1012`) and the heap bound (`memory`) are answered as
   * `error`. Functions in the result come back as {@link Unrepresentable}s in their places.
   */
  evaluate(expression: string, input: unknown): Promise<{ value: unknown } | { error: MappingError }> {
    const run = this.queue.then(() => this.run(expression, input));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Stops the worker (tests; a Lambda instance keeps it for its lifetime). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private run(expression: string, input: unknown): Promise<{ value: unknown } | { error: MappingError }> {
    const worker = this.started();
    const id = this.nextId++;
    return new Promise((resolve) => {
      const finish = (outcome: { value: unknown } | { error: MappingError }, stop: boolean) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        if (stop) void this.discard(worker);
        resolve(outcome);
      };
      const onMessage = (reply: Reply) => {
        if (reply.id !== id) return;
        if ('error' in reply) finish({ error: reply.error }, false);
        else finish({ value: withUnrepresentable(reply.value, reply.functions) }, false);
      };
      const onError = (error: Error & { code?: string }) =>
        finish(
          {
            error:
              error.code === 'ERR_WORKER_OUT_OF_MEMORY'
                ? { message: `the evaluation used more than ${this.limits.maxHeapMb} MiB of memory`, code: 'memory' }
                : { message: `the evaluation failed: ${error.message}` },
          },
          true,
        );
      const onExit = () => finish({ error: { message: 'the evaluation stopped unexpectedly' } }, true);
      const timer = setTimeout(
        () =>
          finish(
            {
              error: {
                message: `the evaluation ran longer than ${this.limits.hardTimeoutMs} ms and was stopped`,
                code: 'D1012',
              },
            },
            true,
          ),
        this.limits.hardTimeoutMs,
      );
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage({ id, expression, input, limits: this.limits });
    });
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const jsonataPath = createRequire(import.meta.url).resolve('jsonata');
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { jsonataPath },
      resourceLimits: { maxOldGenerationSizeMb: this.limits.maxHeapMb, maxYoungGenerationSizeMb: 16 },
    });
    // An idle worker must not keep the process (a test run, the local runner's shutdown) alive.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private async discard(worker: Worker): Promise<void> {
    if (this.worker === worker) this.worker = undefined;
    await worker.terminate().catch(() => undefined);
  }
}

// Puts an Unrepresentable where the worker found a function, so the result check names its pointer.
function withUnrepresentable(value: unknown, functions: readonly string[][]): unknown {
  const marker = new Unrepresentable('a function has no JSON representation; apply it in the expression');
  if (functions.some((path) => path.length === 0)) return marker;
  for (const path of functions) {
    let holder = value as Record<string, unknown>;
    for (const key of path.slice(0, -1)) holder = holder[key] as Record<string, unknown>;
    holder[path[path.length - 1] as string] = marker;
  }
  return value;
}
