import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createPolicyRetryStrategy,
  PolicyRetryStrategy,
} from '../../../../../shared/adapters/aws/policy-retry-strategy';
import { createDocumentClient } from '../../../../../shared/adapters/dynamodb/document-client';
import type { Resolution } from '../../../../../shared/domain/resilience/decide';
import type { IntegrationError } from '../../../../../shared/domain/resilience/integration-error';
import { BUILT_IN_POLICIES, type ErrorPolicy } from '../../../../../shared/domain/resilience/policy';
import { rejectionOf } from '../../../../support/rejection';

/** A DynamoDB-style error answer (JSON 1.0 protocol): status, `__type` and message. */
type ErrorAnswer = { status: number; type: string; headers?: Record<string, string> };

/** A fake DynamoDB endpoint: answers the queued errors in turn, then `{}` (an empty GetItem result). */
function fakeDynamoDb() {
  const queue: ErrorAnswer[] = [];
  let requests = 0;
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    request.on('end', () => {
      requests++;
      const answer = queue.shift();
      const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': `req-${requests}` };
      if (!answer) {
        response.writeHead(200, headers).end('{}');
        return;
      }
      response
        .writeHead(answer.status, { ...headers, ...answer.headers })
        .end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${answer.type}`, message: 'fake' }));
    });
  });
  return {
    server,
    answer: (...answers: ErrorAnswer[]) => queue.push(...answers),
    requests: () => requests,
    reset: () => {
      queue.length = 0;
      requests = 0;
    },
  };
}

const throttled: ErrorAnswer = { status: 400, type: 'ThrottlingException' };
/** Tiny delays so the test is fast: 5, 10, 20 ms…, no jitter. */
const fast: ErrorPolicy = {
  ...BUILT_IN_POLICIES.transient,
  maxRetries: 3,
  initialDelayMs: 5,
  maxDelayMs: 50,
  jitter: 'none',
};

describe('PolicyRetryStrategy', () => {
  const dynamo = fakeDynamoDb();
  let endpoint: string;

  beforeAll(async () => {
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    await new Promise<void>((resolve) => dynamo.server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(dynamo.server.address() as AddressInfo).port}`;
  });

  afterEach(() => dynamo.reset());

  afterAll(async () => {
    vi.unstubAllEnvs();
    dynamo.server.closeAllConnections();
    await new Promise((resolve) => dynamo.server.close(resolve));
  });

  /** A document client against the fake endpoint whose retries follow `policies`. */
  function clientWith(policies: Map<string, ErrorPolicy>, options: { maxTotalDelayMs?: number } = {}) {
    const retries: Array<[IntegrationError, Resolution]> = [];
    const retryStrategy = createPolicyRetryStrategy({
      source: 'dynamodb:Test',
      policies: () => policies,
      ...options,
      onRetry: (error, resolution) => retries.push([error, resolution]),
    });
    return { client: createDocumentClient(endpoint, { retryStrategy }), retries };
  }

  const get = new GetCommand({ TableName: 'Test', Key: { pk: 'a' } });

  describe('refreshRetryTokenForRetry (through DynamoDBClient)', () => {
    it('retries throttling with the policy delays until the call succeeds', async () => {
      // Prepare
      dynamo.answer(throttled, throttled);
      const { client, retries } = clientWith(new Map([['ThrottlingException', fast]]));

      // Act
      const output = await client.send(get);

      // Assess
      expect(dynamo.requests()).toBe(3);
      expect(output.$metadata.attempts).toBe(3);
      expect(output.$metadata.totalRetryDelay).toBe(15);
      expect(retries.map(([e, r]) => [e.code, r.action === 'retry' && r.delayMs])).toEqual([
        ['ThrottlingException', 5],
        ['ThrottlingException', 10],
      ]);
      expect(retries[0]?.[0]).toMatchObject({ source: 'dynamodb:Test', context: { requestId: 'req-1' } });
    });

    it('fails with the service error once the policy maxRetries are used', async () => {
      // Prepare
      dynamo.answer(...Array.from({ length: 10 }, () => throttled));
      const { client } = clientWith(new Map([['ThrottlingException', { ...fast, maxRetries: 2 }]]));

      // Act
      const thrown = await rejectionOf<{ name: string; $metadata: { attempts: number } }>(client.send(get));

      // Assess
      expect(thrown.name).toBe('ThrottlingException');
      expect(thrown.$metadata.attempts).toBe(3);
      expect(dynamo.requests()).toBe(3);
    });

    it('fails once the next delay would exceed the delay budget', async () => {
      // Prepare
      dynamo.answer(...Array.from({ length: 10 }, () => throttled));
      const constant = { ...fast, maxRetries: 10, backoffStrategy: 'constant' as const, initialDelayMs: 20 };
      const { client, retries } = clientWith(new Map([['ThrottlingException', constant]]), { maxTotalDelayMs: 50 });

      // Act
      const thrown = client.send(get);

      // Assess
      await expect(thrown).rejects.toMatchObject({ name: 'ThrottlingException' });
      expect(retries).toHaveLength(2);
      expect(dynamo.requests()).toBe(3);
    });

    it('does not retry a permanent error', async () => {
      // Prepare
      dynamo.answer({ status: 400, type: 'ConditionalCheckFailedException' });
      const { client, retries } = clientWith(new Map([['transient', fast]]));

      // Act
      const thrown = client.send(get);

      // Assess
      await expect(thrown).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
      expect(retries).toHaveLength(0);
      expect(dynamo.requests()).toBe(1);
    });

    it('waits as long as the server asks, up to the policy cap', async () => {
      // Prepare
      dynamo.answer({ ...throttled, headers: { 'x-amz-retry-after': '30' } });
      const { client, retries } = clientWith(new Map([['ThrottlingException', fast]]));

      // Act
      await client.send(get);

      // Assess
      expect(retries[0]?.[1]).toMatchObject({ action: 'retry', delayMs: 30 });
    });
  });

  describe('refreshRetryTokenForRetry', () => {
    it('decides from the error type when the SDK gives no error object', async () => {
      // Prepare
      const strategy = new PolicyRetryStrategy({
        source: 'dynamodb:Test',
        policies: () => new Map([['transient', fast]]),
      });
      const initial = await strategy.acquireInitialRetryToken('us-east-1');

      // Act
      const retried = await strategy.refreshRetryTokenForRetry(initial, { errorType: 'THROTTLING' });
      const refused = strategy.refreshRetryTokenForRetry(initial, { errorType: 'CLIENT_ERROR' });

      // Assess
      expect([retried.getRetryCount(), retried.getRetryDelay()]).toEqual([1, 5]);
      await expect(refused).rejects.toMatchObject({
        code: 'CLIENT_ERROR',
        category: 'permanent',
        context: { stopReason: 'not-retryable' },
      });
    });

    it('reports an onRetry failure to onHookError and still retries', async () => {
      // Prepare
      const hookError = new Error('counter down');
      const onHookError = vi.fn();
      const strategy = new PolicyRetryStrategy({
        source: 'dynamodb:Test',
        policies: () => new Map([['transient', fast]]),
        onRetry: () => {
          throw hookError;
        },
        onHookError,
      });

      // Act
      const token = await strategy.refreshRetryTokenForRetry(await strategy.acquireInitialRetryToken(''), {
        errorType: 'TRANSIENT',
      });

      // Assess
      expect(token.getRetryCount()).toBe(1);
      expect(onHookError).toHaveBeenCalledWith(hookError, expect.objectContaining({ code: 'TRANSIENT' }));
    });

    it('rejects a negative delay budget', () => {
      // Act / Assess
      expect(() => new PolicyRetryStrategy({ source: 's', policies: () => new Map(), maxTotalDelayMs: -1 })).toThrow(
        RangeError,
      );
    });
  });
});
