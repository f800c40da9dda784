import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { encode as encodeMsgpack } from '@msgpack/msgpack';
import { mockClient } from 'aws-sdk-client-mock';
import { encode as encodeCbor } from 'cbor2';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { awsContractsHandler } from '../../../../functions/contracts/wiring';
import { ContractDocumentSchema, type ContractVersion } from '../../../../shared/domain/contracts/contract';
import { importOpenApiDocument } from '../../../../shared/domain/contracts/openapi-import';
import { AUTH_OFF_OWNER, storedVersion } from '../../../support/contracts';
import { apiEvent, lambdaContext } from '../../../support/events';
import { FIXTURES_DIR } from '../../../support/fixtures';
import { testFunctionBase } from '../../../support/handler-env';

const handler = awsContractsHandler(testFunctionBase('contracts'));
const ddb = mockClient(DynamoDBDocumentClient);

const MESSAGE = {
  type: 'object',
  required: ['To'],
  properties: {
    To: { type: 'string', minLength: 2 },
    Attempt: { type: 'integer' },
    MediaUrl: { type: 'array', items: { type: 'string' } },
  },
};

/** A contract whose POST /messages takes form, JSON, MessagePack and CBOR, and answers JSON or CBOR. */
const messagesContract = () =>
  storedVersion({
    name: 'messages',
    schemas: { Message: MESSAGE },
    endpoints: [
      {
        path: '/messages',
        method: 'POST',
        requestSchema: 'Message',
        requestMediaTypes: {
          'application/x-www-form-urlencoded': 'Message',
          'application/json': 'Message',
          'application/msgpack': 'Message',
          'application/cbor': 'Message',
          'multipart/form-data': 'Message',
        },
        responseSchema: 'Message',
        responseMediaTypes: { '2XX': { 'application/json': 'Message', 'application/cbor': 'Message' } },
      },
    ],
  });

/** The contracts table holds `version` for every key. */
const storing = (version: ContractVersion) =>
  ddb.on(GetCommand).resolves({ Item: { deprecated: false, document: gzipSync(JSON.stringify(version)) } });

const call = async (name: string, route: 'validate' | 'validate-response', body: unknown) => {
  const result = await handler(
    apiEvent({
      method: 'POST',
      path: `/v1/contracts/${name}/${route}`,
      resource: `/v1/contracts/{name}/${route}`,
      pathParameters: { name },
      body,
    }),
    lambdaContext,
  );
  return { statusCode: result.statusCode, json: JSON.parse(result.body) };
};

const validate = (request: Record<string, unknown>) =>
  call('messages', 'validate', { version: '1.0.0', method: 'POST', path: '/messages', request });
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

