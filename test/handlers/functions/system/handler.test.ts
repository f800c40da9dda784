import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import protobuf from 'protobufjs';
import protojson from 'protobufjs/ext/protojson.js';
import { afterEach, describe, expect, it } from 'vitest';
import { awsSystemHandler } from '../../../../functions/system/wiring';
import { protobufCodec } from '../../../../shared/http/codecs/protobuf-codec';
import { apiEvent, lambdaContext } from '../../../support/events';
import { testFunctionBase } from '../../../support/handler-env';

const handler = awsSystemHandler(testFunctionBase('system'));
const ddb = mockClient(DynamoDBDocumentClient);
// The audit trail's aif.audit events: never a real call.
const eventBridge = mockClient(EventBridgeClient);

describe('system handler', () => {
  afterEach(() => {
    ddb.reset();
    eventBridge.reset();
  });

  describe('GET /v1/audit', () => {
    it('queries one tenant newest first within the time range and answers the page with its cursor', async () => {
      // Prepare
      const record = { id: 'a1', time: '2026-11-30T09:00:00.000Z', tenant: 't1', outcome: 'denied' };
      ddb.on(QueryCommand).resolves({
        Items: [{ ...record, pk: 'TENANT#t1', sk: `${record.time}#a1`, gsi1pk: 'AUDIT', expiresAt: 1 }],
        LastEvaluatedKey: { pk: 'TENANT#t1', sk: `${record.time}#a1` },
      });
      const query = {
        tenant: 't1',
        outcome: 'denied',
        from: '2026-11-30T00:00:00Z',
        to: '2026-11-30T10:00:00+01:00',
        limit: '10',
      };

      // Act
      const result = await handler(apiEvent({ method: 'GET', path: '/v1/audit', query }), lambdaContext);

      // Assess
      expect(result.statusCode).toBe(200);
      const body = JSON.parse(result.body);
      expect(body.items).toEqual([record]);
      expect(typeof body.nextCursor).toBe('string');
      const input = ddb.commandCalls(QueryCommand)[0]?.args[0].input;
      expect(input).toMatchObject({
        TableName: 'audit-test',
        ScanIndexForward: false,
        Limit: 10,
        FilterExpression: '#outcome = :outcome',
        ExpressionAttributeValues: {
          ':partition': 'TENANT#t1',
          ':from': '2026-11-30T00:00:00.000Z',
          ':to': '2026-11-30T09:00:00.000Z#~',
          ':outcome': 'denied',
        },
      });
      expect(input?.IndexName).toBeUndefined();
    });

    it('rejects a limit above 100 with 400', async () => {
      const result = await handler(
        apiEvent({ method: 'GET', path: '/v1/audit', query: { limit: '101' } }),
        lambdaContext,
      );

      expect(result.statusCode).toBe(400);
      expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
    });
  });

  describe('GET /v1/health', () => {
    it('answers 200 when every table answers', async () => {
      ddb.on(GetCommand).resolves({});

      const result = await handler(apiEvent({ method: 'GET', path: '/v1/health' }), lambdaContext);

      expect(result.statusCode).toBe(200);
      expect(JSON.parse(result.body)).toEqual({ status: 'ok', checks: { contracts: 'ok', errors: 'ok' } });
      expect(ddb.commandCalls(GetCommand).map((c) => c.args[0].input.TableName)).toEqual([
        'contracts-test',
        'errors-test',
      ]);
    });

    it('answers 503 with Retry-After when the table is unreachable', async () => {
      ddb.on(GetCommand).rejects(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));

      const result = await handler(apiEvent({ method: 'GET', path: '/v1/health' }), lambdaContext);

      expect(result.statusCode).toBe(503);
      expect(result.headers?.['retry-after']).toBe('1');
    });
  });

  describe('GET /v1/openapi.json', () => {
    it('names the server with the stage the client called through', async () => {
      const event = apiEvent({
        method: 'GET',
        path: '/v1/openapi.json',
        headers: { Host: 'abc.execute-api.eu-west-1.amazonaws.com' },
      });
      event.requestContext.path = '/prod/v1/openapi.json';

      const result = await handler(event, lambdaContext);

      expect(JSON.parse(result.body).servers).toEqual([
        { url: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod' },
      ]);
    });
  });

  describe('GET /v1/proto', () => {
    it('serves proto3 source that protobufjs compiles and that round-trips an API body as google.protobuf.Value', async () => {
      // Prepare
      const body = { name: 'orders', version: 2, tags: ['a', 'é'], meta: { ok: true, none: null } };

      // Act
      const result = await handler(apiEvent({ method: 'GET', path: '/v1/proto' }), lambdaContext);

      // Assess
      expect(result.statusCode).toBe(200);
      expect(result.headers?.['content-type']).toBe('text/plain; charset=utf-8');
      expect(result.isBase64Encoded ?? false).toBe(false);
      expect(result.body).toMatch(/^syntax = "proto3";$/m);
      expect(result.body).toMatch(/application\/problem\+json/);
      expect(Buffer.byteLength(result.body)).toBe(result.body.length); // ASCII: readable under any charset
      const Value = protobuf.parse(result.body).root.lookupType('google.protobuf.Value');
      const bytes = Value.encode(protojson.fromJson(Value, body)).finish();
      expect(await protobufCodec.decode(Buffer.from(bytes))).toEqual(body);
      expect(protojson.toJson(Value, Value.decode((await protobufCodec.encode(body)) as Buffer))).toEqual(body);
    });

    it.each([
      ['text/plain', 200],
      ['text/*', 200],
      ['*/*', 200],
      ['text/plain; charset=utf-8', 200],
      ['application/json', 406],
      ['application/x-protobuf', 406],
      ['text/plain;q=0, */*', 406],
    ])('answers Accept: %s with %i', async (accept, status) => {
      // Act
      const result = await handler(
        apiEvent({ method: 'GET', path: '/v1/proto', headers: { Accept: accept } }),
        lambdaContext,
      );

      // Assess
      expect(result.statusCode).toBe(status);
      if (status === 406) expect(JSON.parse(result.body).available).toEqual(['text/plain']);
    });
  });

  describe('fallback ({proxy+} and ANY)', () => {
    it('answers 404 problem+json for a path no route has', async () => {
      const result = await handler(
        apiEvent({
          method: 'GET',
          path: '/v1/unknown',
          resource: '/{proxy+}',
          pathParameters: { proxy: 'v1/unknown' },
        }),
        lambdaContext,
      );
      expect(result.statusCode).toBe(404);
      expect(result.headers?.['content-type']).toBe('application/problem+json');
    });

    it('answers 405 with Allow for a known path and another method', async () => {
      const result = await handler(
        apiEvent({
          method: 'PUT',
          path: '/v1/contracts/petstore',
          resource: '/v1/contracts/{name}',
          pathParameters: { name: 'petstore' },
        }),
        lambdaContext,
      );
      expect(result.statusCode).toBe(405);
      expect(result.headers?.allow).toBe('GET, HEAD');
    });
  });
});
