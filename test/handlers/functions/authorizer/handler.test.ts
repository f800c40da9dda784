import { readFileSync } from 'node:fs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { awsAuthorizerBase, awsAuthorizerHandler } from '../../../../functions/authorizer/wiring';
import { routes } from '../../../../functions/routes';
import {
  type AuthorizerResponse,
  cacheTtlSeconds,
  principalFromContext,
} from '../../../../shared/domain/auth/authorizer-policy';
import { certificateThumbprint } from '../../../../shared/domain/auth/certificate-binding';
import { mayCall } from '../../../../shared/domain/auth/scopes';
import { auditEventsPublished, auditRecordsWritten } from '../../../support/audit';
import { fixedClock } from '../../../support/clock';
import { authorizerEvent, lambdaContext } from '../../../support/events';
import { FIXTURES_DIR } from '../../../support/fixtures';
import { handlerTestEnv } from '../../../support/handler-env';
import { admits } from '../../../support/iam';
import {
  AUTH_TEST_NOW_SECONDS,
  serveJwks,
  signToken,
  TEST_AUDIENCE,
  TEST_ISSUER,
  type TestKey,
  testKey,
} from '../../../support/jwks';
import { rejectionOf } from '../../../support/rejection';

const NOW = AUTH_TEST_NOW_SECONDS;
const API = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod';

// The audit trail the authorizer loads on its first 401: mocked, never a real call.
const ddb = mockClient(DynamoDBDocumentClient);
const eventBridge = mockClient(EventBridgeClient);

let key: TestKey;
let jwks: Awaited<ReturnType<typeof serveJwks>>;
let handler: ReturnType<typeof awsAuthorizerHandler>;

beforeAll(async () => {
  key = await testKey('k1');
  jwks = await serveJwks([key]);
  const env = handlerTestEnv('authorizer', {
    AUTH_ISSUER: TEST_ISSUER,
    AUTH_AUDIENCE: TEST_AUDIENCE,
    AUTH_JWKS_URL: jwks.url,
  });
  handler = awsAuthorizerHandler(awsAuthorizerBase({ env, clock: fixedClock(NOW * 1000) }));
});

afterAll(async () => {
  await jwks.close();
});

afterEach(() => {
  ddb.reset();
  eventBridge.reset();
});

const call = (headers: Record<string, string>, method = 'GET', path = '/v1/contracts/petstore') =>
  handler(authorizerEvent({ method, path, headers }), lambdaContext) as Promise<AuthorizerResponse>;

