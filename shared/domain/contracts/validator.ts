import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { RegExpEngine } from 'ajv/dist/types/index.js';
import addFormats from 'ajv-formats';
import equal from 'fast-deep-equal';
import { RE2JS } from 're2js';
import type { FieldProblem } from '../errors';
import type { ContractDocument, EndpointSpec, JsonSchema, ParameterSpec } from './contract';
import { EndpointNotFoundError, InvalidSchemaError } from './errors';
import { compilePathTemplate, matchPath, type PathTemplate } from './path-template';

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

const SCHEMA_ROOT_ID = 'urn:aif:contract';
const DIALECT_2020_12 = 'https://json-schema.org/draft/2020-12/schema';

/** Compiled validators of one endpoint; a parameter validator is absent when nothing is declared. */
type EndpointValidators = {
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
type BodyValidator = (data: unknown, prefix: string) => ValidationIssue[];

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
  private readonly parameters: Ajv2020;
  private readonly templates: PathTemplate[];
  /** Endpoint indexes and their templates per method, so resolution allocates nothing per call. */
  private readonly byMethod = new Map<string, { indexes: number[]; templates: PathTemplate[] }>();
  private readonly validators = new Map<number, EndpointValidators>();
  private readonly namedValidators = new Map<string, BodyValidator>();

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
    this.templates = contract.endpoints.map((e) => compilePathTemplate(e.path));
    contract.endpoints.forEach((endpoint, index) => {
      let entry = this.byMethod.get(endpoint.method);
      if (!entry) {
        entry = { indexes: [], templates: [] };
        this.byMethod.set(endpoint.method, entry);
      }
      entry.indexes.push(index);
      entry.templates.push(this.templates[index] as PathTemplate);
    });
  }

  /**
   * Compiles every named schema once, so that registration refuses a contract whose schemas
   * cannot be used (invalid keywords, `$ref`s that point nowhere).
   *
   * @throws {InvalidSchemaError} listing every schema that fails, with its JSON pointer
   */
  assertSchemasCompile(): void {
    const problems: FieldProblem[] = [];
    for (const [name, schema] of Object.entries(this.contract.schemas)) {
      const dialect = typeof schema === 'object' ? schema.$schema : undefined;
      if (dialect !== undefined && dialect !== DIALECT_2020_12 && dialect !== `${DIALECT_2020_12}#`) {
        problems.push({
          pointer: `/schemas/${escapePointer(name)}/$schema`,
          keyword: '$schema',
          message: `contracts use JSON Schema 2020-12; remove $schema or set it to ${DIALECT_2020_12}`,
        });
        continue;
      }
      if (!this.bodies.validateSchema(schema)) {
        for (const error of this.bodies.errors ?? []) {
          problems.push({
            pointer: `/schemas/${escapePointer(name)}${error.instancePath}`,
            message: error.message ?? error.keyword,
            keyword: error.keyword,
          });
        }
      }
    }
    problems.push(...quadraticUniqueItems(this.contract.schemas, '/schemas'));
    problems.push(...deeplyNestedArrays(this.contract.schemas, '/schemas'));
    problems.push(...longRefChains(this.contract.schemas));
    problems.push(...unsupportedPatterns(this.contract.schemas, '/schemas'));
    this.contract.endpoints.forEach((endpoint, index) => {
      for (const part of ['query', 'headers', 'pathParameters'] as const) {
        for (const [name, spec] of Object.entries(endpoint[part])) {
          if (spec.schema !== undefined) {
            problems.push(
              ...quadraticUniqueItems(spec.schema, `/endpoints/${index}/${part}/${escapePointer(name)}/schema`),
            );
            problems.push(
              ...deeplyNestedArrays(spec.schema, `/endpoints/${index}/${part}/${escapePointer(name)}/schema`),
            );
            problems.push(
              ...unsupportedPatterns(spec.schema, `/endpoints/${index}/${part}/${escapePointer(name)}/schema`),
            );
          }
        }
      }
    });
    if (problems.length === 0) {
      // A dry run finds what only shows at evaluation: $ref cycles that consume no input, $dynamicRef
      // to anchors that do not exist. One compilation covers every schema (compiling them one by one
      // costs O(n²) for long $ref chains); only when it fails are they tried one by one to say which.
      const samples = dryRunSamples(this.contract.schemas);
      const dryRun = (schema: object) => {
        const validate = this.bodies.compile(schema);
        for (const sample of samples) validate(sample);
      };
      const names = Object.keys(this.contract.schemas);
      // Chunks of 64: Ajv nests anyOf branches, so one anyOf over thousands of refs is quadratic too.
      const chunks = Array.from({ length: Math.ceil(names.length / 64) }, (_, i) => names.slice(i * 64, i * 64 + 64));
      for (const chunk of chunks) {
        try {
          dryRun({ anyOf: chunk.map((name) => refTo(name)) });
          continue;
        } catch {
          // find out which schema below
        }
        for (const name of chunk) {
          try {
            dryRun(refTo(name));
          } catch (error) {
            problems.push({ pointer: `/schemas/${escapePointer(name)}`, message: schemaErrorMessage(error) });
          }
        }
      }
      // Endpoints compile the schemas above again: only worth it (and only new problems) when those are sound.
      const schemaProblems = problems.length;
      this.contract.endpoints.forEach((_, index) => {
        if (schemaProblems > 0) return;
        try {
          this.endpointValidators(index);
        } catch (error) {
          problems.push({ pointer: `/endpoints/${index}`, message: schemaErrorMessage(error) });
        }
      });
    }
    if (problems.length > 0) throw new InvalidSchemaError(`${problems.length} schema problem(s)`, problems);
  }

  /**
   * Finds the endpoint for a method and a concrete path (`/pets/42` matches `/pets/{petId}`).
   *
   * @throws {EndpointNotFoundError} naming every known endpoint when nothing matches
   */
  resolveEndpoint(
    method: string,
    path: string,
  ): { index: number; endpoint: EndpointSpec; pathParameters: Record<string, string> } {
    const upper = method.toUpperCase();
    const candidates = this.byMethod.get(upper);
    const match = candidates && matchPath(candidates.templates, path);
    if (!candidates || !match) {
      const known = this.contract.endpoints.map((e) => `${e.method} ${e.path}`);
      throw new EndpointNotFoundError(
        `No endpoint ${upper} ${path}; known endpoints: ${known.length > 0 ? known.join(', ') : 'none'}`,
        known.map((endpoint, i) => ({ pointer: `/endpoints/${i}`, message: endpoint })),
      );
    }
    const index = candidates.indexes[match.index] as number;
    return { index, endpoint: this.contract.endpoints[index] as EndpointSpec, pathParameters: match.parameters };
  }

  /**
   * Validates a request: body against `requestSchema`, query/header/path parameters against their
   * specs (required, schema). Error paths start with `/body`, `/query`, `/headers` or `/pathParameters`.
   * Path parameters come from the concrete path; explicit `request.pathParameters` fill in those the
   * path leaves as `{name}`.
   *
   * @throws {EndpointNotFoundError} when no endpoint matches
   */
  validateRequest(method: string, path: string, request: RequestSample): ValidationOutcome {
    const { index, endpoint, pathParameters } = this.resolveEndpoint(method, path);
    const validators = this.endpointValidators(index);
    const errors: ValidationIssue[] = [];
    if (endpoint.requestSchema !== undefined && validators.body) {
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
    const errors = this.responseValidator(index, key)(body, '/body');
    return { valid: errors.length === 0, errors, endpoint: label };
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
  private bodyValidator(name: string, direction: Direction): BodyValidator {
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
      first ??= this.firstErrorBodies.compile(schema);
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
      all ??= this.bodies.compile(schema);
      run(all, data);
      return toIssues(prefix, all.errors);
    };
  }

  private endpointValidators(index: number): EndpointValidators {
    let validators = this.validators.get(index);
    if (validators) return validators;
    const endpoint = this.contract.endpoints[index] as EndpointSpec;
    const template = this.templates[index] as PathTemplate;
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

/**
 * A bounded cache of compiled contracts keyed by name, version and content hash, so each contract
 * version is compiled once per Lambda instance (least recently used entries are evicted).
 *
 * @example
 * const cache = new CompiledContractCache(64);
 * const compiled = cache.get(contract); // compiles once, then returns the same object
 */
export class CompiledContractCache {
  private readonly entries = new Map<string, CompiledContract>();

  constructor(private readonly maxEntries = 64) {}

  get(contract: Pick<ContractDocument, 'name' | 'version' | 'endpoints' | 'schemas'> & { contentHash: string }) {
    const key = `${contract.name}@${contract.version}#${contract.contentHash}`;
    let compiled = this.entries.get(key);
    if (compiled) {
      this.entries.delete(key);
    } else {
      compiled = new CompiledContract(contract);
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    }
    this.entries.set(key, compiled);
    return compiled;
  }
}

/**
 * `pattern` and `patternProperties` run on RE2 (re2js): matching time is linear in the input, so a
 * contract's regex cannot hang validation (ReDoS). ECMA-262 escapes RE2 spells differently (`\uXXXX`,
 * `\u{…}`, `\cX`, `[^]`) are translated first; RE2 has no lookaround or backreferences, and such
 * patterns are refused when the contract is registered. `\s` is RE2's ASCII whitespace class.
 */
const re2: RegExpEngine = Object.assign((pattern: string) => RE2JS.compile(RE2JS.translateRegExp(pattern)), {
  code: 'RE2JS.compile',
});

/**
 * Replaces Ajv's `enum`, which compares the value with every allowed value in turn (an enum of
 * 100 000 values against an array of 10 000 items is 10⁹ comparisons), by a Set lookup for
 * scalars and deep equality (fast-deep-equal, as Ajv uses) for the rest. Same result and error.
 */
function useHashedEnum(ajv: Ajv2020): void {
  ajv.removeKeyword('enum');
  ajv.addKeyword({
    keyword: 'enum',
    schemaType: 'array',
    // errors: false lets Ajv report failures itself, appending in linear time (errors a keyword
    // returns are concatenated, quadratic over many failing items); toIssues restores the message.
    errors: false,
    compile: (allowed: unknown[]) => {
      const isScalar = (v: unknown) => v === null || typeof v !== 'object';
      const scalars = new Set(allowed.filter(isScalar));
      const structured = allowed.filter((v) => !isScalar(v));
      return (data: unknown) => (isScalar(data) ? scalars.has(data) : structured.some((v) => equal(v, data)));
    },
  });
}

function createAjv(coerceTypes: false | 'array', allErrors = true): Ajv2020 {
  // inlineRefs off: every named schema compiles once and is called by reference; inlining made a chain of
  // n $refs cost O(n²) to compile (and overflow the stack for long chains).
  const ajv = new Ajv2020({
    allErrors,
    strict: false,
    coerceTypes,
    logger: false,
    inlineRefs: false,
    code: { regExp: re2 },
  });
  addFormats(ajv);
  useHashedEnum(ajv);
  // OpenAPI's numeric and binary formats (OpenAPI 3.1 §4.2 "Data Types") are annotations here.
  for (const format of ['int32', 'int64', 'float', 'double', 'byte', 'binary', 'password']) {
    if (!ajv.formats[format]) ajv.addFormat(format, true);
  }
  return ajv;
}

/** Largest `maxItems` allowed with `uniqueItems` over items that may be objects or arrays. */
export const MAX_UNIQUE_ITEMS_COMPARED = 1000;

/**
 * Finds `uniqueItems: true` where Ajv must compare items pairwise (items that may be objects or
 * arrays: O(n²) deep comparisons, so a 2 MiB body could occupy a function for minutes) without a
 * `maxItems` of at most MAX_UNIQUE_ITEMS_COMPARED. Scalar item types are checked with a hash (linear).
 */
function quadraticUniqueItems(root: unknown, rootPointer: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const stack: Array<[unknown, string]> = [[root, rootPointer]];
  while (stack.length > 0) {
    const [node, pointer] = stack.pop() as [unknown, string];
    if (node === null || typeof node !== 'object') continue;
    const schema = node as Record<string, unknown>;
    if (schema.uniqueItems === true) {
      const itemType = (schema.items as { type?: unknown } | undefined)?.type;
      const types = Array.isArray(itemType) ? itemType : itemType === undefined ? [] : [itemType];
      const scalar = types.length > 0 && !types.includes('object') && !types.includes('array');
      const bounded = typeof schema.maxItems === 'number' && schema.maxItems <= MAX_UNIQUE_ITEMS_COMPARED;
      if (!scalar && !bounded) {
        problems.push({
          pointer: `${pointer}/uniqueItems`,
          keyword: 'uniqueItems',
          message: `uniqueItems over items that may be objects or arrays compares every pair of items: add maxItems (at most ${MAX_UNIQUE_ITEMS_COMPARED}) or give items a scalar type`,
        });
      }
    }
    for (const [key, child] of Object.entries(schema)) stack.push([child, `${pointer}/${escapePointer(key)}`]);
  }
  return problems;
}

/**
 * Most arrays nested inside one another (at any distance) on one path of a schema. Ajv's compiler
 * walks every array twice, so its time doubles with each level; a 150-byte `const` of arrays
 * nested 40 deep takes minutes to compile.
 */
export const MAX_SCHEMA_ARRAY_NESTING = 12;

function deeplyNestedArrays(root: unknown, rootPointer: string): FieldProblem[] {
  const stack: Array<[unknown, string, number]> = [[root, rootPointer, 0]];
  while (stack.length > 0) {
    const [node, pointer, arrays] = stack.pop() as [unknown, string, number];
    if (node === null || typeof node !== 'object') continue;
    const level = Array.isArray(node) ? arrays + 1 : arrays;
    if (level > MAX_SCHEMA_ARRAY_NESTING) {
      return [
        {
          pointer,
          keyword: 'maxArrayNesting',
          message: `arrays nest more than ${MAX_SCHEMA_ARRAY_NESTING} deep here; JSON Schema compilers slow down exponentially with that nesting`,
        },
      ];
    }
    for (const [key, child] of Object.entries(node)) stack.push([child, `${pointer}/${escapePointer(key)}`, level]);
  }
  return [];
}

/**
 * Longest chain of named schemas referring to one another (A → B → C …). Ajv's compile time
 * grows with the square of a chain's length (a 2000-long chain takes seconds and then overflows
 * the stack); real contracts stay far below.
 */
export const MAX_REF_CHAIN = 64;

function longRefChains(schemas: Record<string, JsonSchema>): FieldProblem[] {
  const edges = new Map<string, Set<string>>();
  for (const [name, schema] of Object.entries(schemas)) {
    const targets = new Set<string>();
    const stack: unknown[] = [schema];
    while (stack.length > 0) {
      const node = stack.pop();
      if (node === null || typeof node !== 'object') continue;
      const ref = (node as { $ref?: unknown }).$ref;
      if (typeof ref === 'string' && ref.startsWith('#/$defs/')) {
        const target = decodeURIComponent(ref.slice('#/$defs/'.length).split('/')[0] ?? '');
        targets.add(target.replaceAll('~1', '/').replaceAll('~0', '~'));
      }
      for (const child of Object.values(node)) stack.push(child);
    }
    edges.set(name, targets);
  }
  // Longest path by depth-first search with memo; a reference back into the current path (a
  // cycle, which is legal when it consumes input) ends the path there. Iterative: no recursion.
  const depth = new Map<string, number>();
  for (const start of edges.keys()) {
    if (depth.has(start)) continue;
    const onPath = new Set<string>([start]);
    const stack: Array<{ name: string; children: string[] }> = [
      { name: start, children: [...(edges.get(start) ?? [])] },
    ];
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as { name: string; children: string[] };
      const child = frame.children.pop();
      if (child === undefined) {
        const longest = Math.max(
          0,
          ...[...(edges.get(frame.name) ?? [])].map((c) => (onPath.has(c) ? 0 : (depth.get(c) ?? 0))),
        );
        depth.set(frame.name, longest + 1);
        onPath.delete(frame.name);
        stack.pop();
      } else if (!depth.has(child) && !onPath.has(child) && edges.has(child)) {
        onPath.add(child);
        stack.push({ name: child, children: [...(edges.get(child) ?? [])] });
      }
    }
  }
  return [...depth]
    .filter(([, d]) => d > MAX_REF_CHAIN)
    .slice(0, 1)
    .map(([name, d]) => ({
      pointer: `/schemas/${escapePointer(name)}`,
      keyword: 'maxRefChain',
      message: `a chain of ${d} schemas referring to one another starts here; at most ${MAX_REF_CHAIN} are supported`,
    }));
}

/** Keywords whose values are data, not schemas: a `pattern` key inside them is not a pattern. */
const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples', 'example']);

/**
 * Compiles every `pattern` and `patternProperties` key with RE2 up front, so a pattern RE2 cannot
 * run (lookaround, backreferences) is refused with the pointer of the pattern itself.
 */
function unsupportedPatterns(root: unknown, rootPointer: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const check = (pattern: string, pointer: string) => {
    try {
      RE2JS.compile(RE2JS.translateRegExp(pattern));
    } catch (error) {
      problems.push({ pointer, keyword: 'pattern', message: `RE2 cannot run this pattern: ${errorMessage(error)}` });
    }
  };
  const stack: Array<[unknown, string]> = [[root, rootPointer]];
  while (stack.length > 0) {
    const [node, pointer] = stack.pop() as [unknown, string];
    if (node === null || typeof node !== 'object') continue;
    const schema = node as Record<string, unknown>;
    if (typeof schema.pattern === 'string') check(schema.pattern, `${pointer}/pattern`);
    if (schema.patternProperties !== null && typeof schema.patternProperties === 'object') {
      for (const key of Object.keys(schema.patternProperties)) {
        check(key, `${pointer}/patternProperties/${escapePointer(key)}`);
      }
    }
    for (const [key, child] of Object.entries(schema)) {
      if (!DATA_KEYWORDS.has(key)) stack.push([child, `${pointer}/${escapePointer(key)}`]);
    }
  }
  return problems;
}

/**
 * Values the registration dry run validates against every schema: the empty value of each type,
 * plus an object holding every property name the schemas mention (so that `dependentSchemas`,
 * `if`/`then` and `properties` branches that recurse are entered) and an array of it.
 */
function dryRunSamples(schemas: Record<string, JsonSchema>): unknown[] {
  const names = new Set<string>();
  const stack: unknown[] = [schemas];
  while (stack.length > 0 && names.size < 1000) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    const schema = node as Record<string, unknown>;
    for (const key of ['properties', 'dependentSchemas', 'dependentRequired'] as const) {
      const value = schema[key];
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        for (const name of Object.keys(value)) names.add(name);
      }
    }
    if (Array.isArray(schema.required))
      for (const name of schema.required) if (typeof name === 'string') names.add(name);
    for (const [key, child] of Object.entries(schema)) if (!DATA_KEYWORDS.has(key)) stack.push(child);
  }
  const everything = Object.fromEntries([...names].map((name) => [name, null]));
  return [null, {}, [], 0, 1.5, '', true, everything, [everything]];
}

