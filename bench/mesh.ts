/**
 * Service mesh benchmarks: DynamoDB calls per routed request (cold and warm, over counting in-memory
 * stand-ins for the mesh table and the error-policy table), the circuit breaker's decision cost on
 * the cached closed path, and the router's overhead in local mode against calling an echo instance
 * directly over HTTP.
 *
 * Run on its own with `npx tsx bench/mesh.ts` (it prints its section and a summary), or as part of
 * `npm run bench`. Knobs: BENCH_MESH_ROUNDS (interleaved rounds of the HTTP arms, default 10),
 * BENCH_MESH_REQUESTS (requests per arm per round, default 200).
 */
import { pathToFileURL } from 'node:url';
import { startEchoService } from '../local/echo-service';
import { startLocalServer } from '../local/server';
import { loadConfig } from '../shared/config';
import {
  admit,
  type BreakerConfig,
  type BreakerState,
  DEFAULT_BREAKER_CONFIG,
  initialBreakerState,
  recordSuccess,
} from '../shared/domain/mesh/circuit-breaker';
import { RoutingRuleSchema } from '../shared/domain/mesh/routing-rule';
import type { ServiceInstance } from '../shared/domain/mesh/service-instance';
import type { Clock } from '../shared/ports/clock';
import type { ErrorPolicyRepository } from '../shared/ports/error-policy-repository';
import type { HttpClient, HttpResponse } from '../shared/ports/http-client';
import type {
  BreakerStore,
  RoutingRuleRepository,
  ServiceClaims,
  ServiceRegistry,
  StoredRoutingRule,
} from '../shared/ports/service-mesh';
import { ErrorPolicyCache } from '../shared/use-cases/error-policy-cache';
import { MeshRouter, type RoutedCall } from '../shared/use-cases/route-call';
import { recordingClock } from '../test/support/clock';
import { mulberry32 } from '../test/support/random';
import { formatRatio, formatUs, markdownTable, median, type TargetRow, targetTable } from './stats';

/** Settings of the HTTP arms. */
export type MeshBenchOptions = { rounds: number; requests: number };

/** DynamoDB calls the router made, by operation (the counting stand-ins' tally). */
export type DynamoDbTally = {
  /** GetItem of a service-name claim (`claims.ownerOf`). */
  getClaim: number;
  /** Query on the mesh table's `byName` index (`listByName`). */
  queryInstances: number;
  /** Query of the tenant's RULE partition (`rules.list`). */
  queryRules: number;
  /** GetItem of a breaker (`breakers.get`). */
  getBreaker: number;
  /** Conditional PutItem of a breaker (`compareAndSet`): the only writes. */
  putBreaker: number;
  /** Query of the error-policy table (the ErrorPolicyCache's load). */
  queryPolicies: number;
};

/** Calls per routed request at one request rate. */
export type WarmCallsRow = {
  requestsPerSecond: number;
  requests: number;
  reads: number;
  writes: number;
  perRequest: number;
};

const SEED = 20_261_130;
const TRACE = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: '01' };
const OWNER = { tenant: 'acme', principal: 'gateway' };
const CALL: RoutedCall = {
  caller: OWNER,
  service: 'orders',
  method: 'GET',
  path: '/orders/1',
  query: '',
  headers: {},
  trace: TRACE,
};

function emptyTally(): DynamoDbTally {
  return { getClaim: 0, queryInstances: 0, queryRules: 0, getBreaker: 0, putBreaker: 0, queryPolicies: 0 };
}

const readsOf = (t: DynamoDbTally) => t.getClaim + t.queryInstances + t.queryRules + t.getBreaker + t.queryPolicies;

/**
 * The router's ports over memory, each call counted as the DynamoDB operation its adapter makes:
 * three healthy `orders` instances, one matching rule, breakers with compare-and-set semantics,
 * no stored error policies.
 */
