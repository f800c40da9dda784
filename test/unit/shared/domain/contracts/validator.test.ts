import { describe, expect, it } from 'vitest';
import { ContractDocumentSchema } from '../../../../../shared/domain/contracts/contract';
import { EndpointNotFoundError, InvalidSchemaError } from '../../../../../shared/domain/contracts/errors';
import { CompiledContract, CompiledContractCache } from '../../../../../shared/domain/contracts/validator';
import { parsedAgentsContract, storedVersion } from '../../../../support/contracts';

const validAgent = { name: 'scout', capabilities: ['search'] };
const headers = { 'x-api-key': 'k' };

describe('CompiledContract', () => {
  const compiled = new CompiledContract(parsedAgentsContract());

  describe('validateRequest', () => {
    it('accepts a request that satisfies body, headers and path', () => {
      expect(compiled.validateRequest('POST', '/agents', { body: validAgent, headers })).toEqual({
        valid: true,
        errors: [],
        endpoint: 'POST /agents',
      });
    });

    it('reports every problem of the body with its JSON pointer', () => {
      const outcome = compiled.validateRequest('POST', '/agents', {
        body: { capabilities: ['dance'], maxConcurrency: 1.5, extra: true, owner: { email: 'not-an-email' } },
        headers,
      });
      expect(outcome.valid).toBe(false);
      expect(outcome.errors).toEqual([
        { instancePath: '/body/name', keyword: 'required', message: "must have required property 'name'" },
        {
          instancePath: '/body/extra',
          keyword: 'additionalProperties',
          message: 'must NOT have additional properties',
        },
        {
          instancePath: '/body/capabilities/0',
          keyword: 'enum',
          message: 'must be equal to one of the allowed values',
        },
        { instancePath: '/body/maxConcurrency', keyword: 'type', message: 'must be integer' },
        { instancePath: '/body/owner/email', keyword: 'format', message: 'must match format "email"' },
      ]);
    });

    it('tells integer from number and accepts null where the type allows it', () => {
      const ok = compiled.validateRequest('POST', '/agents', {
        body: { ...validAgent, maxConcurrency: 4, endpoint: null },
        headers,
      });
      const bad = compiled.validateRequest('POST', '/agents', { body: { ...validAgent, endpoint: 42 }, headers });
      expect(ok.valid).toBe(true);
      expect(bad.errors).toEqual([{ instancePath: '/body/endpoint', keyword: 'type', message: 'must be string,null' }]);
    });

    it('checks required headers case-insensitively', () => {
      expect(
        compiled.validateRequest('POST', '/agents', { body: validAgent, headers: { 'X-API-KEY': 'k' } }).valid,
      ).toBe(true);
      expect(compiled.validateRequest('POST', '/agents', { body: validAgent }).errors).toEqual([
        { instancePath: '/headers/x-api-key', keyword: 'required', message: "must have required property 'x-api-key'" },
      ]);
    });

    it('requires the body when the endpoint declares one', () => {
      expect(compiled.validateRequest('POST', '/agents', { headers }).errors).toEqual([
        { instancePath: '/body', keyword: 'required', message: 'request body is required' },
      ]);
    });

    it('matches path templates and validates path and query parameters after coercion', () => {
      const id = '3f1c2a9e-8a4b-4c57-9d2e-1f0a7b6c5d4e';
      expect(compiled.validateRequest('GET', `/agents/${id}`, { query: { verbose: 'true' } }).valid).toBe(true);
      expect(compiled.validateRequest('GET', '/agents/nope', { query: { verbose: 'maybe' } }).errors).toEqual([
        { instancePath: '/query/verbose', keyword: 'type', message: 'must be boolean' },
        { instancePath: '/pathParameters/id', keyword: 'format', message: 'must match format "uuid"' },
      ]);
    });

    it('takes path parameters from request.pathParameters when the path is the template itself', () => {
      const outcome = compiled.validateRequest('GET', '/agents/{id}', { pathParameters: { id: 'not-a-uuid' } });
      expect(outcome.errors).toEqual([
        { instancePath: '/pathParameters/id', keyword: 'format', message: 'must match format "uuid"' },
      ]);
    });

    it('rejects an unknown endpoint naming the known ones', () => {
      let error: unknown;
      try {
        compiled.validateRequest('DELETE', '/agents/1', {});
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(EndpointNotFoundError);
      expect((error as Error).message).toBe(
        'No endpoint DELETE /agents/1; known endpoints: POST /agents, GET /agents/{id}',
      );
    });
  });

  describe('validateResponse', () => {
    it('validates 2xx bodies against responseSchema', () => {
      expect(compiled.validateResponse('POST', '/agents', 201, { id: 'x', name: 'scout' }).errors).toEqual([
        { instancePath: '/body/id', keyword: 'format', message: 'must match format "uuid"' },
      ]);
    });

    it('picks the error schema by exact status, then class, then default', () => {
      expect(compiled.validateResponse('POST', '/agents', 409, { message: 'taken' }).valid).toBe(true);
      expect(compiled.validateResponse('POST', '/agents', 400, {}).errors).toEqual([
        { instancePath: '/body/message', keyword: 'required', message: "must have required property 'message'" },
      ]);
    });

    it('reports a status the endpoint does not declare', () => {
      expect(compiled.validateResponse('GET', '/agents/1', 500, {}).errors).toEqual([
        { instancePath: '/status', keyword: 'status', message: 'status 500 is not declared for GET /agents/{id}' },
      ]);
    });
  });

  describe('assertSchemasCompile', () => {
    it('rejects a $ref that points nowhere, naming the schema', () => {
      const contract = ContractDocumentSchema.parse({
        name: 'broken',
        version: '1.0.0',
        schemas: { A: { $ref: '#/$defs/Missing' } },
      });
      let error: unknown;
      try {
        new CompiledContract(contract).assertSchemasCompile();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidSchemaError);
      expect((error as InvalidSchemaError).problems.map((p) => p.pointer)).toEqual(['/schemas/A']);
    });
  });
});

describe('CompiledContractCache', () => {
  it('compiles a contract version once and recompiles when its content changes', () => {
    const cache = new CompiledContractCache(2);
    const v1 = storedVersion();
    expect(cache.get(v1)).toBe(cache.get({ ...v1 }));
    expect(cache.get({ ...v1, contentHash: 'other' })).not.toBe(cache.get(v1));
  });

  it('keys by tenant: the same name, version and content of two tenants are two entries', () => {
    // Prepare
    const cache = new CompiledContractCache(4);
    const ofA = storedVersion({}, { tenant: 'tenant-a', principal: 'a' });
    const ofB = storedVersion({}, { tenant: 'tenant-b', principal: 'b' });
    // A tenant holding the key separator of a naive `${tenant}${name}` key must not collide either.
    const tricky = storedVersion({ name: 'ents' }, { tenant: 'tenant-a@1.0.0#', principal: 'c' });

    // Act
    const compiledForA = cache.get(ofA);

    // Assess
    expect(ofA.contentHash).toBe(ofB.contentHash);
    expect(cache.get(ofB)).not.toBe(compiledForA);
    expect(cache.get(tricky)).not.toBe(compiledForA);
    const ofAByAnother = storedVersion({}, { tenant: 'tenant-a', principal: 'someone else' });
    expect(cache.get(ofAByAnother)).toBe(compiledForA);
  });

  it('evicts the least recently used entry beyond its size', () => {
    const cache = new CompiledContractCache(2);
    const a = storedVersion({ version: '1.0.0' });
    const b = storedVersion({ version: '1.1.0' });
    const c = storedVersion({ version: '1.2.0' });
    const first = cache.get(a);
    cache.get(b);
    cache.get(a);
    cache.get(c);
    expect(cache.get(a)).toBe(first);
  });
});

describe('CompiledContract hardening', () => {
  const contractWith = (schema: Record<string, unknown>, extraSchemas: Record<string, unknown> = {}) =>
    ContractDocumentSchema.parse({
      name: 'hostile',
      version: '1.0.0',
      endpoints: [{ path: '/a', method: 'POST', requestSchema: 'S' }],
      schemas: { S: schema, ...extraSchemas },
    });
  const problemsOf = (contract: ReturnType<typeof contractWith>) => {
    try {
      new CompiledContract(contract).assertSchemasCompile();
      return [];
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidSchemaError);
      return (error as InvalidSchemaError).problems;
    }
  };

  it('evaluates patterns in linear time, so a catastrophic pattern cannot hang validation', () => {
    const compiled = new CompiledContract(contractWith({ type: 'string', pattern: '^(a+)+$' }));
    const started = performance.now();
    const outcome = compiled.validateRequest('POST', '/a', { body: `${'a'.repeat(5000)}!` });
    expect(outcome.errors).toEqual([
      { instancePath: '/body', keyword: 'pattern', message: 'must match pattern "^(a+)+$"' },
    ]);
    // A backtracking engine needs about 2^5000 steps here; RE2 answers at once.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('refuses patterns RE2 cannot run (lookaround) at registration', () => {
    expect(problemsOf(contractWith({ type: 'string', pattern: '^(?=a)a$' }))).toEqual([
      {
        pointer: '/schemas/S/pattern',
        keyword: 'pattern',
        message: expect.stringContaining('invalid or unsupported Perl syntax'),
      },
    ]);
  });

  it('names every invalid keyword of every schema with its pointer', () => {
    const problems = problemsOf(contractWith({ type: 5 }, { T: { minimum: 'x' } }));
    expect(problems.map((p) => p.pointer)).toEqual(expect.arrayContaining(['/schemas/S/type', '/schemas/T/minimum']));
  });

  it('refuses schemas that recurse without end', () => {
    const selfRef = problemsOf(contractWith({ $ref: '#/$defs/S' }));
    const dynamic = problemsOf(contractWith({ $dynamicRef: '#meta' }));
    expect(selfRef[0]?.message).toMatch(/recurses without end|call stack/);
    expect(dynamic).toEqual([{ pointer: '/schemas/S', message: expect.stringContaining('recurses without end') }]);
  });

  it('refuses a dependentSchemas cycle that only recurses when the property is present', () => {
    const problems = problemsOf(contractWith({ dependentSchemas: { x: { $ref: '#/$defs/S' } } }));
    expect(problems).toEqual([expect.objectContaining({ message: expect.stringContaining('recurses without end') })]);
  });

  it('translates ECMA-262 escapes for RE2', () => {
    const compiled = new CompiledContract(contractWith({ type: 'string', pattern: '^\\u0041[\\u4e00-\\u9fa5]+$' }));
    expect(compiled.validateRequest('POST', '/a', { body: 'A中文' }).valid).toBe(true);
    expect(compiled.validateRequest('POST', '/a', { body: 'B中文' }).valid).toBe(false);
  });

  it('applies the default error schema to a 2xx the endpoint does not declare', () => {
    const compiled = new CompiledContract(
      ContractDocumentSchema.parse({
        name: 'deletes',
        version: '1.0.0',
        endpoints: [{ path: '/pets/{id}', method: 'DELETE', errorSchemas: { default: 'Error' } }],
        schemas: { Error: { type: 'object', required: ['message'] } },
      }),
    );
    expect(compiled.validateResponse('DELETE', '/pets/1', 200, { code: 'x' }).errors).toEqual([
      { instancePath: '/body/message', keyword: 'required', message: "must have required property 'message'" },
    ]);
  });
});

