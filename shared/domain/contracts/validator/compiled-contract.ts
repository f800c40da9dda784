import type Ajv2020 from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import type { FieldProblem } from '../../errors';
import type { PathTemplate } from '../../path-template';
import type { ContractDocument, EndpointSpec, ParameterSpec } from '../contract';
import { InvalidSchemaError } from '../errors';
import { createAjv, refTo, SCHEMA_ROOT_ID } from './ajv';
import { addDirectionalViews } from './directional-views';
import { dryRunProblems } from './dry-run';
import { EndpointIndex, type ResolvedEndpoint } from './endpoint-index';
import { anyOf, countValues, MAX_VALUES_FOR_ALL_ERRORS, run, schemaErrorMessage, toIssues } from './issues';
import { delimitersOf, lowerCaseKeys, parameterObjectSchema, split } from './parameters';
import { ANY_LISTED_ERROR_SCHEMA, responseKey } from './responses';
import { errorMessage } from './schema-nodes';
import { guardProblems, metaSchemaProblems } from './schema-problems';
import type {
  BodyMedia,
  BodyValidator,
  Direction,
  EndpointValidators,
  RequestSample,
  ValidationIssue,
  ValidationOutcome,
} from './types';

/**
 * A contract version compiled for validation: JSON Schema 2020-12 semantics by Ajv (with
 * ajv-formats), compiled lazily per endpoint on first use and kept for the life of the object.
 * Bodies are validated as sent; query, header and path values arrive as strings on the wire and
 * are coerced to the parameter schema's type first (as OpenAPI validators do).
 *
 * @example
 * const compiled = new CompiledContract(contract);
 * compiled.validateRequest('POST', '/pets', { body: { name: 'Rex' } }); // { valid: true, errors: [], endpoint: 'POST /pets' }
 */
export class CompiledContract {
  private readonly bodies: Ajv2020;
  /** Stops at the first error: answers "valid?" fast and in bounded memory for any body size. */
  private firstErrorBodies: Ajv2020 | undefined;
  /** Bodies whose values arrive as strings (form fields): coerced like parameters; created on first use. */
  private formBodies: { all: Ajv2020; first: Ajv2020 } | undefined;
  private readonly parameters: Ajv2020;
  private readonly endpoints: EndpointIndex;
  private readonly validators = new Map<number, EndpointValidators>();
  private readonly namedValidators = new Map<string, BodyValidator>();
  /** Validators of media-typed bodies by `<direction> <coerce> <schema name>`. */
  private readonly mediaValidators = new Map<string, BodyValidator>();

  /**
   * @throws {InvalidSchemaError} when a schema is not valid JSON Schema 2020-12 or a `$ref` does not resolve
   */
  constructor(private readonly contract: Pick<ContractDocument, 'endpoints' | 'schemas'>) {
    this.bodies = createAjv(false);
    this.parameters = createAjv('array');
    const root = { $id: SCHEMA_ROOT_ID, $defs: contract.schemas };
    try {
      // Meta-schema validation runs per named schema in assertSchemasCompile, to name every problem.
      this.bodies.addSchema(root, undefined, undefined, false);
      this.parameters.addSchema(root, undefined, undefined, false);
      addDirectionalViews(this.bodies, contract.schemas);
    } catch (error) {
      throw new InvalidSchemaError('The contract schemas are not valid JSON Schema 2020-12', [
        { pointer: '/schemas', message: errorMessage(error) },
      ]);
    }
    this.endpoints = new EndpointIndex(contract.endpoints);
  }

  /**
   * Compiles every named schema once, so that registration refuses a contract whose schemas
   * cannot be used (invalid keywords, `$ref`s that point nowhere).
   *
   * @throws {InvalidSchemaError} listing every schema that fails, with its JSON pointer
   */
  assertSchemasCompile(): void {
    const problems = [...metaSchemaProblems(this.bodies, this.contract.schemas), ...guardProblems(this.contract)];
    // Each later stage compiles what the earlier ones checked: only worth it (and only new
    // problems) when those are sound.
    if (problems.length === 0) problems.push(...dryRunProblems(this.bodies, this.contract.schemas));
    if (problems.length === 0) problems.push(...this.endpointCompileProblems());
    if (problems.length > 0) throw new InvalidSchemaError(`${problems.length} schema problem(s)`, problems);
  }

