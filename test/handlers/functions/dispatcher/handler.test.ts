import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { awsDispatcherHandler } from '../../../../functions/dispatcher/wiring';
import type { IntegrationEvent } from '../../../../shared/domain/events/integration-event';
import type { Subscription } from '../../../../shared/domain/events/subscription';
import { lambdaContext } from '../../../support/events';
import { testFunctionBase } from '../../../support/handler-env';

const handler = awsDispatcherHandler(testFunctionBase('dispatcher'));
const ddb = mockClient(DynamoDBDocumentClient);
const eventBridge = mockClient(EventBridgeClient);
const sqs = mockClient(SQSClient);
const kms = mockClient(KMSClient);
const SECRET = `whsec_${'A'.repeat(43)}=`;
/** What KMS Encrypt answered when the subscription was created (opaque to the dispatcher). */
const SEALED = {
  sealed: Buffer.from('kms-ciphertext').toString('base64'),
  last4: 'AAA=',
  digest: 'd',
  createdAt: '2026-11-01T00:00:00.000Z',
};

const fixture = JSON.parse(
  readFileSync(new URL('../../../fixtures/aws-events/sqs-batch.base.json', import.meta.url), 'utf8'),
) as SQSEvent;
const template = fixture.Records[0] as SQSRecord;

/** An SQS event of the delivery queue with one record per body, shaped like the Powertools sample. */
function sqsEvent(bodies: Array<{ messageId: string; body: string; receiveCount?: number }>): SQSEvent {
  return {
    Records: bodies.map(({ messageId, body, receiveCount = 1 }) => ({
      ...structuredClone(template),
      messageId,
      receiptHandle: `receipt-${messageId}`,
      body,
      attributes: { ...template.attributes, ApproximateReceiveCount: String(receiveCount) },
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:aif-test-delivery',
    })),
  };
}

const event: IntegrationEvent = {
  id: 'evt-1',
  type: 'order.created',
  version: '1.0.0',
  source: 'shop.orders',
  timestamp: Date.parse('2026-11-30T09:59:00Z'),
  payload: { orderId: 'o-1', total: 120 },
  metadata: {},
};
const OWNER = { tenant: 'acme', principal: 'agent-1' };
/** What the subscription rule's input transformer puts on the queue: the subscription's tenant and id, the event. */
const message = (subscriptionId: string) => JSON.stringify({ tenant: OWNER.tenant, subscriptionId, event });

const subscriptionItem = (id: string, overrides: Partial<Subscription> = {}) => ({
  pk: 'SUBSCRIPTION#acme',
  sk: id,
  owner: OWNER,
  id,
  eventType: 'order.created',
  target: { type: 'webhook', url: 'http://169.254.169.254/latest/meta-data', secrets: [SEALED] },
  maxRetries: 5,
  retryPolicy: { backoffStrategy: 'exponential', initialDelayMs: 100, maxDelayMs: 30_000, jitter: 'proportional' },
  timeoutMs: 1_000,
  priority: 0,
  status: 'active',
  createdAt: '2026-11-01T00:00:00.000Z',
  ...overrides,
});

/** Dead letters the dispatcher wrote, events decompressed. */
const deadLetters = (): Array<Record<string, unknown>> =>
  ddb
    .commandCalls(PutCommand)
    .map((c) => c.args[0].input)
    .filter((put) => put.TableName === 'delivery-test')
    .map((put) => ({
      ...(put.Item as Record<string, unknown>),
      event: JSON.parse(gunzipSync(put.Item?.event as Uint8Array).toString('utf8')),
    }));

