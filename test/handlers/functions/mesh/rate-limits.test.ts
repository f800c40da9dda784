import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { awsMeshHandler } from '../../../../functions/mesh/wiring';
import { apiEvent, lambdaContext } from '../../../support/events';
import { testFunctionBase } from '../../../support/handler-env';
import { answerBucketWrites, RATE_LIMITS_TEST_TABLE } from '../../../support/rate-limits';

const ddb = mockClient(DynamoDBDocumentClient);
mockClient(EventBridgeClient);

/** A fresh mesh function (no bucket state seen yet) with rate limiting on, routeCall at 1/s, burst 1. */
function meshFunction() {
  const handler = awsMeshHandler(
    testFunctionBase('mesh', { env: { RATE_LIMITING: 'on', RATE_LIMITS: 'routeCall=1/1' } }),
  );
  return (input: Parameters<typeof apiEvent>[0]) => handler(apiEvent(input), lambdaContext);
}
const routed = (path: string) => ({
  method: 'GET',
  path: `/v1/mesh/orders${path}`,
  resource: '/v1/mesh/{service}/{proxy+}',
  pathParameters: { service: 'orders', proxy: path.slice(1) },
});

describe('mesh function: rate limits', () => {
  afterEach(() => {
    ddb.reset();
  });

  it("limits the tenant's routed calls: the second call within the second answers 429 before any routing", async () => {
    // Prepare: nobody holds "orders", so an admitted call answers 404
    const call = meshFunction();
    answerBucketWrites(ddb);
    ddb.on(GetCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [] });

    // Act
    const first = await call(routed('/orders/1'));
    const reads = ddb.commandCalls(GetCommand).length + ddb.commandCalls(QueryCommand).length;
    const second = await call(routed('/orders/2'));

    // Assess
    expect(first.statusCode).toBe(404);
    expect(second.statusCode).toBe(429);
    expect(second.headers).toMatchObject({ 'retry-after': '1', 'ratelimit-policy': '"routeCall";q=1;w=1' });
    // The refused call read nothing of the mesh.
    expect(ddb.commandCalls(GetCommand).length + ddb.commandCalls(QueryCommand).length).toBe(reads);
  });

  it('fails closed: with the table unreachable, routed calls and registrations answer 503 with Retry-After', async () => {
    // Prepare
    const call = meshFunction();
    ddb
      .on(UpdateCommand, { TableName: RATE_LIMITS_TEST_TABLE })
      .rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' }));

    // Act
    const route = await call(routed('/orders/1'));
    const register = await call({
      method: 'POST',
      path: '/v1/services',
      body: {
        id: 'orders-1',
        name: 'orders',
        version: '1.0.0',
        endpoint: 'https://orders-1.example.com',
        healthEndpoint: 'https://orders-1.example.com/health',
      },
    });

    // Assess
    for (const answer of [route, register]) {
      expect(answer.statusCode).toBe(503);
      expect(answer.headers).toMatchObject({ 'retry-after': '1' });
      expect(JSON.parse(answer.body)).toMatchObject({ type: 'urn:aif:problem:rate-limiter-unavailable' });
    }
    expect(ddb.commandCalls(UpdateCommand).filter((c) => c.args[0].input.TableName !== RATE_LIMITS_TEST_TABLE)).toEqual(
      [],
    );
  });
});
