import { type FieldProblem, ValidationError } from '../../errors';

/**
 * The OpenAPI (or Swagger) document cannot be turned into a contract: unsupported version, external or
 * broken `$ref`, a version that is not semver, nothing to import… (HTTP 422). Every entry of `problems`
 * carries a JSON pointer (RFC 6901) into the submitted OpenAPI document, e.g. `/info/version`; the HTTP layer
 * maps it to an RFC 9457 problem like every ValidationError.
 *
 * @example
 * throw new OpenApiImportError('The OpenAPI document has no usable version', [
 *   { pointer: '/info/version', message: 'info.version "latest" is not a semantic version' },
 * ]);
 */
export class OpenApiImportError extends ValidationError {
  override readonly code = 'openapi-import-failed';
  override readonly title = 'The OpenAPI document cannot be converted into a contract';
}

/** An OpenApiImportError with `problems`; `cause` is kept for the logs. */
export function fail(message: string, problems: FieldProblem[], cause?: unknown): OpenApiImportError {
  return new OpenApiImportError(message, problems, cause === undefined ? undefined : { cause });
}

/** Throws one OpenApiImportError for all `problems` (named after the first), if there are any. */
export function throwIfProblems(problems: FieldProblem[]): void {
  if (problems.length === 0) return;
  const first = problems[0] as FieldProblem;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem(s))` : '';
  throw fail(`The OpenAPI document cannot be imported: ${first.message}${more}`, problems);
}
