import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import {
  type ContractDocument,
  type ContractDocumentInput,
  ContractDocumentSchema,
} from '../../../../../shared/domain/contracts/contract';
import {
  importOpenApiDocument,
  isOpenApiDocument,
  OpenApiImportError,
} from '../../../../../shared/domain/contracts/openapi-import';
import { ValidationError } from '../../../../../shared/domain/errors';
import { FIXTURES_DIR } from '../../../../support/fixtures';

const FIXTURES = join(FIXTURES_DIR, 'openapi');
const SEPARATE_ENTRY = 'oai/v2.0/json/petstore-separate/spec/swagger.json';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];

type Doc = Record<string, unknown>;

function load(file: string): Doc {
  const text = readFileSync(join(FIXTURES, file), 'utf8');
  return (file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text)) as Doc;
}

/** Every OpenAPI entry document under test/fixtures/openapi (the petstore-separate parts are not entry points). */
function fixtureFiles(): string[] {
  return (readdirSync(FIXTURES, { recursive: true }) as string[])
    .map((file) => relative(FIXTURES, join(FIXTURES, file)).replaceAll('\\', '/'))
    .filter((file) => /\.(json|ya?ml)$/.test(file))
    .filter((file) => !file.includes('petstore-separate/') || file === SEPARATE_ENTRY)
    .sort();
}

function operationPairs(doc: Doc): string[] {
  const paths = (doc.paths ?? {}) as Record<string, Record<string, unknown>>;
  return Object.entries(paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method] !== undefined).map((method) => `${method.toUpperCase()} ${path}`),
  );
}

async function importFixture(file: string, overrides?: { name?: string; version?: string }) {
  const input = await importOpenApiDocument(load(file), overrides);
  return { input, contract: ContractDocumentSchema.parse(input) };
}

async function importError(doc: Doc, overrides?: { name?: string; version?: string }): Promise<OpenApiImportError> {
  try {
    await importOpenApiDocument(doc, overrides);
  } catch (error) {
    if (error instanceof OpenApiImportError) return error;
    throw error;
  }
  throw new Error('expected the import to be rejected');
}

function newAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, allErrors: true, logger: false });
  addFormats(ajv);
  return ajv;
}

function compileNamed(schemas: ContractDocument['schemas'], name: string, ajv = newAjv()) {
  const ref = `#/$defs/${encodeURIComponent(name.replaceAll('~', '~0').replaceAll('/', '~1'))}`;
  return ajv.compile({ $defs: schemas, $ref: ref });
}

function endpoint(contract: ContractDocument, method: string, path: string) {
  const found = contract.endpoints.find((e) => e.method === method && e.path === path);
  if (!found) throw new Error(`no endpoint ${method} ${path}`);
  return found;
}

/** A minimal OpenAPI 3.0 document around the given paths and components. */
function openapi30(paths: Doc, components: Doc = {}, extra: Doc = {}): Doc {
  return { openapi: '3.0.3', info: { title: 'Test API', version: '1.0.0' }, paths, components, ...extra };
}

/** Name and version each fixture imports as. */
const EXPECTED: Record<string, { name: string; version: string; overrides?: { version: string } }> = {
  'oai/v2.0/json/api-with-examples.json': { name: 'simple-api-overview', version: '2.0.0' },
  'oai/v2.0/json/petstore.json': { name: 'swagger-petstore', version: '1.0.0' },
  'oai/v2.0/yaml/petstore-expanded.yaml': { name: 'swagger-petstore', version: '1.0.0' },
  'oai/v2.0/yaml/uber.yaml': { name: 'uber-api', version: '1.0.0' },
  'oai/v3.0/api-with-examples.json': { name: 'simple-api-overview', version: '2.0.0' },
  'oai/v3.0/api-with-examples.yaml': { name: 'simple-api-overview', version: '2.0.0' },
  'oai/v3.0/callback-example.json': { name: 'callback-example', version: '1.0.0' },
  'oai/v3.0/callback-example.yaml': { name: 'callback-example', version: '1.0.0' },
  'oai/v3.0/link-example.json': { name: 'link-example', version: '1.0.0' },
  'oai/v3.0/link-example.yaml': { name: 'link-example', version: '1.0.0' },
  'oai/v3.0/petstore-expanded.json': { name: 'swagger-petstore', version: '1.0.0' },
  'oai/v3.0/petstore-expanded.yaml': { name: 'swagger-petstore', version: '1.0.0' },
  'oai/v3.0/petstore.json': { name: 'swagger-petstore', version: '1.0.0' },
  'oai/v3.0/petstore.yaml': { name: 'swagger-petstore', version: '1.0.0' },
  'oai/v3.0/uspto.json': { name: 'uspto-data-set-api', version: '1.0.0' },
  'oai/v3.0/uspto.yaml': { name: 'uspto-data-set-api', version: '1.0.0' },
  'oai/v3.1/non-oauth-scopes.json': { name: 'non-oauth-scopes-example', version: '1.0.0' },
  'oai/v3.1/non-oauth-scopes.yaml': { name: 'non-oauth-scopes-example', version: '1.0.0' },
  'oai/v3.1/webhook-example.json': { name: 'webhook-example', version: '1.0.0' },
  'oai/v3.1/webhook-example.yaml': { name: 'webhook-example', version: '1.0.0' },
  'providers/adyen-binlookup-v54.openapi-3.1.json': { name: 'adyen-binlookup-api', version: '54.0.0' },
  'providers/adyen-management-webhooks-v3.openapi-3.1.yaml': { name: 'management-webhooks', version: '3.0.0' },
  // The AWS example has no info.version at all, so the caller must supply one.
  'providers/aws-apigw-petstore.swagger-2.0.json': {
    name: 'petstore',
    version: '1.0.0',
    overrides: { version: '1.0.0' },
  },
  'providers/circular-ref.openapi-3.0.json': { name: 'circular-model-reference', version: '1.0.0' },
  'providers/netlify.swagger-2.0.yaml': { name: 'netlifys-api-documentation', version: '2.55.0' },
  'providers/redocly-museum-api.openapi-3.1.yaml': { name: 'redocly-museum-api', version: '1.2.1' },
  'providers/twilio-bulkexports-v1.openapi-3.0.yaml': { name: 'twilio-bulkexports', version: '1.0.0' },
  'providers/twilio-events-v1.openapi-3.0.json': { name: 'twilio-events', version: '1.0.0' },
};