/** Runs a compiled validator; a schema that fails while evaluating is the contract's defect (422), not ours. */
function run(validate: ValidateFunction, data: unknown): boolean {
  try {
    return validate(data) as boolean;
  } catch (error) {
    throw new InvalidSchemaError('A schema of this contract cannot be evaluated', [
      { pointer: '/schemas', message: schemaErrorMessage(error) },
    ]);
  }
}

function schemaErrorMessage(error: unknown): string {
  if (error instanceof RangeError) {
    return 'the schema recurses without end ($ref or $dynamicRef cycle that consumes no input) and cannot be evaluated';
  }
  return errorMessage(error);
}

function refTo(name: string, root = SCHEMA_ROOT_ID): { $ref: string } {
  return { $ref: `${root}#/$defs/${encodeURIComponent(escapePointer(name))}` };
}

/** Which way a body travels: requests ignore `readOnly` properties' `required`, responses `writeOnly` ones. */
type Direction = 'request' | 'response';

/**
 * Adds the request and response views of the schemas (roots `urn:aif:contract:request` and
 * `:response`). As OpenAPI defines them (OpenAPI 3.0 §4.7.25, 3.1 via JSON Schema's annotations
 * read that way by OpenAPI tooling): a `readOnly` property is required only in responses, a
 * `writeOnly` one only in requests — so a `required` id marked readOnly is not demanded of clients.
 */