function countingStore(tally: DynamoDbTally) {
  const instances: ServiceInstance[] = ['orders-1', 'orders-2', 'orders-3'].map((id) => ({
    id,
    name: 'orders',
    version: '1.0.0',
    endpoint: `http://${id}.internal:8080`,
    healthEndpoint: `http://${id}.internal:8080/health`,
    metadata: {},
    weight: 100,
    status: 'healthy',
    owner: OWNER,
    revision: 1,
    registeredAt: '2026-11-30T10:00:00.000Z',
    lastHeartbeatAt: '2026-11-30T10:00:00.000Z',
  }));
  const rules: StoredRoutingRule[] = [
    {
      ...RoutingRuleSchema.parse({ id: 'orders-default', sourceService: '*', targetService: 'orders', match: {} }),
      owner: OWNER,
    },
  ];
  const claims: Pick<ServiceClaims, 'ownerOf'> = {
    ownerOf: async () => {
      tally.getClaim += 1;
      return OWNER;
    },
  };
  const breakers = new Map<string, BreakerState>();
  const registry: Pick<ServiceRegistry, 'listByName'> = {
    listByName: async (_tenant, name) => {
      tally.queryInstances += 1;
      return instances.filter((i) => i.name === name);
    },
  };
  const ruleStore: Pick<RoutingRuleRepository, 'list'> = {
    list: async () => {
      tally.queryRules += 1;
      return rules;
    },
  };
  const breakerStore: BreakerStore = {
    get: async (_tenant, id) => {
      tally.getBreaker += 1;
      return breakers.get(id);
    },
    compareAndSet: async (_tenant, next, expectedVersion) => {
      tally.putBreaker += 1;
      if ((breakers.get(next.instanceId)?.version ?? 0) !== expectedVersion) return false;
      breakers.set(next.instanceId, next);
      return true;
    },
    list: async () => [...breakers.values()],
  };
  const policies: ErrorPolicyRepository = {
    list: async () => {
      tally.queryPolicies += 1;
      return [];
    },
    get: async () => undefined,
    put: async () => {
      throw new Error('not used by the router');
    },
    delete: async () => false,
  };
  return { claims, registry, rules: ruleStore, breakers: breakerStore, policies };
}

/** Every instance answers 200 at once (the same response object: no allocation in the stub). */
const okResponse: HttpResponse = {
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from('{}'),
};
const instantHttp: HttpClient = { request: async () => okResponse };

/** A router over the counting store, with the deployed defaults for cache TTLs and breaker settings. */
function countingRouter(tally: DynamoDbTally, clock: Clock) {
  const config = loadConfig([], {});
  const store = countingStore(tally);
  const breakerConfig: BreakerConfig = {
    ...DEFAULT_BREAKER_CONFIG,
    failureThreshold: config.BREAKER_FAILURE_THRESHOLD,
    resetTimeoutMs: config.BREAKER_RESET_TIMEOUT_MS,
    halfOpenRequests: config.BREAKER_HALF_OPEN_REQUESTS,
  };
  return {
    cacheTtlMs: config.MESH_CACHE_TTL_MS,
    policyTtlMs: config.ERROR_POLICY_CACHE_TTL_MS,
    router: new MeshRouter({
      claims: store.claims,
      registry: store.registry,
      rules: store.rules,
      breakers: store.breakers,
      http: instantHttp,
      policyCache: new ErrorPolicyCache(store.policies, clock, { ttlMs: config.ERROR_POLICY_CACHE_TTL_MS }),
      clock,
      breakerConfig,
      cacheTtlMs: config.MESH_CACHE_TTL_MS,
      random: mulberry32(SEED),
    }),
  };
}

/**
 * DynamoDB calls of the first routed request of a fresh router (a cold Lambda instance), by operation.
 *
 * @example (await benchColdCalls()).getBreaker // 1
 */
export async function benchColdCalls(): Promise<DynamoDbTally> {
  const tally = emptyTally();
  const { router } = countingRouter(tally, recordingClock(Date.parse('2026-11-30T10:00:00Z')));
  await router.route(CALL);
  return tally;
}

