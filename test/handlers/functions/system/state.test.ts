import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { awsSystemHandler } from '../../../../functions/system/wiring';
import { apiEvent, lambdaContext } from '../../../support/events';
import { HANDLER_TEST_NOW_MS, testFunctionBase } from '../../../support/handler-env';

const ddb = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
const cloudWatch = mockClient(CloudWatchClient);
const eventBridge = mockClient(EventBridgeClient);

const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/aif-test-';

// The one tenant of a test without auth (`unauthenticatedCaller`).
const TENANT = 'default';

/** Answers each table's Query as the stores issue them: mesh (breakers, byTenant), delivery, errors. */
function tables(input: QueryCommandInput) {
  if (input.TableName === 'mesh-test' && input.IndexName === 'byTenant') {
    return {
      Items: [
        {
          pk: 'INSTANCE',
          sk: 'orders-1',
          name: 'orders',
          lastHealthCheck: { at: '2026-11-30T09:59:00.000Z', status: 'healthy' },
        },
        {
          pk: 'INSTANCE',
          sk: 'orders-2',
          name: 'orders',
          lastHealthCheck: { at: '2026-11-30T09:59:00.000Z', status: 'unhealthy' },
        },
        { pk: 'INSTANCE', sk: 'billing-1', name: 'billing' },
      ],
    };
  }
  if (input.TableName === 'mesh-test') {
    return {
      Items: [
        {
          pk: 'BREAKER#default',
          sk: 'orders-2',
          state: 'open',
          failureCount: 5,
          openedAt: HANDLER_TEST_NOW_MS - 10_000,
          permits: {},
          successes: 0,
          version: 3,
        },
        {
          pk: 'BREAKER#default',
          sk: 'orders-1',
          state: 'closed',
          failureCount: 0,
          permits: {},
          successes: 0,
          version: 1,
        },
      ],
    };
  }
  if (input.TableName === 'delivery-test') {
    return {
      Items: [{ subscriptionId: 'orders-sub' }, { subscriptionId: 'orders-sub' }, { subscriptionId: 'audit-sub' }],
    };
  }
  if (input.TableName === 'errors-test') {
    const pk = String(input.ExpressionAttributeValues?.[':pk']);
    return {
      Items: [
        {
          pk,
          sk: 'mesh#timeout',
          tenant: TENANT,
          window: '1m',
          windowStart: 0,
          source: 'mesh',
          code: 'timeout',
          category: 'transient',
          count: 7,
          lastSeenAt: HANDLER_TEST_NOW_MS - 5_000,
        },
      ],
    };
  }
  throw new Error(`unexpected Query on ${input.TableName}`);
}

