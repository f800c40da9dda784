import { ConflictError, NotFoundError, ValidationError } from '../errors';

/** No transformer of that name (or no such version of it) is registered in the caller's tenant. */
export class TransformerNotFoundError extends NotFoundError {
  override readonly code = 'transformer-not-found';
  override readonly title = 'The transformer or transformer version does not exist';
}

/** A transformer version is immutable: the same name and version were registered with different content. */
export class TransformerVersionConflictError extends ConflictError {
  override readonly code = 'transformer-version-conflict';
  override readonly title = 'This transformer version is already registered with different content';
}

/** A mapping expression does not compile; `problems` point at `/expression` with the engine's position and code. */
export class InvalidMappingError extends ValidationError {
  override readonly code = 'invalid-mapping';
  override readonly title = 'The mapping expression is not valid';
}

/**
 * One step of a transformation failed (decoding, a mapping, its output bounds, or encoding). The
 * problem's `step` extension names it — `{ index, kind, transformer?, version? }` — the seed's
 * `errorHandler` ("Transformation failed at <step>: <error>") as an answer rather than a throw.
 */
export class TransformStepFailedError extends ValidationError {
  override readonly code = 'transform-step-failed';
  override readonly title = 'A step of the transformation failed';
}

/** No registered transformer maps one side to the other (a contract upgrade, or an ambiguous direct path). */
export class NoTransformerError extends ValidationError {
  override readonly code = 'no-transformer';
  override readonly title = 'No registered transformer maps this payload';
}