describe('uniqueItems guard', () => {
  const compile = (schema: Record<string, unknown>) => () =>
    new CompiledContract(
      ContractDocumentSchema.parse({ name: 'u', version: '1.0.0', schemas: { S: schema } }),
    ).assertSchemasCompile();

  it('refuses uniqueItems over object items without a small maxItems, naming where', () => {
    let problems: unknown[] = [];
    try {
      compile({ type: 'object', properties: { tags: { type: 'array', uniqueItems: true } } })();
    } catch (error) {
      problems = (error as InvalidSchemaError).problems;
    }
    expect(problems).toEqual([
      expect.objectContaining({ pointer: '/schemas/S/properties/tags/uniqueItems', keyword: 'uniqueItems' }),
    ]);
  });

  it('accepts uniqueItems over scalar items or with maxItems of at most 1000', () => {
    expect(compile({ type: 'array', uniqueItems: true, items: { type: 'string' } })).not.toThrow();
    expect(compile({ type: 'array', uniqueItems: true, maxItems: 1000 })).not.toThrow();
  });
});

describe('schema dialect', () => {
  it('refuses a $schema other than 2020-12 with its pointer, and accepts 2020-12', () => {
    const compile = (dialect: string) => () =>
      new CompiledContract(
        ContractDocumentSchema.parse({
          name: 'd',
          version: '1.0.0',
          schemas: { S: { $schema: dialect, type: 'string' } },
        }),
      ).assertSchemasCompile();
    let problems: unknown[] = [];
    try {
      compile('http://json-schema.org/draft-07/schema#')();
    } catch (error) {
      problems = (error as InvalidSchemaError).problems;
    }
    expect(problems).toEqual([expect.objectContaining({ pointer: '/schemas/S/$schema', keyword: '$schema' })]);
    expect(compile('https://json-schema.org/draft/2020-12/schema')).not.toThrow();
  });
});

