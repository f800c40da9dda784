import { DomainError, ValidationError } from '../domain/errors';
import { NoTransformerError } from '../domain/transformers/errors';
import {
  chooseDirectPath,
  directPathPairs,
  type StepReference,
  type StepReport,
  stepFailed,
  type TransformEnd,
} from '../domain/transformers/pipeline';
import { describeSide, MAX_PIPELINE_STEPS, sideKey, type TransformerVersion } from '../domain/transformers/transformer';
import type { Codec } from '../http/codecs/codec';
import { decodeStrict } from '../http/codecs/decode-strict';
import { applyMapping } from './apply-mapping';
import { resolveTransformer, type TransformerDeps } from './transformers';

/** Input of `runTransform`: the ends, the steps (or none: the direct path), and the payload. */
export type TransformInput = {
  tenant: string;
  from: TransformEnd;
  to: TransformEnd;
  pipeline?: StepReference[];
  /** The JSON value (JSON), or the text of a text format (JSON text, YAML). */
  body?: unknown;
  /** The bytes of any format, base64 (RFC 4648 §4). */
  bodyBase64?: string;
};

/**
 * The converted payload: `body` (the JSON value when `to` is JSON, the text of other text formats)
 * or `bodyBase64` (binary formats), labelled with the target codec's media type, and the steps run.
 */
export type TransformResult = { to: string; body?: unknown; bodyBase64?: string; steps: StepReport[] };

/**
 * Runs a transformation: decode `from` into JSON's data model (strictly, `decodeStrict`), run each
 * mapping step in order, encode to `to` — the seed's DataExchangeManager, with JSON as the hub.
 * Without `pipeline`, the direct path is used when one is registered (a transformer whose sides are
 * the two ends' contract versions, else their media types), else the payload only changes format
 * (through JSON).
 *
 * @throws {ValidationError} (422) when an end is not a format of the registry, or the payload is missing
 * @throws {NoTransformerError} (422) naming a pipeline step's unknown transformer, or an ambiguous direct path
 * @throws {TransformStepFailedError} (422) naming the failed step (index, kind, transformer@version) and its error
 * @example await runTransform(deps, { tenant, from: { mediaType: 'application/cbor' }, to: { mediaType: 'application/msgpack' }, bodyBase64 })
 */
export async function runTransform(deps: TransformerDeps, input: TransformInput): Promise<TransformResult> {
  const source = codecOf(deps, input.from.mediaType, '/from');
  const target = codecOf(deps, input.to.mediaType, '/to');
  const mappings = input.pipeline
    ? await explicitSteps(deps, input.tenant, input.pipeline)
    : await directPath(deps, input.tenant, input.from, input.to);
  const steps: StepReport[] = [{ index: 0, kind: 'decode', mediaType: source.mediaTypes[0] as string }];
  let value = await decodeInput(source, input, steps[0] as StepReport);
  for (const [position, transformer] of mappings.entries()) {
    const step: StepReport = {
      index: steps.length,
      kind: 'map',
      transformer: transformer.name,
      version: transformer.version,
    };
    steps.push(step);
    value = await applyMapping(deps, transformer, value, step, input.pipeline ? `/pipeline/${position}` : '/pipeline');
  }
  const encodeStep: StepReport = { index: steps.length, kind: 'encode', mediaType: target.mediaTypes[0] as string };
  steps.push(encodeStep);
  return { ...(await encodeOutput(deps, target, value, encodeStep)), to: target.mediaTypes[0] as string, steps };
}

function codecOf(deps: TransformerDeps, mediaType: string, pointer: string): Codec {
  const codec = deps.codecs.forMediaType(mediaType, deps.codecs.codecs);
  if (!codec) {
    const known = deps.codecs.codecs.flatMap((c) => c.mediaTypes).join(', ');
    const message = `"${mediaType}" is not a format this API converts; known: ${known}`;
    throw new ValidationError(message, [{ pointer, message, keyword: 'mediaType' }]);
  }
  return codec;
}

