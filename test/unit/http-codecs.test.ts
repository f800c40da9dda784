import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { jsonCodec } from '../../shared/http/codecs/json-codec';
import { yamlCodec } from '../../shared/http/codecs/yaml-codec';
import type { RouteDefinition } from '../../shared/http/route-definition';
import { httpApi } from '../../shared/middleware/http-api';
import { createObservability } from '../../shared/observability/powertools';
import { apiEvent, lambdaContext } from '../support/events';
import '../support/handler-env';

// `{"a":"p\xE9t"}`: Latin-1 é, not UTF-8.
const latin1Json = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0x70, 0xe9, 0x74, 0x22, 0x7d]);

const routes: RouteDefinition[] = [
  {
    operationId: 'echoDocument',
    method: 'POST',
    path: '/v1/documents',
    function: 'test',
    summary: 'Echo a document, JSON or YAML',
    tags: [],
    scopes: [],
    formats: ['yaml'],
    request: { body: z.unknown(), bodyValidatedBy: 'operation' },
    responses: { 200: { description: 'The body' } },
  },
];
const handler = httpApi(
  routes,
  { echoDocument: async ({ body }) => ({ status: 200, body }) },
  {},
  { observability: createObservability('test'), maxBodyBytes: 4096 },
);
const post = (bytes: Buffer, contentType: string) => {
  const event = apiEvent({
    method: 'POST',
    path: '/v1/documents',
    rawBody: bytes.toString('base64'),
    headers: { 'Content-Type': contentType },
  });
  event.isBase64Encoded = true;
  return handler(event, lambdaContext);
};

describe('jsonCodec', () => {
  describe('decode', () => {
    it('rejects bytes that are not UTF-8 instead of replacing them', () => {
      // Act
      const decode = () => jsonCodec.decode(latin1Json);

      // Assess
      expect(decode).toThrow(/not valid UTF-8/);
    });

    it('reads UTF-8 text', () => {
      // Act
      const value = jsonCodec.decode(Buffer.from('{"a":"pét"}', 'utf8'));

      // Assess
      expect(value).toEqual({ a: 'pét' });
    });
  });
});

describe('yamlCodec', () => {
  describe('decode', () => {
    it('rejects bytes that are not UTF-8 instead of replacing them', () => {
      // Prepare
      const latin1Yaml = Buffer.from([0x61, 0x3a, 0x20, 0x70, 0xe9, 0x74, 0x0a]); // a: p\xE9t

      // Act
      const decode = () => yamlCodec.decode(latin1Yaml);

      // Assess
      expect(decode).toThrow(/not valid UTF-8/);
    });
  });
});

describe('httpApi', () => {
  describe('POST with a body', () => {
    it('rejects a body that is not UTF-8 with 400 problem+json', async () => {
      // Act
      const result = await post(latin1Json, 'application/json');

      // Assess
      expect(result.statusCode).toBe(400);
      expect(result.headers?.['content-type']).toBe('application/problem+json');
      expect(JSON.parse(result.body)).toMatchObject({
        status: 400,
        detail: 'The body is not valid JSON: the bytes are not valid UTF-8',
        errors: [{ pointer: '/body' }],
      });
    });
  });
});
