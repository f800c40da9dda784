import { describe, expect, it } from 'vitest';
import {
  DependencyUnavailableError,
  UpstreamFailedError,
  UpstreamTimeoutError,
} from '../../../../shared/domain/errors';
import {
  type BreakerConfig,
  type BreakerState,
  initialBreakerState,
} from '../../../../shared/domain/mesh/circuit-breaker';
import { type RoutingRule, RoutingRuleSchema } from '../../../../shared/domain/mesh/routing-rule';
import type { InstanceStatus, ServiceInstance } from '../../../../shared/domain/mesh/service-instance';
import type { ErrorPolicy } from '../../../../shared/domain/resilience/policy';
import type { ErrorPolicyRepository } from '../../../../shared/ports/error-policy-repository';
import type { HttpClient, HttpRequest, HttpResponse } from '../../../../shared/ports/http-client';
import type { BreakerStore } from '../../../../shared/ports/service-mesh';
import { ErrorPolicyCache } from '../../../../shared/use-cases/error-policy-cache';
import { MeshRouter, type RoutedCall } from '../../../../shared/use-cases/route-call';
import { recordingClock } from '../../../support/clock';
import { mulberry32 } from '../../../support/random';
import { rejectionOf } from '../../../support/rejection';
import { CHI_SQUARE_CRITICAL_P001, chiSquare } from '../../../support/statistics';

const START = Date.parse('2026-11-30T10:00:00Z');
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
/** The caller of the routed calls, and the owner of the services, instances and rules. */
const OWNER = { tenant: 'acme', principal: 'agent-1' };
const BREAKER: BreakerConfig = {
  failureThreshold: 3,
  resetTimeoutMs: 30_000,
  halfOpenRequests: 1,
  permitLeaseMs: 60_000,
};

/** A registered instance of `orders`; its endpoint's first host label is its id (see ScriptedHttp). */
function instance(
  id: string,
  fields: { version?: string; weight?: number; status?: InstanceStatus; name?: string } = {},
): ServiceInstance {
  return {
    id,
    name: fields.name ?? 'orders',
    version: fields.version ?? '1.0.0',
    endpoint: `http://${id}.orders.internal:8080/`,
    healthEndpoint: `http://${id}.orders.internal:8080/health`,
    metadata: {},
    weight: fields.weight ?? 100,
    status: fields.status ?? 'healthy',
    owner: OWNER,
    revision: 1,
    registeredAt: new Date(START).toISOString(),
    lastHeartbeatAt: new Date(START).toISOString(),
  };
}

/** A rule as the API would store it (schema defaults applied). */
function rule(fields: Record<string, unknown> & { id: string }): RoutingRule {
  return RoutingRuleSchema.parse({ sourceService: '*', targetService: 'orders', ...fields });
}

type Outcome = Partial<HttpResponse> | Error;
const timeout = () => new DOMException('request timed out after 1000 ms', 'TimeoutError');
const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 10.0.1.7:8080'), { code: 'ECONNREFUSED', syscall: 'connect' });
const unavailable: Outcome = { status: 503 };

/**
 * An HTTP client scripted per instance (the first host label of the URL): each instance answers
 * its scripted outcomes in turn, then its standing outcome (200 naming the instance by default).
 * Every request is recorded with the instance it went to.
 */
class ScriptedHttp implements HttpClient {
  readonly requests: Array<HttpRequest & { instanceId: string }> = [];
  /** When set, a timeout takes the request's whole `timeoutMs` on this clock. */
  clock: { advance(ms: number): void } | undefined;
  private readonly queued = new Map<string, Outcome[]>();
  private readonly standing = new Map<string, Outcome>();

  /** Outcomes answered once each, in order, before the standing one. */
  script(instanceId: string, ...outcomes: Outcome[]): this {
    this.queued.set(instanceId, [...(this.queued.get(instanceId) ?? []), ...outcomes]);
    return this;
  }

  /** The outcome answered whenever nothing is scripted. */
  always(instanceId: string, outcome: Outcome): this {
    this.standing.set(instanceId, outcome);
    return this;
  }