  /** Compiles every endpoint's validators (bodies and parameters), one problem per endpoint that fails. */
  private endpointCompileProblems(): FieldProblem[] {
    const problems: FieldProblem[] = [];
    this.contract.endpoints.forEach((_, index) => {
      try {
        this.endpointValidators(index);
      } catch (error) {
        problems.push({ pointer: `/endpoints/${index}`, message: schemaErrorMessage(error) });
      }
    });
    return problems;
  }

  /**
   * Finds the endpoint for a method and a concrete path (`/pets/42` matches `/pets/{petId}`).
   *
   * @throws {EndpointNotFoundError} naming every known endpoint when nothing matches
   */
  resolveEndpoint(method: string, path: string): ResolvedEndpoint {
    return this.endpoints.resolve(method, path);
  }

  /**
   * The media types a request body may have, each with its schema name: the endpoint's
   * `requestMediaTypes`, else `application/json` → `requestSchema`, else none (no body declared).
   *
   * @throws {EndpointNotFoundError} when no endpoint matches
   */
  requestMediaTypes(method: string, path: string): Record<string, string> {
    return requestMediaTypes(this.resolveEndpoint(method, path).endpoint);
  }

  /**
   * The media types a response with `status` may have, each with its schema name: the endpoint's
   * `responseMediaTypes` for the status key that judges it (see `validateResponse`), else
   * `application/json` → that key's schema, else none (the status has no schema).
   *
   * @throws {EndpointNotFoundError} when no endpoint matches
   */
  responseMediaTypes(method: string, path: string, status: number): Record<string, string> {
    const { endpoint } = this.resolveEndpoint(method, path);
    const key = responseKey(endpoint, status);
    if (key === undefined || key === ANY_LISTED_ERROR_SCHEMA) return {};
    const declared = endpoint.responseMediaTypes?.[key];
    if (declared) return declared;
    const name = key === '2XX' ? endpoint.responseSchema : (endpoint.errorSchemas as Record<string, string>)[key];
    return name === undefined ? {} : { 'application/json': name };
  }