/**
 * DynamoDB calls per routed request on the healthy path of one warm router, at steady request
 * rates (the clock moves 1 / rate between requests; the first, cold request is not counted).
 *
 * @param rates - requests per second reaching one Lambda instance
 * @param requests - requests counted per rate
 */
export async function benchWarmCalls(rates: readonly number[], requests: number): Promise<WarmCallsRow[]> {
  const rows: WarmCallsRow[] = [];
  for (const requestsPerSecond of rates) {
    const tally = emptyTally();
    const clock = recordingClock(Date.parse('2026-11-30T10:00:00Z'));
    const { router } = countingRouter(tally, clock);
    await router.route(CALL);
    const cold = { ...tally };
    for (let i = 0; i < requests; i++) {
      clock.advance(1000 / requestsPerSecond);
      await router.route(CALL);
    }
    const reads = readsOf(tally) - readsOf(cold);
    const writes = tally.putBreaker - cold.putBreaker;
    rows.push({ requestsPerSecond, requests, reads, writes, perRequest: (reads + writes) / requests });
  }
  return rows;
}

/** Nanoseconds per call of `body` run `iterations` times, median over `rounds`. */
function nsPerCall(rounds: number, iterations: number, body: (i: number) => void): number {
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) body(i);
    samples.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  return median(samples);
}

/** Breaker decision cost on the closed path, and the router's whole cached path, nanoseconds per call. */
export type BreakerOverhead = {
  /** admit + recordSuccess on a closed breaker with no failures (what every routed call decides). */
  pureNs: number;
  /** An empty loop body with the same call shape, for scale. */
  loopNs: number;
  /** MeshRouter.route with warm caches and an HTTP stub answering at once: everything but the network. */
  routerNs: number;
};

/**
 * Measures the breaker decision on the cached closed path: the pure transitions per call, and
 * the router's complete cached route (rule selection, weights, pick, breaker, headers, relay).
 */
export async function benchBreakerOverhead(): Promise<BreakerOverhead> {
  const config = DEFAULT_BREAKER_CONFIG;
  const state = initialBreakerState('orders-1');
  const now = Date.now();
  let sink = 0;
  const pure = (i: number) => {
    const admission = admit(state, config, now + i, 'permit');
    const next = recordSuccess(state, config, now + i, 'permit');
    if (admission.allowed && next === undefined) sink += 1;
  };
  const empty = (i: number) => {
    if (i >= 0) sink += 1;
  };
  nsPerCall(5, 200_000, pure);
  const pureNs = nsPerCall(20, 200_000, pure);
  const loopNs = nsPerCall(20, 200_000, empty);
  if (sink === 0) throw new Error('mesh bench: the breaker loop was optimised away');

  const tally = emptyTally();
  const clock = recordingClock(Date.parse('2026-11-30T10:00:00Z')); // never advanced: the caches stay warm
  const { router } = countingRouter(tally, clock);
  for (let i = 0; i < 5_000; i++) await router.route(CALL);
  const samples: number[] = [];
  for (let round = 0; round < 20; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < 5_000; i++) await router.route(CALL);
    samples.push(Number(process.hrtime.bigint() - start) / 5_000);
  }
  if (tally.putBreaker !== 0) throw new Error(`mesh bench: the healthy path wrote ${tally.putBreaker} breaker(s)`);
  return { pureNs, loopNs, routerNs: median(samples) };
}

/** Medians per request of the local HTTP arms, nanoseconds. */
export type LocalOverhead = { routedNs: number; directNs: number; ratio: number; rounds: number; requests: number };

/**
 * The router's overhead in local mode: the same GET sent sequentially with `fetch` (keep-alive) to
 * the local runner's `/v1/mesh/echo/...` (local server → proxy event → mesh handler with its rate
 * limit's conditional write on dynalite → MeshRouter → SafeHttpClient → echo) and straight to the
 * echo instance, in interleaved rounds; medians per request.
 */