  calledInstances(): string[] {
    return this.requests.map((r) => r.instanceId);
  }

  async request(request: HttpRequest): Promise<HttpResponse> {
    const instanceId = new URL(request.url).hostname.split('.')[0] as string;
    this.requests.push({ ...request, instanceId });
    const outcome = this.queued.get(instanceId)?.shift() ??
      this.standing.get(instanceId) ?? { status: 200, body: Buffer.from(instanceId) };
    if (outcome instanceof Error) {
      if (outcome.name === 'TimeoutError') this.clock?.advance(request.timeoutMs);
      throw outcome;
    }
    return { status: 200, headers: {}, body: Buffer.alloc(0), ...outcome };
  }
}

/** Shared breaker states in memory with the store's compare-and-set contract; every call is counted. */
class MemoryBreakerStore implements BreakerStore {
  readonly states = new Map<string, BreakerState>();
  readonly calls = { get: 0, compareAndSet: 0, list: 0 };
  /** Runs before each compare-and-set: lets a test play another writer. */
  beforeWrite: ((next: BreakerState) => void) | undefined;

  async get(_tenant: string, instanceId: string): Promise<BreakerState | undefined> {
    this.calls.get += 1;
    const state = this.states.get(instanceId);
    return state && structuredClone(state);
  }

  async compareAndSet(_tenant: string, next: BreakerState, expectedVersion: number): Promise<boolean> {
    this.calls.compareAndSet += 1;
    this.beforeWrite?.(next);
    if ((this.states.get(next.instanceId)?.version ?? 0) !== expectedVersion) return false;
    this.states.set(next.instanceId, structuredClone(next));
    return true;
  }

  async list(_tenant: string): Promise<BreakerState[]> {
    this.calls.list += 1;
    return [...this.states.values()].map((s) => structuredClone(s));
  }
}

/** A stored error policy. */
function policy(fields: Partial<ErrorPolicy>): ErrorPolicy {
  return {
    category: 'transient',
    maxRetries: 5,
    backoffStrategy: 'constant',
    initialDelayMs: 100,
    maxDelayMs: 30_000,
    jitter: 'none',
    alertThreshold: 10,
    alertWindow: '1m',
    ...fields,
  };
}

/** A router over in-memory fakes, with every storage read counted. */
function harness(
  options: {
    instances?: ServiceInstance[];
    rules?: RoutingRule[];
    policies?: Record<string, ErrorPolicy>;
    random?: () => number;
    cacheTtlMs?: number;
    http?: ScriptedHttp;
    serviceConfigs?: Record<string, BreakerConfig>;
  } = {},
) {
  const clock = recordingClock(START);
  const instances = options.instances ?? [instance('a'), instance('b')];
  const rules = options.rules ?? [];
  const reads = { listByName: 0, rules: 0, policies: 0 };
  const http = options.http ?? new ScriptedHttp();
  const breakers = new MemoryBreakerStore();
  const failures: string[] = [];
  const failedCalls: RoutedCall[] = [];
  http.clock = clock;
  const policyRepository: ErrorPolicyRepository = {
    list: async () => {
      reads.policies += 1;
      return Object.entries(options.policies ?? {}).map(([key, p]) => ({ key, policy: p, revision: 1, updatedAt: '' }));
    },
    get: async () => undefined,
    put: async () => {
      throw new Error('not used');
    },
    delete: async () => false,
  };
  const router = new MeshRouter({
    // Every service name is the caller's tenant's.
    claims: { ownerOf: async () => OWNER },
    registry: {
      listByName: async (tenant, name) => {
        reads.listByName += 1;
        return instances.filter((i) => i.name === name && i.owner.tenant === tenant).map((i) => structuredClone(i));
      },
    },
    rules: {
      list: async () => {
        reads.rules += 1;
        return rules.map((r) => ({ ...structuredClone(r), owner: OWNER }));
      },
    },
    breakers,
    http,
    policyCache: new ErrorPolicyCache(policyRepository, clock),
    clock,
    breakerConfig: BREAKER,
    breakerConfigs: {
      getConfig: async (_tenant, service) => {
        const config = options.serviceConfigs?.[service];
        return config && { config, owner: OWNER };
      },
    },
    cacheTtlMs: options.cacheTtlMs ?? 2_000,
    random: options.random ?? mulberry32(20_261_130),
    // Each failure with the tenant of the call it belongs to (counted under it).
    onFailure: (error, failed) => {
      failures.push(error.code);
      failedCalls.push(failed);
    },
  });
  return { router, http, breakers, clock, reads, failures, failedCalls };
}

