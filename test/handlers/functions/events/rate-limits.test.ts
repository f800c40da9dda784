import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { awsEventsHandler } from '../../../../functions/events/wiring';
import { busCalls } from '../../../support/audit';
import { apiEvent, lambdaContext } from '../../../support/events';
import { testFunctionBase } from '../../../support/handler-env';
import { answerBucketWrites, RATE_LIMITS_TEST_TABLE } from '../../../support/rate-limits';

const ddb = mockClient(DynamoDBDocumentClient);
const eventBridge = mockClient(EventBridgeClient);
mockClient(SQSClient);

/**
 * A fresh events function (a new Lambda instance: no bucket state seen yet) with rate limiting on
 * (the handler tests' default is off), publishEvents at 1/s, burst 2.
 */
function eventsFunction() {
  const handler = awsEventsHandler(
    testFunctionBase('events', { env: { RATE_LIMITING: 'on', RATE_LIMITS: 'publishEvents=1/2' } }),
  );
  const call = (input: Parameters<typeof apiEvent>[0]) => handler(apiEvent(input), lambdaContext);
  return { call, publish: (body: unknown) => call({ method: 'POST', path: '/v1/events', body }) };
}

describe('events function: rate limits', () => {
  afterEach(() => {
    ddb.reset();
    eventBridge.reset();
  });

  it('counts every publishEvents request of the tenant (even invalid ones) and answers the third 429', async () => {
    // Prepare
    const { publish } = eventsFunction();
    const buckets = answerBucketWrites(ddb);

    // Act: the body is validated after the limit, so each request takes a token first
    const answers = [await publish({}), await publish({}), await publish({})];

    // Assess
    expect(answers.map((a) => a.statusCode)).toEqual([422, 422, 429]);
    expect(answers[2]?.headers).toMatchObject({
      'content-type': 'application/problem+json',
      'retry-after': '1',
      'ratelimit-policy': '"publishEvents";q=2;w=2',
      ratelimit: '"publishEvents";r=0;t=2',
    });
    expect(JSON.parse(answers[2]?.body ?? '{}')).toMatchObject({ type: 'urn:aif:problem:rate-limited', status: 429 });
    expect([...buckets.keys()]).toEqual(['ROUTE#default#publishEvents']);
    // Two UpdateItems: the refusal was decided on the bucket state the second write answered.
    expect(ddb.commandCalls(UpdateCommand, { TableName: RATE_LIMITS_TEST_TABLE })).toHaveLength(2);
  });

  it('fails closed: when the table throttles, publishEvents answers 503 with Retry-After and puts nothing on the bus', async () => {
    // Prepare
    const { call, publish } = eventsFunction();
    ddb
      .on(UpdateCommand, { TableName: RATE_LIMITS_TEST_TABLE })
      .rejects(
        Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }),
      );
    ddb.on(QueryCommand).resolves({ Items: [] });

    // Act
    const refused = await publish([{ type: 'order.created', source: 'shop', payload: { id: 1 } }]);
    const unlimited = await call({ method: 'GET', path: '/v1/events', query: { correlationId: 'c-1' } });

    // Assess
    expect(refused.statusCode).toBe(503);
    expect(refused.headers).toMatchObject({ 'retry-after': '1', 'content-type': 'application/problem+json' });
    expect(JSON.parse(refused.body)).toMatchObject({ type: 'urn:aif:problem:rate-limiter-unavailable', status: 503 });
    expect(busCalls(eventBridge)).toHaveLength(0);
    expect(
      eventBridge.commandCalls(PutEventsCommand).filter((c) => c.args[0].input.Entries?.[0]?.Source === 'shop'),
    ).toHaveLength(0);
    // A route without a limit does not depend on the limiter's table.
    expect(unlimited.statusCode).toBe(200);
  });
});
