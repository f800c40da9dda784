import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import * as z from 'zod';
import { EMBEDDED_CLIENT_CONFIG } from '../../../../../local/embedded-dynamodb';
import { DynamoDbContractRepository } from '../../../../../shared/adapters/dynamodb/contract-repository';
import { contractsTable, rateLimitsTable } from '../../../../../shared/adapters/dynamodb/table-definitions';
import { DynamoDbTokenBucketStore } from '../../../../../shared/adapters/dynamodb/token-bucket-store';
import { initialBreakerState } from '../../../../../shared/domain/mesh/circuit-breaker';
import { RateLimitedError, RateLimiterUnavailableError } from '../../../../../shared/domain/rate-limits/errors';
import {
  admissionWrite,
  allowedIn,
  type BucketLimit,
  expiresAtSeconds,
} from '../../../../../shared/domain/rate-limits/token-bucket';
import type { RouteDefinition } from '../../../../../shared/http/route-definition';
import { httpPipeline } from '../../../../../shared/middleware/http-api';
import { createObservability } from '../../../../../shared/observability/powertools';
import type { ErrorPolicyRepository } from '../../../../../shared/ports/error-policy-repository';
import type { HttpClient, HttpRequest } from '../../../../../shared/ports/http-client';
import { ErrorPolicyCache } from '../../../../../shared/use-cases/error-policy-cache';
import { RateLimiter, routeBucketKey } from '../../../../../shared/use-cases/rate-limiter';
import { MeshRouter, type RoutedCall } from '../../../../../shared/use-cases/route-call';
import { recordingClock } from '../../../../support/clock';
import { storedVersion } from '../../../../support/contracts';
import { freshTable } from '../../../../support/dynamodb';
import { apiEvent, lambdaContext } from '../../../../support/events';
import '../../../../support/handler-env';
import { rejectionOf } from '../../../../support/rejection';

const T0 = Date.parse('2026-11-30T10:00:00Z');
const OWNER = { tenant: 'acme', principal: 'agent-1' };
/** No stored error policies: the built-in ones apply. */
const NO_POLICIES: ErrorPolicyRepository = {
  list: async () => [],
  get: async () => undefined,
  put: async () => {
    throw new Error('not stored in this test');
  },
  delete: async () => false,
};

/** A document client of its own, as each Lambda instance has one. */
function clientOf(endpoint: string, maxAttempts?: number): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({ ...EMBEDDED_CLIENT_CONFIG, endpoint, ...(maxAttempts && { maxAttempts }) }),
  );
}

/** A loopback port nothing listens on (bound, then closed): connections to it are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Two routes of a test function: one limited per tenant, one not. */
function routesWith(limit: BucketLimit): RouteDefinition[] {
  return [
    {
      operationId: 'publishThings',
      method: 'POST',
      path: '/v1/things',
      function: 'test',
      summary: 'A rate-limited write',
      tags: [],
      scopes: [],
      rateLimit: limit,
      request: { body: z.object({}).passthrough() },
      responses: { 202: { description: 'Accepted' } },
    },
    {
      operationId: 'listThings',
      method: 'GET',
      path: '/v1/things',
      function: 'test',
      summary: 'Not limited',
      tags: [],
      scopes: [],
      responses: { 200: { description: 'The things' } },
    },
  ];
}

/** The HTTP pipeline of the test routes over `limiter` (auth off: every caller is tenant `default`). */
function pipelineOver(limiter: RateLimiter, limit: BucketLimit) {
  let done = 0;
  const handler = httpPipeline(
    routesWith(limit),
    {
      publishThings: async () => {
        done++;
        return { status: 202, body: { accepted: true } };
      },
      listThings: async () => ({ status: 200, body: { items: [] } }),
    },
    {},
    { observability: createObservability('test'), maxBodyBytes: 65_536, rateLimit: { limiter } },
  );
  const publish = () => handler(apiEvent({ method: 'POST', path: '/v1/things', body: {} }), lambdaContext);
  const list = () => handler(apiEvent({ method: 'GET', path: '/v1/things' }), lambdaContext);
  return { publish, list, done: () => done };
}

