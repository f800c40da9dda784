import type { APIGatewayProxyResult } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { AuditRecord } from '../../../../shared/domain/audit/audit-record';
import { principalContext } from '../../../../shared/domain/auth/authorizer-policy';
import { NotOwnerError } from '../../../../shared/domain/auth/errors';
import type { Principal } from '../../../../shared/domain/auth/principal';
import type { RouteDefinition } from '../../../../shared/http/route-definition';
import { type HttpHandlerOptions, httpApi } from '../../../../shared/middleware/http-api';
import { createObservability } from '../../../../shared/observability/powertools';
import type { AuditTrail } from '../../../../shared/ports/audit-trail';
import { fixedClock } from '../../../support/clock';
import { apiEvent, lambdaContext } from '../../../support/events';
import '../../../support/handler-env';

const NOW_MS = Date.parse('2026-11-30T10:00:00Z');
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZ2VudC0xIn0.c2lnbmF0dXJl';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

const route = (
  r: Partial<RouteDefinition> & Pick<RouteDefinition, 'operationId' | 'method' | 'path'>,
): RouteDefinition => ({
  function: 'test',
  summary: r.operationId,
  tags: [],
  scopes: ['things:write'],
  responses: { 200: { description: 'ok' } },
  ...r,
});
const routes: RouteDefinition[] = [
  route({
    operationId: 'createThing',
    method: 'POST',
    path: '/v1/things',
    request: { body: z.object({}).passthrough() },
  }),
  route({ operationId: 'listThings', method: 'GET', path: '/v1/things', scopes: ['things:read'] }),
  route({
    operationId: 'checkThing',
    method: 'POST',
    path: '/v1/things/check',
    readOnly: true,
    scopes: ['things:read'],
  }),
  route({ operationId: 'deleteThing', method: 'DELETE', path: '/v1/things/{id}' }),
  route({ operationId: 'health', method: 'GET', path: '/v1/health', scopes: [], public: true }),
];
const operations = {
  createThing: async () => ({
    status: 201,
    body: { id: 'thing-1', secret: SECRET },
    headers: { location: '/v1/things/thing-1' },
  }),
  listThings: async () => ({ status: 200, body: { items: [] } }),
  checkThing: async () => ({ status: 200, body: { ok: true } }),
  deleteThing: async ({ params }: { params: { id: string } }) => {
    if (params.id === 'theirs') throw new NotOwnerError('The thing "theirs" belongs to another tenant');
    return { status: 204 };
  },
  health: async () => ({ status: 200, body: { status: 'ok' } }),
};

/** An in-memory trail: every record it was given, or a failure. */
function memoryTrail(fail = false): AuditTrail & { records: AuditRecord[] } {
  const records: AuditRecord[] = [];
  return {
    records,
    record: async (batch) => {
      if (fail) throw new Error('audit table unavailable');
      records.push(...batch);
    },
  };
}

const principal: Principal = {
  tenant: 't1',
  principal: 'agent-1',
  clientId: 'client-1',
  tokenId: 'jti-1',
  scopes: ['things:write'],
  expiresAt: NOW_MS / 1000 + 300,
};

function handlerWith(trail: AuditTrail, options: Partial<HttpHandlerOptions> = {}) {
  let n = 0;
  return httpApi(
    routes,
    operations,
    {},
    {
      observability: createObservability('test'),
      maxBodyBytes: 4096,
      authorize: { clock: fixedClock(NOW_MS) },
      audit: { trail, clock: fixedClock(NOW_MS), newId: () => `audit-${++n}` },
      ...options,
    },
  );
}

function call(
  handler: ReturnType<typeof httpApi>,
  method: string,
  path: string,
  caller: Principal | undefined,
): Promise<APIGatewayProxyResult> {
  const event = apiEvent({
    method,
    path,
    headers: { Authorization: `Bearer ${TOKEN}`, 'X-Webhook-Secret': SECRET },
    ...(method === 'POST' && { body: { name: 'a thing', secret: SECRET, token: TOKEN } }),
  });
  event.requestContext.authorizer = caller ? principalContext(caller) : null;
  return handler(event, lambdaContext);
}

