import { gzipSync } from 'node:zlib';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { awsContractsHandler } from '../../../../functions/contracts/wiring';
import { awsSystemHandler } from '../../../../functions/system/wiring';
import { principalContext } from '../../../../shared/domain/auth/authorizer-policy';
import { auditRecordsWritten } from '../../../support/audit';
import { storedVersion } from '../../../support/contracts';
import { apiEvent, lambdaContext } from '../../../support/events';
import { HANDLER_TEST_NOW_MS, testFunctionBase } from '../../../support/handler-env';

const ddb = mockClient(DynamoDBDocumentClient);
mockClient(EventBridgeClient);
/** The DynamoDB calls other than the denial's audit record. */
const tableCalls = () => ddb.calls().filter((call) => !(call.args[0] instanceof BatchWriteCommand));
const EXPIRES_AT = HANDLER_TEST_NOW_MS / 1000 + 600;

/** GET /v1/contracts/agents (scope contracts:read) with the given request context members. */
const getContract = (requestContext: Partial<APIGatewayProxyEvent['requestContext']> = {}) => {
  const event = apiEvent({
    method: 'GET',
    path: '/v1/contracts/agents',
    resource: '/v1/contracts/{name}',
    pathParameters: { name: 'agents' },
  });
  return { ...event, requestContext: { ...event.requestContext, ...requestContext } };
};
const withScopes = (scopes: string[]) => ({
  authorizer: principalContext({ tenant: 't1', principal: 'agent-1', scopes, expiresAt: EXPIRES_AT }),
});

describe('contracts handler with AUTH_ENFORCED', () => {
  beforeEach(() => {
    ddb.on(QueryCommand).resolves({ Items: [{ name: 'agents', version: '1.0.0', deprecated: false }] });
    ddb.on(GetCommand).resolves({ Item: { deprecated: false, document: gzipSync(JSON.stringify(storedVersion())) } });
  });
  afterEach(() => {
    ddb.reset();
  });

  describe('off (the handler tests’ default)', () => {
    it('answers without any authorizer context', async () => {
      const handler = awsContractsHandler(testFunctionBase('contracts'));

      const result = await handler(getContract(), lambdaContext);

      expect(result.statusCode).toBe(200);
    });
  });

  describe('token', () => {
    const handler = awsContractsHandler(testFunctionBase('contracts', { env: { AUTH_ENFORCED: 'token' } }));

    it('rejects a request without authorizer context with 401 and a Bearer challenge, before any table read', async () => {
      const result = await handler(getContract(), lambdaContext);

      expect(result.statusCode).toBe(401);
      expect(result.headers?.['content-type']).toBe('application/problem+json');
      expect(result.headers?.['www-authenticate']).toBe('Bearer');
      expect(tableCalls()).toHaveLength(0);
      expect(auditRecordsWritten(ddb)).toMatchObject([
        { operationId: 'getLatestContract', status: 401, outcome: 'denied', tenant: '', resourceId: 'agents' },
      ]);
    });

    it('rejects a caller lacking the route’s scope with 403 naming it', async () => {
      const result = await handler(getContract(withScopes(['contracts:write', 'mesh:read'])), lambdaContext);

      expect(result.statusCode).toBe(403);
      expect(result.headers?.['www-authenticate']).toBe('Bearer error="insufficient_scope", scope="contracts:read"');
      expect(tableCalls()).toHaveLength(0);
      expect(auditRecordsWritten(ddb)).toMatchObject([
        { status: 403, outcome: 'denied', reason: 'This operation needs the scopes: contracts:read' },
      ]);
    });

    it('rejects a cached context whose token has expired with 401 invalid_token', async () => {
      const expired = {
        authorizer: principalContext({
          tenant: 't1',
          principal: 'agent-1',
          scopes: ['contracts:read'],
          expiresAt: HANDLER_TEST_NOW_MS / 1000 - 120,
        }),
      };

      const result = await handler(getContract(expired), lambdaContext);

      expect(result.statusCode).toBe(401);
      expect(result.headers?.['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    });

    it('answers 200 to a caller holding the route’s scope', async () => {
      const result = await handler(getContract(withScopes(['contracts:read'])), lambdaContext);

      expect(result.statusCode).toBe(200);
      expect(JSON.parse(result.body).version).toBe('1.0.0');
    });

    it('keeps public routes open', async () => {
      const health = awsSystemHandler(testFunctionBase('system', { env: { AUTH_ENFORCED: 'token' } }));

      const result = await health(apiEvent({ method: 'GET', path: '/v1/openapi.json' }), lambdaContext);

      expect(result.statusCode).toBe(200);
    });
  });

  describe('iam', () => {
    const handler = awsContractsHandler(testFunctionBase('contracts', { env: { AUTH_ENFORCED: 'iam' } }));

    it('rejects a request without an IAM identity with 401', async () => {
      const result = await handler(getContract(), lambdaContext);

      expect(result.statusCode).toBe(401);
      expect(tableCalls()).toHaveLength(0);
      expect(auditRecordsWritten(ddb)).toHaveLength(1);
    });

    it('answers 200 to a SigV4-authenticated caller (the gateway checked its policies)', async () => {
      const event = getContract();
      const identity = { ...event.requestContext.identity, userArn: 'arn:aws:iam::123456789012:role/agent' };

      const result = await handler({ ...event, requestContext: { ...event.requestContext, identity } }, lambdaContext);

      expect(result.statusCode).toBe(200);
    });
  });
});