describe('system handler', () => {
  beforeEach(() => {
    ddb.on(QueryCommand).callsFake(tables);
    sqs.on(GetQueueAttributesCommand).callsFake((input) => ({
      Attributes: {
        ApproximateNumberOfMessages: input.QueueUrl === `${QUEUE}delivery` ? '12' : '0',
        ApproximateNumberOfMessagesNotVisible: input.QueueUrl === `${QUEUE}delivery` ? '3' : '0',
        ApproximateNumberOfMessagesDelayed: '0',
      },
    }));
    cloudWatch.on(GetMetricDataCommand).resolves({
      // CloudWatch answers every query; the DLQs have no datapoint (empty, not reporting).
      MetricDataResults: [
        { Id: 'age0', Values: [95.4, 60] },
        { Id: 'age1', Values: [] },
        { Id: 'age2', Values: [] },
      ],
    });
  });

  afterEach(() => {
    ddb.reset();
    sqs.reset();
    cloudWatch.reset();
    eventBridge.reset();
  });

  describe('GET /v1/state', () => {
    it("answers the tenant's breakers, instance health, queue depths, dead letters, errors and in-flight calls", async () => {
      // Prepare
      ddb.on(GetCommand).resolves({
        Item: {
          pk: 'INFLIGHT#mesh#default',
          leases: { a: HANDLER_TEST_NOW_MS + 30_000, b: HANDLER_TEST_NOW_MS + 1, expired: HANDLER_TEST_NOW_MS },
        },
      });
      const handler = awsSystemHandler(testFunctionBase('system', { env: { MESH_MAX_IN_FLIGHT_PER_TENANT: '50' } }));

      // Act
      const result = await handler(apiEvent({ method: 'GET', path: '/v1/state' }), lambdaContext);

      // Assess
      expect(result.statusCode).toBe(200);
      const body = JSON.parse(result.body);
      expect(body.at).toBe('2026-11-30T10:00:00.000Z');
      expect(body.breakers.counts).toEqual({ closed: 1, open: 1, 'half-open': 0 });
      expect(body.breakers.items[0]).toEqual({
        instanceId: 'orders-2',
        state: 'open',
        failureCount: 5,
        openedAt: '2026-11-30T09:59:50.000Z',
      });
      expect(body.instances.counts).toEqual({ healthy: 1, degraded: 0, unhealthy: 1, unknown: 1 });
      expect(body.queues).toEqual([
        { queue: 'delivery', visible: 12, inFlight: 3, delayed: 0, oldestMessageAgeSeconds: 95 },
        { queue: 'delivery-dlq', visible: 0, inFlight: 0, delayed: 0, oldestMessageAgeSeconds: null },
        { queue: 'events-dlq', visible: 0, inFlight: 0, delayed: 0, oldestMessageAgeSeconds: null },
      ]);
      expect(body.deadLetters).toEqual({
        total: 3,
        bySubscription: { 'orders-sub': 2, 'audit-sub': 1 },
        truncated: false,
      });
      expect(body.errors).toMatchObject({
        window: '1m',
        windowStart: '2026-11-30T10:00:00.000Z',
        items: [{ source: 'mesh', code: 'timeout', count: 7 }],
        truncated: false,
      });
      expect(body.mesh).toEqual({ inFlight: 2, maxInFlight: 50 });
      expect(result.headers?.['cache-control']).toBe('no-store');
    });

    it('reads the age of the oldest message from CloudWatch per queue name, over the last 15 minutes', async () => {
      const handler = awsSystemHandler(testFunctionBase('system'));

      await handler(apiEvent({ method: 'GET', path: '/v1/state' }), lambdaContext);

      const input = cloudWatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input;
      expect(input?.StartTime).toEqual(new Date(HANDLER_TEST_NOW_MS - 15 * 60_000));
      expect(input?.EndTime).toEqual(new Date(HANDLER_TEST_NOW_MS));
      expect(input?.ScanBy).toBe('TimestampDescending');
      expect(input?.MetricDataQueries?.map((q) => q.MetricStat?.Metric?.Dimensions?.[0]?.Value)).toEqual([
        'aif-test-delivery',
        'aif-test-delivery-dlq',
        'aif-test-events-dlq',
      ]);
      expect(input?.MetricDataQueries?.[0]?.MetricStat).toMatchObject({
        Metric: { Namespace: 'AWS/SQS', MetricName: 'ApproximateAgeOfOldestMessage' },
        Stat: 'Maximum',
        Period: 60,
      });
    });

    it('reads only the caller tenant’s partitions, and no lease when the mesh budget is off', async () => {
      const handler = awsSystemHandler(testFunctionBase('system'));

      const result = await handler(
        apiEvent({ method: 'GET', path: '/v1/state', query: { window: '1h' } }),
        lambdaContext,
      );

      expect(JSON.parse(result.body).mesh).toEqual({ inFlight: null, maxInFlight: 0 });
      expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
      const partitions = ddb.commandCalls(QueryCommand).map((call) => {
        const values = call.args[0].input.ExpressionAttributeValues ?? {};
        return String(Object.values(values)[0]);
      });
      expect(partitions.sort()).toEqual(
        ['BREAKER#default', 'COUNT#default#1h#2026-11-30T10:00:00.000Z', 'DEADLETTER#default', 'TENANT#default'].sort(),
      );
    });

    it('fails with 503 and Retry-After when SQS throttles', async () => {
      sqs.on(GetQueueAttributesCommand).rejects(
        Object.assign(new Error('Rate exceeded'), {
          name: 'ThrottlingException',
          $metadata: { httpStatusCode: 400 },
        }),
      );
      const handler = awsSystemHandler(testFunctionBase('system'));

      const result = await handler(apiEvent({ method: 'GET', path: '/v1/state' }), lambdaContext);

      expect(result.statusCode).toBe(503);
      expect(result.headers?.['retry-after'] ?? result.headers?.['Retry-After']).toBeDefined();
    });

    it('rejects an unknown window with 400 naming the parameter', async () => {
      const handler = awsSystemHandler(testFunctionBase('system'));

      const result = await handler(
        apiEvent({ method: 'GET', path: '/v1/state', query: { window: '5m' } }),
        lambdaContext,
      );

      expect(result.statusCode).toBe(400);
      expect(JSON.parse(result.body).errors[0].pointer).toBe('/query/window');
      expect(sqs.commandCalls(GetQueueAttributesCommand)).toHaveLength(0);
    });
  });
});