describe('compile-time bombs', () => {
  const problemsFor = (schemas: Record<string, unknown>) => {
    try {
      new CompiledContract(
        ContractDocumentSchema.parse({ name: 'b', version: '1.0.0', schemas }),
      ).assertSchemasCompile();
      return [];
    } catch (error) {
      return (error as InvalidSchemaError).problems;
    }
  };

  it('refuses arrays nested deeper than 12 anywhere in a schema, which Ajv compiles in exponential time', () => {
    let nested: unknown = 1;
    for (let i = 0; i < 40; i++) nested = [nested];
    expect(problemsFor({ X: { const: { x: nested } } })).toEqual([
      expect.objectContaining({ keyword: 'maxArrayNesting', pointer: `/schemas/X/const/x${'/0'.repeat(12)}` }),
    ]);
  });

  it('refuses $ref chains longer than 64 schemas and accepts 64', () => {
    const chain = (n: number) =>
      Object.fromEntries(
        Array.from({ length: n }, (_, i) => [
          `S${i}`,
          i === n - 1 ? { type: 'string' } : { $ref: `#/$defs/S${i + 1}` },
        ]),
      );
    expect(problemsFor(chain(64))).toEqual([]);
    expect(problemsFor(chain(2000))).toEqual([expect.objectContaining({ keyword: 'maxRefChain' })]);
  });

  it('still accepts recursive schemas that consume input', () => {
    expect(problemsFor({ Node: { type: 'object', properties: { next: { $ref: '#/$defs/Node' } } } })).toEqual([]);
  });
});

