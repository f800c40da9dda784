import type { APIGatewayProxyResult } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { principalContext } from '../../../../shared/domain/auth/authorizer-policy';
import type { Principal } from '../../../../shared/domain/auth/principal';
import type { RouteDefinition } from '../../../../shared/http/route-definition';
import { type HttpHandlerOptions, httpApi } from '../../../../shared/middleware/http-api';
import { createObservability } from '../../../../shared/observability/powertools';
import { fixedClock } from '../../../support/clock';
import { apiEvent, lambdaContext } from '../../../support/events';
import '../../../support/handler-env';

const NOW_MS = Date.parse('2026-11-30T10:00:00Z');
const NOW = NOW_MS / 1000;

const routes: RouteDefinition[] = [
  {
    operationId: 'health',
    method: 'GET',
    path: '/v1/health',
    function: 'test',
    summary: 'Health',
    tags: [],
    scopes: [],
    public: true,
    responses: { 200: { description: 'Healthy' } },
  },
  {
    operationId: 'getThing',
    method: 'GET',
    path: '/v1/things/{id}',
    function: 'test',
    summary: 'A thing',
    tags: [],
    scopes: ['things:read'],
    responses: { 200: { description: 'The thing' } },
  },
  {
    operationId: 'putThing',
    method: 'PUT',
    path: '/v1/things/{id}',
    function: 'test',
    summary: 'Replace a thing',
    tags: [],
    scopes: ['things:write', 'things:admin'],
    responses: { 200: { description: 'Replaced' } },
  },
];

const operations = {
  health: async ({ caller }: { caller: Principal }) => ({ status: 200, body: { status: 'ok', caller } }),
  getThing: async ({ caller }: { caller: Principal }) => ({ status: 200, body: { id: 'x', caller } }),
  putThing: async ({ caller }: { caller: Principal }) => ({ status: 200, body: { id: 'x', caller } }),
};

const handlerWith = (options: Partial<HttpHandlerOptions>) =>
  httpApi(routes, operations, {}, { observability: createObservability('test'), maxBodyBytes: 4096, ...options });
const authOn = handlerWith({ authorize: { clock: fixedClock(NOW_MS), clockToleranceSeconds: 30 } });

const principal = (overrides: Partial<Principal> = {}): Principal => ({
  tenant: 't1',
  principal: 'agent-1',
  scopes: ['things:read'],
  expiresAt: NOW + 300,
  ...overrides,
});

/** A request as API Gateway passes it on after the authorizer: its context in `requestContext.authorizer`. */
function call(
  handler: ReturnType<typeof httpApi>,
  method: string,
  path: string,
  authorizer?: Record<string, unknown>,
): Promise<APIGatewayProxyResult> {
  const event = apiEvent({ method, path, ...(method === 'PUT' && { body: {} }) });
  event.requestContext.authorizer = authorizer ?? null;
  return handler(event, lambdaContext);
}

