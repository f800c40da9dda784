import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { InvalidSchemaError } from '../errors';
import { errorMessage, escapePointer } from './schema-nodes';
import type { BodyValidator, ValidationIssue } from './types';

/** Most errors one validation reports; the rest are counted, not listed (a response stays small). */
export const MAX_REPORTED_ERRORS = 100;

/**
 * Ajv's errors as validation issues under `prefix`: `required` and `additionalProperties` point at
 * the member itself, at most MAX_REPORTED_ERRORS are listed and the rest are counted in one issue.
 */
export function toIssues(prefix: string, errors: ErrorObject[] | null | undefined): ValidationIssue[] {
  const all = errors ?? [];
  const issues = all.slice(0, MAX_REPORTED_ERRORS).map((error) => {
    let instancePath = prefix + error.instancePath;
    if (error.keyword === 'required') {
      instancePath += `/${escapePointer(String((error.params as { missingProperty: string }).missingProperty))}`;
    } else if (error.keyword === 'additionalProperties') {
      instancePath += `/${escapePointer(String((error.params as { additionalProperty: string }).additionalProperty))}`;
    }
    const message = error.keyword === 'enum' ? 'must be equal to one of the allowed values' : error.message;
    return { instancePath, keyword: error.keyword, message: message ?? error.keyword };
  });
  if (all.length > MAX_REPORTED_ERRORS) {
    issues.push({
      instancePath: prefix,
      keyword: 'maxErrors',
      message: `${all.length - MAX_REPORTED_ERRORS} more errors not listed`,
    });
  }
  return issues;
}

/** Largest body (in values: scalars, arrays, objects) for which every error is listed. */
export const MAX_VALUES_FOR_ALL_ERRORS = 2000;

/** Counts the values in `data`, stopping once the count passes `limit`. */
export function countValues(data: unknown, limit: number): number {
  let count = 0;
  const stack: unknown[] = [data];
  while (stack.length > 0 && count <= limit) {
    const node = stack.pop();
    count += 1;
    if (node !== null && typeof node === 'object') for (const child of Object.values(node)) stack.push(child);
  }
  return count;
}

/** Valid when any validator finds nothing; otherwise every validator's issues, in list order. */
export function anyOf(validators: BodyValidator[]): BodyValidator {
  return (data, prefix) => {
    const issues: ValidationIssue[] = [];
    for (const validate of validators) {
      const found = validate(data, prefix);
      if (found.length === 0) return [];
      issues.push(...found);
    }
    return issues.slice(0, MAX_REPORTED_ERRORS);
  };
}

/** Runs a compiled validator; a schema that fails while evaluating is the contract's defect (422), not ours. */
export function run(validate: ValidateFunction, data: unknown): boolean {
  try {
    return validate(data) as boolean;
  } catch (error) {
    throw new InvalidSchemaError('A schema of this contract cannot be evaluated', [
      { pointer: '/schemas', message: schemaErrorMessage(error) },
    ]);
  }
}

/** What to tell the contract's author about a schema that failed to compile or evaluate. */
export function schemaErrorMessage(error: unknown): string {
  if (error instanceof RangeError) {
    return 'the schema recurses without end ($ref or $dynamicRef cycle that consumes no input) and cannot be evaluated';
  }
  return errorMessage(error);
}
