import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { awsDispatcherHandler } from '../../../../functions/dispatcher/wiring';
import { lambdaContext } from '../../../support/events';
import { HANDLER_TEST_NOW_MS, testFunctionBase } from '../../../support/handler-env';

const handler = awsDispatcherHandler(
  testFunctionBase('dispatcher', { env: { WEBHOOK_MAX_IN_FLIGHT_PER_TENANT: '1' } }),
);
const ddb = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
const kms = mockClient(KMSClient);

const event = { id: 'evt-1', type: 'order.created', source: 'shop.orders', payload: {}, metadata: {} };
const record = (receiveCount: number, body: Record<string, unknown> = {}): SQSEvent => ({
  Records: [
    {
      messageId: 'm-1',
      receiptHandle: 'receipt-m-1',
      body: JSON.stringify({ tenant: 'acme', subscriptionId: 'orders-sub', event, ...body }),
      attributes: {
        ApproximateReceiveCount: String(receiveCount),
        SentTimestamp: '0',
        SenderId: 'x',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:aif-test-delivery',
      awsRegion: 'us-east-1',
    },
  ],
});
/** A subscription whose webhook the SSRF policy refuses: an attempt ends in a dead letter, no network. */
const subscription = {
  pk: 'SUBSCRIPTION#acme',
  sk: 'orders-sub',
  owner: { tenant: 'acme', principal: 'agent-1' },
  id: 'orders-sub',
  eventType: 'order.created',
  target: {
    type: 'webhook',
    url: 'http://169.254.169.254/hook',
    secrets: [{ sealed: 'c2VhbGVk', last4: 'AAA=', digest: 'd', createdAt: '2026-11-01T00:00:00.000Z' }],
  },
  maxRetries: 5,
  timeoutMs: 1_000,
  priority: 0,
  status: 'active',
  createdAt: '2026-11-01T00:00:00.000Z',
};
const leaseWrites = () =>
  ddb
    .commandCalls(UpdateCommand)
    .map((c) => c.args[0].input)
    .filter((input) => input.TableName === 'ratelimits-test');

describe('dispatcher handler with WEBHOOK_MAX_IN_FLIGHT_PER_TENANT', () => {
  beforeEach(() => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(GetCommand, { TableName: 'delivery-test' }).resolves({ Item: subscription });
    ddb.on(PutCommand).resolves({});
    ddb.on(UpdateCommand, { TableName: 'errors-test' }).resolves({ Attributes: { count: 1 } });
    sqs.on(SendMessageCommand).resolves({ MessageId: 'copy-1' });
    kms.on(DecryptCommand).resolves({ Plaintext: Buffer.from(`whsec_${'A'.repeat(43)}=`) });
  });
  afterEach(() => {
    ddb.reset();
    sqs.reset();
    kms.reset();
  });

  it("takes a lease in the tenant's item of the RateLimits table before the attempt, and removes it after", async () => {
    // Prepare
    ddb.on(UpdateCommand, { TableName: 'ratelimits-test' }).resolves({});

    // Act
    const result = await handler(record(1), lambdaContext);

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    const [acquire, release] = leaseWrites();
    expect(acquire).toMatchObject({
      Key: { pk: 'INFLIGHT#webhook#acme' },
      UpdateExpression: 'SET #leases.#id = :lease, #exp = :ttl',
      ConditionExpression: 'size(#leases) < :max',
      ExpressionAttributeValues: { ':lease': HANDLER_TEST_NOW_MS + 1_000 + 5_000, ':max': 1 },
    });
    expect(release).toMatchObject({
      Key: { pk: 'INFLIGHT#webhook#acme' },
      UpdateExpression: 'REMOVE #leases.#id',
      ExpressionAttributeNames: { '#id': acquire?.ExpressionAttributeNames?.['#id'] },
    });
  });

  it('defers a delivery whose tenant has no free slot: sent again with the attempts made, the record done, nothing decrypted or posted', async () => {
    // Prepare: the one slot is held by a live lease of another delivery
    ddb
      .on(UpdateCommand, { TableName: 'ratelimits-test' })
      .rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    ddb.on(GetCommand, { TableName: 'ratelimits-test' }).resolves({
      Item: { pk: 'INFLIGHT#webhook#acme', leases: { other: HANDLER_TEST_NOW_MS + 3_000 } },
    });

    // Act
    const result = await handler(record(3, { attemptsBefore: 1 }), lambdaContext);

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    const sent = sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.DelaySeconds).toBe(3);
    expect(JSON.parse(sent[0]?.MessageBody ?? '{}')).toEqual({
      tenant: 'acme',
      subscriptionId: 'orders-sub',
      event,
      attemptsBefore: 3,
    });
    expect(kms.commandCalls(DecryptCommand)).toHaveLength(0);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });
});
