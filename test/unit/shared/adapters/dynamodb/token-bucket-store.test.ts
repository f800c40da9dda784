import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoDbTokenBucketStore } from '../../../../../shared/adapters/dynamodb/token-bucket-store';
import { DependencyUnavailableError } from '../../../../../shared/domain/errors';
import { admissionWrite } from '../../../../../shared/domain/rate-limits/token-bucket';
import { rejectionOf } from '../../../../support/rejection';

const ddb = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const store = new DynamoDbTokenBucketStore(client, 'aif-ratelimits');
const limit = { requestsPerSecond: 10, burstSize: 5 };
const NOW = Date.parse('2026-11-30T10:00:00Z') * 1000;

describe('DynamoDbTokenBucketStore (mocked client)', () => {
  afterEach(() => {
    ddb.reset();
  });

  it('sends one UpdateItem per write: set on a full bucket, advance while draining, each under its condition', async () => {
    // Prepare
    ddb
      .on(UpdateCommand)
      .resolvesOnce({ Attributes: { tat: NOW + 100_000 } })
      .resolvesOnce({ Attributes: { tat: NOW + 200_000 } });

    // Act
    const full = await store.apply('ROUTE#acme#routeCall', admissionWrite(limit, NOW, 'full'), 1_800_000_000);
    const draining = await store.apply('ROUTE#acme#routeCall', admissionWrite(limit, NOW, 'draining'), 1_800_000_000);

    // Assess
    expect(full).toEqual({ applied: true, state: { tat: NOW + 100_000 } });
    expect(draining).toEqual({ applied: true, state: { tat: NOW + 200_000 } });
    const [set, advance] = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(set).toMatchObject({
      TableName: 'aif-ratelimits',
      Key: { pk: 'ROUTE#acme#routeCall' },
      UpdateExpression: 'SET #tat = :set, #exp = :exp',
      ConditionExpression: 'attribute_not_exists(#pk) OR #tat < :before',
      ExpressionAttributeValues: { ':set': NOW + 100_000, ':before': NOW, ':exp': 1_800_000_000 },
      ReturnValues: 'UPDATED_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(advance).toMatchObject({
      UpdateExpression: 'SET #tat = #tat + :add, #exp = :exp',
      ConditionExpression: '#tat BETWEEN :atLeast AND :atMost',
      ExpressionAttributeValues: { ':add': 100_000, ':atLeast': NOW, ':atMost': NOW + 400_000 },
    });
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
  });

  it('reads the state a failed condition saw from the exception (ALL_OLD), with no second request', async () => {
    // Prepare
    ddb.on(UpdateCommand).rejects(
      new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: { pk: { S: 'k' }, tat: { N: String(NOW + 500_000) }, expiresAt: { N: '1800000000' } },
      }),
    );

    // Act
    const outcome = await store.apply('k', admissionWrite(limit, NOW, 'draining'), 1_800_000_000);

    // Assess
    expect(outcome).toEqual({ applied: false, state: { tat: NOW + 500_000 } });
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
  });

  it('falls back to one consistent GetItem when the exception carries no item', async () => {
    // Prepare
    ddb.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }));
    ddb.on(GetCommand).resolves({ Item: { pk: 'k', tat: NOW + 300_000 } });

    // Act
    const outcome = await store.apply('k', admissionWrite(limit, NOW, 'full'), 1_800_000_000);

    // Assess
    expect(outcome).toEqual({ applied: false, state: { tat: NOW + 300_000 } });
    expect(ddb.commandCalls(GetCommand)[0]?.args[0].input).toEqual({
      TableName: 'aif-ratelimits',
      Key: { pk: 'k' },
      ConsistentRead: true,
    });
  });

  it('throws DependencyUnavailableError when DynamoDB throttles or cannot be reached', async () => {
    // Prepare
    ddb
      .on(UpdateCommand)
      .rejectsOnce(
        Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }),
      )
      .rejectsOnce(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }));

    // Act
    const throttled = await rejectionOf(store.apply('k', admissionWrite(limit, NOW, 'full'), 1));
    const unreachable = await rejectionOf(store.apply('k', admissionWrite(limit, NOW, 'full'), 1));

    // Assess
    expect(throttled).toBeInstanceOf(DependencyUnavailableError);
    expect(unreachable).toBeInstanceOf(DependencyUnavailableError);
  });
});
