import { gzipSync } from 'node:zlib';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteRuleCommand,
  DescribeReplayCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import { EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { awsEventsHandler } from '../../../../functions/events/wiring';
import { replayPhysicalName } from '../../../../shared/adapters/eventbridge/replayer';
import { subscriptionRuleName } from '../../../../shared/adapters/eventbridge/subscription-rules';
import { contentHash } from '../../../../shared/domain/canonical-json';
import type { IntegrationEvent } from '../../../../shared/domain/events/integration-event';
import type { Subscription } from '../../../../shared/domain/events/subscription';
import { busCalls } from '../../../support/audit';
import { recordingClock } from '../../../support/clock';
import { storedVersion } from '../../../support/contracts';
import { apiEvent, lambdaContext } from '../../../support/events';
import { testFunctionBase } from '../../../support/handler-env';

// The clock stands at 2026-11-30T10:00Z, a minute after the events' TIMESTAMP; the body limit leaves
// room for a body just over EventBridge's 1 MiB entry cap, so the entry rule (not the body limit) answers.
const handler = awsEventsHandler(
  testFunctionBase('events', {
    clock: recordingClock(Date.parse('2026-11-30T10:00:00Z')),
    env: { MAX_BODY_BYTES: String(2 * 1024 * 1024) },
  }),
);
const ddb = mockClient(DynamoDBDocumentClient);
const eventBridge = mockClient(EventBridgeClient);
const sqs = mockClient(SQSClient);
const kms = mockClient(KMSClient);
/** What KMS Encrypt answers for every new secret here. */
const KMS_CIPHERTEXT = Buffer.from('kms-ciphertext');
const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555';
/** A stored secret of orders-sub: sealed, with its hint. */
const SEALED = {
  sealed: KMS_CIPHERTEXT.toString('base64'),
  last4: 'AAA=',
  digest: 'digest-of-the-secret',
  createdAt: '2026-11-01T00:00:00.000Z',
};

const call = (input: Parameters<typeof apiEvent>[0]) => handler(apiEvent(input), lambdaContext);
const publish = (body: unknown) => call({ method: 'POST', path: '/v1/events', body });
const json = (result: { body: string }) => JSON.parse(result.body);
const pointersOf = (result: { body: string }) =>
  json(result)
    .errors.map((e: { pointer: string }) => e.pointer)
    .sort();
const gz = (value: unknown) => gzipSync(JSON.stringify(value));

const TIMESTAMP = Date.parse('2026-11-30T09:59:00Z');
const BUS_ARN = 'arn:aws:events:us-east-1:123456789012:event-bus/aif-test-bus';
const ARCHIVE_ARN = 'arn:aws:events:us-east-1:123456789012:archive/aif-test-archive';
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:aif-test-delivery';
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/aif-test-delivery';
const DLQ_ARN = 'arn:aws:sqs:us-east-1:123456789012:aif-test-events-dlq';
/** The rule of the default tenant's subscription orders-sub (rule names are per tenant and id). */
const RULE_NAME = subscriptionRuleName('aif-test-sub-', { tenant: 'default', id: 'orders-sub' });
const ruleArn = (id: string) => `arn:aws:events:us-east-1:123456789012:rule/aif-test-bus/aif-test-sub-${id}`;

/** With auth off every caller is the one unauthenticated principal of tenant `default`. */
const OWNER = { tenant: 'default', principal: 'anonymous' };
const TENANT_METADATA = { 'aif-tenant': OWNER.tenant };

/** An envelope as the API parses it (keys in schema order, metadata filled in). */
const event = (id: string, overrides: Partial<IntegrationEvent> = {}): IntegrationEvent => ({
  id,
  type: 'order.created',
  version: '1.0.0',
  source: 'shop.orders',
  timestamp: TIMESTAMP,
  payload: { orderId: id, total: 120 },
  // As stored and sent: stamped with the publisher's tenant.
  metadata: TENANT_METADATA,
  ...overrides,
});
const detailOf = (entry: { Detail?: string } | undefined) => JSON.parse(entry?.Detail ?? '{}') as IntegrationEvent;

/** The event log's UpdateItems (claims and marks), without the source claims. */
const eventLogUpdates = () =>
  ddb
    .commandCalls(UpdateCommand)
    .map((c) => c.args[0].input)
    .filter((u) => (u.Key as { pk: string }).pk.startsWith('EVENT#'));

/** The source `shop.orders` is the caller's (its claim succeeds), whatever else UpdateItem answers. */
const sourceIsMine = () => ddb.on(UpdateCommand, { Key: { pk: 'SOURCE#shop.orders' } }).resolves({});

/** The DynamoDB calls a successful publication makes: policy and contract queries, source claim, claim, read-back, mark. */
function eventLogAcceptsEverything(): void {
  ddb.on(QueryCommand).resolves({ Items: [] });
  ddb.on(UpdateCommand).resolves({});
  ddb.on(GetCommand, { TableName: 'events-test' }).callsFake((input: { Key: { pk: string } }) => ({
    Item: { status: 'pending', contentHash: 'h', timestamp: TIMESTAMP, pk: input.Key.pk },
  }));
}

const conditionFailed = (item?: Record<string, unknown>) =>
  new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
    ...(item && { Item: marshall(item, { removeUndefinedValues: true }) }),
  });

const subscription = (overrides: Partial<Subscription> = {}): Subscription => ({
  owner: OWNER,
  id: 'orders-sub',
  eventType: 'order.created',
  filter: { total: [{ numeric: ['>', 100] }] },
  target: { type: 'webhook', url: 'https://hooks.example.com/orders', secrets: [SEALED] },
  maxRetries: 5,
  retryPolicy: { backoffStrategy: 'exponential', initialDelayMs: 100, maxDelayMs: 30_000, jitter: 'proportional' },
  timeoutMs: 10_000,
  priority: 0,
  status: 'active',
  ruleArn: ruleArn('orders-sub'),
  createdAt: '2026-11-01T00:00:00.000Z',
  ...overrides,
});
/** A subscription as the delivery table holds it (filter as JSON text). */
const subscriptionItem = (s: Subscription) => {
  const { filter, ...rest } = s;
  return { ...rest, pk: 'SUBSCRIPTION#default', sk: s.id, ...(filter && { filterJson: JSON.stringify(filter) }) };
};

