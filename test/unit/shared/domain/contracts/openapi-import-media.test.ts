import { describe, expect, it } from 'vitest';
import { ContractDocumentSchema, danglingSchemaReferences } from '../../../../../shared/domain/contracts/contract';
import { importOpenApiDocument } from '../../../../../shared/domain/contracts/openapi-import';
import { agentsContract } from '../../../../support/contracts';

type Doc = Record<string, unknown>;

const openapi30 = (paths: Doc, components: Doc = {}): Doc => ({
  openapi: '3.0.3',
  info: { title: 'Media API', version: '1.0.0' },
  paths,
  components,
});

const MESSAGE = {
  type: 'object',
  required: ['To'],
  properties: {
    To: { type: 'string' },
    Attempt: { type: 'integer' },
    MediaUrl: { type: 'array', items: { type: 'string' } },
  },
};

async function importDoc(doc: Doc) {
  return ContractDocumentSchema.parse(await importOpenApiDocument(doc));
}

describe('importOpenApiDocument', () => {
  describe('media types', () => {
    it('keeps every request media type with its schema, JSON first as requestSchema', async () => {
      // Prepare
      const doc = openapi30(
        {
          '/messages': {
            post: {
              operationId: 'createMessage',
              requestBody: {
                required: true,
                content: {
                  'application/x-www-form-urlencoded': { schema: MESSAGE },
                  'multipart/form-data': {
                    schema: {
                      ...MESSAGE,
                      properties: { ...MESSAGE.properties, File: { type: 'string', format: 'binary' } },
                    },
                  },
                  'application/json; charset=utf-8': { schema: { $ref: '#/components/schemas/Message' } },
                  'application/msgpack': { schema: { $ref: '#/components/schemas/Message' } },
                  'application/cbor': { schema: { $ref: '#/components/schemas/Message' } },
                  'application/octet-stream': {},
                },
              },
              responses: { '201': { description: 'created' } },
            },
          },
        },
        { schemas: { Message: MESSAGE } },
      );

      // Act
      const contract = await importDoc(doc);

      // Assess
      const [endpoint] = contract.endpoints;
      expect(endpoint?.requestSchema).toBe('Message');
      expect(endpoint?.requestMediaTypes).toEqual({
        'application/x-www-form-urlencoded': 'createMessage.request.application_x-www-form-urlencoded',
        'multipart/form-data': 'createMessage.request.multipart_form-data',
        'application/json': 'Message',
        'application/msgpack': 'Message',
        'application/cbor': 'Message',
      });
      expect(contract.schemas['createMessage.request.application_x-www-form-urlencoded']).toMatchObject({
        required: ['To'],
        properties: { Attempt: { type: 'integer' } },
      });
      expect(contract.schemas['createMessage.request.multipart_form-data']).toMatchObject({
        properties: { File: { type: 'string', format: 'binary' } },
      });
    });

    it('keeps a form-only body as its one media type (Twilio-style)', async () => {
      // Prepare
      const doc = openapi30({
        '/messages': {
          post: {
            operationId: 'createMessage',
            requestBody: { content: { 'application/x-www-form-urlencoded': { schema: MESSAGE } } },
            responses: { '201': { description: 'created', content: { 'application/json': { schema: MESSAGE } } } },
          },
        },
      });

      // Act
      const contract = await importDoc(doc);

      // Assess
      const [endpoint] = contract.endpoints;
      expect(endpoint?.requestSchema).toBe('createMessage.request');
      expect(endpoint?.requestMediaTypes).toEqual({ 'application/x-www-form-urlencoded': 'createMessage.request' });
      expect(endpoint?.responseMediaTypes).toBeUndefined();
    });

    it('keeps every response media type per status key, 2XX for the success response', async () => {
      // Prepare
      const problem = { type: 'object', properties: { title: { type: 'string' } } };
      const doc = openapi30({
        '/messages/{id}': {
          get: {
            operationId: 'getMessage',
            parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
            responses: {
              '200': {
                description: 'ok',
                content: { 'application/json': { schema: MESSAGE }, 'application/cbor': { schema: MESSAGE } },
              },
              '404': { description: 'missing', content: { 'application/problem+json': { schema: problem } } },
              default: {
                description: 'error',
                content: { 'application/json': { schema: problem }, 'text/plain': { schema: { type: 'string' } } },
              },
            },
          },
        },
      });

      // Act
      const contract = await importDoc(doc);

      // Assess
      const [endpoint] = contract.endpoints;
      expect(endpoint?.responseMediaTypes).toEqual({
        '2XX': { 'application/json': 'getMessage.response', 'application/cbor': 'getMessage.response' },
        '404': { 'application/problem+json': 'getMessage.error.404' },
        default: {
          'application/json': 'getMessage.error.default',
          'text/plain': 'getMessage.error.default.text_plain',
        },
      });
      expect(contract.schemas['getMessage.error.default.text_plain']).toEqual({ type: 'string' });
    });

    it('maps Swagger 2.0 consumes and produces to the one schema, formData to the form types', async () => {
      // Prepare
      const doc = {
        swagger: '2.0',
        info: { title: 'Media API', version: '1.0.0' },
        produces: ['application/json', 'application/xml'],
        paths: {
          '/pets': {
            post: {
              consumes: ['application/json', 'application/cbor'],
              parameters: [{ name: 'pet', in: 'body', required: true, schema: { type: 'object' } }],
              responses: { '200': { description: 'ok', schema: { type: 'object' } } },
            },
          },
          '/uploads': {
            post: {
              consumes: ['multipart/form-data'],
              produces: ['application/json'],
              parameters: [{ name: 'file', in: 'formData', type: 'file', required: true }],
              responses: { '200': { description: 'ok', schema: { type: 'object' } } },
            },
          },
          '/forms': {
            post: {
              parameters: [{ name: 'To', in: 'formData', type: 'string', required: true }],
              responses: { '204': { description: 'none' } },
            },
          },
        },
      };

      // Act
      const [pets, uploads, forms] = (await importDoc(doc)).endpoints;

      // Assess
      expect(pets?.requestMediaTypes).toEqual({
        'application/json': 'post_pets.request',
        'application/cbor': 'post_pets.request',
      });
      expect(pets?.responseMediaTypes).toEqual({
        '2XX': { 'application/json': 'post_pets.response', 'application/xml': 'post_pets.response' },
      });
      expect(uploads?.requestMediaTypes).toEqual({ 'multipart/form-data': 'post_uploads.request' });
      expect(uploads).not.toHaveProperty('responseMediaTypes');
      expect(forms?.requestMediaTypes).toEqual({ 'application/x-www-form-urlencoded': 'post_forms.request' });
    });

    it('imports a JSON-only operation as before, without media type maps', async () => {
      // Prepare
      const doc = openapi30({
        '/pets': {
          post: {
            requestBody: { content: { 'application/json': { schema: MESSAGE } } },
            responses: { '200': { description: 'ok', content: { 'application/json': { schema: MESSAGE } } } },
          },
        },
      });

      // Act
      const [endpoint] = (await importDoc(doc)).endpoints;

      // Assess
      expect(endpoint).not.toHaveProperty('requestMediaTypes');
      expect(endpoint).not.toHaveProperty('responseMediaTypes');
    });
  });
});