function addDirectionalViews(ajv: Ajv2020, schemas: Record<string, JsonSchema>): void {
  ajv.addSchema(
    { $id: `${SCHEMA_ROOT_ID}:request`, $defs: withoutRequired(schemas, 'readOnly') },
    undefined,
    undefined,
    false,
  );
  ajv.addSchema(
    { $id: `${SCHEMA_ROOT_ID}:response`, $defs: withoutRequired(schemas, 'writeOnly') },
    undefined,
    undefined,
    false,
  );
}

/** A copy of the schemas in which properties flagged `flag: true` are dropped from `required`. */
function withoutRequired(
  schemas: Record<string, JsonSchema>,
  flag: 'readOnly' | 'writeOnly',
): Record<string, JsonSchema> {
  const copy = structuredClone(schemas);
  const flagged = (property: unknown): boolean => {
    if (property === null || typeof property !== 'object') return false;
    const p = property as Record<string, unknown>;
    if (p[flag] === true) return true;
    if (typeof p.$ref === 'string' && p.$ref.startsWith('#/$defs/')) {
      const target =
        copy[decodeURIComponent(p.$ref.slice('#/$defs/'.length)).replaceAll('~1', '/').replaceAll('~0', '~')];
      return typeof target === 'object' && target !== null && target[flag] === true;
    }
    return false;
  };
  const stack: unknown[] = [copy];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    const schema = node as Record<string, unknown>;
    const properties = schema.properties as Record<string, unknown> | undefined;
    if (Array.isArray(schema.required) && properties !== null && typeof properties === 'object') {
      schema.required = schema.required.filter((name) => !flagged(properties[name as string]));
    }
    for (const [key, child] of Object.entries(schema)) if (!DATA_KEYWORDS.has(key)) stack.push(child);
  }
  return copy;
}