describe('dispatcher handler', () => {
  beforeEach(() => {
    // Error policies: none stored. Error counters: each failure is the first of its window.
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(UpdateCommand, { TableName: 'errors-test' }).callsFake((input) => ({
      Attributes: {
        window: input.ExpressionAttributeValues[':window'],
        windowStart: input.ExpressionAttributeValues[':windowStart'],
        source: input.ExpressionAttributeValues[':source'],
        code: input.ExpressionAttributeValues[':code'],
        category: input.ExpressionAttributeValues[':category'],
        count: 1,
        lastSeenAt: input.ExpressionAttributeValues[':seenAt'],
      },
    }));
    ddb.on(PutCommand).resolves({});
    kms.on(DecryptCommand).resolves({ Plaintext: Buffer.from(SECRET, 'utf8') });
  });

  afterEach(() => {
    kms.reset();
    ddb.reset();
    eventBridge.reset();
    sqs.reset();
  });

  it('keeps concurrent invocations apart: each answers only for its own records', async () => {
    // Prepare
    ddb.on(GetCommand).resolves({});
    const batches = Array.from({ length: 4 }, (_, b) =>
      sqsEvent([
        { messageId: `b${b}-ok`, body: message('gone-sub') },
        { messageId: `b${b}-bad`, body: 'not json' },
      ]),
    );

    // Act
    const results = await Promise.all(batches.map((batch) => handler(batch, lambdaContext)));

    // Assess
    results.forEach((result, b) => {
      expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: `b${b}-bad` }] });
    });
  });

  it('dead-letters a deleted subscription and a blocked target, and reports only the malformed record', async () => {
    // Prepare
    ddb.on(GetCommand, { Key: { pk: 'SUBSCRIPTION#acme', sk: 'gone-sub' } }).resolves({});
    ddb.on(GetCommand, { Key: { pk: 'SUBSCRIPTION#acme', sk: 'blocked-sub' } }).resolves({
      Item: subscriptionItem('blocked-sub'),
    });
    const batch = sqsEvent([
      { messageId: 'm-gone', body: message('gone-sub') },
      { messageId: 'm-malformed', body: 'Test message.' },
      { messageId: 'm-blocked', body: message('blocked-sub'), receiveCount: 2 },
    ]);

    // Act
    const result = await handler(batch, lambdaContext);

    // Assess
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-malformed' }] });
    const written = deadLetters().sort((a, b) => String(a.subscriptionId).localeCompare(String(b.subscriptionId)));
    expect(written).toEqual([
      expect.objectContaining({
        pk: 'DEADLETTER#acme',
        gsi1pk: 'SUB#acme#blocked-sub',
        gsi2pk: 'TYPE#acme#order.created',
        owner: OWNER,
        subscriptionId: 'blocked-sub',
        eventId: 'evt-1',
        event,
        attempts: 2,
        reason: 'not-retryable',
        lastError: expect.objectContaining({ code: 'ERR_SSRF_BLOCKED', category: 'permanent' }),
      }),
      expect.objectContaining({
        subscriptionId: 'gone-sub',
        owner: { tenant: 'acme', principal: '' },
        event,
        attempts: 1,
        reason: 'subscription-not-found',
        lastError: expect.objectContaining({ code: 'SUBSCRIPTION_NOT_FOUND', category: 'permanent' }),
      }),
    ]);
    for (const deadLetter of written) expect(deadLetter.id).toMatch(/^dl-\d{13}-[0-9a-f]{8}$/);
    const counted = ddb
      .commandCalls(UpdateCommand)
      .map((c) => c.args[0].input)
      .filter((u) => u.TableName === 'errors-test');
    expect(counted.map((u) => u.ExpressionAttributeValues?.[':source'])).toEqual([
      'webhook:blocked-sub',
      'webhook:blocked-sub',
    ]);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('reports a delivery to be retried as a batch item failure after setting its visibility', async () => {
    // Prepare: a host that cannot be reached (.invalid never resolves, RFC 6761), a 1 s timeout
    ddb.on(GetCommand).resolves({
      Item: subscriptionItem('unreachable-sub', {
        target: { type: 'webhook', url: 'https://hooks.invalid/orders', secrets: [SEALED] },
        retryPolicy: { backoffStrategy: 'constant', initialDelayMs: 90_000, maxDelayMs: 90_000, jitter: 'none' },
      }),
    });
    sqs.on(ChangeMessageVisibilityCommand).resolves({});

    // Act
    const result = await handler(sqsEvent([{ messageId: 'm-retry', body: message('unreachable-sub') }]), lambdaContext);

    // Assess
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-retry' }] });
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input).toEqual({
      QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/aif-test-delivery',
      ReceiptHandle: 'receipt-m-retry',
      VisibilityTimeout: 90,
    });
    expect(deadLetters()).toEqual([]);
    expect(kms.commandCalls(DecryptCommand).map((c) => c.args[0].input)).toEqual([
      {
        KeyId: 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555',
        CiphertextBlob: Buffer.from('kms-ciphertext'),
        EncryptionContext: { 'aif-tenant': 'acme', 'aif-subscription': 'unreachable-sub' },
      },
    ]);
  });

  it('sends nothing and keeps the record when KMS refuses to decrypt the secret under its context', async () => {
    // Prepare: a sealed secret copied from another subscription (KMS: InvalidCiphertextException)
    ddb.on(GetCommand).resolves({ Item: subscriptionItem('copied-sub') });
    kms
      .on(DecryptCommand)
      .rejects(
        Object.assign(new Error('invalid ciphertext'), { name: 'InvalidCiphertextException', $fault: 'client' }),
      );

    // Act
    const result = await handler(sqsEvent([{ messageId: 'm-copied', body: message('copied-sub') }]), lambdaContext);

    // Assess
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-copied' }] });
    expect(deadLetters()).toEqual([]);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
  });

  it('keeps a record on the queue when its dead letter cannot be stored', async () => {
    // Prepare
    ddb.on(GetCommand).resolves({});
    ddb.on(PutCommand, { TableName: 'delivery-test' }).rejects(
      Object.assign(new Error('Throughput exceeds the current capacity'), {
        name: 'ProvisionedThroughputExceededException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    // Act
    const result = await handler(sqsEvent([{ messageId: 'm-1', body: message('gone-sub') }]), lambdaContext);

    // Assess
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
  });
});
