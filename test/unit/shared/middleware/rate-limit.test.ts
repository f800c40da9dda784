import { describe, expect, it } from 'vitest';
import { principalContext } from '../../../../shared/domain/auth/authorizer-policy';
import type { RouteDefinition } from '../../../../shared/http/route-definition';
import { type HttpHandlerOptions, httpApi } from '../../../../shared/middleware/http-api';
import { effectiveRateLimit } from '../../../../shared/middleware/rate-limit';
import { createObservability } from '../../../../shared/observability/powertools';
import { RateLimiter } from '../../../../shared/use-cases/rate-limiter';
import { fixedClock } from '../../../support/clock';
import { apiEvent, lambdaContext } from '../../../support/events';
import '../../../support/handler-env';
import { memoryBucketStore } from '../../../support/rate-limits';

const NOW_MS = Date.parse('2026-11-30T10:00:00Z');
const limit = { requestsPerSecond: 1, burstSize: 2 };

const routes: RouteDefinition[] = [
  {
    operationId: 'putThing',
    method: 'PUT',
    path: '/v1/things/{id}',
    function: 'test',
    summary: 'Replace a thing',
    tags: [],
    scopes: ['things:write'],
    rateLimit: limit,
    responses: { 200: { description: 'Replaced' } },
  },
  {
    operationId: 'relay',
    method: 'GET',
    path: '/v1/relay',
    function: 'test',
    summary: 'An answer relayed with its own RateLimit fields',
    tags: [],
    scopes: ['things:write'],
    rateLimit: limit,
    responses: { default: { description: 'Relayed' } },
  },
];

let runs = 0;
const operations = {
  putThing: async () => {
    runs++;
    return { status: 200, body: { ok: true } };
  },
  relay: async () => ({ status: 200, headers: { ratelimit: '"upstream";r=7;t=1' }, body: {} }),
};

function handlerWith(options: Partial<HttpHandlerOptions> = {}) {
  const store = memoryBucketStore();
  const limiter = new RateLimiter({ store, clock: fixedClock(NOW_MS) });
  const handler = httpApi(
    routes,
    operations,
    {},
    { observability: createObservability('test'), maxBodyBytes: 4096, rateLimit: { limiter }, ...options },
  );
  return { handler, store };
}

/** A PUT as API Gateway passes it on; with `tenant`, after the authorizer admitted a caller of it. */
function put(handler: ReturnType<typeof httpApi>, tenant?: string) {
  const event = apiEvent({ method: 'PUT', path: '/v1/things/a', body: {} });
  event.requestContext.authorizer = tenant
    ? principalContext({
        tenant,
        principal: `${tenant}-agent`,
        scopes: ['things:write'],
        expiresAt: NOW_MS / 1000 + 300,
      })
    : null;
  return handler(event, lambdaContext);
}

describe('rateLimit middleware', () => {
  it("keys the bucket by the authenticated principal's tenant (after authorize)", async () => {
    // Prepare
    runs = 0;
    const { handler, store } = handlerWith({ authorize: { clock: fixedClock(NOW_MS) } });

    // Act
    const acme = [await put(handler, 'acme'), await put(handler, 'acme'), await put(handler, 'acme')];
    const globex = await put(handler, 'globex');
    const unauthenticated = await put(handler);

    // Assess
    expect(acme.map((r) => r.statusCode)).toEqual([200, 200, 429]);
    expect(globex.statusCode).toBe(200);
    // authorize refuses first: an unauthenticated request takes no token
    expect(unauthenticated.statusCode).toBe(401);
    expect([...store.buckets.keys()].sort()).toEqual(['ROUTE#acme#putThing', 'ROUTE#globex#putThing']);
    expect(runs).toBe(3);
  });

  it('puts every caller in the bucket of the tenant "default" when auth is off', async () => {
    // Prepare
    const { handler, store } = handlerWith();

    // Act
    await put(handler);

    // Assess
    expect([...store.buckets.keys()]).toEqual(['ROUTE#default#putThing']);
  });

  it("keeps the RateLimit fields an answer brings (a relayed upstream's)", async () => {
    // Prepare
    const { handler } = handlerWith();

    // Act
    const result = await handler(apiEvent({ method: 'GET', path: '/v1/relay' }), lambdaContext);

    // Assess
    expect(result.statusCode).toBe(200);
    expect(result.headers).toMatchObject({ ratelimit: '"upstream";r=7;t=1' });
    expect(result.headers).not.toHaveProperty('ratelimit-policy');
  });

  it('takes the RATE_LIMITS override of the operation over the route table, or none when off', () => {
    // Act / Assess
    const route = routes[0] as RouteDefinition;
    expect(effectiveRateLimit(route)).toEqual(limit);
    expect(effectiveRateLimit(route, { putThing: { requestsPerSecond: 9, burstSize: 9 } })).toEqual({
      requestsPerSecond: 9,
      burstSize: 9,
    });
    expect(effectiveRateLimit(route, { putThing: 'off' })).toBeUndefined();
    expect(effectiveRateLimit({ operationId: 'other' })).toBeUndefined();
  });
});