describe('large enums and many errors', () => {
  const values = Array.from({ length: 50_000 }, (_, i) => `v${i}`);
  const compiled = new CompiledContract(
    ContractDocumentSchema.parse({
      name: 'e',
      version: '1.0.0',
      schemas: { X: { type: 'array', items: { enum: values } } },
      endpoints: [{ path: '/a', method: 'POST', requestSchema: 'X' }],
    }),
  );

  it('checks enum membership like Ajv and lists at most 100 errors plus a count of the rest', () => {
    const outcome = compiled.validateRequest('POST', '/a', { body: [...Array(150).fill('zz'), 'v7'] });
    expect(outcome.errors).toHaveLength(101);
    expect(outcome.errors[0]).toEqual({
      instancePath: '/body/0',
      keyword: 'enum',
      message: 'must be equal to one of the allowed values',
    });
    expect(outcome.errors[100]).toEqual({
      instancePath: '/body',
      keyword: 'maxErrors',
      message: '50 more errors not listed',
    });
    expect(compiled.validateRequest('POST', '/a', { body: ['v0', 'v49999'] }).valid).toBe(true);
  });
});

describe('readOnly and writeOnly (OpenAPI semantics)', () => {
  const compiled = new CompiledContract(
    ContractDocumentSchema.parse({
      name: 'users',
      version: '1.0.0',
      endpoints: [{ path: '/users', method: 'POST', requestSchema: 'User', responseSchema: 'User' }],
      schemas: {
        Id: { type: 'integer', readOnly: true },
        User: {
          type: 'object',
          required: ['id', 'name', 'password', 'created'],
          properties: {
            id: { $ref: '#/$defs/Id' },
            created: { type: 'string', readOnly: true },
            name: { type: 'string' },
            password: { type: 'string', writeOnly: true },
          },
        },
      },
    }),
  );

  it('does not demand readOnly properties in requests, but still checks them when sent', () => {
    expect(compiled.validateRequest('POST', '/users', { body: { name: 'a', password: 'p' } }).valid).toBe(true);
    expect(compiled.validateRequest('POST', '/users', { body: { name: 'a', password: 'p', id: 'x' } }).errors).toEqual([
      { instancePath: '/body/id', keyword: 'type', message: 'must be integer' },
    ]);
  });

  it('does not demand writeOnly properties in responses', () => {
    expect(compiled.validateResponse('POST', '/users', 201, { id: 1, name: 'a', created: 'now' }).valid).toBe(true);
    expect(compiled.validateResponse('POST', '/users', 201, { name: 'a' }).errors.map((e) => e.instancePath)).toEqual([
      '/body/id',
      '/body/created',
    ]);
  });
});

describe('delimited array parameters', () => {
  it('splits a joined array value before validating its items', () => {
    const compiled = new CompiledContract(
      ContractDocumentSchema.parse({
        name: 'ids',
        version: '1.0.0',
        endpoints: [
          {
            path: '/items',
            method: 'GET',
            query: { ids: { delimiter: ',', schema: { type: 'array', items: { type: 'integer' } } } },
          },
        ],
      }),
    );
    expect(compiled.validateRequest('GET', '/items', { query: { ids: '1,2,3' } }).valid).toBe(true);
    expect(compiled.validateRequest('GET', '/items', { query: { ids: '1,x' } }).errors).toEqual([
      { instancePath: '/query/ids/1', keyword: 'type', message: 'must be integer' },
    ]);
  });
});