describe('rate limits (dynalite)', () => {
  let endpoint: string;
  let tableName: string;

  beforeAll(async () => {
    endpoint = inject('dynamoDbEndpoint');
    ({ tableName } = await freshTable(rateLimitsTable));
  });

  describe('DynamoDbTokenBucketStore', () => {
    it('sets tat on a full bucket, advances it while draining, and answers the state a failed condition saw', async () => {
      // Prepare
      const client = clientOf(endpoint);
      const store = new DynamoDbTokenBucketStore(client, tableName);
      const limit = { requestsPerSecond: 10, burstSize: 2 };
      const now = T0 * 1000;
      const exp = expiresAtSeconds(limit, now);

      // Act
      const first = await store.apply('store-1', admissionWrite(limit, now, 'full'), exp);
      const again = await store.apply('store-1', admissionWrite(limit, now, 'full'), exp);
      const second = await store.apply('store-1', admissionWrite(limit, now, 'draining'), exp);
      const third = await store.apply('store-1', admissionWrite(limit, now, 'draining'), exp);
      const absent = await store.apply('store-absent', admissionWrite(limit, now, 'draining'), exp);
      const item = await client.send(new GetCommand({ TableName: tableName, Key: { pk: 'store-1' } }));

      // Assess
      expect(first).toEqual({ applied: true, state: { tat: now + 100_000 } });
      expect(again).toEqual({ applied: false, state: { tat: now + 100_000 } });
      expect(second).toEqual({ applied: true, state: { tat: now + 200_000 } });
      expect(third).toEqual({ applied: false, state: { tat: now + 200_000 } });
      expect(absent).toEqual({ applied: false, state: undefined });
      expect(item.Item).toEqual({ pk: 'store-1', tat: now + 200_000, expiresAt: exp });
    });
  });

  describe('one limiter', () => {
    it('admits N requests of a window and answers the N+1th 429 with Retry-After and the RateLimit fields', async () => {
      // Prepare: burst N = 5 at 1/s, every request at the same instant
      const limit = { requestsPerSecond: 1, burstSize: 5 };
      const clock = recordingClock(T0);
      const limiter = new RateLimiter({ store: new DynamoDbTokenBucketStore(clientOf(endpoint), tableName), clock });
      const { publish, list, done } = pipelineOver(limiter, limit);

      // Act
      const answers = [];
      for (let i = 0; i < 6; i++) answers.push(await publish());
      const unlimited = await list();
      clock.advance(1000);
      const refilled = await publish();

      // Assess
      expect(answers.map((a) => a.statusCode)).toEqual([202, 202, 202, 202, 202, 429]);
      expect(answers[0]?.headers).toMatchObject({
        'ratelimit-policy': '"publishThings";q=5;w=5',
        ratelimit: '"publishThings";r=4;t=1',
      });
      const refused = answers[5];
      expect(refused?.headers).toMatchObject({
        'content-type': 'application/problem+json',
        'retry-after': '1',
        'ratelimit-policy': '"publishThings";q=5;w=5',
        ratelimit: '"publishThings";r=0;t=5',
      });
      expect(JSON.parse(refused?.body ?? '{}')).toMatchObject({
        type: 'urn:aif:problem:rate-limited',
        status: 429,
        rateLimit: { policy: 'publishThings', requestsPerSecond: 1, burstSize: 5 },
        retryAfterSeconds: 1,
      });
      expect(unlimited.statusCode).toBe(200);
      expect(unlimited.headers).not.toHaveProperty('ratelimit');
      expect(refilled.statusCode).toBe(202);
      expect(done()).toBe(6);
    });
  });

  describe('k Lambda instances on one table', () => {
    it.each([
      { k: 4, m: 25, limit: { requestsPerSecond: 5, burstSize: 10 } },
      { k: 8, m: 20, limit: { requestsPerSecond: 100, burstSize: 30 } },
    ])('admits at most the bucket: $k instances × $m concurrent requests', async ({ k, m, limit }) => {
      // Prepare: k limiters, each with its own client, sharing one bucket and one clock
      const clock = recordingClock(T0);
      const key = routeBucketKey('acme', `concurrent-${k}`);
      const instances = Array.from(
        { length: k },
        () => new RateLimiter({ store: new DynamoDbTokenBucketStore(clientOf(endpoint), tableName), clock }),
      );

      // Act: a first wave at T0, then a second one 200 ms later
      const wave = () =>
        Promise.all(instances.flatMap((limiter) => Array.from({ length: m }, () => limiter.take(key, limit))));
      const first = await wave();
      clock.advance(200);
      const second = await wave();

      // Assess: the burst at T0, then exactly the tokens 200 ms refill
      const admitted = (decisions: Awaited<ReturnType<typeof wave>>) => decisions.filter((d) => d.allowed).length;
      expect(admitted(first)).toBe(allowedIn(limit, 0));
      expect(admitted(first) + admitted(second)).toBe(allowedIn(limit, 200_000));
    });
  });

  describe('store unavailable', () => {
    it('answers writes 503 with Retry-After and does not run the operation (fails closed)', async () => {
      // Prepare: the limiter's client points at a closed port
      const unreachable = clientOf(`http://127.0.0.1:${await closedPort()}`, 1);
      const limiter = new RateLimiter({
        store: new DynamoDbTokenBucketStore(unreachable, 'aif-ratelimits'),
        clock: recordingClock(T0),
      });
      const { publish, list, done } = pipelineOver(limiter, { requestsPerSecond: 10, burstSize: 10 });

      // Act
      const answer = await publish();
      const unlimited = await list();

      // Assess
      expect(answer.statusCode).toBe(503);
      expect(answer.headers).toMatchObject({ 'retry-after': '1', 'content-type': 'application/problem+json' });
      expect(JSON.parse(answer.body)).toMatchObject({ type: 'urn:aif:problem:rate-limiter-unavailable', status: 503 });
      expect(done()).toBe(0);
      expect(unlimited.statusCode).toBe(200);
    });
  });

  describe("a contract's endpoint rate limit on the mesh router", () => {
    /** Answers 200 to every forwarded call, counting them. */
    class CountingHttp implements HttpClient {
      readonly requests: HttpRequest[] = [];
      async request(request: HttpRequest) {
        this.requests.push(request);
        return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('{}') };
      }
    }

    /** One mesh router (a Lambda instance) over the shared contracts and bucket tables, and in-memory registry stand-ins. */
    function routerOver(deps: {
      contracts: DynamoDbContractRepository;
      store: DynamoDbTokenBucketStore;
      http: CountingHttp;
      clock: ReturnType<typeof recordingClock>;
    }): MeshRouter {
      return new MeshRouter({
        claims: { ownerOf: async () => OWNER },
        registry: {
          listByName: async (_tenant, name) => [
            {
              id: `${name}-1`,
              name,
              version: '1.0.0',
              endpoint: 'https://orders-1.example.com',
              healthEndpoint: 'https://orders-1.example.com/health',
              metadata: {},
              weight: 100,
              status: 'healthy',
              owner: OWNER,
              revision: 1,
              registeredAt: new Date(T0).toISOString(),
              lastHeartbeatAt: new Date(T0).toISOString(),
            },
          ],
        },
        rules: { list: async () => [] },
        breakers: {
          get: async (_t, id) => initialBreakerState(id),
          compareAndSet: async () => true,
          list: async () => [],
        },
        http: deps.http,
        policyCache: new ErrorPolicyCache(NO_POLICIES, deps.clock),
        clock: deps.clock,
        breakerConfig: { failureThreshold: 5, resetTimeoutMs: 30_000, halfOpenRequests: 1, permitLeaseMs: 60_000 },
        cacheTtlMs: 2_000,
        contractLimits: {
          contracts: deps.contracts,
          limiter: new RateLimiter({ store: deps.store, clock: deps.clock }),
        },
      });
    }

    const callOf = (path: string, method = 'GET'): RoutedCall => ({
      caller: OWNER,
      service: 'orders',
      method,
      path,
      query: '',
      headers: {},
      trace: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' },
    });

    it('holds requestsPerSecond / burstSize across router instances, answering 429 with the contract’s retryAfterHeader', async () => {
      // Prepare: acme's contract "orders" limits GET /orders/{id} to 2/s, burst 4, and leaves /orders/mine alone
      const contractsTableName = (await freshTable(contractsTable)).tableName;
      const contracts = new DynamoDbContractRepository(clientOf(endpoint), contractsTableName);
      const version = storedVersion(
        {
          name: 'orders',
          endpoints: [
            {
              path: '/orders/{id}',
              method: 'GET',
              rateLimit: { requestsPerSecond: 2, burstSize: 4, retryAfterHeader: 'X-Orders-Retry-After' },
            },
            { path: '/orders/mine', method: 'GET' },
          ],
          schemas: {},
          errorCodes: {},
        },
        OWNER,
      );
      await contracts.putVersion(version);
      await contracts.recordVersionAdded('acme', 'orders', version.version, 'BACKWARD', new Date(T0));
      const clock = recordingClock(T0);
      const http = new CountingHttp();
      const routers = Array.from({ length: 3 }, () =>
        routerOver({ contracts, store: new DynamoDbTokenBucketStore(clientOf(endpoint), tableName), http, clock }),
      );

      // Act: 3 instances × 5 concurrent calls of GET /orders/{id}, and calls of the unlimited endpoint
      const outcomes = await Promise.allSettled(
        routers.flatMap((router, i) => Array.from({ length: 5 }, (_, j) => router.route(callOf(`/orders/${i}-${j}`)))),
      );
      const unlimited = await Promise.all(routers.map((router) => router.route(callOf('/orders/mine'))));
      const post = await routers[0]?.route(callOf('/orders/1', 'POST'));

      // Assess
      const admitted = outcomes.filter((o) => o.status === 'fulfilled');
      const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as RateLimitedError] : []));
      expect(admitted).toHaveLength(4);
      expect(refused).toHaveLength(11);
      expect(refused.every((e) => e instanceof RateLimitedError)).toBe(true);
      expect(refused[0]?.refusal).toMatchObject({
        policy: 'contract:orders',
        limit: { requestsPerSecond: 2, burstSize: 4 },
        retryAfterSeconds: 1,
        retryAfterHeader: 'X-Orders-Retry-After',
      });
      expect(unlimited.map((a) => a.status)).toEqual([200, 200, 200]);
      expect(post?.status).toBe(200);
      expect(http.requests).toHaveLength(4 + 3 + 1);
    });

    it('fails closed: when the bucket store is down, the call is not routed and answers 503', async () => {
      // Prepare
      const contractsTableName = (await freshTable(contractsTable)).tableName;
      const contracts = new DynamoDbContractRepository(clientOf(endpoint), contractsTableName);
      const version = storedVersion(
        {
          name: 'orders',
          endpoints: [{ path: '/orders/{id}', method: 'GET', rateLimit: { requestsPerSecond: 2, burstSize: 4 } }],
          schemas: {},
          errorCodes: {},
        },
        OWNER,
      );
      await contracts.putVersion(version);
      await contracts.recordVersionAdded('acme', 'orders', version.version, 'BACKWARD', new Date(T0));
      const http = new CountingHttp();
      const unreachable = new DynamoDbTokenBucketStore(
        clientOf(`http://127.0.0.1:${await closedPort()}`, 1),
        'aif-ratelimits',
      );
      const router = routerOver({ contracts, store: unreachable, http, clock: recordingClock(T0) });

      // Act
      const error = await rejectionOf<RateLimiterUnavailableError>(router.route(callOf('/orders/1')));

      // Assess
      expect(error).toBeInstanceOf(RateLimiterUnavailableError);
      expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(http.requests).toHaveLength(0);
    });
  });
});