describe('ContractDocumentSchema', () => {
  describe('media types', () => {
    it('accepts a contract without media types unchanged (they mean JSON)', () => {
      // Act
      const parsed = ContractDocumentSchema.parse(agentsContract());

      // Assess
      for (const endpoint of parsed.endpoints) {
        expect(endpoint).not.toHaveProperty('requestMediaTypes');
        expect(endpoint).not.toHaveProperty('responseMediaTypes');
      }
    });

    it('accepts media types per endpoint, ranges included', () => {
      // Prepare
      const doc = agentsContract({
        schemas: { Form: { type: 'object' } },
        endpoints: [
          {
            path: '/forms',
            method: 'POST',
            requestSchema: 'Form',
            requestMediaTypes: { 'application/x-www-form-urlencoded': 'Form', 'text/*': 'Form' },
            responseSchema: 'Form',
            responseMediaTypes: { '2XX': { 'application/cbor': 'Form', '*/*': 'Form' } },
          },
        ],
      });

      // Act
      const result = ContractDocumentSchema.safeParse(doc);

      // Assess
      expect(result.success).toBe(true);
    });

    it('warns about media type schema names that schemas does not define', () => {
      // Prepare
      const doc = ContractDocumentSchema.parse(
        agentsContract({
          schemas: { Form: { type: 'object' } },
          endpoints: [
            {
              path: '/forms',
              method: 'POST',
              requestMediaTypes: { 'application/cbor': 'Missing' },
              responseSchema: 'Form',
              responseMediaTypes: { '2XX': { 'application/msgpack': 'Gone' } },
            },
          ],
        }),
      );

      // Act
      const warnings = danglingSchemaReferences(doc);

      // Assess
      expect(warnings.map((w) => w.pointer)).toEqual([
        '/endpoints/0/requestMediaTypes/application~1cbor',
        '/endpoints/0/responseMediaTypes/2XX/application~1msgpack',
      ]);
    });

    it('rejects media type keys with parameters or upper case', () => {
      // Prepare
      const doc = agentsContract({
        schemas: { Form: { type: 'object' } },
        endpoints: [
          { path: '/forms', method: 'POST', requestMediaTypes: { 'Application/JSON; charset=utf-8': 'Form' } },
        ],
      });

      // Act
      const result = ContractDocumentSchema.safeParse(doc);

      // Assess
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.path).toEqual([
        'endpoints',
        0,
        'requestMediaTypes',
        'Application/JSON; charset=utf-8',
      ]);
    });
  });
});
