import { gzipSync } from 'node:zlib';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { awsContractsHandler } from '../../../../functions/contracts/wiring';
import { auditEventsPublished, auditRecordsWritten } from '../../../support/audit';
import { agentsContract, storedVersion } from '../../../support/contracts';
import { apiEvent, lambdaContext } from '../../../support/events';
import { testFunctionBase } from '../../../support/handler-env';

const handler = awsContractsHandler(testFunctionBase('contracts'));
const ddb = mockClient(DynamoDBDocumentClient);
// The audit trail's aif.audit events: never a real call.
const eventBridge = mockClient(EventBridgeClient);

const register = (body: unknown, headers?: Record<string, string>) =>
  handler(apiEvent({ method: 'POST', path: '/v1/contracts', body, headers }), lambdaContext);
const problemOf = (result: { body: string }) => JSON.parse(result.body);
/** The contracts table holds nothing yet and takes every write: a registration creates its version. */
const emptyContractsTable = () => {
  ddb.on(GetCommand).resolves({});
  ddb.on(QueryCommand).resolves({ Items: [] });
  ddb.on(PutCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
};

describe('contracts handler', () => {
  afterEach(() => {
    ddb.reset();
    eventBridge.reset();
  });

  describe('audit trail', () => {
    it('records a registration once, in the audit table and as an aif.audit event, with the created id', async () => {
      // Prepare
      emptyContractsTable();

      // Act
      const result = await register(agentsContract(), { authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig' });

      // Assess
      expect(result.statusCode).toBe(201);
      const written = auditRecordsWritten(ddb);
      expect(written).toMatchObject([
        {
          operationId: 'registerContract',
          method: 'POST',
          tenant: 'default',
          principal: 'anonymous',
          resourceType: 'contracts',
          resourceId: 'agents/versions/1.0.0',
          status: 201,
          outcome: 'allowed',
          recordedBy: 'function',
        },
      ]);
      expect(auditEventsPublished(eventBridge)).toEqual([expect.objectContaining({ id: written[0]?.id })]);
      expect(JSON.stringify(written)).not.toContain('eyJ');
    });

    it('answers the committed registration even when the audit table and the bus fail', async () => {
      // Prepare
      emptyContractsTable();
      ddb.on(BatchWriteCommand).rejects(new Error('table unavailable'));
      eventBridge.rejects(new Error('bus unavailable'));

      // Act
      const result = await register(agentsContract());

      // Assess
      expect(result.statusCode).toBe(201);
    });

    it('records no read', async () => {
      ddb.on(QueryCommand).resolves({ Items: [] });

      await handler(apiEvent({ method: 'GET', path: '/v1/contracts' }), lambdaContext);

      expect(auditRecordsWritten(ddb)).toEqual([]);
      expect(auditEventsPublished(eventBridge)).toEqual([]);
    });
  });

  describe('POST /v1/contracts', () => {
    it('registers a new version with a conditional put and answers 201 with its location', async () => {
      // Prepare
      emptyContractsTable();

      // Act
      const result = await register(agentsContract());

      // Assess
      expect(result.statusCode).toBe(201);
      expect(result.headers?.location).toBe('/v1/contracts/agents/versions/1.0.0');
      expect(result.headers?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      const put = ddb.commandCalls(PutCommand)[0]?.args[0].input;
      expect(put?.ConditionExpression).toBe('attribute_not_exists(#pk)');
      expect(put?.Item?.pk).toBe('CONTRACT#default#agents');
      expect(put?.Item?.owner).toEqual({ tenant: 'default', principal: 'anonymous' });
      expect(JSON.parse(result.body).contract.owner).toEqual({ tenant: 'default', principal: 'anonymous' });
      expect(put?.Item?.sk).toBe('VERSION#1.0.0');
      const updates = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
      expect(updates.map((u) => u.UpdateExpression)).toEqual([
        'SET #leaseOwner = :owner, #leaseExpiresAt = :expiresAt',
        expect.stringContaining('ADD #versions :version'),
        'REMOVE #leaseOwner, #leaseExpiresAt',
      ]);
      expect(updates[0]?.ConditionExpression).toBe('attribute_not_exists(#leaseOwner) OR #leaseExpiresAt < :now');
    });

    it('answers 409 when a concurrent registration of the version won with other content', async () => {
      const winner = storedVersion({ description: 'the winner' });
      ddb.on(GetCommand).resolves({});
      ddb.on(QueryCommand).resolves({ Items: [] });
      ddb.on(PutCommand).rejects(
        new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: {},
          Item: { document: { B: gzipSync(JSON.stringify(winner)) } },
        }),
      );

      const result = await register(agentsContract());

      expect(result.statusCode).toBe(409);
      expect(result.headers?.['content-type']).toBe('application/problem+json');
      expect(problemOf(result)).toMatchObject({ type: 'urn:aif:problem:version-conflict', status: 409 });
      const recorded = ddb
        .commandCalls(UpdateCommand)
        .filter((c) => c.args[0].input.UpdateExpression?.includes('ADD #versions'));
      expect(recorded).toHaveLength(0);
      expect(ddb.commandCalls(UpdateCommand).at(-1)?.args[0].input.UpdateExpression).toBe(
        'REMOVE #leaseOwner, #leaseExpiresAt',
      );
    });

    it('answers 503 with Retry-After when DynamoDB throttles', async () => {
      ddb.on(GetCommand).rejects(
        Object.assign(new Error('Rate of requests exceeds the allowed throughput'), {
          name: 'ProvisionedThroughputExceededException',
          $metadata: { httpStatusCode: 400 },
          $retryable: { throttling: true },
        }),
      );

      const result = await register(agentsContract());

      expect(result.statusCode).toBe(503);
      expect(result.headers?.['retry-after']).toBe('1');
      expect(problemOf(result).type).toBe('urn:aif:problem:dependency-unavailable');
    });

    it('rejects an invalid contract with 422 listing every problem with its JSON pointer', async () => {
      const result = await register({
        name: 'bad name!',
        version: '1.0',
        endpoints: [{ path: 'no-slash', method: 'FETCH', requestSchema: 'Nope' }],
      });

      expect(result.statusCode).toBe(422);
      const pointers = problemOf(result).errors.map((e: { pointer: string }) => e.pointer);
      expect(pointers).toEqual(
        expect.arrayContaining(['/name', '/version', '/endpoints/0/path', '/endpoints/0/method']),
      );
      expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
    });

    it('rejects malformed JSON with 400', async () => {
      const result = await handler(
        apiEvent({ method: 'POST', path: '/v1/contracts', rawBody: '{"name": ' }),
        lambdaContext,
      );
      expect(result.statusCode).toBe(400);
      expect(problemOf(result).detail).toMatch(/^The body is not valid JSON/);
    });

    it('rejects an unsupported content type with 415', async () => {
      const result = await handler(
        apiEvent({
          method: 'POST',
          path: '/v1/contracts',
          rawBody: 'a=b',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        }),
        lambdaContext,
      );
      expect(result.statusCode).toBe(415);
    });

    it('rejects a body over the limit with 413', async () => {
      const result = await register({ ...agentsContract(), description: 'x'.repeat(70_000) });
      expect(result.statusCode).toBe(413);
      expect(problemOf(result).type).toBe('urn:aif:problem:payload-too-large');
    });
  });

  describe('GET /v1/contracts/{name}', () => {
    it('answers with the latest version by semver precedence', async () => {
      ddb.on(QueryCommand).resolves({
        Items: ['1.9.0', '1.10.0', '1.2.0'].map((version) => ({ name: 'agents', version, deprecated: false })),
      });
      ddb.on(GetCommand, { Key: { pk: 'CONTRACT#default#agents', sk: 'VERSION#1.10.0' } }).resolves({
        Item: { deprecated: false, document: gzipSync(JSON.stringify(storedVersion({ version: '1.10.0' }))) },
      });

      const result = await handler(
        apiEvent({
          method: 'GET',
          path: '/v1/contracts/agents',
          resource: '/v1/contracts/{name}',
          pathParameters: { name: 'agents' },
        }),
        lambdaContext,
      );

      expect(result.statusCode).toBe(200);
      expect(JSON.parse(result.body).version).toBe('1.10.0');
    });

    it('rejects an invalid query parameter with 400 naming it', async () => {
      const result = await handler(
        apiEvent({ method: 'GET', path: '/v1/contracts', query: { limit: '1000' } }),
        lambdaContext,
      );
      expect(result.statusCode).toBe(400);
      expect(problemOf(result).errors[0].pointer).toBe('/query/limit');
    });
  });

  describe('unexpected failures', () => {
    it('answers a generic 500 carrying the request id and no internals', async () => {
      ddb.on(QueryCommand).rejects(new TypeError('secret internal detail'));

      const result = await handler(
        apiEvent({
          method: 'GET',
          path: '/v1/contracts/agents/versions',
          resource: '/v1/contracts/{name}/versions',
          pathParameters: { name: 'agents' },
        }),
        lambdaContext,
      );

      expect(result.statusCode).toBe(500);
      expect(result.body).not.toContain('secret');
      expect(problemOf(result)).toMatchObject({ status: 500, requestId: 'test-request-id' });
    });
  });
});