  /**
   * Validates a request: body against `requestSchema`, query/header/path parameters against their
   * specs (required, schema). Error paths start with `/body`, `/query`, `/headers` or `/pathParameters`.
   * Path parameters come from the concrete path; explicit `request.pathParameters` fill in those the
   * path leaves as `{name}`.
   *
   * @throws {EndpointNotFoundError} when no endpoint matches
   */
  validateRequest(method: string, path: string, request: RequestSample, media?: BodyMedia): ValidationOutcome {
    const { index, endpoint, pathParameters } = this.resolveEndpoint(method, path);
    const validators = this.endpointValidators(index);
    const errors: ValidationIssue[] = [];
    const mediaSchema = media && requestMediaTypes(endpoint)[media.mediaType];
    if (media?.bodyIssues) {
      errors.push(...media.bodyIssues);
    } else if (media && mediaSchema !== undefined) {
      if (request.body !== undefined) {
        errors.push(...this.mediaValidator(mediaSchema, 'request', media.coerce)(request.body, '/body'));
      } else if (endpoint.requestBodyRequired) {
        errors.push({ instancePath: '/body', keyword: 'required', message: 'request body is required' });
      }
    } else if (endpoint.requestSchema !== undefined && validators.body) {
      if (request.body === undefined) {
        if (endpoint.requestBodyRequired) {
          errors.push({ instancePath: '/body', keyword: 'required', message: 'request body is required' });
        }
      } else {
        errors.push(...validators.body(request.body, '/body'));
      }
    }
    // Coercion rewrites values in place: parameters are validated on copies.
    const { delimiters } = validators;
    if (validators.query && !run(validators.query, split({ ...request.query }, delimiters.query))) {
      errors.push(...toIssues('/query', validators.query.errors));
    }
    if (
      validators.headers &&
      !run(validators.headers, split(lowerCaseKeys(request.headers ?? {}), delimiters.headers))
    ) {
      errors.push(...toIssues('/headers', validators.headers.errors));
    }
    if (validators.pathParameters) {
      const explicitPath = request.pathParameters ?? {};
      const resolvedPath: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(pathParameters)) {
        resolvedPath[name] = value === `{${name}}` && name in explicitPath ? explicitPath[name] : value;
      }
      if (!run(validators.pathParameters, split(resolvedPath, delimiters.pathParameters))) {
        errors.push(...toIssues('/pathParameters', validators.pathParameters.errors));
      }
    }
    return { valid: errors.length === 0, errors, endpoint: validators.label };
  }

  /**
   * Validates a response body against the schema for its status: `responseSchema` for 2xx when
   * declared; otherwise `errorSchemas` by exact code, then class (`4XX`), then `default` (which,
   * as in OpenAPI, covers every status not declared otherwise); a list-form `errorSchemas` judges
   * every status ≥ 400, valid when the body matches any listed schema. A schema name the contract
   * does not define fails with keyword `$ref` naming it. A status that
   * has no schema is valid when the endpoint documents it (2xx, or listed in `errorCodes`/
   * `errorSchemas`), and otherwise reported with keyword `status`.
   *
   * @param status - HTTP status code, 100–599
   * @throws {EndpointNotFoundError} when no endpoint matches
   */
  validateResponse(
    method: string,
    path: string,
    status: number,
    body: unknown,
    errorCodes: Record<string, unknown> = {},
    media?: BodyMedia,
  ): ValidationOutcome {
    const { index, endpoint } = this.resolveEndpoint(method, path);
    const label = this.endpointValidators(index).label;
    const key = responseKey(endpoint, status);
    if (key === undefined) {
      if ((status >= 200 && status < 300) || String(status) in errorCodes)
        return { valid: true, errors: [], endpoint: label };
      return {
        endpoint: label,
        valid: false,
        errors: [
          {
            instancePath: '/status',
            keyword: 'status',
            message: `status ${status} is not declared for ${endpoint.method} ${endpoint.path}`,
          },
        ],
      };
    }
    const mediaSchema = media && this.responseMediaTypes(method, path, status)[media.mediaType];
    const errors =
      media?.bodyIssues ??
      (media && mediaSchema !== undefined
        ? this.mediaValidator(mediaSchema, 'response', media.coerce)(body, '/body')
        : this.responseValidator(index, key)(body, '/body'));
    return { valid: errors.length === 0, errors, endpoint: label };
  }

  /** A body validator for one schema name; `coerce` validates string fields as parameters are (form bodies). */
  private mediaValidator(name: string, direction: Direction, coerce: boolean): BodyValidator {
    const key = `${direction} ${coerce} ${name}`;
    let validate = this.mediaValidators.get(key);
    if (!validate) {
      validate = coerce
        ? this.bodyValidator(name, direction, this.coercingBodies())
        : this.bodyValidator(name, direction);
      this.mediaValidators.set(key, validate);
    }
    return validate;
  }

  private coercingBodies(): { all: Ajv2020; first: Ajv2020 } {
    if (!this.formBodies) {
      const all = createAjv('array');
      const first = createAjv('array', false);
      for (const ajv of [all, first]) {
        ajv.addSchema({ $id: SCHEMA_ROOT_ID, $defs: this.contract.schemas }, undefined, undefined, false);
        addDirectionalViews(ajv, this.contract.schemas);
      }
      this.formBodies = { all, first };
    }
    return this.formBodies;
  }

  private responseValidator(index: number, key: string): BodyValidator {
    const validators = this.endpointValidators(index);
    let validate = validators.responses.get(key);
    if (!validate) {
      const endpoint = this.contract.endpoints[index] as EndpointSpec;
      const { errorSchemas } = endpoint;
      if (key === ANY_LISTED_ERROR_SCHEMA && Array.isArray(errorSchemas)) {
        validate = anyOf(errorSchemas.map((name) => this.bodyValidator(name, 'response')));
      } else {
        const name = key === '2XX' ? endpoint.responseSchema : (errorSchemas as Record<string, string>)[key];
        validate = this.bodyValidator(name as string, 'response');
      }
      validators.responses.set(key, validate);
    }
    return validate;
  }

  /**
   * Validates a value against one named schema of the contract, as a request body (readOnly
   * members are not required): how event payloads are checked against their event contract.
   *
   * @param name - a key of the contract's `schemas`
   * @param prefix - JSON pointer the issues' instancePath starts with, e.g. `/payload`
   * @returns the issues (empty when valid); at most the first error for very large values
   * @throws {RangeError} when the contract has no schema of that name
   * @example compiled.validateNamedSchema('payload', event.payload, '/payload') // []
   */
  validateNamedSchema(name: string, data: unknown, prefix = ''): ValidationIssue[] {
    if (!Object.hasOwn(this.contract.schemas, name)) throw new RangeError(`The contract has no schema "${name}"`);
    let validate = this.namedValidators.get(name);
    if (!validate) {
      validate = this.bodyValidator(name, 'request');
      this.namedValidators.set(name, validate);
    }
    return validate(data, prefix);
  }

  /**
   * Every error of a body is listed only when the body holds at most MAX_VALUES_FOR_ALL_ERRORS
   * values: with Ajv's allErrors, a 2 MiB array of failing items builds millions of error objects
   * (gigabytes). Larger invalid bodies get the first error and a note. Both validators compile lazily.
   */
  private bodyValidator(name: string, direction: Direction, ajvs?: { all: Ajv2020; first: Ajv2020 }): BodyValidator {
    if (!Object.hasOwn(this.contract.schemas, name)) {
      // A dangling name is registered with a warning (danglingSchemaReferences): nothing can satisfy it.
      return (_data, prefix) => [
        { instancePath: prefix, keyword: '$ref', message: `schema "${name}" is not defined in the contract's schemas` },
      ];
    }
    const schema = refTo(name, `${SCHEMA_ROOT_ID}:${direction}`);
    let first: ValidateFunction | undefined;
    let all: ValidateFunction | undefined;
    return (data, prefix) => {
      if (!this.firstErrorBodies) {
        this.firstErrorBodies = createAjv(false, false);
        addDirectionalViews(this.firstErrorBodies, this.contract.schemas);
      }
      first ??= (ajvs?.first ?? this.firstErrorBodies).compile(schema);
      if (run(first, data)) return [];
      if (countValues(data, MAX_VALUES_FOR_ALL_ERRORS) > MAX_VALUES_FOR_ALL_ERRORS) {
        return [
          ...toIssues(prefix, first.errors),
          {
            instancePath: prefix,
            keyword: 'maxErrors',
            message: `only the first error is listed for bodies of more than ${MAX_VALUES_FOR_ALL_ERRORS} values`,
          },
        ];
      }
      all ??= (ajvs?.all ?? this.bodies).compile(schema);
      run(all, data);
      return toIssues(prefix, all.errors);
    };
  }

  private endpointValidators(index: number): EndpointValidators {
    let validators = this.validators.get(index);
    if (validators) return validators;
    const endpoint = this.contract.endpoints[index] as EndpointSpec;
    const template = this.endpoints.templates[index] as PathTemplate;
    const pathSpecs: Record<string, ParameterSpec> = {};
    for (const name of template.parameterNames) {
      pathSpecs[name] = { ...endpoint.pathParameters[name], required: true };
    }
    const parameters = (specs: Record<string, ParameterSpec>, rename?: (name: string) => string) =>
      Object.keys(specs).length === 0 ? undefined : this.parameters.compile(parameterObjectSchema(specs, rename));
    validators = {
      label: `${endpoint.method} ${endpoint.path}`,
      body: endpoint.requestSchema === undefined ? undefined : this.bodyValidator(endpoint.requestSchema, 'request'),
      query: parameters(endpoint.query),
      headers: parameters(endpoint.headers, (name) => name.toLowerCase()),
      pathParameters: parameters(pathSpecs),
      responses: new Map(),
      delimiters: {
        query: delimitersOf(endpoint.query),
        headers: delimitersOf(endpoint.headers, (name) => name.toLowerCase()),
        pathParameters: delimitersOf(pathSpecs),
      },
    };
    this.validators.set(index, validators);
    return validators;
  }
}

/** An endpoint's request media types: declared, else JSON when it has a request schema, else none. */
function requestMediaTypes(endpoint: EndpointSpec): Record<string, string> {
  if (endpoint.requestMediaTypes) return endpoint.requestMediaTypes;
  return endpoint.requestSchema === undefined ? {} : { 'application/json': endpoint.requestSchema };
}
