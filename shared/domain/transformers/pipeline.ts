import semver from 'semver';
import type { FieldProblem } from '../errors';
import { NoTransformerError, TransformStepFailedError } from './errors';
import { describeSide, type TransformerSide, type TransformerVersionHeader } from './transformer';

/** One step of an explicit pipeline as a client names it: a transformer, and its version (default: the latest). */
export type StepReference = { transformer: string; version?: string };

/**
 * One end of `POST /v1/transform`: the payload's media type and, optionally, the contract version
 * it follows (which is what a contract-upgrade transformer's side names).
 */
export type TransformEnd = { mediaType: string; contract?: string; version?: string };

/** A step that ran, as the answer reports it (and a failure names it): its position and what it was. */
export type StepReport =
  | { index: number; kind: 'decode' | 'encode'; mediaType: string }
  | { index: number; kind: 'map'; transformer: string; version: string };

/**
 * The side pairs a direct path between two ends may be registered under, most specific first:
 * contract to contract when both ends name a contract version, then media type to media type.
 *
 * @example directPathPairs({ mediaType: 'application/json' }, { mediaType: 'application/cbor' })
 * // [{ from: { mediaType: 'application/json' }, to: { mediaType: 'application/cbor' } }]
 */
export function directPathPairs(
  from: TransformEnd,
  to: TransformEnd,
): Array<{ from: TransformerSide; to: TransformerSide }> {
  const pairs: Array<{ from: TransformerSide; to: TransformerSide }> = [];
  if (from.contract !== undefined && to.contract !== undefined) {
    pairs.push({
      from: { contract: from.contract, version: from.version },
      to: { contract: to.contract, version: to.version },
    });
  }
  pairs.push({ from: { mediaType: from.mediaType }, to: { mediaType: to.mediaType } });
  return pairs;
}

/**
 * The latest of a name's versions by semver precedence: the highest release, or the highest
 * prerelease when there is no release (transformers are not deprecated: they are deleted).
 *
 * @example latestVersion([{ version: '1.10.0' }, { version: '1.9.0' }, { version: '2.0.0-rc.1' }]) // 1.10.0
 */
export function latestVersion<T extends { version: string }>(versions: readonly T[]): T | undefined {
  const sorted = [...versions].sort((a, b) => semver.rcompare(a.version, b.version));
  return sorted.find((v) => semver.prerelease(v.version) === null) ?? sorted[0];
}

/**
 * Chooses the transformer of a direct path among those registered for one side pair: the latest
 * version of the one name registered for it.
 *
 * @returns the chosen version, or undefined when none is registered
 * @throws {NoTransformerError} when transformers of several names map the pair: the caller must name one in `pipeline`
 */
export function chooseDirectPath(
  candidates: readonly TransformerVersionHeader[],
  pair: { from: TransformerSide; to: TransformerSide },
): TransformerVersionHeader | undefined {
  const names = [...new Set(candidates.map((c) => c.name))].sort();
  if (names.length > 1) {
    const message = `transformers ${names.join(', ')} all map ${describeSide(pair.from)} to ${describeSide(pair.to)}; name one in pipeline`;
    throw new NoTransformerError(`The direct path is ambiguous: ${message}`, [
      { pointer: '/pipeline', message, keyword: 'ambiguous' },
    ]);
  }
  return latestVersion(candidates);
}

/**
 * A step's name in messages: `step 2 (orders-v1-v2@1.0.0)` or `step 0 (decode application/cbor)`.
 *
 * @example stepLabel({ index: 1, kind: 'map', transformer: 'm', version: '1.0.0' }) // 'step 1 (m@1.0.0)'
 */
export function stepLabel(step: StepReport): string {
  return step.kind === 'map'
    ? `step ${step.index} (${step.transformer}@${step.version})`
    : `step ${step.index} (${step.kind} ${step.mediaType})`;
}

/**
 * The 422 a failed step answers: the step (its index, kind, and transformer name@version) in the
 * problem's `step` extension and message, its error's problems below `pointer`.
 *
 * @param cause - what failed: a message, and the engine's error code and character position when it has them
 * @example throw stepFailed({ index: 1, kind: 'map', transformer: 'm', version: '1.0.0' }, { message: 'T2001 …' }, '/pipeline/0')
 */
export function stepFailed(
  step: StepReport,
  cause: { message: string; code?: string; position?: number; problems?: readonly FieldProblem[] },
  pointer: string,
): TransformStepFailedError {
  const at = cause.position !== undefined ? ` at character ${cause.position}` : '';
  const problems: FieldProblem[] =
    cause.problems && cause.problems.length > 0
      ? [...cause.problems]
      : [{ pointer, message: `${cause.message}${at}`, ...(cause.code !== undefined && { keyword: cause.code }) }];
  return new TransformStepFailedError(`Transformation failed at ${stepLabel(step)}: ${cause.message}${at}`, problems, {
    extensions: {
      step: {
        ...step,
        ...(cause.code !== undefined && { code: cause.code }),
        ...(cause.position !== undefined && { position: cause.position }),
      },
    },
  });
}