/** A routed call to `orders`; `overrides` replace single fields. */
function call(overrides: Partial<RoutedCall> = {}): RoutedCall {
  return {
    caller: OWNER,
    service: 'orders',
    method: 'GET',
    path: '/orders/1',
    query: '',
    headers: {},
    trace: { traceId: TRACE_ID, spanId: CALLER_SPAN, flags: '01' },
    ...overrides,
  };
}

/** Always the first candidate (instances are ordered by id): `a` first, then the next untried one. */
const first = () => 0;

describe('MeshRouter', () => {
  describe('route: instance selection', () => {
    it('picks instances in proportion to their weights (chi-square, 4 000 calls, p = 0.001)', async () => {
      // Prepare
      const { router, http } = harness({
        instances: [instance('a', { weight: 300 }), instance('b', { weight: 100 })],
        random: mulberry32(7),
      });

      // Act
      for (let i = 0; i < 4_000; i++) await router.route(call());

      // Assess
      const calls = http.calledInstances();
      const counts = ['a', 'b'].map((id) => calls.filter((c) => c === id).length);
      expect(counts[0]! + counts[1]!).toBe(4_000);
      expect(chiSquare(counts, [300, 100])).toBeLessThan(CHI_SQUARE_CRITICAL_P001[1]!);
    });

    it('routes to "unknown" instances, never to "unhealthy" ones, and to degraded ones only when nothing else can', async () => {
      // Prepare
      const mixed = harness({
        instances: [
          instance('a', { status: 'unhealthy' }),
          instance('b', { status: 'unknown' }),
          instance('c', { status: 'degraded' }),
        ],
      });
      const onlyDegraded = harness({
        instances: [instance('a', { status: 'unhealthy' }), instance('c', { status: 'degraded' })],
      });

      // Act
      for (let i = 0; i < 50; i++) await mixed.router.route(call());
      const fallback = await onlyDegraded.router.route(call());

      // Assess
      expect(new Set(mixed.http.calledInstances())).toEqual(new Set(['b']));
      expect(fallback.instanceId).toBe('c');
      expect(onlyDegraded.http.calledInstances()).toEqual(['c']);
    });

    it('never calls a drained instance (weight 0), not even to retry', async () => {
      // Prepare
      const { router, http } = harness({
        instances: [instance('a', { weight: 0 }), instance('b')],
        http: new ScriptedHttp().script('b', unavailable),
      });

      // Act
      const retried = await router.route(call());
      for (let i = 0; i < 20; i++) await router.route(call());

      // Assess
      expect(retried).toMatchObject({ status: 200, instanceId: 'b' });
      expect(http.requests).toHaveLength(22);
      expect(new Set(http.calledInstances())).toEqual(new Set(['b']));
    });

    it('fails with 503 DependencyUnavailable and calls nobody when no instance is healthy', async () => {
      // Prepare
      const unhealthy = harness({
        instances: [instance('a', { status: 'unhealthy' }), instance('b', { status: 'unhealthy' })],
      });
      const none = harness({ instances: [] });

      // Act
      const noHealthy = await rejectionOf<DependencyUnavailableError>(unhealthy.router.route(call()));
      const noInstance = await rejectionOf<DependencyUnavailableError>(none.router.route(call()));

      // Assess
      expect(noHealthy).toBeInstanceOf(DependencyUnavailableError);
      expect(noHealthy.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(noInstance).toBeInstanceOf(DependencyUnavailableError);
      expect(unhealthy.http.requests).toHaveLength(0);
      expect(none.http.requests).toHaveLength(0);
      expect(unhealthy.breakers.calls).toEqual({ get: 0, compareAndSet: 0, list: 0 });
    });
  });

  describe('route: rules and splits', () => {
    it('selects the rule by path prefix, method and header, and applies its timeout and headers', async () => {
      // Prepare
      const rules = [
        rule({ id: 'by-path', priority: 1, match: { pathPrefix: '/admin/' }, headersToAdd: { 'x-rule': 'by-path' } }),
        rule({ id: 'by-method', priority: 2, match: { methods: ['DELETE'] }, headersToAdd: { 'x-rule': 'by-method' } }),
        rule({
          id: 'by-header',
          priority: 3,
          match: { headers: { 'x-canary': { equals: '1' } } },
          headersToAdd: { 'x-rule': 'by-header' },
          splits: [{ versions: '2.x', weight: 1 }],
          timeoutMs: 1_500,
        }),
        rule({ id: 'elsewhere', priority: 9, targetService: 'payments', headersToAdd: { 'x-rule': 'elsewhere' } }),
      ];
      const { router, http } = harness({
        instances: [instance('a'), instance('b', { version: '2.0.0' })],
        rules,
        random: first,
      });

      // Act
      await router.route(call({ path: '/admin/users' }));
      await router.route(call({ method: 'DELETE', path: '/admin/users' }));
      await router.route(call({ headers: { 'x-canary': '1' } }));
      await router.route(call({ path: '/administrators' }));

      // Assess
      const seen = http.requests.map((r) => [r.headers['x-rule'], r.timeoutMs, r.instanceId]);
      expect(seen).toEqual([
        ['by-path', 10_000, 'a'],
        ['by-method', 10_000, 'a'],
        ['by-header', 1_500, 'b'],
        [undefined, 10_000, 'a'],
      ]);
    });

    it('splits 90/10 by version, and within a split by instance weight (chi-square, 10 000 calls, p = 0.001)', async () => {
      // Prepare
      const { router, http } = harness({
        instances: [
          instance('a', { version: '1.0.0', weight: 100 }),
          instance('b', { version: '1.1.0', weight: 300 }),
          instance('c', { version: '2.0.0', weight: 50 }),
        ],
        rules: [
          rule({
            id: 'canary',
            splits: [
              { versions: '1.x', weight: 90 },
              { versions: '2.x', weight: 10 },
            ],
          }),
        ],
        random: mulberry32(90_10),
      });

      // Act
      for (let i = 0; i < 10_000; i++) await router.route(call());

      // Assess
      const calls = http.calledInstances();
      const counts = ['a', 'b', 'c'].map((id) => calls.filter((c) => c === id).length);
      const byVersion = [counts[0]! + counts[1]!, counts[2]!];
      expect(chiSquare(byVersion, [90, 10])).toBeLessThan(CHI_SQUARE_CRITICAL_P001[1]!);
      expect(chiSquare(counts, [22.5, 67.5, 10])).toBeLessThan(CHI_SQUARE_CRITICAL_P001[2]!);
    });
  });

  describe('route: weighted rules', () => {
    it("splits a source's calls between its weighted rules' target services by weight (the seed's selectInstance)", async () => {
      // Prepare
      const { router, http } = harness({
        instances: [instance('a'), instance('n', { name: 'orders-next' })],
        rules: [
          rule({ id: 'stable', sourceService: 'gateway', weight: 90, timeout: 5000 }),
          rule({ id: 'next', sourceService: 'gateway', targetService: 'orders-next', weight: 10 }),
        ],
        random: mulberry32(90_10),
      });

      // Act
      for (let i = 0; i < 5_000; i++) await router.route(call({ caller: { ...OWNER, principal: 'gateway' } }));
      const anonymous = await router.route(call());

      // Assess
      const calls = http.calledInstances().slice(0, 5_000);
      const counts = ['a', 'n'].map((id) => calls.filter((c) => c === id).length);
      expect(chiSquare(counts, [90, 10])).toBeLessThan(CHI_SQUARE_CRITICAL_P001[1]!);
      expect(anonymous.instanceId).toBe('a');
    });

    it('routes every call under the addressed rule when the other weighted rules of the source weigh 0', async () => {
      // Prepare
      const { router, http } = harness({
        instances: [instance('a'), instance('n', { name: 'orders-next' })],
        rules: [
          rule({ id: 'stable', sourceService: 'gateway', weight: 1 }),
          rule({ id: 'next', sourceService: 'gateway', targetService: 'orders-next', weight: 0 }),
        ],
      });

      // Act
      for (let i = 0; i < 50; i++) await router.route(call({ caller: { ...OWNER, principal: 'gateway' } }));

      // Assess
      expect(new Set(http.calledInstances())).toEqual(new Set(['a']));
    });
  });

  describe('route: forwarding', () => {
    it('forwards a child traceparent with the caller trace id, X-Trace-Id, X-Span-Id and the rule headers, dropping hop-by-hop headers', async () => {
      // Prepare
      const { router, http } = harness({
        instances: [instance('a')],
        rules: [rule({ id: 'tagged', headersToAdd: { 'X-Env': 'canary' } })],
      });
      const headers = {
        traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01`,
        'x-trace-id': TRACE_ID,
        'x-span-id': CALLER_SPAN,
        accept: 'application/json',
        'x-request-id': 'req-1',
        connection: 'keep-alive',
        'keep-alive': 'timeout=5',
        'proxy-authorization': 'Basic c2VjcmV0',
        'proxy-connection': 'keep-alive',
        te: 'trailers',
        trailer: 'x-checksum',
        'transfer-encoding': 'chunked',
        upgrade: 'h2c',
        host: 'api.example.com',
        'content-length': '3',
      };

      // Act
      await router.route(call({ method: 'POST', headers, body: Buffer.from('abc') }));

      // Assess
      const sent = http.requests[0]!.headers;
      const child = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(sent.traceparent ?? '');
      expect(child?.[1]).toBe(TRACE_ID);
      expect(child?.[2]).not.toBe(CALLER_SPAN);
      expect(sent).toEqual({
        traceparent: sent.traceparent,
        'x-trace-id': TRACE_ID,
        'x-span-id': child?.[2],
        'x-env': 'canary',
        'x-mesh-source': 'acme/agent-1',
        accept: 'application/json',
        'x-request-id': 'req-1',
      });
      expect(http.requests[0]!.body).toEqual(Buffer.from('abc'));
    });

    it('drops the headers the Connection header names as hop-by-hop (RFC 9110 §7.6.1)', async () => {
      // Prepare
      const { router, http } = harness({ instances: [instance('a')] });

      // Act
      await router.route(
        call({ headers: { connection: 'close, x-hop-secret', 'x-hop-secret': 's3cr3t', accept: '*/*' } }),
      );

      // Assess
      expect(http.requests[0]!.headers['x-hop-secret']).toBeUndefined();
      expect(http.requests[0]!.headers.accept).toBe('*/*');
    });

    it('forwards the path and query to the endpoint without doubling slashes', async () => {
      // Prepare
      const { router, http } = harness({ instances: [instance('a')] });

      // Act
      await router.route(call({ path: '/orders/a%2Fb', query: 'x=1&y=%20' }));

      // Assess
      expect(http.requests[0]!.url).toBe('http://a.orders.internal:8080/orders/a%2Fb?x=1&y=%20');
    });
  });

  describe('route: retries', () => {
    it.each<[string, Outcome, string]>([
      ['a 503', unavailable, 'HTTP_503'],
      ['a timeout', timeout(), 'TIMEOUT'],
      ['a refused connection', refused(), 'ECONNREFUSED'],
    ])('retries %s on one instance onto another instance', async (_name, outcome, code) => {
      // Prepare
      const { router, http, failures } = harness({ random: first, http: new ScriptedHttp().always('a', outcome) });

      // Act
      const answer = await router.route(call());

      // Assess
      expect(answer).toMatchObject({ status: 200, instanceId: 'b', attempts: 2 });
      expect(answer.body.toString()).toBe('b');
      expect(http.calledInstances()).toEqual(['a', 'b']);
      expect(failures).toEqual([code]);
    });

    it('tells onFailure the call of each failure, whose tenant the failure is counted under', async () => {
      // Prepare
      const { router, failures, failedCalls } = harness({
        random: first,
        http: new ScriptedHttp().always('a', unavailable),
      });

      // Act
      await router.route(call());

      // Assess
      expect(failures).toEqual(['HTTP_503']);
      expect(failedCalls.map((c) => [c.caller.tenant, c.service])).toEqual([[OWNER.tenant, 'orders']]);
    });

    it('does not retry a POST that was sent: a 503 is relayed and a timeout fails with 504', async () => {
      // Prepare
      const answered = harness({ random: first, http: new ScriptedHttp().always('a', unavailable) });
      const timedOut = harness({ random: first, http: new ScriptedHttp().always('a', timeout()) });
      const post = call({ method: 'POST', body: Buffer.from('{"n":1}') });

      // Act
      const relayed = await answered.router.route(post);
      const error = await rejectionOf<UpstreamTimeoutError>(timedOut.router.route(post));

      // Assess
      expect(relayed).toMatchObject({ status: 503, instanceId: 'a', attempts: 1 });
      expect(answered.http.calledInstances()).toEqual(['a']);
      expect(error).toBeInstanceOf(UpstreamTimeoutError);
      expect(timedOut.http.calledInstances()).toEqual(['a']);
    });

    it('retries a POST whose connection was refused (it was never sent) onto another instance', async () => {
      // Prepare
      const { router, http } = harness({ random: first, http: new ScriptedHttp().always('a', refused()) });

      // Act
      const answer = await router.route(call({ method: 'POST', body: Buffer.from('{"n":1}') }));

      // Assess
      expect(answer).toMatchObject({ status: 200, instanceId: 'b', attempts: 2 });
      expect(http.requests.map((r) => [r.instanceId, r.method, Buffer.from(r.body ?? '').toString()])).toEqual([
        ['a', 'POST', '{"n":1}'],
        ['b', 'POST', '{"n":1}'],
      ]);
    });

    it('fails with 504 GatewayTimeout after the rule retries when every attempt times out', async () => {
      // Prepare
      const { router, http } = harness({
        rules: [rule({ id: 'short', timeoutMs: 1_000, retries: 2 })],
        http: new ScriptedHttp().always('a', timeout()).always('b', timeout()),
      });

      // Act
      const error = await rejectionOf<UpstreamTimeoutError>(router.route(call()));

      // Assess
      expect(error).toBeInstanceOf(UpstreamTimeoutError);
      expect(http.requests.map((r) => r.timeoutMs)).toEqual([1_000, 1_000, 1_000]);
      expect(new Set(http.calledInstances().slice(0, 2))).toEqual(new Set(['a', 'b']));
    });

    it("stops retrying where API Gateway's 29 s would cut the request off", async () => {
      // Prepare: 10 s per attempt, 5 retries allowed: 6 attempts would take over a minute
      const { router, http, clock } = harness({
        rules: [rule({ id: 'long', timeoutMs: 10_000, retries: 5 })],
        http: new ScriptedHttp().always('a', timeout()).always('b', timeout()),
      });

      // Act
      const error = await rejectionOf<UpstreamTimeoutError>(router.route(call()));

      // Assess
      expect(error).toBeInstanceOf(UpstreamTimeoutError);
      expect(clock.now().getTime() - START).toBeLessThanOrEqual(29_000);
      expect(http.requests.length).toBeGreaterThanOrEqual(2);
    });

    it('fails with 502 BadGateway when every attempt fails without an answer', async () => {
      // Prepare
      const { router } = harness({ http: new ScriptedHttp().always('a', refused()).always('b', refused()) });

      // Act
      const error = await rejectionOf<UpstreamFailedError>(router.route(call()));

      // Assess
      expect(error).toBeInstanceOf(UpstreamFailedError);
    });

    it('waits between attempts as the stored error policies say', async () => {
      // Prepare
      const byCode = harness({
        policies: { HTTP_503: policy({ backoffStrategy: 'constant', initialDelayMs: 250 }) },
        http: new ScriptedHttp().always('a', unavailable).always('b', unavailable),
      });
      const byCategory = harness({
        rules: [rule({ id: 'short', timeoutMs: 1_000 })],
        policies: { transient: policy({ backoffStrategy: 'linear', initialDelayMs: 40 }) },
        http: new ScriptedHttp().always('a', timeout()).always('b', timeout()),
      });

      // Act
      const relayed = await byCode.router.route(call());
      await rejectionOf(byCategory.router.route(call()));

      // Assess
      expect(relayed.status).toBe(503);
      expect(byCode.clock.sleeps).toEqual([250, 250]);
      expect(byCategory.clock.sleeps).toEqual([40, 80]);
    });

    it('waits the built-in transient backoff (100 ms exponential + 10–20 % jitter) when nothing is stored', async () => {
      // Prepare
      const { router, clock } = harness({ http: new ScriptedHttp().always('a', unavailable).always('b', unavailable) });

      // Act
      await router.route(call());

      // Assess
      expect(clock.sleeps).toHaveLength(2);
      expect(clock.sleeps[0]).toBeGreaterThanOrEqual(110);
      expect(clock.sleeps[0]).toBeLessThanOrEqual(120);
      expect(clock.sleeps[1]).toBeGreaterThanOrEqual(220);
      expect(clock.sleeps[1]).toBeLessThanOrEqual(240);
    });

    it('reports every attempt it made in `attempts`, also when one instance took them all', async () => {
      // Prepare
      const { router, http } = harness({
        instances: [instance('a')],
        http: new ScriptedHttp().always('a', unavailable),
      });

      // Act
      const answer = await router.route(call());

      // Assess
      expect(http.requests).toHaveLength(3);
      expect(answer).toMatchObject({ status: 503, attempts: 3 });
    });

    it("does not hold the call past API Gateway's 29 s for one instance's Retry-After before trying another", async () => {
      // Prepare
      const { router, clock } = harness({
        random: first,
        http: new ScriptedHttp().always('a', { status: 503, headers: { 'retry-after': '120' } }),
      });

      // Act
      const answer = await router.route(call());

      // Assess
      expect(answer.instanceId).toBe('b');
      expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBeLessThan(29_000);
    });
  });

  describe('route: circuit breakers', () => {
    it('relays a 4xx without retrying and without counting it as a breaker failure', async () => {
      // Prepare
      const { router, http, breakers, failures } = harness({
        random: first,
        http: new ScriptedHttp().always('a', {
          status: 404,
          headers: { 'content-type': 'text/plain' },
          body: Buffer.from('no'),
        }),
      });

      // Act
      const answer = await router.route(call());

      // Assess
      expect(answer).toMatchObject({
        status: 404,
        instanceId: 'a',
        attempts: 1,
        headers: { 'content-type': 'text/plain' },
      });
      expect(answer.body.toString()).toBe('no');
      expect(http.calledInstances()).toEqual(['a']);
      expect(failures).toEqual([]);
      expect(breakers.calls.compareAndSet).toBe(0);
      expect(breakers.states.get('a')).toBeUndefined();
    });

    it('opens the breaker after failureThreshold failures and stops calling the instance', async () => {
      // Prepare
      const { router, http, breakers } = harness({ random: first, http: new ScriptedHttp().always('a', unavailable) });

      // Act
      for (let i = 0; i < BREAKER.failureThreshold; i++) await router.route(call());
      const callsBefore = http.calledInstances().filter((id) => id === 'a').length;
      const after = await Promise.all(Array.from({ length: 5 }, () => router.route(call())));

      // Assess
      expect(callsBefore).toBe(BREAKER.failureThreshold);
      expect(breakers.states.get('a')).toMatchObject({ state: 'open', failureCount: 3, version: 3 });
      expect(after.map((a) => [a.instanceId, a.attempts])).toEqual(Array.from({ length: 5 }, () => ['b', 1]));
      expect(http.calledInstances().filter((id) => id === 'a')).toHaveLength(BREAKER.failureThreshold);
    });

    it("uses the service's own breaker settings when they are stored", async () => {
      // Prepare: orders opens after one failure
      const { router, http, breakers } = harness({
        random: first,
        http: new ScriptedHttp().always('a', unavailable),
        serviceConfigs: { orders: { ...BREAKER, failureThreshold: 1 } },
      });

      // Act
      await router.route(call());
      const after = await router.route(call());

      // Assess
      expect(breakers.states.get('a')).toMatchObject({ state: 'open', failureCount: 1 });
      expect(after.instanceId).toBe('b');
      expect(http.calledInstances().filter((id) => id === 'a')).toHaveLength(1);
    });

    it('admits one probe after the reset timeout and closes the breaker when it succeeds', async () => {
      // Prepare
      const { router, http, breakers, clock } = harness({
        random: first,
        http: new ScriptedHttp().script('a', unavailable, unavailable, unavailable),
      });
      for (let i = 0; i < BREAKER.failureThreshold; i++) await router.route(call());

      // Act
      clock.advance(BREAKER.resetTimeoutMs);
      const probe = await router.route(call());

      // Assess
      expect(probe.instanceId).toBe('a');
      expect(breakers.states.get('a')).toMatchObject({ state: 'closed', failureCount: 0, permits: {} });
      expect(http.calledInstances().at(-1)).toBe('a');
    });

    it('fails with 503 DependencyUnavailable and makes no call when every candidate breaker is open', async () => {
      // Prepare
      const { router, http, breakers } = harness();
      for (const id of ['a', 'b']) {
        breakers.states.set(id, {
          ...initialBreakerState(id),
          state: 'open',
          failureCount: 3,
          openedAt: START - 1_000,
          version: 4,
        });
      }

      // Act
      const error = await rejectionOf<DependencyUnavailableError>(router.route(call()));

      // Assess
      expect(error).toBeInstanceOf(DependencyUnavailableError);
      expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(error.retryAfterSeconds).toBeLessThanOrEqual(30);
      expect(http.requests).toHaveLength(0);
      expect(breakers.calls.compareAndSet).toBe(0);
    });

    it('re-reads and recomputes a transition whose compare-and-set lost to another writer', async () => {
      // Prepare
      const { router, breakers } = harness({
        instances: [instance('a')],
        http: new ScriptedHttp().script('a', unavailable),
      });
      let raced = false;
      breakers.beforeWrite = (next) => {
        if (raced) return;
        raced = true;
        // Another Lambda instance records a failure of `a` first.
        breakers.states.set(next.instanceId, { ...initialBreakerState(next.instanceId), failureCount: 1, version: 1 });
      };

      // Act: a POST is not retried, so the failure is the only transition
      await router.route(call({ method: 'POST' }));

      // Assess
      expect(breakers.states.get('a')).toMatchObject({ state: 'closed', failureCount: 2, version: 2 });
      expect(breakers.calls.get).toBe(2);
    });
  });

  describe('route: hot path', () => {
    it('writes nothing on success through a closed breaker, and reads nothing once its caches are warm', async () => {
      // Prepare
      const { router, breakers, reads, clock } = harness({ cacheTtlMs: 2_000 });
      // Warm up until both instances have been picked (their breaker states cached).
      for (let i = 0; i < 20; i++) await router.route(call());
      const warm = { ...reads, breakerGets: breakers.calls.get };

      // Act
      for (let i = 0; i < 200; i++) {
        await router.route(call());
        clock.advance(5); // 1 s in all, inside the 2 s TTL
      }
      const afterWarm = { ...reads, breakerGets: breakers.calls.get };
      clock.advance(2_000);
      await router.route(call());

      // Assess
      expect(warm).toEqual({ listByName: 1, rules: 1, policies: 0, breakerGets: 2 });
      expect(afterWarm).toEqual(warm);
      expect(breakers.calls.compareAndSet).toBe(0);
      expect(reads).toMatchObject({ listByName: 2, rules: 2 });
    });
  });
});
