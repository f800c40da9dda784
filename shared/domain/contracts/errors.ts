import { ConflictError, type FieldProblem, NotFoundError, ValidationError } from '../errors';

/** No contract (or no such version of it) is registered. */
export class ContractNotFoundError extends NotFoundError {
  override readonly code = 'contract-not-found';
  override readonly title = 'The contract or contract version does not exist';
}

/** The method and path match no endpoint of the contract; `problems` lists the known endpoints. */
export class EndpointNotFoundError extends NotFoundError {
  override readonly code = 'endpoint-not-found';
  override readonly title = 'The contract declares no such endpoint';
}

/** A version is immutable: the same name and version were registered with different content. */
export class VersionConflictError extends ConflictError {
  override readonly code = 'version-conflict';
  override readonly title = 'This contract version is already registered with different content';
}

/** The new version breaks the name's compatibility mode; `problems` holds one entry per break. */
export class IncompatibleVersionError extends ConflictError {
  override readonly code = 'incompatible-version';
  override readonly title = 'The new version is not compatible with earlier versions';
}

/** A contract's JSON Schemas cannot be compiled (unresolvable `$ref`, invalid keyword value). */
export class InvalidSchemaError extends ValidationError {
  override readonly code = 'invalid-schema';
  override readonly title = 'A schema in the contract is not valid JSON Schema 2020-12';

  constructor(message: string, problems: FieldProblem[]) {
    super(message, problems);
  }
}

/**
 * A contract's Protobuf parts cannot be used: `protobuf.source` does not parse (the problem names
 * line and column) or a message name an endpoint gives is not defined there.
 */
export class InvalidProtobufError extends ValidationError {
  override readonly code = 'invalid-protobuf';
  override readonly title = 'The Protobuf definitions of the contract are not valid';
}

/**
 * A body's content type is not one the contract endpoint declares (or not one that can be decoded);
 * the message and problem name the declared media types.
 */
export class UnsupportedMediaTypeError extends ValidationError {
  override readonly code = 'unsupported-media-type';
  override readonly title = 'The contract endpoint does not declare this media type';
}