describe('auditTrail middleware', () => {
  it('records exactly one record per state-changing call and per 401/403, none for reads and read-only POSTs', async () => {
    // Prepare
    const trail = memoryTrail();
    const handler = handlerWith(trail);
    const reader = { ...principal, scopes: ['things:read'] };

    // Act
    const statuses = [
      (await call(handler, 'POST', '/v1/things', principal)).statusCode,
      (await call(handler, 'GET', '/v1/things', reader)).statusCode,
      (await call(handler, 'POST', '/v1/things/check', reader)).statusCode,
      (await call(handler, 'GET', '/v1/health', undefined)).statusCode,
      (await call(handler, 'DELETE', '/v1/things/mine', principal)).statusCode,
      (await call(handler, 'DELETE', '/v1/things/theirs', principal)).statusCode,
      (await call(handler, 'GET', '/v1/things', undefined)).statusCode,
      (await call(handler, 'DELETE', '/v1/things/mine', reader)).statusCode,
    ];

    // Assess
    expect(statuses).toEqual([201, 200, 200, 200, 204, 403, 401, 403]);
    expect(trail.records.map((r) => [r.operationId, r.status, r.outcome])).toEqual([
      ['createThing', 201, 'allowed'],
      ['deleteThing', 204, 'allowed'],
      ['deleteThing', 403, 'denied'],
      ['listThings', 401, 'denied'],
      ['deleteThing', 403, 'denied'],
    ]);
  });

  it('records who, what, when and from where, and why a call was denied', async () => {
    // Prepare
    const trail = memoryTrail();

    // Act
    await call(handlerWith(trail), 'POST', '/v1/things', principal);
    await call(handlerWith(trail), 'DELETE', '/v1/things/theirs', principal);

    // Assess
    expect(trail.records[0]).toEqual({
      id: 'audit-1',
      time: '2026-11-30T10:00:00.000Z',
      requestId: expect.any(String),
      operationId: 'createThing',
      method: 'POST',
      tenant: 't1',
      principal: 'agent-1',
      clientId: 'client-1',
      tokenId: 'jti-1',
      sourceIp: expect.any(String),
      resourceType: 'things',
      resourceId: 'thing-1',
      status: 201,
      outcome: 'allowed',
      recordedBy: 'function',
    });
    expect(trail.records[1]).toMatchObject({
      resourceId: 'theirs',
      outcome: 'denied',
      reason: 'The thing "theirs" belongs to another tenant',
    });
  });

  it('never records the token, a secret, a header value or the body', async () => {
    // Prepare
    const trail = memoryTrail();
    const handler = handlerWith(trail);

    // Act
    await call(handler, 'POST', '/v1/things', principal);
    await call(handler, 'POST', '/v1/things', undefined);
    await call(handler, 'DELETE', '/v1/things/theirs', principal);

    // Assess
    expect(trail.records).toHaveLength(3);
    const text = JSON.stringify(trail.records);
    expect(text).not.toContain('eyJ');
    expect(text).not.toContain('whsec_');
    expect(text).not.toContain('a thing');
    expect(text).not.toContain('Bearer');
  });

  it('records the unauthenticated caller of auth off as the one anonymous caller', async () => {
    const trail = memoryTrail();

    await call(handlerWith(trail, { authorize: undefined }), 'DELETE', '/v1/things/mine', undefined);

    expect(trail.records).toMatchObject([{ tenant: 'default', principal: 'anonymous', status: 204 }]);
  });

  it('keeps the answer of a committed change when the trail fails', async () => {
    // Act
    const result = await call(handlerWith(memoryTrail(true)), 'POST', '/v1/things', principal);

    // Assess
    expect(result.statusCode).toBe(201);
  });
});