describe('authorize', () => {
  describe('with auth on', () => {
    it('admits a caller holding the route’s scopes, and hands the operation that caller', async () => {
      // Act
      const result = await call(authOn, 'GET', '/v1/things/a', {
        ...principalContext(principal({ tenant: 'acme', clientId: 'c-1' })),
        principalId: 'agent-1',
      });

      // Assess
      expect(result.statusCode).toBe(200);
      expect(JSON.parse(result.body).caller).toMatchObject({
        tenant: 'acme',
        principal: 'agent-1',
        clientId: 'c-1',
        scopes: ['things:read'],
      });
    });

    it('hands a public route’s operation a caller with no tenant and no scope', async () => {
      // Act
      const result = await call(authOn, 'GET', '/v1/health', {
        ...principalContext(principal({ scopes: ['things:read', 'things:write'] })),
        principalId: 'agent-1',
      });

      // Assess
      expect(JSON.parse(result.body).caller).toMatchObject({ tenant: '', principal: 'anonymous', scopes: [] });
    });

    it('admits anyone to a public route', async () => {
      // Act
      const result = await call(authOn, 'GET', '/v1/health');

      // Assess
      expect(result.statusCode).toBe(200);
    });

    it('rejects a call without an authorizer context with 401 and a bare Bearer challenge', async () => {
      // Act
      const result = await call(authOn, 'GET', '/v1/things/a');

      // Assess
      expect(result.statusCode).toBe(401);
      expect(result.headers?.['www-authenticate']).toBe('Bearer');
      expect(result.headers?.['content-type']).toBe('application/problem+json');
      expect(JSON.parse(result.body)).toMatchObject({ type: 'urn:aif:problem:unauthorized', status: 401 });
    });

    it('rejects an unreadable authorizer context with 401', async () => {
      // Act
      const result = await call(authOn, 'GET', '/v1/things/a', { principalId: 'agent-1', scopes: 'things:read' });

      // Assess
      expect(result.statusCode).toBe(401);
    });

    it('rejects a caller lacking a scope with 403 naming every scope of the route', async () => {
      // Act
      const result = await call(
        authOn,
        'PUT',
        '/v1/things/a',
        principalContext(principal({ scopes: ['things:write'] })),
      );

      // Assess
      expect(result.statusCode).toBe(403);
      expect(result.headers?.['www-authenticate']).toBe(
        'Bearer error="insufficient_scope", scope="things:write things:admin"',
      );
      expect(JSON.parse(result.body)).toMatchObject({
        type: 'urn:aif:problem:insufficient-scope',
        status: 403,
        requiredScopes: ['things:write', 'things:admin'],
      });
    });

    it('rejects a cached context whose token expired beyond the tolerance with 401 invalid_token', async () => {
      // Act
      const expired = await call(authOn, 'GET', '/v1/things/a', principalContext(principal({ expiresAt: NOW - 31 })));
      const withinTolerance = await call(
        authOn,
        'GET',
        '/v1/things/a',
        principalContext(principal({ expiresAt: NOW - 29 })),
      );

      // Assess
      expect(expired.statusCode).toBe(401);
      expect(expired.headers?.['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
      expect(withinTolerance.statusCode).toBe(200);
    });

    it('still answers 404 for an unknown path: routing comes first', async () => {
      // Act
      const result = await call(authOn, 'GET', '/v1/nothing');

      // Assess
      expect(result.statusCode).toBe(404);
    });
  });

  describe('with IAM identities', () => {
    const iamOn = handlerWith({ authorize: { clock: fixedClock(NOW_MS), identity: 'iam' } });
    const signed = (method: string, path: string, userArn: string | null) => {
      const event = apiEvent({ method, path, ...(method === 'PUT' && { body: {} }) });
      event.requestContext.identity = { ...event.requestContext.identity, userArn };
      return iamOn(event, lambdaContext);
    };

    it('admits a SigV4-authenticated caller: its scope policies were checked by the gateway', async () => {
      // Act
      const result = await signed('PUT', '/v1/things/a', 'arn:aws:sts::123456789012:assumed-role/agent/s1');

      // Assess
      expect(result.statusCode).toBe(200);
    });

    it('rejects a call without an IAM identity with 401', async () => {
      // Act
      const result = await signed('GET', '/v1/things/a', null);

      // Assess
      expect(result.statusCode).toBe(401);
      expect(JSON.parse(result.body)).toMatchObject({ type: 'urn:aif:problem:unauthorized', status: 401 });
    });

    it('admits anyone to a public route', async () => {
      // Act
      const result = await signed('GET', '/v1/health', null);

      // Assess
      expect(result.statusCode).toBe(200);
    });
  });

  describe('with auth off (the default)', () => {
    it('lets a call without an authorizer context through, as before', async () => {
      // Prepare
      const authOff = handlerWith({});

      // Act
      const result = await call(authOff, 'PUT', '/v1/things/a');

      // Assess
      expect(result.statusCode).toBe(200);
    });

    it('hands every operation the one unauthenticated caller, holding every scope of the route table', async () => {
      // Prepare
      const authOff = handlerWith({});

      // Act
      const result = await call(authOff, 'PUT', '/v1/things/a', {
        ...principalContext(principal({ tenant: 'acme' })),
        principalId: 'agent-1',
      });

      // Assess: an authorizer context is not trusted when the function does not check callers
      expect(JSON.parse(result.body).caller).toMatchObject({
        tenant: 'default',
        principal: 'anonymous',
        scopes: ['things:admin', 'things:read', 'things:write'],
      });
    });
  });
});
