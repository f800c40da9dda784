import { beforeAll, describe, expect, it } from 'vitest';
import { createErrorsHandler } from '../../../../functions/errors/app';
import { httpOptions } from '../../../../functions/wiring';
import { DynamoDbErrorCounterRepository } from '../../../../shared/adapters/dynamodb/error-counter-repository';
import { DynamoDbErrorPolicyRepository } from '../../../../shared/adapters/dynamodb/error-policy-repository';
import { errorsTable } from '../../../../shared/adapters/dynamodb/table-definitions';
import { principalContext } from '../../../../shared/domain/auth/authorizer-policy';
import type { IntegrationEvent } from '../../../../shared/domain/events/integration-event';
import { BUILT_IN_POLICIES } from '../../../../shared/domain/resilience/policy';
import type { ApiHandler } from '../../../../shared/middleware/http-api';
import type { EventPublisher } from '../../../../shared/ports/event-publisher';
import { ErrorPolicyCache } from '../../../../shared/use-cases/error-policy-cache';
import { freshTable } from '../../../support/dynamodb';
import { apiEvent, lambdaContext } from '../../../support/events';
import { HANDLER_TEST_NOW_MS, testFunctionBase } from '../../../support/handler-env';

const EXPIRES_AT = HANDLER_TEST_NOW_MS / 1000 + 600;
const AGENT_SCOPES = ['errors:read', 'errors:write'];
const A = { tenant: 'tenant-a', principal: 'agent-a', scopes: AGENT_SCOPES };
const B = { tenant: 'tenant-b', principal: 'agent-b', scopes: AGENT_SCOPES };
const C = { tenant: 'tenant-c', principal: 'agent-c', scopes: AGENT_SCOPES };
const OPERATOR = { tenant: 'ops', principal: 'admin-1', scopes: ['errors:read', 'errors:admin'] };
type Caller = typeof A;
/** An answer, its body parsed on demand. */
// biome-ignore lint/suspicious/noExplicitAny: answers of several routes are read field by field
type Answer = { statusCode: number; body: string; json: () => any };

describe('errors handler: tenants (dynalite, AUTH_ENFORCED=token)', () => {
  const published: IntegrationEvent[] = [];
  let handler: ApiHandler;
  let as: (caller: Caller, input: Omit<Parameters<typeof apiEvent>[0], 'headers'>) => Promise<Answer>;
  const report = (caller: Caller, source: string, status = 503) =>
    as(caller, { method: 'POST', path: '/v1/errors', body: { source, status, attempt: 1 } });
  const stats = (caller: Caller, query: Record<string, string> = {}) =>
    as(caller, { method: 'GET', path: '/v1/errors/stats', query });

  beforeAll(async () => {
    // Prepare: the errors function over a fresh dynalite table; alerts are recorded
    const { client, tableName } = await freshTable(errorsTable);
    const base = testFunctionBase('errors', { env: { AUTH_ENFORCED: 'token' } });
    const policyStore = new DynamoDbErrorPolicyRepository(client, tableName);
    const events: EventPublisher = {
      publish: async (batch) => {
        published.push(...batch);
        return batch.map((e) => ({ id: e.id, status: 'published' as const }));
      },
    };
    handler = createErrorsHandler(
      {
        policyStore,
        policyCache: new ErrorPolicyCache(policyStore, base.clock, { ttlMs: 0 }),
        counters: new DynamoDbErrorCounterRepository(client, tableName),
        events,
        clock: base.clock,
      },
      httpOptions(base),
    );
    as = async (caller, input) => {
      const event = apiEvent(input);
      const result = await handler(
        {
          ...event,
          requestContext: {
            ...event.requestContext,
            authorizer: principalContext({ ...caller, expiresAt: EXPIRES_AT }),
          },
        },
        lambdaContext,
      );
      return { statusCode: result.statusCode, body: result.body, json: () => JSON.parse(result.body) };
    };
  });

  describe('POST /v1/errors and GET /v1/errors/stats', () => {
    it('counts each tenant’s reports apart and shows each tenant only its own counters', async () => {
      // Act
      const firstOfA = await report(A, 'svc:shared');
      const secondOfA = await report(A, 'svc:shared');
      const firstOfB = await report(B, 'svc:shared');
      await report(B, 'svc:b-only');

      // Assess
      expect([firstOfA, secondOfA, firstOfB].map((r) => r.json().counts['1m'])).toEqual([1, 2, 1]);
      const counts = async (caller: Caller) =>
        (await stats(caller)).json().items.map((i: { source: string; count: number }) => `${i.source}=${i.count}`);
      expect(await counts(A)).toEqual(['svc:shared=2']);
      expect(await counts(B)).toEqual(['svc:b-only=1', 'svc:shared=1']);
      expect(await counts(C)).toEqual([]);
    });

    it('refuses a stats cursor issued to another tenant with 400', async () => {
      // Prepare
      await Promise.all(['svc:p1', 'svc:p2', 'svc:p3'].map((source) => report(C, source, 500)));
      const firstOfC = (await stats(C, { limit: '1' })).json();

      // Act
      const asA = await stats(A, { limit: '1', cursor: firstOfC.nextCursor });
      const asC = await stats(C, { limit: '1', cursor: firstOfC.nextCursor });

      // Assess
      expect(firstOfC.nextCursor).toBeDefined();
      expect(asA.statusCode).toBe(400);
      expect(asA.json().errors[0].pointer).toBe('/query/cursor');
      expect(asC.statusCode).toBe(200);
    });

    it('raises the alert of a tenant’s counter with that tenant in the event', async () => {
      // Act: the built-in system policy alerts at the first error of a minute
      const reported = await report(B, 'svc:alerting', 500);

      // Assess
      expect(reported.json().alert).toMatchObject({ raisedNow: true });
      const alert = published.find((e) => e.payload.source === 'svc:alerting');
      expect(alert).toMatchObject({ source: 'aif.errors', type: 'integration.alert', payload: { tenant: 'tenant-b' } });
    });
  });

  describe('error policies', () => {
    it('records who wrote a policy and shows it to every reader; writing needs errors:admin', async () => {
      // Prepare
      const policy = { ...BUILT_IN_POLICIES.transient, maxRetries: 2 };
      const onPolicy = (caller: Caller, method: string, body?: unknown) =>
        as(caller, {
          method,
          path: '/v1/error-policies/HTTP_429',
          resource: '/v1/error-policies/{key}',
          pathParameters: { key: 'HTTP_429' },
          ...(body !== undefined && { body }),
        });

      // Act
      const byAgent = await onPolicy(A, 'PUT', policy);
      const byOperator = await onPolicy(OPERATOR, 'PUT', policy);
      const readByA = await onPolicy(A, 'GET');
      const listedByB = await as(B, { method: 'GET', path: '/v1/error-policies' });

      // Assess
      const updatedBy = { tenant: 'ops', principal: 'admin-1' };
      expect(byAgent.statusCode).toBe(403);
      expect(byOperator.statusCode).toBe(201);
      expect(byOperator.json()).toMatchObject({ key: 'HTTP_429', origin: 'custom', updatedBy });
      expect(readByA.json()).toMatchObject({ updatedBy, revision: 1 });
      expect(listedByB.json().items.find((i: { key: string }) => i.key === 'HTTP_429')).toMatchObject({ updatedBy });
    });
  });
});