describe('isOpenApiDocument', () => {
  it('recognises objects with a top-level openapi or swagger field', () => {
    expect(isOpenApiDocument({ openapi: '3.1.0' })).toBe(true);
    expect(isOpenApiDocument({ swagger: '2.0' })).toBe(true);
    expect(isOpenApiDocument(load('oai/v3.0/petstore.yaml'))).toBe(true);
  });

  it('refuses contract documents, arrays and non-objects', () => {
    expect(isOpenApiDocument({ name: 'pets', version: '1.0.0', endpoints: [] })).toBe(false);
    expect(isOpenApiDocument([{ openapi: '3.0.0' }])).toBe(false);
    expect(isOpenApiDocument(null)).toBe(false);
    expect(isOpenApiDocument('openapi: 3.0.0')).toBe(false);
  });
});

describe('importOpenApiDocument', () => {
  describe('fixture documents', () => {
    const files = fixtureFiles();

    it('covers every fixture document', () => {
      expect(files).toHaveLength(Object.keys(EXPECTED).length + 1);
      expect(files.filter((file) => file !== SEPARATE_ENTRY).sort()).toEqual(Object.keys(EXPECTED).sort());
    });

    it.each(Object.keys(EXPECTED))('imports %s into a valid contract', async (file) => {
      const expected = EXPECTED[file] as (typeof EXPECTED)[string];
      const doc = load(file);
      const { contract } = await importFixture(file, expected.overrides);
      expect(contract.name).toBe(expected.name);
      expect(contract.version).toBe(expected.version);
      expect(contract.endpoints.map((e) => `${e.method} ${e.path}`).sort()).toEqual(operationPairs(doc).sort());
    });

    it.each(Object.keys(EXPECTED))('produces schemas of %s that compile with Ajv 2020', async (file) => {
      const { contract } = await importFixture(file, EXPECTED[file]?.overrides);
      const ajv = newAjv();
      const used = new Set(
        contract.endpoints.flatMap((e) => [e.requestSchema, e.responseSchema, ...Object.values(e.errorSchemas)]),
      );
      used.delete(undefined);
      for (const name of [...used, ...Object.keys(contract.schemas)] as string[]) {
        expect(typeof compileNamed(contract.schemas, name, ajv), name).toBe('function');
      }
      for (const e of contract.endpoints) {
        for (const spec of [
          ...Object.values(e.query),
          ...Object.values(e.headers),
          ...Object.values(e.pathParameters),
        ]) {
          if (spec.schema !== undefined) expect(JSON.stringify(spec.schema)).not.toContain('$ref');
        }
      }
    });

    it('rejects petstore-separate, naming its external $refs', async () => {
      const error = await importError(load(SEPARATE_ENTRY));
      expect(error.problems).toContainEqual({
        pointer: '/paths/~1pets/get/parameters/0/$ref',
        message:
          'external $ref "parameters.json#/tagsParam" is not supported: send a single bundled document in which every $ref is internal (#/...)',
      });
      expect(error.problems.map((p) => p.pointer)).toContain('/paths/~1pets/get/responses/200/schema/items/$ref');
      expect(error.problems).toHaveLength(10);
      expect(error.message).toContain('parameters.json#/tagsParam');
      expect(error.message).toContain('single bundled document');
    });
  });

  describe('OpenAPI 3.0 petstore', () => {
    it('maps paths, operations, components and the server', async () => {
      const { contract } = await importFixture('oai/v3.0/petstore.json');
      expect(contract.name).toBe('swagger-petstore');
      expect(contract.version).toBe('1.0.0');
      expect(contract.baseUrl).toBe('http://petstore.swagger.io/v1');
      expect(contract.endpoints.map((e) => `${e.method} ${e.path}`)).toEqual([
        'GET /pets',
        'POST /pets',
        'GET /pets/{petId}',
      ]);
      expect(Object.keys(contract.schemas)).toEqual(['Pet', 'Pets', 'Error']);
      expect(contract.schemas.Pets).toEqual({ type: 'array', maxItems: 100, items: { $ref: '#/$defs/Pet' } });
    });

    it('maps GET /pets with its response, default error and limit parameter', async () => {
      const { contract } = await importFixture('oai/v3.0/petstore.json');
      const list = endpoint(contract, 'GET', '/pets');
      expect(list.operationId).toBe('listPets');
      expect(list.description).toBe('List all pets');
      expect(list.responseSchema).toBe('Pets');
      expect(list.errorSchemas).toEqual({ default: 'Error' });
      expect(list.requestSchema).toBeUndefined();
      expect(list.query.limit).toEqual({
        required: false,
        description: 'How many items to return at one time (max 100)',
        schema: { type: 'integer', maximum: 100, format: 'int32' },
      });
    });

    it('maps the request body and path parameter', async () => {
      const { contract } = await importFixture('oai/v3.0/petstore.yaml');
      const create = endpoint(contract, 'POST', '/pets');
      expect(create.requestSchema).toBe('Pet');
      expect(create.requestBodyRequired).toBe(true);
      expect(create.responseSchema).toBeUndefined();
      const show = endpoint(contract, 'GET', '/pets/{petId}');
      expect(show.pathParameters).toEqual({
        petId: { required: true, description: 'The id of the pet to retrieve', schema: { type: 'string' } },
      });
      expect(show.responseSchema).toBe('Pet');
    });

    it('imports the JSON and YAML editions identically', async () => {
      const fromJson = await importOpenApiDocument(load('oai/v3.0/petstore-expanded.json'));
      const fromYaml = await importOpenApiDocument(load('oai/v3.0/petstore-expanded.yaml'));
      expect(fromYaml).toEqual(fromJson);
    });

    it('leaves the input document unchanged', async () => {
      const doc = load('providers/redocly-museum-api.openapi-3.1.yaml');
      const before = structuredClone(doc);
      await importOpenApiDocument(doc);
      expect(doc).toEqual(before);
    });
  });

  describe('Swagger 2.0', () => {
    it('builds the base URL from schemes, host and basePath', async () => {
      expect((await importFixture('oai/v2.0/json/petstore.json')).contract.baseUrl).toBe(
        'http://petstore.swagger.io/v1',
      );
      expect((await importFixture('oai/v2.0/yaml/uber.yaml')).contract.baseUrl).toBe('https://api.uber.com/v1');
      expect((await importFixture('oai/v2.0/json/api-with-examples.json')).contract.baseUrl).toBeUndefined();
    });

    it('maps definitions, inline parameters and response schemas', async () => {
      const { contract } = await importFixture('oai/v2.0/json/petstore.json');
      expect(Object.keys(contract.schemas)).toEqual(['Pet', 'Pets', 'Error']);
      const list = endpoint(contract, 'GET', '/pets');
      expect(list.responseSchema).toBe('Pets');
      expect(list.errorSchemas).toEqual({ default: 'Error' });
      expect(list.query.limit).toEqual({
        required: false,
        description: 'How many items to return at one time (max 100)',
        schema: { type: 'integer', format: 'int32' },
      });
    });

    it('maps an in: body parameter to the request schema', async () => {
      const { contract } = await importFixture('oai/v2.0/yaml/petstore-expanded.yaml');
      const add = endpoint(contract, 'POST', '/pets');
      expect(add.requestSchema).toBe('NewPet');
      expect(add.requestBodyRequired).toBe(true);
      expect(add.responseSchema).toBe('Pet');
      const find = endpoint(contract, 'GET', '/pets');
      expect(find.query.tags?.schema).toEqual({ type: 'array', items: { type: 'string' } });
      expect(find.responseSchema).toBe('findPets.response');
      expect(contract.schemas['findPets.response']).toEqual({ type: 'array', items: { $ref: '#/$defs/Pet' } });
    });

    it('turns formData parameters with type: file into an object request schema', async () => {
      const { contract } = await importFixture('providers/netlify.swagger-2.0.yaml');
      const build = endpoint(contract, 'POST', '/sites/{site_id}/builds');
      expect(build.requestSchema).toBe('createSiteBuild.request');
      expect(build.requestBodyRequired).toBe(false);
      expect(contract.schemas['createSiteBuild.request']).toEqual({
        type: 'object',
        properties: { zip: { type: 'string', format: 'binary' } },
      });
    });

    it('inlines shared #/parameters and #/responses', async () => {
      const { contract } = await importFixture('providers/netlify.swagger-2.0.yaml');
      const sites = endpoint(contract, 'GET', '/sites');
      expect(sites.query.page).toEqual({ required: false, schema: { type: 'integer', format: 'int32' } });
      expect(sites.errorSchemas).toEqual({ default: 'error' });
      expect(contract.authentication).toEqual({ type: 'oauth2' });
    });

    it('turns x-nullable into a null type', async () => {
      const { contract } = await importFixture('providers/netlify.swagger-2.0.yaml');
      const settings = contract.schemas.databaseComputeSettingsRequest as Record<string, Record<string, unknown>>;
      expect(settings.properties?.min_cu).toMatchObject({ type: ['number', 'null'], minimum: 0.25, maximum: 16 });
      const validate = compileNamed(contract.schemas, 'databaseComputeSettingsRequest');
      expect(validate({ min_cu: null, max_cu: 2, sleep_timeout_seconds: null })).toBe(true);
      expect(validate({ min_cu: 'big' })).toBe(false);
    });
  });

  describe('schemas', () => {
    it('keeps circular schemas as references that validate nested objects', async () => {
      const { contract } = await importFixture('providers/circular-ref.openapi-3.0.json');
      expect(endpoint(contract, 'POST', '/person').requestSchema).toBe('Person');
      expect(endpoint(contract, 'POST', '/person').responseSchema).toBe('Empty');
      expect((contract.schemas.Person as Record<string, Record<string, unknown>>).properties?.house).toEqual({
        $ref: '#/$defs/House',
      });
      const validate = compileNamed(contract.schemas, 'Person');
      const nested = {
        name: 'Ada',
        b: 1,
        house: {
          randomProperty: 'aGk=',
          contains: [{ name: 'Bob', b: 2, house: { contains: [{ name: 'Cy', b: 3 }] } }],
        },
      };
      expect(validate(nested)).toBe(true);
      expect(validate({ name: 'Ada', b: 1, house: { contains: [{ name: 'Bob' }] } })).toBe(false);
      expect(validate({ name: 'Ada', b: 1, house: { contains: [] } })).toBe(false);
    });

    it('accepts null in fields Twilio marks nullable', async () => {
      const { contract } = await importFixture('providers/twilio-events-v1.openapi-3.0.json');
      const eventType = contract.schemas['events.v1.event_type'] as Record<string, Record<string, unknown>>;
      expect(eventType.properties?.date_created).toEqual({
        type: ['string', 'null'],
        format: 'date-time',
        description: 'The date that this Event Type was created, given in ISO 8601 format.',
      });
      const validate = compileNamed(contract.schemas, 'events.v1.event_type');
      expect(validate({ type: null, schema_id: null, date_created: null, url: null, links: null })).toBe(true);
      expect(validate({ type: 'com.twilio.messaging.message.delivered', date_created: '2020-01-01T00:00:00Z' })).toBe(
        true,
      );
      expect(validate({ type: 42 })).toBe(false);
    });

    it('converts OpenAPI 3.0 keywords to JSON Schema 2020-12', async () => {
      const doc = openapi30(
        {},
        {
          schemas: {
            Status: { type: 'string', enum: ['on', 'off'], nullable: true, example: 'on' },
            Amount: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 10, exclusiveMaximum: false },
            Owner: { allOf: [{ $ref: '#/components/schemas/Status' }], nullable: true },
            Pet: {
              type: 'object',
              discriminator: { propertyName: 'kind' },
              xml: { name: 'pet' },
              externalDocs: { url: 'https://example.com' },
              properties: { kind: { type: 'string' }, nullable: { type: 'boolean' } },
            },
          },
        },
      );
      const { schemas } = ContractDocumentSchema.parse(await importOpenApiDocument(doc));
      expect(schemas.Status).toEqual({ type: ['string', 'null'], enum: ['on', 'off', null], examples: ['on'] });
      expect(schemas.Amount).toEqual({ type: 'number', exclusiveMinimum: 0, maximum: 10 });
      expect(schemas.Owner).toEqual({ anyOf: [{ allOf: [{ $ref: '#/$defs/Status' }] }, { type: 'null' }] });
      expect(schemas.Pet).toEqual({
        type: 'object',
        properties: { kind: { type: 'string' }, nullable: { type: 'boolean' } },
      });
      expect(compileNamed(schemas, 'Status')(null)).toBe(true);
      expect(compileNamed(schemas, 'Owner')(null)).toBe(true);
      expect(compileNamed(schemas, 'Owner')('on')).toBe(true);
      expect(compileNamed(schemas, 'Amount')(0)).toBe(false);
    });

    it('keeps OpenAPI 3.1 schemas as they are', async () => {
      const doc = {
        openapi: '3.1.0',
        info: { title: 'T', version: '1.0.0' },
        components: {
          schemas: { Maybe: { type: ['string', 'null'], exclusiveMinimum: 1, examples: ['a'], nullable: true } },
        },
      };
      const contract = await importOpenApiDocument(doc);
      expect(contract.schemas).toEqual({ Maybe: { type: ['string', 'null'], exclusiveMinimum: 1, examples: ['a'] } });
      expect(contract.endpoints).toEqual([]);
    });

    it('inlines component references in parameter schemas', async () => {
      const { contract } = await importFixture('providers/redocly-museum-api.openapi-3.1.yaml');
      const get = endpoint(contract, 'GET', '/special-events/{eventId}');
      expect(get.pathParameters.eventId?.required).toBe(true);
      expect(get.pathParameters.eventId?.schema).toMatchObject({ type: 'string', format: 'uuid' });
      expect(get.errorSchemas).toEqual({ '400': 'Error', '404': 'Error' });
      const hours = endpoint(contract, 'GET', '/museum-hours');
      expect(hours.query.page).toEqual({
        required: false,
        description: 'Page number to retrieve.',
        schema: { type: 'integer', default: 1, examples: [2] },
        defaultValue: '1',
      });
    });
  });

  describe('endpoints', () => {
    it('merges path-level parameters, the operation winning', async () => {
      const doc = openapi30({
        '/items/{id}': {
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'trace', in: 'header', description: 'path level', schema: { type: 'string' } },
          ],
          get: {
            parameters: [
              { name: 'id', in: 'path', required: true, schema: { type: 'integer' } },
              { name: 'Accept', in: 'header', schema: { type: 'string' } },
              { name: 'session', in: 'cookie', schema: { type: 'string' } },
            ],
            responses: { '204': { description: 'no content' } },
          },
        },
      });
      const contract = ContractDocumentSchema.parse(await importOpenApiDocument(doc));
      const get = endpoint(contract, 'GET', '/items/{id}');
      expect(get.pathParameters).toEqual({ id: { required: true, schema: { type: 'integer' } } });
      expect(get.headers).toEqual({
        trace: { required: false, description: 'path level', schema: { type: 'string' } },
      });
      expect(get.query).toEqual({});
      expect(get.responseSchema).toBeUndefined();
      expect(get.requestBodyRequired).toBe(false);
    });

    it('names inline bodies after the operationId, or the method and path', async () => {
      const body = { content: { 'application/json': { schema: { type: 'object' } } } };
      const doc = openapi30({
        '/things': {
          post: { operationId: 'createThing', requestBody: { ...body, required: true }, responses: {} },
          put: { requestBody: body, responses: { '200': { description: 'ok', content: body.content } } },
        },
      });
      const contract = ContractDocumentSchema.parse(await importOpenApiDocument(doc));
      expect(endpoint(contract, 'POST', '/things')).toMatchObject({
        requestSchema: 'createThing.request',
        requestBodyRequired: true,
      });
      expect(endpoint(contract, 'PUT', '/things')).toMatchObject({
        requestSchema: 'put_things.request',
        requestBodyRequired: false,
        responseSchema: 'put_things.response',
      });
      expect(Object.keys(contract.schemas)).toEqual([
        'put_things.request',
        'put_things.response',
        'createThing.request',
      ]);
    });

    it('prefers JSON media types and takes the lowest 2xx response', async () => {
      const doc = openapi30(
        {
          '/reports': {
            post: {
              operationId: 'report',
              requestBody: {
                content: {
                  'text/plain': { schema: { type: 'string' } },
                  'application/vnd.report+json; version=2': { schema: { $ref: '#/components/schemas/Report' } },
                },
              },
              responses: {
                '202': { description: 'queued', content: { 'application/json': { schema: { type: 'string' } } } },
                '201': {
                  description: 'created',
                  content: { 'application/json': { schema: { $ref: '#/components/schemas/Report' } } },
                },
                '4XX': {
                  description: 'client error',
                  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
                },
                '404': { description: 'Not found' },
                '503': { description: 'Try later', content: { 'application/json': { schema: { type: 'object' } } } },
              },
            },
          },
        },
        { schemas: { Report: { type: 'object' }, Problem: { type: 'object' } } },
      );
      const contract = ContractDocumentSchema.parse(await importOpenApiDocument(doc));
      const report = endpoint(contract, 'POST', '/reports');
      expect(report.requestSchema).toBe('Report');
      expect(report.requestBodyRequired).toBe(false);
      expect(report.responseSchema).toBe('Report');
      expect(report.errorSchemas).toEqual({ '4XX': 'Problem', '503': 'report.error.503' });
      expect(contract.errorCodes).toEqual({
        '404': { message: 'Not found', description: 'Not found' },
        '503': { message: 'Try later', description: 'Try later' },
      });
    });

    it('collects error codes across operations', async () => {
      const { contract } = await importFixture('providers/adyen-binlookup-v54.openapi-3.1.json');
      expect(Object.keys(contract.errorCodes)).toEqual(['400', '401', '403', '422', '500']);
      expect(contract.errorCodes['401']).toEqual({
        message: 'Unauthorized - authentication required.',
        description: 'Unauthorized - authentication required.',
      });
      expect(endpoint(contract, 'POST', '/get3dsAvailability')).toMatchObject({
        requestSchema: 'ThreeDSAvailabilityRequest',
        responseSchema: 'ThreeDSAvailabilityResponse',
        errorSchemas: {
          '400': 'ServiceError',
          '401': 'ServiceError',
          '403': 'ServiceError',
          '422': 'ServiceError',
          '500': 'ServiceError',
        },
      });
    });

    it('rejects path templates that differ only in parameter names', async () => {
      const doc = openapi30({
        '/a/{id}': { get: { responses: {} } },
        '/a/{key}': { get: { responses: {} } },
      });
      const error = await importError(doc);
      expect(error.problems).toEqual([
        {
          pointer: '/paths/~1a~1{key}/get',
          message: 'GET /a/{key} collides with GET /a/{id}: their templates differ only in parameter names',
        },
      ]);
    });
  });

  describe('references', () => {
    it('rejects a broken internal $ref, naming it', async () => {
      const doc = openapi30({
        '/pets': {
          get: {
            responses: {
              '200': {
                description: 'ok',
                content: { 'application/json': { schema: { $ref: '#/components/schemas/Missing' } } },
              },
            },
          },
        },
      });
      const error = await importError(doc);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.code).toBe('openapi-import-failed');
      expect(error.problems).toEqual([
        {
          pointer: '/paths/~1pets/get/responses/200/content/application~1json/schema/$ref',
          message: '$ref "#/components/schemas/Missing" points to nothing in the document',
        },
      ]);
    });

    it('rejects a URL $ref without fetching it', async () => {
      const doc = openapi30({}, { schemas: { Remote: { $ref: 'https://example.com/schemas/pet.json' } } });
      const error = await importError(doc);
      expect(error.problems).toEqual([
        {
          pointer: '/components/schemas/Remote/$ref',
          message:
            'external $ref "https://example.com/schemas/pet.json" is not supported: send a single bundled document in which every $ref is internal (#/...)',
        },
      ]);
    });

    it('inlines referenced request bodies, responses and parameters', async () => {
      const doc = openapi30(
        {
          '/pets': {
            post: {
              operationId: 'addPet',
              parameters: [{ $ref: '#/components/parameters/Trace' }],
              requestBody: { $ref: '#/components/requestBodies/NewPet' },
              responses: { '201': { $ref: '#/components/responses/Created' } },
            },
          },
        },
        {
          schemas: { Pet: { type: 'object', properties: { name: { type: 'string' } } } },
          parameters: { Trace: { name: 'X-Trace', in: 'header', required: true, schema: { type: 'string' } } },
          requestBodies: {
            NewPet: {
              required: true,
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } },
            },
          },
          responses: {
            Created: {
              description: 'created',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } },
            },
          },
        },
      );
      const contract = ContractDocumentSchema.parse(await importOpenApiDocument(doc));
      expect(endpoint(contract, 'POST', '/pets')).toMatchObject({
        requestSchema: 'Pet',
        requestBodyRequired: true,
        responseSchema: 'Pet',
        headers: { 'X-Trace': { required: true, schema: { type: 'string' } } },
      });
      expect(Object.keys(contract.schemas)).toEqual(['Pet']);
    });
  });

  describe('base URL', () => {
    it('substitutes server variable defaults', async () => {
      expect((await importFixture('oai/v3.0/uspto.yaml')).contract.baseUrl).toBe('https://developer.uspto.gov/ds-api');
    });

    it('omits relative server URLs', async () => {
      const contract = await importOpenApiDocument(
        openapi30({ '/a': { get: { responses: {} } } }, {}, { servers: [{ url: '/v1' }] }),
      );
      expect(contract.baseUrl).toBeUndefined();
    });
  });

  describe('authentication', () => {
    it('maps http bearer with the scopes its requirements list', async () => {
      const { contract } = await importFixture('oai/v3.1/non-oauth-scopes.yaml');
      expect(contract.authentication).toEqual({ type: 'bearer', scopes: ['read:users', 'public'] });
    });

    it('maps apiKey schemes to api_key with location and name', async () => {
      expect((await importFixture('providers/adyen-binlookup-v54.openapi-3.1.json')).contract.authentication).toEqual({
        type: 'api_key',
        keyLocation: 'header',
        keyName: 'X-API-Key',
      });
      expect((await importFixture('oai/v2.0/yaml/uber.yaml')).contract.authentication).toEqual({
        type: 'api_key',
        keyLocation: 'query',
        keyName: 'server_token',
      });
    });

    it('omits authentication for http basic', async () => {
      expect(
        (await importFixture('providers/twilio-events-v1.openapi-3.0.json')).contract.authentication,
      ).toBeUndefined();
      expect(
        (await importFixture('providers/redocly-museum-api.openapi-3.1.yaml')).contract.authentication,
      ).toBeUndefined();
    });

    it('maps oauth2 client credentials to the token endpoint and the required scopes', async () => {
      const doc = openapi30(
        { '/a': { get: { responses: {} } } },
        {
          securitySchemes: {
            basic: { type: 'http', scheme: 'basic' },
            oauth: {
              type: 'oauth2',
              flows: {
                implicit: { authorizationUrl: 'https://auth.example.com/authorize', scopes: { read: '' } },
                clientCredentials: {
                  tokenUrl: '/oauth/token',
                  scopes: { read: 'Read', write: 'Write', admin: 'Admin' },
                },
              },
            },
          },
        },
        { servers: [{ url: 'https://api.example.com/v1' }], security: [{ basic: [] }, { oauth: ['read', 'write'] }] },
      );
      const contract = ContractDocumentSchema.parse(await importOpenApiDocument(doc));
      expect(contract.authentication).toEqual({
        type: 'oauth2',
        tokenEndpoint: 'https://api.example.com/oauth/token',
        scopes: ['read', 'write'],
      });
    });

    it('maps Swagger 2.0 oauth2, mutualTLS and openIdConnect schemes', async () => {
      const swagger = {
        swagger: '2.0',
        info: { title: 'T', version: '1' },
        paths: { '/a': { get: { responses: {} } } },
        securityDefinitions: {
          o: {
            type: 'oauth2',
            flow: 'application',
            tokenUrl: 'https://auth.example.com/token',
            scopes: { a: '', b: '' },
          },
        },
      };
      expect((await importOpenApiDocument(swagger)).authentication).toEqual({
        type: 'oauth2',
        tokenEndpoint: 'https://auth.example.com/token',
        scopes: ['a', 'b'],
      });
      const mtls = openapi30({ '/a': { get: { responses: {} } } }, { securitySchemes: { m: { type: 'mutualTLS' } } });
      expect((await importOpenApiDocument(mtls)).authentication).toEqual({ type: 'mtls' });
      const oidc = openapi30(
        { '/a': { get: { responses: {} } } },
        { securitySchemes: { id: { type: 'openIdConnect', openIdConnectUrl: 'https://id.example.com/.well-known' } } },
        { security: [{ id: ['openid'] }] },
      );
      expect((await importOpenApiDocument(oidc)).authentication).toEqual({ type: 'oauth2', scopes: ['openid'] });
    });
  });

  describe('webhooks', () => {
    it('imports webhook payload schemas without endpoints', async () => {
      const { contract } = await importFixture('oai/v3.1/webhook-example.yaml');
      expect(contract.endpoints).toEqual([]);
      expect(Object.keys(contract.schemas)).toEqual(['Pet', 'newPet.request']);
      expect(contract.schemas['newPet.request']).toEqual({ $ref: '#/$defs/Pet' });
      expect(compileNamed(contract.schemas, 'newPet.request')({ id: 1, name: 'Rex' })).toBe(true);
      expect(compileNamed(contract.schemas, 'newPet.request')({ id: 1 })).toBe(false);
    });

    it('imports every webhook of a webhooks-only document', async () => {
      const { contract } = await importFixture('providers/adyen-management-webhooks-v3.openapi-3.1.yaml');
      expect(contract.endpoints).toEqual([]);
      expect(Object.keys(contract.schemas).filter((name) => name.endsWith('.request'))).toEqual([
        'merchant.created.request',
        'merchant.updated.request',
        'paymentMethod.created.request',
        'paymentMethodRequest.removed.request',
        'paymentMethodRequest.scheduledForRemoval.request',
        'terminalAssignment.completed.request',
        'terminalBoarding.triggered.request',
        'terminalSettings.modified.request',
      ]);
      expect(contract.schemas['merchant.created.request']).toEqual({
        $ref: '#/$defs/MerchantCreatedNotificationRequest',
      });
    });

    it('stores inline webhook payloads under the webhook key', async () => {
      const doc = {
        openapi: '3.1.0',
        info: { title: 'Events', version: '2.1.0' },
        webhooks: {
          'order.paid': {
            post: {
              requestBody: { content: { 'application/json': { schema: { type: 'object', required: ['id'] } } } },
            },
          },
        },
      };
      const contract = await importOpenApiDocument(doc);
      expect(contract.schemas).toEqual({ 'order.paid.request': { type: 'object', required: ['id'] } });
    });

    it('rejects a document with nothing to import', async () => {
      const error = await importError({ openapi: '3.1.0', info: { title: 'Empty', version: '1.0.0' }, paths: {} });
      expect(error.problems).toEqual([
        { pointer: '/paths', message: 'nothing to import: the document declares no paths, no webhooks and no schemas' },
      ]);
    });
  });

  describe('versions', () => {
    const doc = (version: unknown) =>
      openapi30({ '/a': { get: { responses: {} } } }, {}, { info: { title: 'V', version } });

    it.each([
      ['1.0', '1.0.0'],
      ['v2', '2.0.0'],
      ['54', '54.0.0'],
      ['1.2.3-beta.1', '1.2.3-beta.1'],
      ['v1.2.3-rc.1+build.5', '1.2.3-rc.1'],
      ['1.0-beta', '1.0.0-beta'],
      ['01.2', '1.2.0'],
      ['2010-04-01', '2010.4.1'],
      [3, '3.0.0'],
    ])('coerces info.version %j to %s', async (version, expected) => {
      expect((await importOpenApiDocument(doc(version))).version).toBe(expected);
    });

    it('uses and coerces the version override', async () => {
      expect((await importOpenApiDocument(load('oai/v3.0/petstore.json'), { version: '2.1.0-rc.1' })).version).toBe(
        '2.1.0-rc.1',
      );
      expect((await importOpenApiDocument(load('oai/v3.0/petstore.json'), { version: '1.0' })).version).toBe('1.0.0');
      expect((await importOpenApiDocument(doc('latest'), { version: '4' })).version).toBe('4.0.0');
    });

    it.each(['latest', '1.2.3.4', '2021-06-01T10:00:00Z', '2021-02-30', 'one'])(
      'rejects the uncoercible version %j with its pointer',
      async (version) => {
        const error = await importError(doc(version));
        expect(error.problems).toHaveLength(1);
        expect(error.problems[0]?.pointer).toBe('/info/version');
        expect(error.problems[0]?.message).toContain(
          `info.version ${JSON.stringify(version)} is not a semantic version`,
        );
        expect(error.problems[0]?.message).toContain('?version=');
      },
    );

    it('rejects a missing version unless overridden', async () => {
      const error = await importError(load('providers/aws-apigw-petstore.swagger-2.0.json'));
      expect(error.problems).toEqual([
        { pointer: '/info/version', message: 'info.version is missing; pass ?version=<MAJOR.MINOR.PATCH> to set one' },
      ]);
    });

    it('rejects an uncoercible version override', async () => {
      const error = await importError(load('oai/v3.0/petstore.json'), { version: 'next' });
      expect(error.problems[0]?.pointer).toBe('/info/version');
      expect(error.problems[0]?.message).toContain('the version override "next" is not a semantic version');
    });
  });

  describe('names', () => {
    it('uses the name override', async () => {
      const contract: ContractDocumentInput = await importOpenApiDocument(load('oai/v3.0/petstore.json'), {
        name: 'pets',
      });
      expect(contract.name).toBe('pets');
      expect(contract.description).toBe('Swagger Petstore');
    });

    it('slugifies titles with punctuation and accents', async () => {
      const doc = (title: string) =>
        openapi30({ '/a': { get: { responses: {} } } }, {}, { info: { title, version: '1.0.0' } });
      expect((await importOpenApiDocument(doc('Twilio - Bulkexports'))).name).toBe('twilio-bulkexports');
      expect((await importOpenApiDocument(doc('  Café API (beta) '))).name).toBe('cafe-api-beta');
    });

    it('rejects an invalid name override', async () => {
      const error = await importError(load('oai/v3.0/petstore.json'), { name: '-bad name' });
      expect(error.problems[0]?.pointer).toBe('/info/title');
    });

    it('rejects a title without letters or digits', async () => {
      const error = await importError(
        openapi30({ '/a': { get: { responses: {} } } }, {}, { info: { title: '***', version: '1' } }),
      );
      expect(error.problems).toEqual([
        {
          pointer: '/info/title',
          message:
            'info.title "***" has no letters or digits to build a name from; pass ?name= to set the contract name',
        },
      ]);
    });
  });

  describe('unsupported documents', () => {
    it('rejects OpenAPI 4.0.0 at /openapi', async () => {
      const error = await importError({ openapi: '4.0.0', info: { title: 'T', version: '1.0.0' }, paths: {} });
      expect(error.problems).toEqual([
        {
          pointer: '/openapi',
          message: 'openapi "4.0.0" is not supported; supported versions are 3.0.x, 3.1.x and Swagger 2.0',
        },
      ]);
    });

    it('rejects Swagger 1.2 at /swagger', async () => {
      const error = await importError({ swagger: '1.2', info: { title: 'T', version: '1.0.0' } });
      expect(error.problems).toEqual([
        {
          pointer: '/swagger',
          message: 'swagger "1.2" is not supported; supported versions are Swagger 2.0, OpenAPI 3.0.x and 3.1.x',
        },
      ]);
      expect(error.title).toBe('The OpenAPI document cannot be converted into a contract');
    });
  });
});