function parameterObjectSchema(
  specs: Record<string, ParameterSpec>,
  rename: (name: string) => string = (name) => name,
): Record<string, unknown> {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    properties[rename(name)] = spec.schema ?? true;
    if (spec.required) required.push(rename(name));
  }
  return { type: 'object', properties, required };
}

/** The response validators' key for a list-form `errorSchemas` (no status key can collide with it). */
const ANY_LISTED_ERROR_SCHEMA = 'any-listed';

function responseKey(endpoint: EndpointSpec, status: number): string | undefined {
  if (status >= 200 && status < 300 && endpoint.responseSchema !== undefined) return '2XX';
  const { errorSchemas } = endpoint;
  if (Array.isArray(errorSchemas)) {
    return status >= 400 && errorSchemas.length > 0 ? ANY_LISTED_ERROR_SCHEMA : undefined;
  }
  const exact = String(status);
  const statusClass = `${exact[0]}XX`;
  if (exact in errorSchemas) return exact;
  if (statusClass in errorSchemas) return statusClass;
  if ('default' in errorSchemas) return 'default';
  return undefined;
}

/** Valid when any validator finds nothing; otherwise every validator's issues, in list order. */
function anyOf(validators: BodyValidator[]): BodyValidator {
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

/** Largest body (in values: scalars, arrays, objects) for which every error is listed. */
export const MAX_VALUES_FOR_ALL_ERRORS = 2000;

/** Counts the values in `data`, stopping once the count passes `limit`. */
function countValues(data: unknown, limit: number): number {
  let count = 0;
  const stack: unknown[] = [data];
  while (stack.length > 0 && count <= limit) {
    const node = stack.pop();
    count += 1;
    if (node !== null && typeof node === 'object') for (const child of Object.values(node)) stack.push(child);
  }
  return count;
}

/** Most errors one validation reports; the rest are counted, not listed (a response stays small). */
export const MAX_REPORTED_ERRORS = 100;

function toIssues(prefix: string, errors: ErrorObject[] | null | undefined): ValidationIssue[] {
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

function delimitersOf(
  specs: Record<string, ParameterSpec>,
  rename: (name: string) => string = (name) => name,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, spec] of Object.entries(specs))
    if (spec.delimiter !== undefined) out.set(rename(name), spec.delimiter);
  return out;
}

/** Splits the string values of delimited array parameters (in place; `values` is a copy). */
function split(values: Record<string, unknown>, delimiters: Map<string, string>): Record<string, unknown> {
  for (const [name, delimiter] of delimiters) {
    const value = values[name];
    if (typeof value === 'string') values[name] = value === '' ? [] : value.split(delimiter);
  }
  return values;
}

function lowerCaseKeys(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) out[key.toLowerCase()] = value;
  return out;
}

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