describe('authorizer handler', () => {
  describe('a valid token', () => {
    it('allows exactly the routes whose scopes the token holds, whichever route was called', async () => {
      // Prepare
      const scopes = ['contracts:read', 'mesh:call'];
      const token = await signToken(key, { scope: scopes.join(' ') });

      // Act
      const result = await call({ Authorization: `Bearer ${token}` });

      // Assess
      for (const route of routes) {
        const path = route.path.replace(/\{[^}]+\+\}/g, 'a/b').replace(/\{[^}]+\}/g, 'x');
        const verb = route.method === 'ANY' ? 'PATCH' : route.method;
        expect(admits(result, `${API}/${verb}${path}`), `${verb} ${route.path}`).toBe(mayCall(route, scopes));
      }
    });

    it('denies the called route when the token lacks its scope', async () => {
      // Prepare
      const token = await signToken(key, { scope: 'contracts:read' });

      // Act
      const result = await call({ authorization: `Bearer ${token}` }, 'POST', '/v1/contracts');

      // Assess
      expect(admits(result, `${API}/POST/v1/contracts`)).toBe(false);
      expect(admits(result, `${API}/GET/v1/contracts`)).toBe(true);
    });

    it('allows the fallback methods, so an unknown path reaches the system function’s 404', async () => {
      // Prepare
      const token = await signToken(key, { scope: 'mesh:read' });

      // Act
      const result = await call({ Authorization: `Bearer ${token}` }, 'GET', '/v1/no-such-thing');

      // Assess
      expect(admits(result, `${API}/GET/v1/no-such-thing`)).toBe(true);
      expect(admits(result, `${API}/DELETE/v1/health`)).toBe(true);
      expect(admits(result, `${API}/POST/v1/contracts`)).toBe(false);
    });

    it('reads Cognito-style prefixed scopes with AUTH_SCOPE_PREFIX', async () => {
      // Prepare
      const env = handlerTestEnv('authorizer', {
        AUTH_ISSUER: TEST_ISSUER,
        AUTH_AUDIENCE: TEST_AUDIENCE,
        AUTH_JWKS_URL: jwks.url,
        AUTH_SCOPE_PREFIX: 'aif/',
      });
      const prefixed = awsAuthorizerHandler(awsAuthorizerBase({ env, clock: fixedClock(NOW * 1000) }));
      const token = await signToken(key, { scope: 'aif/contracts:read other/contracts:write' });

      // Act
      const result = (await prefixed(
        authorizerEvent({ method: 'GET', path: '/v1/contracts', headers: { Authorization: `Bearer ${token}` } }),
        lambdaContext,
      )) as AuthorizerResponse;

      // Assess
      expect(admits(result, `${API}/GET/v1/contracts`)).toBe(true);
      expect(admits(result, `${API}/POST/v1/contracts`)).toBe(false);
      expect(principalFromContext(result.context)?.scopes).toEqual(['contracts:read']);
    });

    it('passes the principal as string-only context, and its client id as the usage plans’ key', async () => {
      // Prepare
      const token = await signToken(key, { scope: 'mesh:read', tenant: 't1', jti: 'tok-9', client_id: 'c1' });

      // Act
      const result = await call({ Authorization: `Bearer ${token}` });

      // Assess
      expect(result.principalId).toBe('agent-1');
      expect(result.usageIdentifierKey).toBe('c1');
      expect(result.context).toEqual({
        tenant: 't1',
        principal: 'agent-1',
        clientId: 'c1',
        tokenId: 'tok-9',
        scopes: 'mesh:read',
        expiresAt: String(NOW + 300),
      });
      for (const value of Object.values(result.context ?? {})) expect(typeof value).toBe('string');
    });

    it('bounds how long the answer may be cached by the token’s remaining lifetime', async () => {
      // Prepare
      const token = await signToken(key, { exp: NOW + 42 });

      // Act
      const result = await call({ Authorization: `Bearer ${token}` });
      const principal = principalFromContext(result.context);

      // Assess
      expect(principal && cacheTtlSeconds(principal, NOW * 1000, 300)).toBe(42);
    });
  });

  describe('refusals', () => {
    it.each<[string, () => Promise<Record<string, string>>]>([
      ['no Authorization header', async () => ({})],
      ['Basic credentials', async () => ({ Authorization: 'Basic YTpi' })],
      ['a malformed token', async () => ({ Authorization: 'Bearer abc.def' })],
      ['an expired token', async () => ({ Authorization: `Bearer ${await signToken(key, { exp: NOW - 120 })}` })],
      ['a token for another audience', async () => ({ Authorization: `Bearer ${await signToken(key, { aud: 'x' })}` })],
    ])('rejects %s with Unauthorized (API Gateway: 401)', async (_name, headers) => {
      // Act
      const error = await rejectionOf<Error>(call(await headers()));

      // Assess
      expect(error.message).toBe('Unauthorized');
    });

    it('records each 401 once, in the audit table and on the bus, with its reason and without the token', async () => {
      // Prepare
      const token = await signToken(key, { exp: NOW - 120, jti: 'token-7' });
      const event = authorizerEvent({
        method: 'DELETE',
        path: '/v1/subscriptions/s1',
        resource: '/v1/subscriptions/{id}',
        headers: { Authorization: `Bearer ${token}` },
      });
      event.pathParameters = { id: 's1' };

      // Act
      await rejectionOf<Error>(handler(event, lambdaContext));

      // Assess
      const written = auditRecordsWritten(ddb);
      expect(written).toMatchObject([
        {
          requestId: 'test-request-id',
          operationId: 'deleteSubscription',
          method: 'DELETE',
          tenant: '',
          resourceType: 'subscriptions',
          resourceId: 's1',
          status: 401,
          outcome: 'denied',
          reason: expect.any(String),
          recordedBy: 'authorizer',
        },
      ]);
      expect(auditEventsPublished(eventBridge)).toEqual([expect.objectContaining({ id: written[0]?.id, status: 401 })]);
      expect(JSON.stringify(written)).not.toContain('eyJ');
    });

    it('still answers Unauthorized when the audit trail is unavailable', async () => {
      // Prepare
      ddb.rejects(new Error('table unavailable'));
      eventBridge.rejects(new Error('bus unavailable'));

      // Act
      const error = await rejectionOf<Error>(call({}));

      // Assess
      expect(error.message).toBe('Unauthorized');
    });

    it('records nothing for an allow', async () => {
      const token = await signToken(key, { scope: 'contracts:read' });

      await call({ Authorization: `Bearer ${token}` });

      expect(auditRecordsWritten(ddb)).toEqual([]);
    });

    it('rejects two Authorization headers with Unauthorized', async () => {
      // Prepare
      const token = await signToken(key);
      const event = authorizerEvent({
        method: 'GET',
        path: '/v1/topology',
        multiValueHeaders: { Authorization: [`Bearer ${token}`, `Bearer ${token}`] },
      });

      // Act
      const error = await rejectionOf<Error>(handler(event, lambdaContext));

      // Assess
      expect(error.message).toBe('Unauthorized');
    });

    it('fails (API Gateway: 500), never allows, when the JWKS is unreachable', async () => {
      // Prepare
      const env = handlerTestEnv('authorizer', { AUTH_ISSUER: TEST_ISSUER, AUTH_AUDIENCE: TEST_AUDIENCE });
      const unreachable = awsAuthorizerHandler(awsAuthorizerBase({ env, clock: fixedClock(NOW * 1000) }));
      const token = await signToken(key);

      // Act
      const error = await rejectionOf<Error>(
        unreachable(
          authorizerEvent({ method: 'GET', path: '/v1/topology', headers: { Authorization: `Bearer ${token}` } }),
          lambdaContext,
        ),
      );

      // Assess
      expect(error.message).not.toBe('Unauthorized');
    });

    it('with AUTH_BIND_CLIENT_CERTIFICATE, admits a token only over the mTLS connection of its certificate (RFC 8705)', async () => {
      // Prepare
      const env = handlerTestEnv('authorizer', {
        AUTH_ISSUER: TEST_ISSUER,
        AUTH_AUDIENCE: TEST_AUDIENCE,
        AUTH_JWKS_URL: jwks.url,
        AUTH_BIND_CLIENT_CERTIFICATE: 'true',
      });
      const bound = awsAuthorizerHandler(awsAuthorizerBase({ env, clock: fixedClock(NOW * 1000) }));
      const pem = (name: string) => readFileSync(`${FIXTURES_DIR}/mtls/${name}.pem`, 'utf8');
      const token = await signToken(key, {
        scope: 'contracts:read',
        cnf: { 'x5t#S256': certificateThumbprint(pem('agent')) },
      });
      const over = (certificate: string | undefined) => {
        const event = authorizerEvent({
          method: 'GET',
          path: '/v1/contracts/petstore',
          headers: { Authorization: `Bearer ${token}` },
        });
        (event.requestContext.identity as unknown as Record<string, unknown>).clientCert =
          certificate === undefined ? null : { clientCertPem: certificate };
        return bound(event, lambdaContext) as Promise<AuthorizerResponse>;
      };

      // Act
      const own = await over(pem('agent'));
      const other = await rejectionOf<Error>(over(pem('other')));
      const none = await rejectionOf<Error>(over(undefined));

      // Assess
      expect(own.principalId).toBe('agent-1');
      expect([other.message, none.message]).toEqual(['Unauthorized', 'Unauthorized']);
    });

    it('fails to start without an audience or Cognito client ids', () => {
      // Prepare
      const env = handlerTestEnv('authorizer');

      // Act / Assess
      expect(() => awsAuthorizerHandler(awsAuthorizerBase({ env }))).toThrow(/exactly one of audience/);
    });
  });
});