describe('importOpenApiDocument array parameter serialization', () => {
  it('records the delimiter of joined arrays and none for repeated ones', async () => {
    const swagger = await importOpenApiDocument({
      swagger: '2.0',
      info: { title: 'delims', version: '1.0.0' },
      paths: {
        '/a': {
          get: {
            parameters: [
              { name: 'csv', in: 'query', type: 'array', items: { type: 'integer' } },
              { name: 'pipes', in: 'query', type: 'array', items: { type: 'string' }, collectionFormat: 'pipes' },
              { name: 'multi', in: 'query', type: 'array', items: { type: 'string' }, collectionFormat: 'multi' },
            ],
            responses: { 200: { description: 'ok' } },
          },
        },
      },
    });
    const openapi = await importOpenApiDocument({
      openapi: '3.0.3',
      info: { title: 'delims', version: '1.0.0' },
      paths: {
        '/a': {
          get: {
            parameters: [
              { name: 'form', in: 'query', schema: { type: 'array', items: { type: 'string' } } },
              { name: 'joined', in: 'query', explode: false, schema: { type: 'array', items: { type: 'string' } } },
              {
                name: 'spaced',
                in: 'query',
                style: 'spaceDelimited',
                schema: { type: 'array', items: { type: 'string' } },
              },
              { name: 'X-Ids', in: 'header', schema: { type: 'array', items: { type: 'string' } } },
            ],
            responses: { 200: { description: 'ok' } },
          },
        },
      },
    });
    const delimiters = (doc: typeof swagger, part: 'query' | 'headers') =>
      Object.fromEntries(
        Object.entries(doc.endpoints?.[0]?.[part] ?? {}).map(([name, spec]) => [name, spec.delimiter ?? 'repeated']),
      );
    expect(delimiters(swagger, 'query')).toEqual({ csv: ',', pipes: '|', multi: 'repeated' });
    expect(delimiters(openapi, 'query')).toEqual({ form: 'repeated', joined: ',', spaced: ' ' });
    expect(delimiters(openapi, 'headers')).toEqual({ 'X-Ids': ',' });
  });
});