describe('CompiledContract with the seed contract shapes', () => {
  const seedShaped = (errorSchemas: unknown, schemas: Record<string, unknown>) =>
    new CompiledContract(
      ContractDocumentSchema.parse({
        name: 'agent-api',
        version: '1.0.0',
        endpoints: [
          {
            path: '/agents',
            method: 'POST',
            requestSchema: 'CreateAgentRequest',
            responseSchema: 'AgentResponse',
            errorSchemas,
          },
        ],
        schemas,
      }),
    );
  const validationError = { type: 'object', required: ['field'], properties: { field: { type: 'string' } } };
  const authError = { type: 'object', required: ['realm'], properties: { realm: { type: 'string' } } };

  describe('validateResponse', () => {
    it('accepts an error response that matches any schema of a list-form errorSchemas', () => {
      // Prepare
      const compiled = seedShaped(['ValidationError', 'AuthError'], {
        ValidationError: validationError,
        AuthError: authError,
      });

      // Act
      const asValidation = compiled.validateResponse('POST', '/agents', 422, { field: 'name' });
      const asAuth = compiled.validateResponse('POST', '/agents', 401, { realm: 'agents' });

      // Assess
      expect(asValidation).toEqual({ valid: true, errors: [], endpoint: 'POST /agents' });
      expect(asAuth.valid).toBe(true);
    });

    it('rejects an error response that matches none of the listed schemas, with every schema’s errors', () => {
      // Prepare
      const compiled = seedShaped(['ValidationError', 'AuthError'], {
        ValidationError: validationError,
        AuthError: authError,
      });

      // Act
      const outcome = compiled.validateResponse('POST', '/agents', 500, {});

      // Assess
      expect(outcome.valid).toBe(false);
      expect(outcome.errors).toEqual([
        { instancePath: '/body/field', keyword: 'required', message: "must have required property 'field'" },
        { instancePath: '/body/realm', keyword: 'required', message: "must have required property 'realm'" },
      ]);
    });

    it('rejects a status below 400 that only a list-form errorSchemas could describe', () => {
      // Prepare
      const compiled = seedShaped(['ValidationError'], { ValidationError: validationError });

      // Act
      const outcome = compiled.validateResponse('POST', '/agents', 302, {});

      // Assess
      expect(outcome.errors).toEqual([
        { instancePath: '/status', keyword: 'status', message: 'status 302 is not declared for POST /agents' },
      ]);
    });

    it('rejects a response whose schema the contract does not define, naming it', () => {
      // Prepare
      const compiled = seedShaped(['ValidationError'], { CreateAgentRequest: { type: 'object' } });

      // Act
      const ok = compiled.validateResponse('POST', '/agents', 201, { id: 'a-1' });
      const error = compiled.validateResponse('POST', '/agents', 400, { field: 'x' });

      // Assess
      expect(ok).toEqual({
        valid: false,
        endpoint: 'POST /agents',
        errors: [
          {
            instancePath: '/body',
            keyword: '$ref',
            message: 'schema "AgentResponse" is not defined in the contract\'s schemas',
          },
        ],
      });
      expect(error.errors[0]?.message).toBe('schema "ValidationError" is not defined in the contract\'s schemas');
    });
  });

  describe('validateRequest', () => {
    it('rejects a body whose request schema the contract does not define, naming it', () => {
      // Prepare
      const compiled = seedShaped([], { AgentResponse: { type: 'object' } });

      // Act
      const outcome = compiled.validateRequest('POST', '/agents', { body: { name: 'a' } });

      // Assess
      expect(outcome.errors).toEqual([
        {
          instancePath: '/body',
          keyword: '$ref',
          message: 'schema "CreateAgentRequest" is not defined in the contract\'s schemas',
        },
      ]);
    });
  });

  describe('assertSchemasCompile', () => {
    it('passes a contract whose endpoints name schemas it does not define', () => {
      // Prepare
      const compiled = seedShaped(['ValidationError', 'AuthError'], { CreateAgentRequest: { type: 'object' } });

      // Act
      const act = () => compiled.assertSchemasCompile();

      // Assess
      expect(act).not.toThrow();
    });
  });
});
