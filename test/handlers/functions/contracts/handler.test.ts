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

  describe('GET /v1/contracts/{name}/versions', () => {
    const versionsOf = (name: string, query?: Record<string, string>) =>
      handler(
        apiEvent({
          method: 'GET',
          path: `/v1/contracts/${name}/versions`,
          resource: '/v1/contracts/{name}/versions',
          pathParameters: { name },
          ...(query && { query }),
        }),
        lambdaContext,
      );
    const headers = (versions: string[]) =>
      versions.map((version) => ({
        name: 'agents',
        version,
        deprecated: false,
        createdAt: '2026-11-30T00:00:00.000Z',
        contentHash: `sha256-${version}`,
        owner: { tenant: 'default', principal: 'anonymous' },
      }));
    const versionsIn = (result: { body: string }) =>
      (JSON.parse(result.body).items as Array<{ version: string }>).map((i) => i.version);
    const forged = (content: Record<string, string>) => Buffer.from(JSON.stringify(content)).toString('base64url');

    it('pages the versions highest precedence first and follows the cursor to the last page', async () => {
      // Prepare
      ddb.on(QueryCommand).resolves({ Items: headers(['1.9.0', '2.0.0', '1.10.0', '2.0.0-beta.1', '1.2.0']) });

      // Act
      const first = await versionsOf('agents', { limit: '2' });
      const second = await versionsOf('agents', { limit: '2', cursor: JSON.parse(first.body).nextCursor });
      const last = await versionsOf('agents', { limit: '2', cursor: JSON.parse(second.body).nextCursor });

      // Assess
      expect(first.statusCode).toBe(200);
      expect(JSON.parse(first.body)).toMatchObject({ name: 'agents', nextCursor: expect.any(String) });
      expect(JSON.parse(first.body).items[0]).toEqual({
        version: '2.0.0',
        deprecated: false,
        createdAt: '2026-11-30T00:00:00.000Z',
        contentHash: 'sha256-2.0.0',
        owner: { tenant: 'default', principal: 'anonymous' },
      });
      expect([versionsIn(first), versionsIn(second), versionsIn(last)]).toEqual([
        ['2.0.0', '2.0.0-beta.1'],
        ['1.10.0', '1.9.0'],
        ['1.2.0'],
      ]);
      expect(JSON.parse(last.body)).not.toHaveProperty('nextCursor');
    });

    it('answers 25 versions by default, and no nextCursor when the page ends with the last version', async () => {
      // Prepare
      ddb.on(QueryCommand).resolves({ Items: headers(Array.from({ length: 30 }, (_, i) => `1.${i}.0`)) });

      // Act
      const first = await versionsOf('agents');
      const rest = await versionsOf('agents', { limit: '5', cursor: JSON.parse(first.body).nextCursor });

      // Assess
      expect(versionsIn(first)).toHaveLength(25);
      expect(versionsIn(first)[0]).toBe('1.29.0');
      expect(versionsIn(rest)).toEqual(['1.4.0', '1.3.0', '1.2.0', '1.1.0', '1.0.0']);
      expect(JSON.parse(rest.body)).not.toHaveProperty('nextCursor');
    });

    it('continues below the last version answered when a higher one was registered between pages', async () => {
      // Prepare
      ddb.on(QueryCommand).resolves({ Items: headers(['1.0.0', '1.1.0', '1.2.0']) });
      const first = await versionsOf('agents', { limit: '2' });
      ddb.on(QueryCommand).resolves({ Items: headers(['1.0.0', '1.1.0', '1.2.0', '3.0.0']) });

      // Act
      const second = await versionsOf('agents', { limit: '2', cursor: JSON.parse(first.body).nextCursor });

      // Assess
      expect(versionsIn(first)).toEqual(['1.2.0', '1.1.0']);
      expect(versionsIn(second)).toEqual(['1.0.0']);
      expect(JSON.parse(second.body)).not.toHaveProperty('nextCursor');
    });

    it('rejects a cursor issued for another name, another tenant or forged with 400 naming /query/cursor', async () => {
      // Prepare
      ddb.on(QueryCommand).resolves({ Items: headers(['1.0.0', '1.1.0', '1.2.0']) });
      const ofOtherName = JSON.parse((await versionsOf('billing', { limit: '1' })).body).nextCursor;
      ddb.resetHistory();
      const cursors = [
        ofOtherName,
        forged({ listing: 'contract-versions', tenant: 'other', name: 'agents', after: '1.2.0' }),
        forged({ listing: 'contract-versions', tenant: 'default', name: 'agents', after: 'latest' }),
        forged({ pk: 'CONTRACT#default#agents', sk: 'VERSION#1.2.0' }),
        'not-a-cursor',
      ];

      // Act
      const results = await Promise.all(cursors.map((cursor) => versionsOf('agents', { cursor })));

      // Assess
      for (const result of results) {
        expect(result.statusCode).toBe(400);
        expect(problemOf(result).errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/query/cursor']);
      }
      expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
    });

    it('rejects a limit of 0, 101 or a non-number with 400 naming /query/limit', async () => {
      // Act
      const results = await Promise.all(['0', '101', 'ten'].map((limit) => versionsOf('agents', { limit })));

      // Assess
      for (const result of results) {
        expect(result.statusCode).toBe(400);
        expect(problemOf(result).errors[0].pointer).toBe('/query/limit');
      }
      expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
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
