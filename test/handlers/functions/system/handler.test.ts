import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { awsSystemHandler } from '../../../../functions/system/wiring';
import { apiEvent, lambdaContext } from '../../../support/events';
import { testFunctionBase } from '../../../support/handler-env';

const handler = awsSystemHandler(testFunctionBase('system'));
const ddb = mockClient(DynamoDBDocumentClient);

describe('system handler', () => {
  afterEach(() => {
    ddb.reset();
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