async function explicitSteps(
  deps: TransformerDeps,
  tenant: string,
  pipeline: readonly StepReference[],
): Promise<TransformerVersion[]> {
  if (pipeline.length > MAX_PIPELINE_STEPS) {
    throw new ValidationError(`A pipeline runs at most ${MAX_PIPELINE_STEPS} steps`, [
      { pointer: '/pipeline', message: `has ${pipeline.length} steps; at most ${MAX_PIPELINE_STEPS}` },
    ]);
  }
  const resolved = await Promise.allSettled(
    pipeline.map((ref) => resolveTransformer(deps, { tenant, name: ref.transformer, version: ref.version })),
  );
  const problems = resolved.flatMap((outcome, i) => {
    if (outcome.status === 'fulfilled') return [];
    if (!(outcome.reason instanceof DomainError)) throw outcome.reason;
    const ref = pipeline[i] as StepReference;
    const named = ref.version === undefined ? ref.transformer : `${ref.transformer}@${ref.version}`;
    return [{ pointer: `/pipeline/${i}/transformer`, message: `${named} is not registered`, keyword: 'unknown' }];
  });
  if (problems.length > 0) {
    throw new NoTransformerError(`${problems.length} pipeline step(s) name no registered transformer`, problems);
  }
  return resolved.map((outcome) => (outcome as PromiseFulfilledResult<TransformerVersion>).value);
}

// The direct path: the first side pair (contracts, then media types) a transformer is registered for.
async function directPath(
  deps: TransformerDeps,
  tenant: string,
  from: TransformEnd,
  to: TransformEnd,
): Promise<TransformerVersion[]> {
  for (const pair of directPathPairs(from, to)) {
    const candidates = await deps.transformers.findByPath(tenant, sideKey(pair.from), sideKey(pair.to));
    const chosen = chooseDirectPath(candidates, pair);
    if (chosen) return [await resolveTransformer(deps, { tenant, name: chosen.name, version: chosen.version })];
  }
  return [];
}

/**
 * A payload in JSON's data model: a JSON `body` as it is, text (`body`) and bytes (`bodyBase64`)
 * decoded strictly by `source` (`decodeStrict`, pointers below `/body`).
 *
 * @throws {ValidationError} when the payload is missing or sent in the wrong member for its format
 * @throws {TransformStepFailedError} naming `step` when it cannot be decoded
 */
export async function decodeInput(
  source: Codec,
  input: Pick<TransformInput, 'body' | 'bodyBase64'>,
  step: StepReport,
): Promise<unknown> {
  if (input.bodyBase64 === undefined && input.body === undefined) {
    throw new ValidationError('The payload is missing', [{ pointer: '/body', message: 'send body or bodyBase64' }]);
  }
  if (input.bodyBase64 === undefined && (typeof input.body !== 'string' || !source.text)) {
    if (source.name === 'json') return input.body;
    const message = source.text
      ? `a ${source.label} body is sent as its text in body (a string) or its bytes in bodyBase64`
      : `${source.label} is binary: send its bytes in bodyBase64`;
    throw new ValidationError(message, [{ pointer: '/body', message }]);
  }
  const bytes =
    input.bodyBase64 !== undefined
      ? Buffer.from(input.bodyBase64, 'base64')
      : Buffer.from(input.body as string, 'utf8');
  try {
    return await decodeStrict(source, bytes, '/body');
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    throw stepFailed(step, { message: error.message, problems: error.problems }, '/body');
  }
}

async function encodeOutput(
  deps: TransformerDeps,
  target: Codec,
  value: unknown,
  step: StepReport,
): Promise<{ body: unknown } | { bodyBase64: string }> {
  let encoded: string | Buffer;
  try {
    encoded = await target.encode(value);
  } catch (error) {
    throw stepFailed(step, { message: `cannot be encoded as ${target.label}: ${(error as Error).message}` }, '/to');
  }
  const size = typeof encoded === 'string' ? Buffer.byteLength(encoded) : encoded.byteLength;
  if (size > deps.maxBodyBytes) {
    throw stepFailed(
      step,
      { message: `the ${target.label} payload is ${size} bytes; at most ${deps.maxBodyBytes}` },
      '/to',
    );
  }
  // JSON is answered as the value itself (the envelope is JSON), other text formats as their text.
  if (target.name === 'json') return { body: value };
  return typeof encoded === 'string' ? { body: encoded } : { bodyBase64: encoded.toString('base64') };
}

/** Names what a contract-upgrade transformer maps, for messages: `orders@1.0.0 to orders@2.0.0`. */
export const describeUpgrade = (contract: string, from: string, to: string): string =>
  `${describeSide({ contract, version: from })} to ${describeSide({ contract, version: to })}`;
