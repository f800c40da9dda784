import { DomainError } from '../domain/errors';
import { type StepReport, stepFailed } from '../domain/transformers/pipeline';
import type { TransformerVersion } from '../domain/transformers/transformer';
import type { Codec } from '../http/codecs/codec';
import { decodeStrict } from '../http/codecs/decode-strict';
import { jsonCodec } from '../http/codecs/json-codec';
import type { TransformerDeps } from './transformers';

const NO_BYTES = Buffer.alloc(0);

/**
 * Runs one mapping step: the transformer's compiled expression (compiled once per instance) on a
 * JSON value, bounded in time and depth by the engine, and its result checked like a request body
 * (`decodeStrict`: depth, value count, JSON-representable values — a function, NaN or Infinity is
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
  await checkResult(evaluated.value, step, pointer);
  // JSONata's sequences are arrays with extra members: the JSON text is the plain value.
  const text = JSON.stringify(evaluated.value);
  const size = Buffer.byteLength(text);
  if (size > deps.maxBodyBytes) {
    throw stepFailed(
      step,
      { message: `the result is ${size} bytes as JSON; at most ${deps.maxBodyBytes}`, code: 'too-large' },
      pointer,
    );
  }
  return JSON.parse(text);
}

async function checkResult(result: unknown, step: StepReport, pointer: string): Promise<void> {
  // The decoder of a body that is already decoded: decodeStrict then applies a body's bounds to it.
  const decoded: Codec = { ...jsonCodec, label: 'mapping result', decode: () => result };
  try {
    await decodeStrict(decoded, NO_BYTES, '');
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
