/**
 * Rate-limit benchmarks: requests admitted ÷ requests the bucket allows under 10 concurrent clients
 * (target 1.00, never above), in-process over k RateLimiter instances (simulated Lambda instances,
 * each with its own DynamoDB client) sharing one RateLimits table on dynalite, and over HTTP
 * through the local runner's mesh route; conditional writes per request.
 *
 * Run on its own with `npx tsx bench/rate-limits.ts`, or as part of `npm run bench`. Knobs:
 * BENCH_RATE_LIMIT_MS (how long the clients send, default 2000).
 */
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startEchoService } from '../local/echo-service';
import { EMBEDDED_CLIENT_CONFIG, ensureTables, startEmbeddedDynamoDb } from '../local/embedded-dynamodb';
import { startLocalServer } from '../local/server';
import { rateLimitsTable } from '../shared/adapters/dynamodb/table-definitions';
import { DynamoDbTokenBucketStore } from '../shared/adapters/dynamodb/token-bucket-store';
import { allowedIn, type BucketLimit } from '../shared/domain/rate-limits/token-bucket';
import { type Clock, systemClock } from '../shared/ports/clock';
import type { TokenBucketStore } from '../shared/ports/token-bucket-store';
import { RateLimiter, routeBucketKey } from '../shared/use-cases/rate-limiter';
import { formatRatio, markdownTable, type TargetRow, targetTable } from './stats';

/** Settings of the rate-limit arms. */
export type RateLimitBenchOptions = { clients: number; instances: number; durationMs: number };

/** What one arm measured. */
export type AdmissionResult = {
  limit: BucketLimit;
  requests: number;
  admitted: number;
  /** What the bucket allows over the span the decisions were made in: burstSize + span × rate. */
  allowed: number;
  spanMs: number;
  ratio: number;
  /** Conditional writes (UpdateItem) sent; undefined over HTTP (not observable from the client). */
  writes?: number;
};

const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * `clients` concurrent clients take tokens of one bucket for `durationMs`, each request through the
 * next of `instances` RateLimiter instances (own document client each, one shared table on an
 * embedded dynalite). "Allowed" uses the limiter's own clock: from its first to its last reading.
 */
export async function benchInProcess(
  options: RateLimitBenchOptions,
  limit: BucketLimit,
  /** Pause of each client between its requests, milliseconds: 0 sends as fast as the limiter answers. */
  paceMs = 0,
): Promise<AdmissionResult> {
  const dynamo = await startEmbeddedDynamoDb();
  const tableName = 'bench-ratelimits';
  await ensureTables(dynamo.endpoint, [rateLimitsTable], { [rateLimitsTable.id]: tableName }, EMBEDDED_CLIENT_CONFIG);
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  const clock: Clock = {
    now: () => {
      const now = systemClock.now();
      first = Math.min(first, now.getTime());
      last = Math.max(last, now.getTime());
      return now;
    },
    sleep: systemClock.sleep,
  };
  let writes = 0;
  const clients: DynamoDBClient[] = [];
  const limiters = Array.from({ length: options.instances }, () => {
    const client = new DynamoDBClient({ ...EMBEDDED_CLIENT_CONFIG, endpoint: dynamo.endpoint });
    clients.push(client);
    const store = new DynamoDbTokenBucketStore(DynamoDBDocumentClient.from(client), tableName);
    const counting: TokenBucketStore = {
      apply: (...args) => {
        writes++;
        return store.apply(...args);
      },
    };
    return new RateLimiter({ store: counting, clock });
  });
  try {
    const key = routeBucketKey('bench', 'publishEvents');
    let requests = 0;
    let admitted = 0;
    const deadline = Date.now() + options.durationMs;
    await Promise.all(
      Array.from({ length: options.clients }, async (_, c) => {
        for (let j = 0; Date.now() < deadline; j++) {
          const limiter = limiters[(c + j) % limiters.length] as RateLimiter;
          const decision = await limiter.take(key, limit);
          requests++;
          if (decision.allowed) admitted++;
          await (paceMs > 0 ? new Promise((resolve) => setTimeout(resolve, paceMs)) : yieldToIo());
        }
      }),
    );
    const allowed = allowedIn(limit, (last - first) * 1000);
    return { limit, requests, admitted, allowed, spanMs: last - first, ratio: admitted / allowed, writes };
  } finally {
    for (const client of clients) client.destroy();
    await dynamo.close();
  }
}

/**
 * `clients` concurrent HTTP clients call the local runner's mesh route (`GET /v1/mesh/echo/…`, an
 * echo instance behind it) for `durationMs`, routeCall limited to `limit` (RATE_LIMITS). "Allowed"
 * uses the clients' span (first request sent to last answer received), which holds the limiter's:
 * the ratio can only come out lower than the truth, never higher.
 */