export async function benchLocalRouterOverhead(options: MeshBenchOptions): Promise<LocalOverhead> {
  // routeCall's per-tenant limit (50/s) would refuse most of these back-to-back calls; it is raised
  // far above them, so its conditional write stays in every routed request's cost.
  const server = await startLocalServer({
    port: 0,
    healthCheckIntervalMs: 0,
    settings: { RATE_LIMITS: 'routeCall=1000/100000' },
  });
  const echo = await startEchoService(0, 'echo-1');
  try {
    const registered = await fetch(`${server.url}/v1/services`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'echo-1',
        name: 'echo',
        version: '1.0.0',
        endpoint: echo.url,
        healthEndpoint: `${echo.url}/health`,
      }),
    });
    if (registered.status !== 201) throw new Error(`mesh bench: registration answered ${registered.status}`);
    const arms = [
      { name: 'routed', url: `${server.url}/v1/mesh/echo/orders/1?x=1` },
      { name: 'direct', url: `${echo.url}/orders/1?x=1` },
    ] as const;
    const get = async (url: string) => {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`mesh bench: ${url} answered ${response.status}`);
    };
    for (const arm of arms) for (let i = 0; i < 100; i++) await get(arm.url);
    const samples = { routed: [] as number[], direct: [] as number[] };
    for (let round = 0; round < options.rounds; round++) {
      for (let a = 0; a < arms.length; a++) {
        const arm = arms[(round + a) % arms.length] as (typeof arms)[number];
        const start = process.hrtime.bigint();
        for (let i = 0; i < options.requests; i++) await get(arm.url);
        samples[arm.name].push(Number(process.hrtime.bigint() - start) / options.requests);
      }
    }
    const routedNs = median(samples.routed);
    const directNs = median(samples.direct);
    return { routedNs, directNs, ratio: routedNs / directNs, ...options };
  } finally {
    await echo.close();
    await server.close();
  }
}

/**
 * Runs every mesh benchmark, logs its section (tables in markdown) and returns the summary rows.
 *
 * @param log - writes one line
 */
export async function reportMesh(options: MeshBenchOptions, log: (line?: string) => void): Promise<TargetRow[]> {
  return [
    ...(await reportTableCalls(log)),
    ...(await reportBreakerOverhead(log)),
    ...(await reportLocalRouterOverhead(options, log)),
  ];
}

/** DynamoDB calls per routed request: the cold first request, then warm at several request rates. */
async function reportTableCalls(log: (line?: string) => void): Promise<TargetRow[]> {
  const config = loadConfig([], {});

  const cold = await benchColdCalls();
  const coldMesh = cold.queryInstances + cold.queryRules + cold.getBreaker + cold.putBreaker;
  const coldAll = coldMesh + cold.queryPolicies;
  log(
    'MeshRouter over counting in-memory stand-ins for the mesh table and the error-policy table (each port call ' +
      'counted as the DynamoDB operation its adapter makes), three healthy instances, one matching rule, an HTTP ' +
      `stub answering 200 at once; deployed defaults: MESH_CACHE_TTL_MS ${config.MESH_CACHE_TTL_MS}, ` +
      `ERROR_POLICY_CACHE_TTL_MS ${config.ERROR_POLICY_CACHE_TTL_MS}.`,
  );
  log();
  log(
    `Cold (first request of a fresh router): Query byName ${cold.queryInstances}, Query RULE ${cold.queryRules}, ` +
      `GetItem breaker ${cold.getBreaker}, PutItem breaker ${cold.putBreaker}, Query error policies ${cold.queryPolicies} ` +
      `→ ${coldMesh} mesh-table call(s), ${coldAll} with the error-policy load.`,
  );
  log();
  const warmRates = [1000, 100, 10, 1, 0.2];
  const warm = await benchWarmCalls(warmRates, 2_000);
  log(
    markdownTable(
      ['requests/s per Lambda instance', 'requests', 'reads', 'writes', 'DynamoDB calls per request'],
      warm.map((r) => [
        String(r.requestsPerSecond),
        String(r.requests),
        String(r.reads),
        String(r.writes),
        r.perRequest.toFixed(3),
      ]),
    ),
  );
  log();
  const steady = warm.find((r) => r.requestsPerSecond === 10) as WarmCallsRow;
  return [
    {
      metric: 'mesh: DynamoDB calls per routed request, warm healthy path (10 req/s per instance)',
      measured: `${steady.perRequest.toFixed(3)} (${steady.writes} writes)`,
      target: '≤ 1.0, 0 writes',
      met: steady.perRequest <= 1 && steady.writes === 0,
    },
    {
      metric: 'mesh: DynamoDB calls per routed request, warm at 1 req/s per instance',
      measured: (warm.find((r) => r.requestsPerSecond === 1) as WarmCallsRow).perRequest.toFixed(3),
      target: 'reported',
      met: undefined,
    },
    {
      metric: 'mesh: DynamoDB calls, cold first request (mesh table / + error policies)',
      measured: `${coldMesh} / ${coldAll}`,
      target: '≤ 3',
      met: coldAll <= 3,
    },
  ];
}

