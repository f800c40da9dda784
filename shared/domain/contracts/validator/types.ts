import type { ValidateFunction } from 'ajv/dist/2020.js';

/** One validation error, as returned by the validate routes. `instancePath` is a JSON pointer. */
export type ValidationIssue = { instancePath: string; keyword: string; message: string };
/**
 * Result of validating a request or response against a contract endpoint; `endpoint` names the
 * endpoint that judged it (`GET /pets/{petId}`).
 */
export type ValidationOutcome = { valid: boolean; errors: ValidationIssue[]; endpoint: string };

/** The parts of an HTTP request that `validateRequest` checks. Header names are case-insensitive. */
export type RequestSample = {
  body?: unknown;
  query?: Record<string, unknown>;
  headers?: Record<string, unknown>;
  pathParameters?: Record<string, unknown>;
};

/** Compiled validators of one endpoint; a parameter validator is absent when nothing is declared. */
export type EndpointValidators = {
  label: string;
  body?: BodyValidator;
  query?: ValidateFunction;
  headers?: ValidateFunction;
  pathParameters?: ValidateFunction;
  /** Delimiters of the parameters whose arrays arrive joined into one string, per request part. */
  delimiters: { query: Map<string, string>; headers: Map<string, string>; pathParameters: Map<string, string> };
  responses: Map<string, BodyValidator>;
};

/** Validates bodies against one named schema: first-error pass, then every error for small bodies. */
export type BodyValidator = (data: unknown, prefix: string) => ValidationIssue[];

/** Which way a body travels: requests ignore `readOnly` properties' `required`, responses `writeOnly` ones. */
export type Direction = 'request' | 'response';

/**
 * How a decoded body is judged: by the schema its declared `mediaType` names (a key of the endpoint's
 * request or response media types); `coerce` when its values arrived as strings (form fields), which
 * are then coerced to the schema's scalar types and single values to arrays, as parameters are.
 * `bodyIssues` replaces body validation when the body could not be decoded.
 */
export type BodyMedia = { mediaType: string; coerce: boolean; bodyIssues?: ValidationIssue[] };