export async function benchOverHttp(options: RateLimitBenchOptions, limit: BucketLimit): Promise<AdmissionResult> {
  const server = await startLocalServer({
    port: 0,
    healthCheckIntervalMs: 0,
    settings: { RATE_LIMITS: `routeCall=${limit.requestsPerSecond}/${limit.burstSize}` },
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
    if (registered.status !== 201) throw new Error(`rate-limit bench: registration answered ${registered.status}`);
    let requests = 0;
    let admitted = 0;
    const started = Date.now();
    const deadline = started + options.durationMs;
    let ended = started;
    await Promise.all(
      Array.from({ length: options.clients }, async () => {
        while (Date.now() < deadline) {
          const response = await fetch(`${server.url}/v1/mesh/echo/orders/1`);
          await response.arrayBuffer();
          requests++;
          if (response.status === 200) admitted++;
          else if (response.status !== 429)
            throw new Error(`rate-limit bench: routed call answered ${response.status}`);
          ended = Math.max(ended, Date.now());
        }
      }),
    );
    const spanMs = ended - started;
    const allowed = allowedIn(limit, spanMs * 1000);
    return { limit, requests, admitted, allowed, spanMs, ratio: admitted / allowed };
  } finally {
    await echo.close();
    await server.close();
  }
}

/** The target: every admission within the bucket (≤ 1.00), and the bucket's tokens used (≥ 0.95). */
const meets = (ratio: number) => ratio <= 1 && ratio >= 0.95;

/**
 * Runs the rate-limit benchmarks, logs their section and returns the summary rows.
 *
 * @param log - writes one line
 */
export async function reportRateLimits(
  options: RateLimitBenchOptions,
  log: (line?: string) => void,
): Promise<TargetRow[]> {
  const limit = { requestsPerSecond: 40, burstSize: 20 };
  const inProcess = await benchInProcess(options, limit);
  // The clients together at 80 % of the rate: the bucket swings between full and draining.
  const near = await benchInProcess(
    options,
    limit,
    Math.round((options.clients * 1000) / (0.8 * limit.requestsPerSecond)),
  );
  const http = await benchOverHttp(options, limit);
  log(
    `${options.clients} concurrent clients for ${options.durationMs} ms against one bucket. In-process: ` +
      `${options.instances} RateLimiter instances (simulated Lambda instances, a DynamoDB client each) on one ` +
      'RateLimits table (embedded dynalite), each request through the next instance; "allowed" = burstSize + ' +
      "rate × the span of the limiter's own clock readings. Over HTTP: the local runner's mesh route (one mesh " +
      'function, an echo instance behind it), routeCall limited by RATE_LIMITS; "allowed" over the clients\' span.',
  );
  log();
  const row = (name: string, r: AdmissionResult) => [
    name,
    `${r.limit.requestsPerSecond}/s, burst ${r.limit.burstSize}`,
    String(r.requests),
    String(r.admitted),
    `${r.allowed} (${r.spanMs} ms)`,
    formatRatio(r.ratio),
    r.writes === undefined ? '—' : `${r.writes} (${(r.writes / r.requests).toFixed(2)} per request)`,
  ];
  log(
    markdownTable(
      ['arm', 'limit', 'requests', 'admitted', 'allowed', 'admitted ÷ allowed', 'conditional writes'],
      [
        row('in-process, dynalite, clients as fast as answered', inProcess),
        row('in-process, dynalite, clients at 80 % of the rate', near),
        row('HTTP, local runner', http),
      ],
    ),
  );
  log();
  log(
    "Each admission is one conditional UpdateItem; a refusal costs none when the instance's last seen state " +
      'already proves it, else one (failed) write. A second write is needed when the instance guessed the ' +
      "bucket's phase (full or draining) wrong: most often when several instances share a tenant's calls just " +
      'under its rate, where the bucket keeps swinging between the two.',
  );
  log();
  return [
    {
      metric: `rate limit: admitted ÷ allowed, ${options.clients} concurrent clients over ${options.instances} limiter instances (dynalite)`,
      measured: `${formatRatio(inProcess.ratio)} (${inProcess.admitted} / ${inProcess.allowed})`,
      target: '1.00, never above',
      met: meets(inProcess.ratio),
    },
    {
      metric: `rate limit: admitted ÷ allowed, ${options.clients} concurrent HTTP clients (local runner, mesh route)`,
      measured: `${formatRatio(http.ratio)} (${http.admitted} / ${http.allowed})`,
      target: '1.00, never above',
      met: meets(http.ratio),
    },
    {
      metric: 'rate limit: conditional writes per request, saturated / at 80 % of the rate (4 instances)',
      measured: `${((inProcess.writes ?? 0) / inProcess.requests).toFixed(2)} / ${((near.writes ?? 0) / near.requests).toFixed(2)}`,
      target: 'reported',
      met: undefined,
    },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const duration = Number.parseInt(process.env.BENCH_RATE_LIMIT_MS ?? '', 10);
  const rows = await reportRateLimits(
    { clients: 10, instances: 4, durationMs: Number.isFinite(duration) && duration > 0 ? duration : 2000 },
    (line = '') => process.stdout.write(`${line}\n`),
  );
  process.stdout.write(`${targetTable(rows)}\n`);
  process.exit(0);
}