/** The breaker's cost on the cached closed path: pure transitions, and the whole router without network. */
async function reportBreakerOverhead(log: (line?: string) => void): Promise<TargetRow[]> {
  const breaker = await benchBreakerOverhead();
  log(
    markdownTable(
      ['arm (cached closed path)', 'per call'],
      [
        ['admit + recordSuccess (pure transitions)', `${breaker.pureNs.toFixed(1)} ns`],
        ['empty loop body, for scale', `${breaker.loopNs.toFixed(1)} ns`],
        ['MeshRouter.route, warm caches, instant HTTP stub (everything but the network)', formatUs(breaker.routerNs)],
      ],
    ),
  );
  log();
  return [
    {
      metric: 'mesh: breaker decision per call, closed path (admit + recordSuccess)',
      measured: `${breaker.pureNs.toFixed(1)} ns`,
      target: '≤ 1 µs',
      met: breaker.pureNs <= 1_000,
    },
    {
      metric: 'mesh: MeshRouter.route per call, cached path, no network',
      measured: formatUs(breaker.routerNs),
      target: 'reported',
      met: undefined,
    },
  ];
}

/** Local mode: a request routed through the runner and the mesh against the same request sent directly. */
async function reportLocalRouterOverhead(
  options: MeshBenchOptions,
  log: (line?: string) => void,
): Promise<TargetRow[]> {
  const local = await benchLocalRouterOverhead(options);
  log(
    `Local mode: ${local.rounds} interleaved rounds × ${local.requests} sequential GETs per arm (fetch, keep-alive), ` +
      'medians per request.',
  );
  log();
  log(
    markdownTable(
      ['arm', 'per request'],
      [
        [
          'routed: local runner → mesh handler (its rate-limit write) → MeshRouter → SafeHttpClient → echo',
          `${(local.routedNs / 1e6).toFixed(3)} ms`,
        ],
        ['direct: echo instance', `${(local.directNs / 1e6).toFixed(3)} ms`],
      ],
    ),
  );
  log();
  return [
    {
      metric: 'mesh: routed request ÷ direct request, local mode (median)',
      measured: `${formatRatio(local.ratio)} (${(local.routedNs / 1e6).toFixed(3)} ms / ${(local.directNs / 1e6).toFixed(3)} ms)`,
      target: 'reported',
      met: undefined,
    },
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const intEnv = (name: string, fallback: number) => {
    const value = Number.parseInt(process.env[name] ?? '', 10);
    return Number.isFinite(value) && value > 0 ? value : fallback;
  };
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  const log = (text = '') => process.stdout.write(`${text}\n`);
  log('## Service mesh');
  log();
  const rows = await reportMesh(
    { rounds: intEnv('BENCH_MESH_ROUNDS', 10), requests: intEnv('BENCH_MESH_REQUESTS', 200) },
    log,
  );
  log(targetTable(rows));
  process.exit(0);
}