const DL_1 = 'dl-1796025600000-0000000a';
const DL_2 = 'dl-1796025600001-0000000b';
const deadLetterItem = (id: string, overrides: Record<string, unknown> = {}) => ({
  pk: 'DEADLETTER#default',
  sk: id,
  gsi1pk: 'SUB#default#orders-sub',
  gsi1sk: id,
  gsi2pk: 'TYPE#default#order.created',
  gsi2sk: id,
  id,
  subscriptionId: 'orders-sub',
  eventId: 'evt-1',
  eventType: 'order.created',
  event: gz(event('evt-1')),
  attempts: 6,
  reason: 'retries-exhausted',
  lastStatus: 503,
  lastError: { code: 'HTTP_503', category: 'transient', message: 'HTTP 503 from https://hooks.example.com/orders' },
  createdAt: '2026-11-30T08:00:00.000Z',
  owner: OWNER,
  ...overrides,
});

describe('events handler', () => {
  beforeEach(() => {
    // Nothing stored unless a test says so (a create first reads whether its id is a repeat).
    ddb.on(GetCommand).resolves({});
    kms.on(EncryptCommand).resolves({ CiphertextBlob: KMS_CIPHERTEXT });
  });

  afterEach(() => {
    kms.reset();
    ddb.reset();
    eventBridge.reset();
    sqs.reset();
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  describe('POST /v1/events', () => {
    it('claims the id in the event log, puts one entry on the bus and answers 202', async () => {
      // Prepare
      eventLogAcceptsEverything();
      eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'eb-1' }] });

      // Act
      const result = await publish(event('evt-1', { correlationId: 'corr-1' }));

      // Assess
      expect(result.statusCode).toBe(202);
      expect(json(result)).toEqual({
        results: [{ index: 0, id: 'evt-1', status: 'published', eventBridgeId: 'eb-1' }],
        failedEntryCount: 0,
      });
      const entries = busCalls(eventBridge)[0]?.args[0].input.Entries;
      expect(entries).toEqual([
        {
          Source: 'shop.orders',
          DetailType: 'order.created',
          Detail: expect.any(String),
          Time: new Date(TIMESTAMP),
          EventBusName: 'aif-test-bus',
        },
      ]);
      expect(detailOf(entries?.[0])).toEqual(event('evt-1', { correlationId: 'corr-1' }));
      const [claim, mark] = eventLogUpdates();
      expect(claim).toMatchObject({
        TableName: 'events-test',
        Key: { pk: 'EVENT#default#evt-1' },
        ConditionExpression:
          'attribute_not_exists(#pk) OR #contentHash = :hash AND #status = :failed OR #contentHash = :hash AND #status = :pending AND #leaseUntil < :now',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
      expect(claim?.ExpressionAttributeValues).toMatchObject({
        ':hash': contentHash(event('evt-1', { correlationId: 'corr-1' })),
        ':correlationId': 'corr-1',
        ':type': 'order.created',
        ':owner': OWNER,
      });
      expect(mark?.UpdateExpression).toContain('#status = :published');
      expect(mark?.ConditionExpression).toBe('#status = :pending AND #contentHash = :hash');
      expect(mark?.ExpressionAttributeValues).toMatchObject({
        ':eventBridgeId': 'eb-1',
        ':hourPk': 'HOUR#default#2026-11-30T09',
      });
    });

    it('sends a batch of 25 in three PutEvents calls of 10, 10 and 5 entries, in order', async () => {
      // Prepare
      eventLogAcceptsEverything();
      eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
        FailedEntryCount: 0,
        Entries: input.Entries.map((_, i) => ({ EventId: `eb-${i}` })),
      }));
      const batch = Array.from({ length: 25 }, (_, i) => event(`evt-${String(i).padStart(2, '0')}`));

      // Act
      const result = await publish(batch);

      // Assess
      expect(result.statusCode).toBe(202);
      expect(json(result).results.map((r: { status: string }) => r.status)).toEqual(Array(25).fill('published'));
      const calls = busCalls(eventBridge).map((c) => c.args[0].input.Entries ?? []);
      expect(calls.map((entries) => entries.length)).toEqual([10, 10, 5]);
      expect(calls.flat().map((entry) => detailOf(entry).id)).toEqual(batch.map((e) => e.id));
    });

    it('re-sends only the entries PutEvents failed retryably, then answers 202', async () => {
      // Prepare
      eventLogAcceptsEverything();
      eventBridge
        .on(PutEventsCommand)
        .resolvesOnce({
          FailedEntryCount: 1,
          Entries: [
            { EventId: 'eb-1' },
            { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' },
            { EventId: 'eb-3' },
          ],
        })
        .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'eb-2' }] });

      // Act
      const result = await publish([event('evt-1'), event('evt-2'), event('evt-3')]);

      // Assess
      expect(result.statusCode).toBe(202);
      expect(json(result).results.map((r: { eventBridgeId: string }) => r.eventBridgeId)).toEqual([
        'eb-1',
        'eb-2',
        'eb-3',
      ]);
      const calls = busCalls(eventBridge);
      expect(calls).toHaveLength(2);
      const resent = calls[1]?.args[0].input.Entries ?? [];
      expect(resent).toHaveLength(1);
      expect(detailOf(resent[0])).toEqual(event('evt-2'));
    });

    it('answers 207 with every outcome and the failed count when the bus refuses one entry for good, and records it failed', async () => {
      // Prepare
      eventLogAcceptsEverything();
      eventBridge.on(PutEventsCommand).resolves({
        FailedEntryCount: 1,
        Entries: [
          { EventId: 'eb-1' },
          { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source' },
        ],
      });

      // Act
      const result = await publish([event('evt-1'), event('evt-2')]);

      // Assess
      expect(result.statusCode).toBe(207);
      expect(result.headers?.['content-type']).toBe('application/json');
      expect(json(result).failedEntryCount).toBe(1);
      expect(json(result).results).toEqual([
        { index: 0, id: 'evt-1', status: 'published', eventBridgeId: 'eb-1' },
        {
          index: 1,
          id: 'evt-2',
          status: 'failed',
          httpStatus: 422,
          detail: 'The bus refused the event: NotAuthorizedForSourceException: Not authorized for the source',
        },
      ]);
      expect(busCalls(eventBridge)).toHaveLength(1);
      const failed = ddb
        .commandCalls(UpdateCommand)
        .map((c) => c.args[0].input)
        .find((u) => u.UpdateExpression?.startsWith('SET #status = :failed'));
      expect(failed?.Key).toEqual({ pk: 'EVENT#default#evt-2' });
      expect(failed?.ExpressionAttributeValues?.[':error']).toEqual({
        code: 'NotAuthorizedForSourceException',
        message: 'Not authorized for the source',
      });
    });

    it('answers 207 when some envelopes of a batch are invalid, naming their pointers, sending none of them', async () => {
      // Prepare
      eventLogAcceptsEverything();
      eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'eb-0' }] });
      const { payload: _missing, ...noPayload } = event('evt-1');

      // Act
      const result = await publish([event('evt-0'), noPayload, { ...event('evt-2'), version: 'one', timestamp: -1 }]);

      // Assess
      expect(result.statusCode).toBe(207);
      expect(json(result).failedEntryCount).toBe(2);
      expect(
        json(result)
          .results.flatMap((r: { errors?: Array<{ pointer: string }> }) => r.errors ?? [])
          .map((e: { pointer: string }) => e.pointer)
          .sort(),
      ).toEqual(['/1/payload', '/2/timestamp', '/2/version']);
      expect(json(result).results.map((r: { status: string }) => r.status)).toEqual([
        'published',
        'rejected',
        'rejected',
      ]);
      const sent = busCalls(eventBridge).flatMap((c) => c.args[0].input.Entries ?? []);
      expect(sent.map((entry) => detailOf(entry).id)).toEqual(['evt-0']);
      const claimed = ddb.commandCalls(UpdateCommand).map((c) => (c.args[0].input.Key as { pk: string }).pk);
      expect(claimed).not.toContain('EVENT#default#evt-1');
      expect(claimed).not.toContain('EVENT#default#evt-2');
    });

    it('rejects a batch none of whose events can be published with a 422 problem naming every problem', async () => {
      // Prepare
      eventLogAcceptsEverything();
      const { payload: _missing, ...noPayload } = event('evt-1');

      // Act
      const result = await publish([noPayload, { ...event('evt-2'), version: '1.2.3.4' }]);

      // Assess
      expect(result.statusCode).toBe(422);
      expect(result.headers?.['content-type']).toBe('application/problem+json');
      expect(pointersOf(result)).toEqual(['/0/payload', '/1/version']);
      expect(json(result).failedEntryCount).toBe(2);
      expect(busCalls(eventBridge)).toHaveLength(0);
    });

    it('lists at most 100 problems of an envelope with 200,000 unknown members and counts the rest, staying a 422', async () => {
      // Prepare: about 2 MB of unknown members, under the body limit
      eventLogAcceptsEverything();
      const unknown = Object.fromEntries(Array.from({ length: 200_000 }, (_, i) => [`k${i.toString(36)}`, 1]));

      // Act
      const result = await publish({ ...event('evt-1'), ...unknown });

      // Assess
      expect(result.statusCode).toBe(422);
      const errors = json(result).results[0].errors as Array<{ pointer: string; message: string }>;
      expect(errors).toHaveLength(101);
      expect(errors[100]?.message).toBe('199900 more problems not listed');
      expect(result.body.length).toBeLessThan(100_000);
      expect(busCalls(eventBridge)).toHaveLength(0);
    });

    it('answers 422, not 500, when request validation finds 200,000 problems (event pattern test)', async () => {
      // Act
      const unknown = Object.fromEntries(Array.from({ length: 200_000 }, (_, i) => [`k${i.toString(36)}`, 1]));
      const result = await call({ method: 'POST', path: '/v1/event-patterns/test', body: unknown });

      // Assess
      expect(result.statusCode).toBe(422);
      expect(json(result).errors).toHaveLength(101);
      expect(result.body.length).toBeLessThan(100_000);
    });

    it('accepts the seed\'s version "1.0" and publishes the event as sent', async () => {
      // Prepare
      eventLogAcceptsEverything();
      eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'eb-1' }] });

      // Act
      const result = await publish(event('evt-1', { version: '1.0' }));

      // Assess
      expect(result.statusCode).toBe(202);
      const entries = busCalls(eventBridge)[0]?.args[0].input.Entries;
      expect(detailOf(entries?.[0]).version).toBe('1.0');
    });

    it('answers an id already published with the same content as a duplicate, without PutEvents', async () => {
      // Prepare
      const published = event('evt-1');
      ddb.on(QueryCommand).resolves({ Items: [] });
      ddb.on(UpdateCommand).rejects(
        conditionFailed({
          pk: 'EVENT#default#evt-1',
          owner: OWNER,
          event: gz(published),
          status: 'published',
          contentHash: contentHash(published),
          receivedAt: '2026-11-30T09:59:01.000Z',
          publishedAt: '2026-11-30T09:59:02.000Z',
          eventBridgeId: 'eb-first',
        }),
      );
      sourceIsMine();

      // Act
      const result = await publish(published);

      // Assess
      expect(result.statusCode).toBe(202);
      expect(json(result).results).toEqual([
        {
          index: 0,
          id: 'evt-1',
          status: 'duplicate',
          eventBridgeId: 'eb-first',
          publishedAt: '2026-11-30T09:59:02.000Z',
        },
      ]);
      expect(busCalls(eventBridge)).toHaveLength(0);
    });

    it('answers 409 for an id that holds other content, without PutEvents', async () => {
      // Prepare
      const other = event('evt-1', { payload: { orderId: 'evt-1', total: 999 } });
      ddb.on(QueryCommand).resolves({ Items: [] });
      ddb.on(UpdateCommand).rejects(conditionFailed());
      sourceIsMine();
      ddb.on(GetCommand, { TableName: 'events-test' }).resolves({
        Item: {
          owner: OWNER,
          pk: 'EVENT#default#evt-1',
          event: gz(other),
          status: 'published',
          contentHash: contentHash(other),
          receivedAt: 't',
        },
      });

      // Act
      const result = await publish(event('evt-1'));

      // Assess
      expect(result.statusCode).toBe(409);
      expect(json(result)).toMatchObject({
        type: 'urn:aif:problem:conflict',
        results: [{ index: 0, id: 'evt-1', status: 'conflict', httpStatus: 409 }],
      });
      expect(busCalls(eventBridge)).toHaveLength(0);
    });

    it('rejects a payload that breaks its event contract with 422 and pointers, claiming and sending nothing', async () => {
      // Prepare: the contract "order.created" 1.0.0 has a schema "payload"
      const contract = storedVersion({
        name: 'order.created',
        version: '1.0.0',
        schemas: {
          ...storedVersion().schemas,
          payload: {
            type: 'object',
            required: ['orderId', 'total'],
            properties: { orderId: { type: 'string' }, total: { type: 'number', minimum: 0 } },
          },
        },
      });
      ddb.on(QueryCommand).resolves({ Items: [] });
      ddb.on(QueryCommand, { TableName: 'contracts-test' }).resolves({
        Items: [
          {
            name: 'order.created',
            version: '1.0.0',
            deprecated: false,
            createdAt: contract.createdAt,
            contentHash: contract.contentHash,
          },
        ],
      });
      ddb.on(GetCommand, { TableName: 'contracts-test' }).resolves({
        Item: { pk: 'CONTRACT#default#order.created', sk: 'VERSION#1.0.0', deprecated: false, document: gz(contract) },
      });

      // Act
      const result = await publish(event('evt-1', { payload: { total: -5 } }));

      // Assess
      expect(result.statusCode).toBe(422);
      expect(pointersOf(result)).toEqual(['/payload/orderId', '/payload/total']);
      expect(json(result).results[0]).toMatchObject({ status: 'rejected', httpStatus: 422 });
      // The publisher's tenant's contract (auth off: `default`).
      expect(ddb.commandCalls(GetCommand)[0]?.args[0].input.Key).toEqual({
        pk: 'CONTRACT#default#order.created',
        sk: 'VERSION#1.0.0',
      });
      expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
      expect(busCalls(eventBridge)).toHaveLength(0);
    });

    it('refuses an event over the 1 MiB entry cap with 413, claiming and sending nothing', async () => {
      // Prepare
      ddb.on(QueryCommand).resolves({ Items: [] });

      // Act
      const result = await publish(event('evt-big', { payload: { blob: 'x'.repeat(1_048_576) } }));

      // Assess
      expect(result.statusCode).toBe(413);
      expect(json(result)).toMatchObject({
        type: 'urn:aif:problem:payload-too-large',
        results: [{ index: 0, id: 'evt-big', status: 'rejected', httpStatus: 413 }],
      });
      expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
      expect(busCalls(eventBridge)).toHaveLength(0);
    });
  });

  describe('GET /v1/events/{id}', () => {
    it('answers the record without its lease, and 404 for an id the log lacks', async () => {
      // Prepare
      ddb.on(GetCommand, { Key: { pk: 'EVENT#default#evt-1' } }).resolves({
        Item: {
          owner: OWNER,
          pk: 'EVENT#default#evt-1',
          event: gz(event('evt-1')),
          status: 'pending',
          contentHash: 'h',
          receivedAt: 't',
          leaseUntil: 1,
        },
      });
      ddb.on(GetCommand, { Key: { pk: 'EVENT#default#evt-2' } }).resolves({});
      const get = (id: string) =>
        call({ method: 'GET', path: `/v1/events/${id}`, resource: '/v1/events/{id}', pathParameters: { id } });

      // Act
      const found = await get('evt-1');
      const missing = await get('evt-2');

      // Assess
      expect(found.statusCode).toBe(200);
      expect(json(found)).toEqual({
        event: event('evt-1'),
        status: 'pending',
        contentHash: 'h',
        receivedAt: 't',
        owner: OWNER,
      });
      expect(missing.statusCode).toBe(404);
    });
  });

  describe('POST /v1/subscriptions', () => {
    const body = {
      id: 'orders-sub',
      eventType: 'order.created',
      filter: { total: [{ numeric: ['>', 100] }] },
      target: { type: 'webhook', url: 'https://hooks.example.com/orders' },
    };
    const create = (input: unknown = body) => call({ method: 'POST', path: '/v1/subscriptions', body: input });

    it('stores it, creates its rule and target on the bus, activates it and shows the secret once: 201', async () => {
      // Prepare
      ddb.on(QueryCommand).resolves({ Items: [] });
      ddb.on(PutCommand).resolves({});
      ddb.on(UpdateCommand).callsFake(() => ({
        Attributes: {
          ...ddb.commandCalls(PutCommand)[0]?.args[0].input.Item,
          status: 'active',
          ruleArn: ruleArn('orders-sub'),
        },
      }));
      eventBridge.on(PutRuleCommand).resolves({ RuleArn: ruleArn('orders-sub') });
      eventBridge.on(PutTargetsCommand).resolves({ FailedEntryCount: 0, FailedEntries: [] });

      // Act
      const result = await create();

      // Assess
      expect(result.statusCode).toBe(201);
      expect(result.headers?.location).toBe('/v1/subscriptions/orders-sub');
      // The answer holds the secret: no cache may keep it.
      expect(result.headers?.['cache-control']).toBe('no-store');
      const created = json(result);
      expect(created).toMatchObject({ id: 'orders-sub', status: 'active', ruleArn: ruleArn('orders-sub') });
      expect(created.target.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      const put = ddb.commandCalls(PutCommand)[0]?.args[0].input;
      expect(put).toMatchObject({
        TableName: 'delivery-test',
        ConditionExpression: 'attribute_not_exists(#pk)',
        Item: {
          pk: 'SUBSCRIPTION#default',
          sk: 'orders-sub',
          status: 'provisioning',
          filterJson: JSON.stringify(body.filter),
          owner: OWNER,
        },
      });
      expect(created.owner).toEqual(OWNER);
      // Stored sealed: KMS's ciphertext and the hint, never the secret itself.
      expect(put?.Item?.target).toEqual({
        type: 'webhook',
        url: 'https://hooks.example.com/orders',
        secrets: [
          {
            sealed: KMS_CIPHERTEXT.toString('base64'),
            last4: created.target.secret.slice(-4),
            digest: expect.any(String),
            createdAt: created.createdAt,
          },
        ],
      });
      expect(JSON.stringify(put?.Item)).not.toContain('whsec_');
      expect(kms.commandCalls(EncryptCommand)[0]?.args[0].input).toEqual({
        KeyId: KEY_ARN,
        Plaintext: Buffer.from(created.target.secret, 'utf8'),
        EncryptionContext: { 'aif-tenant': 'default', 'aif-subscription': 'orders-sub' },
      });
      expect(created.target.secrets).toEqual([
        { last4: created.target.secret.slice(-4), createdAt: created.createdAt },
      ]);
      const rule = eventBridge.commandCalls(PutRuleCommand)[0]?.args[0].input;
      expect(rule).toMatchObject({ Name: RULE_NAME, EventBusName: 'aif-test-bus', State: 'ENABLED' });
      expect(rule?.EventPattern).toBe(
        JSON.stringify({
          'detail-type': ['order.created'],
          detail: { payload: { total: [{ numeric: ['>', 100] }] }, metadata: { 'aif-tenant': ['default'] } },
        }),
      );
      expect(eventBridge.commandCalls(PutTargetsCommand)[0]?.args[0].input).toEqual({
        Rule: RULE_NAME,
        EventBusName: 'aif-test-bus',
        Targets: [
          {
            Id: 'delivery',
            Arn: QUEUE_ARN,
            InputTransformer: {
              InputPathsMap: { event: '$.detail' },
              InputTemplate: '{"tenant":"default","subscriptionId":"orders-sub","event":<event>}',
            },
            RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
            DeadLetterConfig: { Arn: DLQ_ARN },
          },
        ],
      });
      const updates = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
      const activate = updates.find((input) => input.Key?.pk === 'SUBSCRIPTION#default');
      expect(activate?.ConditionExpression).toBe('attribute_exists(#pk)');
      // One slot of the tenant's subscriptions and one of the bus's rules were taken first.
      expect(updates.filter((input) => input.UpdateExpression === 'ADD #count :one').map((input) => input.Key)).toEqual(
        [
          { pk: 'QUOTA#default', sk: 'subscriptionsPerTenant' },
          { pk: 'QUOTA', sk: 'subscriptionRulesPerBus' },
        ],
      );
      expect(activate?.ExpressionAttributeValues).toEqual({ ':active': 'active', ':ruleArn': ruleArn('orders-sub') });
    });

    it('answers a repeat of an active subscription with 200, the secret hidden, and leaves the rule alone', async () => {
      // Prepare: the id is taken by a subscription with the same settings
      ddb.on(QueryCommand).resolves({ Items: [] });
      ddb.on(PutCommand).rejects(conditionFailed(subscriptionItem(subscription())));

      // Act
      const result = await create();

      // Assess
      expect(result.statusCode).toBe(200);
      expect(result.headers?.location).toBeUndefined();
      expect(json(result)).toMatchObject({ id: 'orders-sub', status: 'active' });
      expect(result.body).not.toContain('whsec_');
      expect(eventBridge.commandCalls(PutRuleCommand)).toHaveLength(0);
    });

    it("rejects an invalid filter with EventBridge's reason at /filter, and a blocked or plain-http URL at /target/url", async () => {
      // Act
      const badFilter = await create({ ...body, filter: { total: [{ numeric: ['>', 'a lot'] }] } });
      const blocked = await create({
        ...body,
        target: { type: 'webhook', url: 'http://169.254.169.254/latest/meta-data' },
      });
      const plain = await create({ ...body, target: { type: 'webhook', url: 'http://hooks.example.com/orders' } });

      // Assess
      expect(badFilter.statusCode).toBe(422);
      expect(json(badFilter).errors).toEqual([
        {
          pointer: '/filter',
          detail: 'Event pattern is not valid. Reason: Value of > must be numeric',
          keyword: 'eventPattern',
        },
      ]);
      expect(blocked.statusCode).toBe(422);
      expect(json(blocked).errors).toEqual([
        { pointer: '/target/url', detail: expect.stringContaining('169.254.169.254'), keyword: 'ssrf' },
      ]);
      expect(plain.statusCode).toBe(422);
      expect(json(plain).errors).toEqual([
        { pointer: '/target/url', detail: expect.stringContaining('https: is required'), keyword: 'ssrf' },
      ]);
      expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
      expect(eventBridge.commandCalls(PutRuleCommand)).toHaveLength(0);
    });

    it('stores a deliveryFormat as its canonical media type and shows it: 201', async () => {
      // Prepare
      ddb.on(QueryCommand).resolves({ Items: [] });
      ddb.on(PutCommand).resolves({});
      ddb.on(UpdateCommand).callsFake(() => ({
        Attributes: { ...ddb.commandCalls(PutCommand)[0]?.args[0].input.Item, status: 'active' },
      }));
      eventBridge.on(PutRuleCommand).resolves({ RuleArn: ruleArn('orders-sub') });
      eventBridge.on(PutTargetsCommand).resolves({ FailedEntryCount: 0, FailedEntries: [] });

      // Act
      const result = await create({ ...body, deliveryFormat: 'Application/X-MsgPack' });

      // Assess
      expect(result.statusCode).toBe(201);
      expect(ddb.commandCalls(PutCommand)[0]?.args[0].input.Item?.deliveryFormat).toBe('application/msgpack');
      expect(json(result).deliveryFormat).toBe('application/msgpack');
    });

    it('rejects a deliveryFormat the codec registry does not offer everywhere with 422 naming the supported ones', async () => {
      // Act
      const result = await create({ ...body, deliveryFormat: 'application/yaml' });

      // Assess
      expect(result.statusCode).toBe(422);
      expect(json(result).errors).toEqual([
        {
          pointer: '/deliveryFormat',
          detail: expect.stringMatching(/^must be one of application\/json, application\/msgpack, application\/cbor/),
          keyword: 'enum',
        },
      ]);
      expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
    });

    it('refuses with 409 quota-exceeded naming the quota and its value when the tenant holds its quota', async () => {
      // Prepare: the tenant's counter is at its value (the conditional ADD fails)
      ddb.on(UpdateCommand, { Key: { pk: 'QUOTA#default', sk: 'subscriptionsPerTenant' } }).rejects(conditionFailed());

      // Act
      const result = await create();

      // Assess
      expect(result.statusCode).toBe(409);
      expect(result.headers?.['content-type']).toBe('application/problem+json');
      expect(json(result)).toMatchObject({
        type: 'urn:aif:problem:quota-exceeded',
        quota: 'subscriptionsPerTenant',
        limit: 100,
      });
      expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
      expect(eventBridge.commandCalls(PutRuleCommand)).toHaveLength(0);
    });

    it('refuses with 503 naming EventBridge’s rule quota before the bus is full, giving the tenant slot back', async () => {
      // Prepare: the bus's rule counter is at SUBSCRIPTION_RULES_LIMIT
      ddb.on(UpdateCommand, { Key: { pk: 'QUOTA', sk: 'subscriptionRulesPerBus' } }).rejects(conditionFailed());

      // Act
      const result = await create();

      // Assess
      expect(result.statusCode).toBe(503);
      expect(result.headers?.['retry-after']).toBeDefined();
      expect(json(result)).toMatchObject({
        type: 'urn:aif:problem:service-quota-exceeded',
        quota: 'subscriptionRulesPerBus',
        limit: 280,
      });
      expect(json(result).detail).toContain('EventBridge allows 300 rules per event bus');
      const released = ddb
        .commandCalls(UpdateCommand)
        .map((c) => c.args[0].input)
        .filter((input) => input.UpdateExpression === 'ADD #count :minusOne');
      expect(released.map((input) => input.Key)).toEqual([{ pk: 'QUOTA#default', sk: 'subscriptionsPerTenant' }]);
      expect(eventBridge.commandCalls(PutRuleCommand)).toHaveLength(0);
    });

    it('deletes the record again and answers 503 when PutRule fails', async () => {
      // Prepare
      ddb.on(QueryCommand).resolves({ Items: [] });
      ddb.on(PutCommand).resolves({});
      ddb.on(DeleteCommand).resolves({ Attributes: { pk: 'SUBSCRIPTION#default', sk: 'orders-sub' } });
      eventBridge.on(PutRuleCommand).rejects(
        Object.assign(new Error('Rate exceeded'), {
          name: 'ThrottlingException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
        }),
      );
      eventBridge.on(RemoveTargetsCommand).resolves({ FailedEntryCount: 0 });
      eventBridge.on(DeleteRuleCommand).resolves({});

      // Act
      const result = await create();

      // Assess
      expect(result.statusCode).toBe(503);
      expect(result.headers?.['retry-after']).toBe('1');
      expect(ddb.commandCalls(DeleteCommand)[0]?.args[0].input).toMatchObject({
        TableName: 'delivery-test',
        Key: { pk: 'SUBSCRIPTION#default', sk: 'orders-sub' },
      });
      expect(eventBridge.commandCalls(PutTargetsCommand)).toHaveLength(0);
      // Never activated; both quota slots taken for it were given back.
      const updates = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
      expect(updates.filter((input) => input.Key?.pk === 'SUBSCRIPTION#default')).toHaveLength(0);
      expect(updates.map((input) => [input.Key?.sk, input.ExpressionAttributeValues?.[':one'] ?? -1])).toEqual([
        ['subscriptionsPerTenant', 1],
        ['subscriptionRulesPerBus', 1],
        ['subscriptionsPerTenant', -1],
        ['subscriptionRulesPerBus', -1],
      ]);
    });
  });

  describe('GET /v1/subscriptions and /v1/subscriptions/{id}', () => {
    it('hides the secret, and answers 404 for an unknown id', async () => {
      // Prepare
      ddb.on(GetCommand, { Key: { pk: 'SUBSCRIPTION#default', sk: 'orders-sub' } }).resolves({
        Item: subscriptionItem(subscription()),
      });
      ddb.on(GetCommand, { Key: { pk: 'SUBSCRIPTION#default', sk: 'nope' } }).resolves({});
      ddb.on(QueryCommand, { TableName: 'delivery-test' }).resolves({ Items: [subscriptionItem(subscription())] });
      const get = (id: string) =>
        call({
          method: 'GET',
          path: `/v1/subscriptions/${id}`,
          resource: '/v1/subscriptions/{id}',
          pathParameters: { id },
        });

      // Act
      const found = await get('orders-sub');
      const missing = await get('nope');
      const list = await call({ method: 'GET', path: '/v1/subscriptions' });

      // Assess
      expect(found.statusCode).toBe(200);
      const { target: _target, ...rest } = subscription();
      expect(json(found)).toEqual({
        ...rest,
        // Stored without a delivery format (as before formats): shown as the JSON it is delivered in.
        deliveryFormat: 'application/json',
        target: {
          type: 'webhook',
          url: 'https://hooks.example.com/orders',
          secrets: [{ last4: 'AAA=', createdAt: '2026-11-01T00:00:00.000Z' }],
        },
      });
      expect(found.body).not.toContain(SEALED.sealed);
      expect(found.body).not.toContain(SEALED.digest);
      expect(found.body).not.toContain('whsec_');
      expect(missing.statusCode).toBe(404);
      expect(list.statusCode).toBe(200);
      expect(list.body).not.toContain('whsec_');
      expect(json(list).items).toHaveLength(1);
    });
  });

  describe('POST /v1/subscriptions/{id}/rotate-secret', () => {
    const rotate = (body?: unknown) =>
      call({
        method: 'POST',
        path: '/v1/subscriptions/orders-sub/rotate-secret',
        resource: '/v1/subscriptions/{id}/rotate-secret',
        pathParameters: { id: 'orders-sub' },
        ...(body !== undefined && { body }),
      });

    it('stores the new sealed secret beside the old one for the overlap in one conditional write: 200, shown once', async () => {
      // Prepare
      ddb.on(QueryCommand).resolves({ Items: [] });
      ddb.on(GetCommand).resolves({ Item: subscriptionItem(subscription()) });
      ddb.on(UpdateCommand).callsFake((input) => ({
        Attributes: {
          ...subscriptionItem(subscription()),
          target: {
            type: 'webhook',
            url: 'https://hooks.example.com/orders',
            secrets: input.ExpressionAttributeValues[':secrets'],
          },
        },
      }));

      // Act
      const result = await rotate({ overlapSeconds: 3600 });

      // Assess
      expect(result.statusCode).toBe(200);
      expect(result.headers?.['cache-control']).toBe('no-store');
      const rotated = json(result);
      expect(rotated.target.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      const [fresh, previous] = rotated.target.secrets;
      expect(rotated.target.secrets).toHaveLength(2);
      expect(fresh).toEqual({
        last4: rotated.target.secret.slice(-4),
        createdAt: expect.stringMatching(/^2026-11-30T10:00/),
      });
      expect(previous).toMatchObject({ last4: 'AAA=', createdAt: '2026-11-01T00:00:00.000Z' });
      // The old secret signs one hour (overlapSeconds) past the rotation.
      expect(Date.parse(previous.expiresAt) - Date.parse(fresh.createdAt)).toBe(3_600_000);
      const update = ddb
        .commandCalls(UpdateCommand)
        .map((c) => c.args[0].input)
        .find((u) => u.TableName === 'delivery-test');
      expect(update?.ConditionExpression).toBe('attribute_exists(#pk) AND #target.#secrets[0].#sealed = :expected');
      expect(update?.ExpressionAttributeValues?.[':expected']).toBe(SEALED.sealed);
      expect(JSON.stringify(update)).not.toContain('whsec_');
    });

    it('rejects a concurrent rotation with 409, an unknown field with 422 and an unknown id with 404', async () => {
      // Prepare: the condition fails although the subscription exists (another rotation came first)
      ddb.on(QueryCommand).resolves({ Items: [] });
      ddb.on(GetCommand).resolves({ Item: subscriptionItem(subscription()) });
      ddb.on(UpdateCommand).rejects(conditionFailed());

      // Act
      const raced = await rotate();
      const invalid = await rotate({ overlapSeconds: -1, extra: true });
      ddb.on(GetCommand).resolves({});
      const missing = await rotate();

      // Assess
      expect(raced.statusCode).toBe(409);
      expect(raced.body).not.toContain('whsec_');
      expect(invalid.statusCode).toBe(422);
      expect(pointersOf(invalid)).toEqual(['/extra', '/overlapSeconds']);
      expect(missing.statusCode).toBe(404);
    });
  });

  describe('DELETE /v1/subscriptions/{id}', () => {
    it("removes the rule's targets, then the rule, then the record: 204", async () => {
      // Prepare
      const order: string[] = [];
      ddb.on(GetCommand).resolves({ Item: subscriptionItem(subscription()) });
      ddb.on(DeleteCommand).callsFake(() => {
        order.push('DeleteItem');
        return { Attributes: subscriptionItem(subscription()) };
      });
      eventBridge.on(RemoveTargetsCommand).callsFake(() => {
        order.push('RemoveTargets');
        return { FailedEntryCount: 0 };
      });
      eventBridge.on(DeleteRuleCommand).callsFake(() => {
        order.push('DeleteRule');
        return {};
      });

      // Act
      const result = await call({
        method: 'DELETE',
        path: '/v1/subscriptions/orders-sub',
        resource: '/v1/subscriptions/{id}',
        pathParameters: { id: 'orders-sub' },
      });

      // Assess
      expect(result.statusCode).toBe(204);
      expect(order).toEqual(['RemoveTargets', 'DeleteRule', 'DeleteItem']);
      expect(eventBridge.commandCalls(RemoveTargetsCommand)[0]?.args[0].input).toEqual({
        Rule: RULE_NAME,
        EventBusName: 'aif-test-bus',
        Ids: ['delivery'],
      });
      expect(eventBridge.commandCalls(DeleteRuleCommand)[0]?.args[0].input).toEqual({
        Name: RULE_NAME,
        EventBusName: 'aif-test-bus',
      });
      expect(ddb.commandCalls(DeleteCommand)[0]?.args[0].input.Key).toEqual({
        pk: 'SUBSCRIPTION#default',
        sk: 'orders-sub',
      });
    });
  });

  describe('POST /v1/event-patterns/test', () => {
    it('answers whether the pattern matches (200) and refuses an invalid pattern with 400', async () => {
      // Prepare
      const busEvent = {
        version: '0',
        id: 'evt-1',
        'detail-type': 'order.created',
        source: 'shop.orders',
        account: '123456789012',
        time: '2026-11-30T09:59:00Z',
        region: 'us-east-1',
        resources: [],
        detail: { payload: { total: 120 } },
      };
      const test = (pattern: unknown) =>
        call({ method: 'POST', path: '/v1/event-patterns/test', body: { pattern, event: busEvent } });

      // Act
      const matches = await test({ detail: { payload: { total: [{ numeric: ['>', 100] }] } } });
      const misses = await test({ 'detail-type': ['order.cancelled'] });
      const invalid = await test({ 'detail-type': 'order.created' });

      // Assess
      expect([matches.statusCode, json(matches)]).toEqual([200, { matches: true }]);
      expect([misses.statusCode, json(misses)]).toEqual([200, { matches: false }]);
      expect(invalid.statusCode).toBe(400);
      expect(json(invalid).errors[0]).toMatchObject({
        pointer: '/pattern',
        detail: expect.stringContaining('Event pattern is not valid'),
      });
    });
  });

  describe('GET /v1/dead-letters', () => {
    it('lists the dead letters of a subscription newest first from its index, events decompressed', async () => {
      // Prepare
      ddb.on(QueryCommand).resolves({ Items: [deadLetterItem(DL_1)] });

      // Act
      const result = await call({ method: 'GET', path: '/v1/dead-letters', query: { subscriptionId: 'orders-sub' } });

      // Assess
      expect(result.statusCode).toBe(200);
      expect(json(result)).toEqual({
        items: [
          {
            id: DL_1,
            subscriptionId: 'orders-sub',
            eventId: 'evt-1',
            eventType: 'order.created',
            event: event('evt-1'),
            attempts: 6,
            reason: 'retries-exhausted',
            lastStatus: 503,
            lastError: {
              code: 'HTTP_503',
              category: 'transient',
              message: 'HTTP 503 from https://hooks.example.com/orders',
            },
            createdAt: '2026-11-30T08:00:00.000Z',
            owner: OWNER,
          },
        ],
      });
      expect(ddb.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
        TableName: 'delivery-test',
        IndexName: 'bySubscription',
        ExpressionAttributeValues: { ':partition': 'SUB#default#orders-sub' },
        ScanIndexForward: false,
        Limit: 25,
      });
    });

    it('lists by event type from its index, and rejects both filters at once with 422', async () => {
      // Prepare
      ddb.on(QueryCommand).resolves({ Items: [] });

      // Act
      const byType = await call({ method: 'GET', path: '/v1/dead-letters', query: { type: 'order.created' } });
      const both = await call({
        method: 'GET',
        path: '/v1/dead-letters',
        query: { type: 'order.created', subscriptionId: 'orders-sub' },
      });

      // Assess
      expect(byType.statusCode).toBe(200);
      expect(ddb.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
        IndexName: 'byType',
        ExpressionAttributeValues: { ':partition': 'TYPE#default#order.created' },
      });
      expect(both.statusCode).toBe(422);
      expect(json(both).errors[0].pointer).toBe('/query/type');
      expect(ddb.commandCalls(QueryCommand)).toHaveLength(1);
    });
  });

  describe('POST /v1/dead-letters/redrive', () => {
    it('claims each dead letter, sends its delivery message, then deletes it; unknown ids are reported', async () => {
      // Prepare
      const order: string[] = [];
      ddb.on(UpdateCommand, { Key: { pk: 'DEADLETTER#default', sk: DL_1 } }).callsFake(() => {
        order.push('claim');
        return { Attributes: { ...deadLetterItem(DL_1), claimedAt: 1 } };
      });
      ddb.on(UpdateCommand, { Key: { pk: 'DEADLETTER#default', sk: DL_2 } }).rejects(conditionFailed());
      ddb.on(GetCommand).resolves({});
      ddb.on(DeleteCommand).callsFake(() => {
        order.push('delete');
        return { Attributes: deadLetterItem(DL_1) };
      });
      sqs.on(SendMessageCommand).callsFake(() => {
        order.push('send');
        return { MessageId: 'm-1' };
      });

      // Act
      const result = await call({ method: 'POST', path: '/v1/dead-letters/redrive', body: { ids: [DL_1, DL_2] } });

      // Assess
      expect(result.statusCode).toBe(200);
      expect(json(result)).toEqual({ redriven: 1, redrivenIds: [DL_1], notFound: [DL_2], inProgress: [] });
      expect(order).toEqual(['claim', 'send', 'delete']);
      const claim = ddb.commandCalls(UpdateCommand)[0]?.args[0].input;
      expect(claim).toMatchObject({
        TableName: 'delivery-test',
        UpdateExpression: 'SET #claimedAt = :now',
        ConditionExpression:
          'attribute_exists(#pk) AND (attribute_not_exists(#claimedAt) OR #claimedAt < :staleBefore)',
      });
      const sent = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input;
      expect(sent?.QueueUrl).toBe(QUEUE_URL);
      expect(JSON.parse(sent?.MessageBody ?? '{}')).toEqual({
        tenant: 'default',
        subscriptionId: 'orders-sub',
        event: event('evt-1'),
      });
      expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(1);
      expect(ddb.commandCalls(DeleteCommand)[0]?.args[0].input.Key).toEqual({ pk: 'DEADLETTER#default', sk: DL_1 });
    });
  });

  describe('POST /v1/replays', () => {
    const range = { from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00Z' };

    it('starts a replay from the archive to the rules of the subscriptions of the event types: 202', async () => {
      // Prepare
      ddb.on(QueryCommand).resolves({ Items: [] });
      ddb.on(QueryCommand, { TableName: 'delivery-test' }).resolves({
        Items: [
          subscriptionItem(subscription()),
          subscriptionItem(
            subscription({ id: 'billing-sub', eventType: 'invoice.paid', ruleArn: ruleArn('billing-sub') }),
          ),
          subscriptionItem(subscription({ id: 'new-sub', status: 'provisioning', ruleArn: undefined })),
        ],
      });
      eventBridge.on(StartReplayCommand).resolves({
        State: 'STARTING',
        ReplayStartTime: new Date('2026-11-30T10:00:00Z'),
        ReplayArn: 'arn:aws:events:us-east-1:123456789012:replay/orders-fix',
      });

      // Act
      const result = await call({
        method: 'POST',
        path: '/v1/replays',
        body: { name: 'orders-fix', ...range, eventTypes: ['order.created'] },
      });

      // Assess
      expect(result.statusCode).toBe(202);
      expect(result.headers?.location).toBe('/v1/replays/orders-fix');
      expect(json(result)).toEqual({
        name: 'orders-fix',
        state: 'STARTING',
        from: '2026-11-01T00:00:00.000Z',
        to: '2026-11-02T00:00:00.000Z',
        eventTypes: ['order.created'],
        startedAt: '2026-11-30T10:00:00.000Z',
        owner: OWNER,
      });
      expect(ddb.commandCalls(QueryCommand, { TableName: 'delivery-test' })[0]?.args[0].input).toMatchObject({
        ExpressionAttributeValues: { ':pk': 'SUBSCRIPTION#default' },
      });
      expect(eventBridge.commandCalls(StartReplayCommand)[0]?.args[0].input).toEqual({
        ReplayName: replayPhysicalName('aif-test-sub-', 'default', 'orders-fix'),
        Description: '{"principal":"anonymous","eventTypes":["order.created"]}',
        EventSourceArn: ARCHIVE_ARN,
        EventStartTime: new Date(range.from),
        EventEndTime: new Date(range.to),
        Destination: { Arn: BUS_ARN, FilterArns: [ruleArn('orders-sub')] },
      });
    });

    it('rejects a reversed range with 422 at /to without calling EventBridge', async () => {
      // Act
      const result = await call({
        method: 'POST',
        path: '/v1/replays',
        body: { name: 'backwards', from: range.to, to: range.from },
      });

      // Assess
      expect(result.statusCode).toBe(422);
      expect(json(result).errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/to']);
      expect(eventBridge.commandCalls(StartReplayCommand)).toHaveLength(0);
    });
  });

  describe('GET /v1/replays/{name}', () => {
    it("maps DescribeReplay's answer, and answers 404 for an unknown replay", async () => {
      // Prepare
      eventBridge
        .on(DescribeReplayCommand, { ReplayName: replayPhysicalName('aif-test-sub-', 'default', 'orders-fix') })
        .resolves({
          ReplayName: replayPhysicalName('aif-test-sub-', 'default', 'orders-fix'),
          State: 'COMPLETED',
          Description: '{"principal":"anonymous","eventTypes":["order.created","order.cancelled"]}',
          EventStartTime: new Date('2026-11-01T00:00:00Z'),
          EventEndTime: new Date('2026-11-02T00:00:00Z'),
          ReplayStartTime: new Date('2026-11-30T10:00:00Z'),
          ReplayEndTime: new Date('2026-11-30T10:05:00Z'),
        });
      eventBridge
        .on(DescribeReplayCommand, { ReplayName: replayPhysicalName('aif-test-sub-', 'default', 'nope') })
        .rejects(
          Object.assign(new Error('Replay nope does not exist'), {
            name: 'ResourceNotFoundException',
            $metadata: { httpStatusCode: 400 },
          }),
        );
      const get = (name: string) =>
        call({ method: 'GET', path: `/v1/replays/${name}`, resource: '/v1/replays/{name}', pathParameters: { name } });

      // Act
      const found = await get('orders-fix');
      const missing = await get('nope');

      // Assess
      expect(found.statusCode).toBe(200);
      expect(json(found)).toEqual({
        name: 'orders-fix',
        state: 'COMPLETED',
        from: '2026-11-01T00:00:00.000Z',
        to: '2026-11-02T00:00:00.000Z',
        eventTypes: ['order.created', 'order.cancelled'],
        startedAt: '2026-11-30T10:00:00.000Z',
        endedAt: '2026-11-30T10:05:00.000Z',
        owner: OWNER,
      });
      expect(missing.statusCode).toBe(404);
    });
  });
});
