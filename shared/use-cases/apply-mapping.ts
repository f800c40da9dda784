import { DomainError } from '../domain/errors';
import { type StepReport, stepFailed } from '../domain/transformers/pipeline';
import type { TransformerVersion } from '../domain/transformers/transformer';
import { Unrepresentable } from '../http/codecs/codec';
import { checkJsonModel } from '../http/codecs/json-model';
import { MAX_BODY_DEPTH } from '../http/codecs/limits';
import type { TransformerDeps } from './transformers';

/**
 * Runs one mapping step: the transformer's compiled expression (compiled once per instance) on a
 * JSON value, bounded in time and depth by the engine, and its result checked like a request body
 * (`checkJsonModel`: depth, value count, JSON-representable values — a function, NaN or Infinity is
 * refused with its pointer, never turned into null) and by size (its JSON at most `maxBodyBytes`).
 * A mapping that matches nothing (JSONata's undefined result) fails: "the mapping produced no
 * value" — an answer without a payload would be silent loss.
 *
 * @param pointer - where the step is in the request (`/pipeline/1`; `/pipeline` for a direct path)
 * @returns the result, as plain JSON
 * @throws {TransformStepFailedError} naming the step and its error (JSONata's code and position when it has them)
 */
export async function applyMapping(
  deps: Pick<TransformerDeps, 'compiledMappings' | 'maxBodyBytes'>,
  transformer: TransformerVersion,
  value: unknown,
  step: StepReport,
  pointer: string,
): Promise<unknown> {
  const compiled = await deps.compiledMappings.get(transformer);
  if ('error' in compiled) throw stepFailed(step, compiled.error, pointer);
  const evaluated = await compiled.mapping.evaluate(value);
  if ('error' in evaluated) throw stepFailed(step, evaluated.error, pointer);
  if (evaluated.value === undefined) {
    throw stepFailed(
      step,
      { message: 'the mapping produced no value (its expression matched nothing in the payload)', code: 'no-value' },
      pointer,
    );
  }
  const result = plainResult(evaluated.value, 0);
  checkResult(result, step, pointer);
  const text = JSON.stringify(result);
  const size = Buffer.byteLength(text);
  if (size > deps.maxBodyBytes) {
    throw stepFailed(
      step,
      { message: `the result is ${size} bytes as JSON; at most ${deps.maxBodyBytes}`, code: 'too-large' },
      pointer,
    );
  }
  return result;
}

/**
 * A JSONata result as plain JSON data: sequences (arrays with extra members) become arrays, and a
 * function (a lambda, or a built-in such as `$sum` answered as a value) becomes an Unrepresentable,
 * which the check then refuses with its pointer. Below the depth bound the value is kept as it is,
 * for the check to refuse.
 */
function plainResult(value: unknown, depth: number): unknown {
  if (typeof value === 'function' || isJsonataFunction(value)) {
    return new Unrepresentable('a function has no JSON representation; apply it in the expression');
  }
  if (value === null || typeof value !== 'object' || depth > MAX_BODY_DEPTH) return value;
  if (Array.isArray(value)) return Array.from(value, (item) => plainResult(item, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, plainResult(item, depth + 1)]));
}

// JSONata's lambdas and partial applications are objects marked with `_jsonata_lambda` or `_jsonata_function`.
const isJsonataFunction = (value: unknown): boolean =>
  typeof value === 'object' &&
  value !== null &&
  ((value as Record<string, unknown>)._jsonata_lambda === true ||
    (value as Record<string, unknown>)._jsonata_function === true);

function checkResult(result: unknown, step: StepReport, pointer: string): void {
  // A body's bounds and JSON's model, applied to a value built in code (it may hold lone surrogates).
  try {
    checkJsonModel(result, { strings: true });
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const problems = error.problems.map((problem) => ({
      pointer,
      message: `the result at ${problem.pointer === '' ? '/' : problem.pointer}: ${problem.message}`,
      ...(problem.keyword !== undefined && { keyword: problem.keyword }),
    }));
    throw stepFailed(step, { message: error.message.replace(/^The body/, 'The result'), problems }, pointer);
  }
}