describe('contracts handler: media types', () => {
  afterEach(() => ddb.reset());

  describe('POST /v1/contracts/{name}/validate', () => {
    it('decodes a form body, coerces its fields and names the media type', async () => {
      // Prepare
      storing(messagesContract());

      // Act
      const answer = await validate({
        contentType: 'application/x-www-form-urlencoded',
        body: 'To=%2B15558675310&Attempt=2&MediaUrl=https%3A%2F%2Fexample.com%2Fa.png',
      });

      // Assess
      expect(answer.statusCode).toBe(200);
      expect(answer.json).toEqual({
        valid: true,
        errors: [],
        version: '1.0.0',
        endpoint: 'POST /messages',
        mediaType: 'application/x-www-form-urlencoded',
      });
    });

    it('fails a form body sent as bytes that misses a required field', async () => {
      // Prepare
      storing(messagesContract());

      // Act
      const answer = await validate({
        contentType: 'application/x-www-form-urlencoded; charset=utf-8',
        bodyBase64: b64(Buffer.from('Attempt=x')),
      });

      // Assess
      expect(answer.json.valid).toBe(false);
      expect(answer.json.errors.map((e: { instancePath: string }) => e.instancePath).sort()).toEqual([
        '/body/Attempt',
        '/body/To',
      ]);
    });

    it.each([
      ['JSON text', { contentType: 'application/json', body: '{"To":"+1555"}' }],
      ['a JSON value', { contentType: 'application/json', body: { To: '+1555' } }],
      ['MessagePack bytes', { contentType: 'application/msgpack', bodyBase64: b64(encodeMsgpack({ To: '+1555' })) }],
      ['CBOR bytes', { contentType: 'application/cbor', bodyBase64: b64(encodeCbor({ To: '+1555' })) }],
    ])('validates %s by its media type', async (_, request) => {
      // Prepare
      storing(messagesContract());

      // Act
      const answer = await validate(request);

      // Assess
      expect(answer.json).toMatchObject({ valid: true, mediaType: request.contentType });
    });

    it.each([
      ['MessagePack', 'application/msgpack', b64(encodeMsgpack({ To: 1 }))],
      ['CBOR', 'application/cbor', b64(encodeCbor({ To: 1 }))],
    ])('fails a %s body against the schema, naming the pointer', async (_, contentType, bodyBase64) => {
      // Prepare
      storing(messagesContract());

      // Act
      const answer = await validate({ contentType, bodyBase64 });

      // Assess
      expect(answer.json.valid).toBe(false);
      expect(answer.json.errors).toEqual([expect.objectContaining({ instancePath: '/body/To', keyword: 'type' })]);
    });

    it('decodes multipart/form-data fields and coerces them like form fields', async () => {
      // Prepare
      storing(messagesContract());
      const part = (name: string, value: string) =>
        `--B\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
      const body = `${part('To', '+1555')}${part('Attempt', '3')}${part('Attempt', '4')}--B--\r\n`;

      // Act
      const answer = await validate({ contentType: 'multipart/form-data; boundary=B', body });

      // Assess
      expect(answer.json).toMatchObject({ valid: false, mediaType: 'multipart/form-data' });
      expect(answer.json.errors).toEqual([expect.objectContaining({ instancePath: '/body/Attempt', keyword: 'type' })]);
    });

    it('answers valid: false naming /body when the bytes are not the declared format', async () => {
      // Prepare
      storing(messagesContract());

      // Act
      const answer = await validate({ contentType: 'application/cbor', bodyBase64: b64(new Uint8Array([0x1f])) });

      // Assess
      expect(answer.statusCode).toBe(200);
      expect(answer.json).toMatchObject({ valid: false, mediaType: 'application/cbor' });
      expect(answer.json.errors).toEqual([expect.objectContaining({ instancePath: '/body', keyword: 'decode' })]);
    });

    it('rejects a content type the endpoint does not declare with 422 naming the declared ones', async () => {
      // Prepare
      storing(messagesContract());

      // Act
      const answer = await validate({ contentType: 'text/plain', body: 'To: +1555' });

      // Assess
      expect(answer.statusCode).toBe(422);
      expect(answer.json.detail).toContain(
        'declared: application/x-www-form-urlencoded, application/json, application/msgpack, application/cbor, multipart/form-data',
      );
      expect(answer.json.errors).toEqual([expect.objectContaining({ pointer: '/request/contentType' })]);
    });

    it('takes application/json for a contract without media types (the default)', async () => {
      // Prepare
      storing(
        storedVersion({
          name: 'messages',
          schemas: { Message: MESSAGE },
          endpoints: [{ path: '/messages', method: 'POST', requestSchema: 'Message' }],
        }),
      );

      // Act
      const json = await validate({ contentType: 'application/json', body: '{"To":"+1555"}' });
      const form = await validate({ contentType: 'application/x-www-form-urlencoded', body: 'To=%2B1555' });

      // Assess
      expect(json.json).toMatchObject({ valid: true, mediaType: 'application/json' });
      expect(form.statusCode).toBe(422);
    });

    it('keeps the request shape without contentType as it was (no mediaType in the answer)', async () => {
      // Prepare
      storing(messagesContract());

      // Act
      const answer = await validate({ body: { To: '+1555' } });

      // Assess
      expect(answer.json).toEqual({ valid: true, errors: [], version: '1.0.0', endpoint: 'POST /messages' });
    });

    it('rejects bodyBase64 without contentType, and body with bodyBase64, with 422 naming the member', async () => {
      // Act
      const missing = await validate({ bodyBase64: 'AA==' });
      const both = await validate({ contentType: 'application/cbor', body: 'x', bodyBase64: 'AA==' });

      // Assess
      expect([missing.statusCode, both.statusCode]).toEqual([422, 422]);
      expect(missing.json.errors).toEqual([expect.objectContaining({ pointer: '/request/contentType' })]);
      expect(both.json.errors).toEqual([expect.objectContaining({ pointer: '/request/bodyBase64' })]);
    });
  });

  describe('POST /v1/contracts/{name}/validate-response', () => {
    it('validates a CBOR response body by the 2XX media types', async () => {
      // Prepare
      storing(messagesContract());
      const request = { version: '1.0.0', method: 'POST', path: '/messages', status: 201 };

      // Act
      const valid = await call('messages', 'validate-response', {
        ...request,
        contentType: 'application/cbor',
        bodyBase64: b64(encodeCbor({ To: '+1555' })),
      });
      const invalid = await call('messages', 'validate-response', {
        ...request,
        contentType: 'application/cbor',
        bodyBase64: b64(encodeCbor({})),
      });
      const undeclared = await call('messages', 'validate-response', {
        ...request,
        contentType: 'application/msgpack',
        bodyBase64: b64(encodeMsgpack({ To: '+1555' })),
      });

      // Assess
      expect(valid.json).toMatchObject({ valid: true, mediaType: 'application/cbor' });
      expect(invalid.json.errors).toEqual([expect.objectContaining({ instancePath: '/body/To', keyword: 'required' })]);
      expect(undeclared.statusCode).toBe(422);
      expect(undeclared.json.errors).toEqual([expect.objectContaining({ pointer: '/contentType' })]);
    });
  });

  describe('the Twilio REST API document (application/x-www-form-urlencoded)', () => {
    const CREATE_MESSAGE = '/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json';
    let twilio: ContractVersion;

    beforeAll(async () => {
      // Prepare: the imported document, stored as the registry stores it (gzipped JSON in one item)
      const raw = JSON.parse(readFileSync(join(FIXTURES_DIR, 'twilio/twilio-api-v2010.openapi-3.0.json'), 'utf8'));
      const document = ContractDocumentSchema.parse(await importOpenApiDocument(raw));
      twilio = {
        ...document,
        id: `${document.name}@${document.version}`,
        owner: AUTH_OFF_OWNER,
        compatibility: 'BACKWARD',
        contentHash: '0'.repeat(64),
        createdAt: '2026-11-30T00:00:00.000Z',
        deprecated: false,
      };
      // DynamoDB items are at most 400 KB.
      expect(gzipSync(JSON.stringify(twilio)).byteLength).toBeLessThan(400 * 1024);
    });

    const validateTwilio = (body: string) =>
      call(twilio.name, 'validate', {
        version: twilio.version,
        method: 'POST',
        path: CREATE_MESSAGE,
        request: { contentType: 'application/x-www-form-urlencoded', body },
      });

    it('imports Create Message with its form media type', () => {
      const endpoint = twilio.endpoints.find((e) => e.operationId === 'CreateMessage');
      expect(endpoint?.requestMediaTypes).toEqual({ 'application/x-www-form-urlencoded': 'CreateMessage.request' });
    });

    it('validates a real create-message form body', async () => {
      // Prepare
      storing(twilio);

      // Act
      const answer = await validateTwilio(
        'To=%2B15558675310&From=%2B15017122661&Body=Hi&MediaUrl=https%3A%2F%2Fdemo.twilio.com%2Fowl.png&ProvideFeedback=true&ValidityPeriod=60',
      );

      // Assess
      expect(answer.statusCode).toBe(200);
      expect(answer.json).toEqual({
        valid: true,
        errors: [],
        version: twilio.version,
        endpoint: 'POST /2010-04-01/Accounts/{AccountSid}/Messages.json',
        mediaType: 'application/x-www-form-urlencoded',
      });
    });

    it('fails a create-message form body without To, naming /body/To', async () => {
      // Prepare
      storing(twilio);

      // Act
      const answer = await validateTwilio('From=%2B15017122661&Body=Hi');

      // Assess
      expect(answer.json.valid).toBe(false);
      expect(answer.json.errors).toEqual([
        { instancePath: '/body/To', keyword: 'required', message: "must have required property 'To'" },
      ]);
    });

    it('fails fields that do not read as their schema types (ValidityPeriod integer, ContentRetention enum)', async () => {
      // Prepare
      storing(twilio);

      // Act
      const answer = await validateTwilio('To=%2B15558675310&ValidityPeriod=soon&ContentRetention=forever');

      // Assess
      expect(answer.json.errors.map((e: { instancePath: string }) => e.instancePath).sort()).toEqual([
        '/body/ContentRetention',
        '/body/ValidityPeriod',
      ]);
    });
  });
});
