/**
 * `npm run bench`: cold start, bundle size, warm route overhead, validator throughput, the event
 * bus (PutEvents calls, re-sent entries, local publish-to-delivery throughput), the service mesh
 * (DynamoDB calls per routed request, breaker decision cost, local subscription-rules overhead) and
 * the rate limiter (requests admitted ÷ allowed under concurrency), each as a ratio of
 * arms measured side by side in this one run (interleaved, medians) or as a count against its exact
 * target. It prints every target and whether it is met, writes the same output to bench/RESULTS.md
 * (with the date, Node.js version and machine notes), and always exits 0 (targets are reported, not
 * enforced).
 *
 * Knobs (environment): BENCH_COLD_ROUNDS (default 20), BENCH_WARM_ROUNDS (40 batches of
 * BENCH_WARM_BATCH = 500 calls per arm), BENCH_THROUGHPUT_ROUNDS (30 batches of ~10 ms per arm),
 * BENCH_EVENT_BUS_ROUNDS (10 rounds of BENCH_EVENT_BUS_EVENTS = 2000 events per arm),
 * BENCH_MESH_ROUNDS (10 rounds of BENCH_MESH_REQUESTS = 200 routed and direct requests per arm),
 * BENCH_RATE_LIMIT_MS (2000 ms of 10 concurrent clients per rate-limit arm).
 * The service mesh and rate-limit sections run on their own with `npx tsx bench/mesh.ts` and
 * `npx tsx bench/rate-limits.ts`.
 */
import { join } from 'node:path';
import {
  BENCH_FUNCTION_SETTINGS,
  type BuiltArm,
  buildArms,
  coldStartArms,
  importOnce,
  isSdkPackage,
  localCodeBytes,
  measureColdStarts,
  OUT_DIR,
  packageContributions,
  ROOT,
} from './cold-start';
import { reportFormats, reportLazyFormats } from './formats-report';
import { machineNotes, RESULTS_PATH, writeResults } from './results-file';
import {
  formatKb,
  formatMs,
  formatOps,
  formatRatio,
  formatUs,
  markdownTable,
  median,
  quantile,
  type TargetRow,
  targetTable,
} from './stats';
import type { ArmStats } from './warm';

const intEnv = (name: string, fallback: number) => {
  const value = Number.parseInt(process.env[name] ?? '', 10);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

const COLD_ROUNDS = intEnv('BENCH_COLD_ROUNDS', 20);
const COLD_WARMUP = 2;
const WARM = {
  rounds: intEnv('BENCH_WARM_ROUNDS', 40),
  batch: intEnv('BENCH_WARM_BATCH', 500),
  warmupCalls: 2000,
};
const THROUGHPUT = { rounds: intEnv('BENCH_THROUGHPUT_ROUNDS', 30), batchMs: 10 };
const EVENT_BUS = {
  rounds: intEnv('BENCH_EVENT_BUS_ROUNDS', 10),
  events: intEnv('BENCH_EVENT_BUS_EVENTS', 2000),
  resendRequests: 10,
  failureRate: 0.2,
};
const CODECS = { rounds: intEnv('BENCH_CODEC_ROUNDS', 20), batchMs: 10 };
const MESH = { rounds: intEnv('BENCH_MESH_ROUNDS', 10), requests: intEnv('BENCH_MESH_REQUESTS', 200) };
const RATE_LIMITS = { clients: 10, instances: 4, durationMs: intEnv('BENCH_RATE_LIMIT_MS', 2000) };
const NON_SDK_PACKAGE_LIMIT = 100_000;

const rows: TargetRow[] = [];
const notes: string[] = [];
const started = Date.now();
const printed: string[] = [];
const log = (text = '') => {
  printed.push(text);
  process.stdout.write(`${text}\n`);
};

// In-process benchmarks (warm route): the handler module reads these at import.
// Powertools is quietened so the bench measures the request path, not stdout: in Lambda, metrics
// are flushed as one EMF line per invocation and the tracer sends segments to the X-Ray daemon.
Object.assign(process.env, {
  ...BENCH_FUNCTION_SETTINGS,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIABENCHDUMMY000000',
  AWS_SECRET_ACCESS_KEY: 'bench-dummy-secret',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_TRACE_ENABLED: 'false',
  POWERTOOLS_LOG_LEVEL: 'WARN',
  POWERTOOLS_DEV: 'false',
});

// Importing the contracts handler in-process creates an SDK client, which warns that future SDK
// releases need Node 22 (the Lambda runs Node 22). Drop that one warning; print any other.
const defaultWarningListeners = process.listeners('warning');
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (`${warning.name} ${warning.message}`.includes('NodeVersionSupportWarning')) return;
  for (const listener of defaultWarningListeners) listener(warning);
});

log('# Benchmark');
log();
log(`node ${process.version}, ${process.platform}/${process.arch}; root ${ROOT}`);
log();

await coldStartAndSize();
await warmRoute();
await validatorThroughput();
await reportFormats({ log, rows }, ROOT, CODECS);
await eventBus();
await serviceMesh();
await rateLimits();

log('## Summary');
log();
log(targetTable(rows));
log();
for (const note of notes) log(`- ${note}`);
log();
const durationSeconds = (Date.now() - started) / 1000;
log(`Total bench time ${durationSeconds.toFixed(1)} s. Targets are reported, not enforced (exit 0).`);
try {
  // Everything printed after the title and the environment line, which the file's header replaces.
  const body = printed.slice(4).join('\n');
  writeResults(join(ROOT, RESULTS_PATH), {
    date: new Date(),
    node: process.version,
    machine: machineNotes(),
    durationSeconds,
    body,
  });
  log(`Wrote ${RESULTS_PATH}.`);
} catch (error) {
  log(`Could not write ${RESULTS_PATH}: ${(error as Error).message}`);
}
process.exit(0);

async function coldStartAndSize(): Promise<void> {
  log('## 1. Cold start and 2. bundle size');
  log();
  log(`esbuild (as the CDK NodejsFunction): platform node, target node20, format esm, minify, sourcemap,`);
  log(`everything bundled incl. @aws-sdk, createRequire banner, metafile → ${OUT_DIR}`);
  log();
  const { built, failed } = await buildArms(coldStartArms());
  for (const arm of failed) {
    log(`**BUILD FAILED** ${arm.name} (${arm.description}): ${arm.error}`);
    rows.push({ metric: `${arm.name}: bundle`, measured: 'build failed', target: 'builds', met: false });
  }
  const byName = new Map(built.map((arm) => [arm.name, arm]));
  const sdkOnly = byName.get('sdk-only');
  if (!sdkOnly || !byName.get('empty')) {
    log('The baselines did not build; skipping cold start and size.');
    return;
  }
  const initOf = reportColdStarts(importChecked(built));
  reportBundleSizes(built, sdkOnly);
  reportLazyFormats({ log, rows }, built, initOf);
}

/**
 * Network check: one import per arm that lingers 300 ms, recording connects, DNS lookups and UDP sends.
 *
 * @returns the arms that imported and export a handler
 */
function importChecked(built: BuiltArm[]): BuiltArm[] {
  const runnable: BuiltArm[] = [];
  for (const arm of built) {
    try {
      const check = importOnce(arm, 300);
      if (check.handler !== 'function') throw new Error(`exports handler as ${check.handler}`);
      const io = check.network.length === 0 ? 'none' : check.network.join(', ');
      log(`- ${arm.name}: import OK, network I/O during import + 300 ms: ${io}`);
      if (arm.kind === 'function') {
        rows.push({
          metric: `${arm.name}: no network I/O at import`,
          measured: check.network.length === 0 ? 'none' : `${check.network.length} attempt(s)`,
          target: 'none',
          met: check.network.length === 0,
        });
      }
      runnable.push(arm);
    } catch (error) {
      log(`- ${arm.name}: **IMPORT FAILED**: ${(error as Error).message}`);
      rows.push({ metric: `${arm.name}: import`, measured: 'failed', target: 'imports', met: false });
    }
  }
  log();
  return runnable;
}

/**
 * Cold start per arm (interleaved fresh processes), and each function's ratios to the baselines.
 *
 * @returns the init p50 (ns) of an arm by name (NaN for one not measured)
 */
function reportColdStarts(runnable: BuiltArm[]): (name: string) => number {
  log(
    `Cold start: ${COLD_ROUNDS} interleaved rounds (+${COLD_WARMUP} discarded), each arm imported once per round in a ` +
      'fresh `node` (no flags) with a Lambda-like environment: dummy credentials, AWS_REGION, AWS_EXECUTION_ENV, ' +
      "X-Ray daemon address, Powertools defaults (no POWERTOOLS_* set), NODE_NO_WARNINGS=1 (hides the SDK's Node 20 notice).",
  );
  log();
  const samples = measureColdStarts(runnable, COLD_ROUNDS, COLD_WARMUP);
  const stat = (name: string) => {
    const s = samples.get(name);
    return {
      import: median(s?.importNs ?? []),
      ready: median(s?.readyNs ?? []),
      readyP90: quantile(s?.readyNs ?? [], 0.9),
    };
  };
  log(
    markdownTable(
      ['arm', 'what', 'init p50 (start → ready)', 'init p90', 'import p50', 'bundle'],
      runnable.map((arm) => {
        const s = stat(arm.name);
        return [
          arm.name,
          arm.description,
          formatMs(s.ready),
          formatMs(s.readyP90),
          formatMs(s.import),
          formatKb(arm.bytes),
        ];
      }),
    ),
  );
  log();

  const base = { sdk: stat('sdk-only'), empty: stat('empty') };
  const diag = { powertools: stat('sdk+powertools'), tracer: stat('tracer-only') };
  if (Number.isFinite(diag.powertools.import) && Number.isFinite(diag.tracer.import)) {
    log(
      `Diagnostics (import p50 differences): Powertools (Logger+Metrics+Tracer) on top of the SDK adds ` +
        `${formatMs(diag.powertools.import - base.sdk.import)}; the Tracer alone costs ` +
        `${formatMs(diag.tracer.import - base.empty.import)} over the empty bundle.`,
    );
  }
  for (const arm of runnable.filter((a) => a.kind === 'function')) {
    const s = stat(arm.name);
    const rest = Number.isFinite(diag.powertools.import) ? s.import - diag.powertools.import : Number.NaN;
    log(
      `- ${arm.name}: import ${formatMs(s.import)} = SDK ${formatMs(base.sdk.import)} + ` +
        `${formatMs(s.import - base.sdk.import)} more; beyond SDK+Powertools: ${formatMs(rest)}`,
    );
    rows.push(
      {
        metric: `${arm.name}: cold start (init) ÷ SDK-only`,
        measured: formatRatio(s.ready / base.sdk.ready),
        target: '≤ 1.25',
        met: s.ready / base.sdk.ready <= 1.25,
      },
      {
        metric: `${arm.name}: cold start (import only) ÷ SDK-only`,
        measured: formatRatio(s.import / base.sdk.import),
        target: '≤ 1.25',
        met: s.import / base.sdk.import <= 1.25,
      },
      {
        metric: `${arm.name}: cold start (init) ÷ empty`,
        measured: formatRatio(s.ready / base.empty.ready),
        target: '≤ 1.9',
        met: s.ready / base.empty.ready <= 1.9,
      },
    );
  }
  log();
  notes.push(
    '"init" = Node process start (timeOrigin) until `await import(bundle)` resolves — what Lambda reports as Init ' +
      'Duration (runtime bootstrap + module load); "import only" = the `await import()` alone. The ÷ empty target is ' +
      `only meaningful for init (the empty bundle imports in ~${formatMs(base.empty.import)}).`,
  );
  return (name) => stat(name).ready;
}

/** Bundle size per function: its packages, the SDK's share, and the local-only code it must not carry. */
function reportBundleSizes(built: BuiltArm[], sdkOnly: BuiltArm): void {
  log('Bundle size (minified .mjs, without the source map):');
  log();
  const sdkPackages = new Set(packageContributions(sdkOnly).map((p) => p.name));
  for (const arm of built.filter((a) => a.kind === 'function')) reportBundle(arm, sdkOnly, sdkPackages);
}

/** One function bundle: its size against the SDK-only baseline, its largest non-SDK packages, local code in it. */
function reportBundle(arm: BuiltArm, sdkOnly: BuiltArm, sdkPackages: ReadonlySet<string>): void {
  const ratio = arm.bytes / sdkOnly.bytes;
  const contributions = packageContributions(arm);
  const nonSdk = contributions.filter((p) => !isSdkPackage(p.name) && p.name !== '(project)');
  const sdkBytes = contributions.filter((p) => isSdkPackage(p.name)).reduce((sum, p) => sum + p.bytes, 0);
  const project = contributions.find((p) => p.name === '(project)')?.bytes ?? 0;
  const localBytes = localCodeBytes(arm);
  rows.push({
    metric: `${arm.name}: bytes from local/ and shared/adapters/local/ in the bundle`,
    measured: String(localBytes),
    target: '0',
    met: localBytes === 0,
  });
  log(
    `### ${arm.name}: ${formatKb(arm.bytes)} = ${formatRatio(ratio)} SDK-only (${formatKb(sdkOnly.bytes)}); ` +
      `@aws-sdk+@smithy ${formatKb(sdkBytes)}, project code ${formatKb(project)}`,
  );
  log();
  log(
    markdownTable(
      ['package (non @aws-sdk/@smithy)', 'minified bytes in bundle', 'also in SDK-only bundle', '> 100 KB'],
      nonSdk
        .slice(0, 12)
        .map((p) => [
          p.name,
          formatKb(p.bytes),
          sdkPackages.has(p.name) ? 'yes' : 'no',
          p.bytes > NON_SDK_PACKAGE_LIMIT ? '**FLAG**' : '',
        ]),
    ),
  );
  log();
  rows.push({
    metric: `${arm.name}: bundle bytes ÷ SDK-only`,
    measured: `${formatRatio(ratio)} (${formatKb(arm.bytes)} / ${formatKb(sdkOnly.bytes)})`,
    target: '≤ 1.4',
    met: ratio <= 1.4,
  });
  const flagged = nonSdk.filter((p) => p.bytes > NON_SDK_PACKAGE_LIMIT);
  const largest = nonSdk[0];
  rows.push({
    metric: `${arm.name}: largest non-SDK package`,
    measured: largest ? `${largest.name} ${formatKb(largest.bytes)}` : 'none',
    target: '≤ 100 KB each',
    met: flagged.length === 0,
  });
}

async function warmRoute(): Promise<void> {
  const { benchWarmRoute } = await import('./warm');
  log('## 3. Warm route overhead');
  log();
  log(
    'POST /v1/contracts/petstore/validate through httpApi (middy: Powertools tracer/logger/metrics, trace context, ' +
      'problem details) → HTTP pipeline (route, negotiation, decoding, zod) → contractOperations.validateRequest → use case → CompiledContract, with an ' +
      'in-memory repository, vs a bare async handler: JSON.parse(body) + Ajv validator compiled on NewPet + JSON.stringify.',
  );
  log(
    'Environment for this in-process part: POWERTOOLS_METRICS_DISABLED=true, POWERTOOLS_TRACE_ENABLED=false, ' +
      'POWERTOOLS_LOG_LEVEL=WARN (no EMF / log line per call to stdout, no X-Ray).',
  );
  log();
  const result = await benchWarmRoute(WARM);
  log(`operations: ${result.operationsSource}`);
  if (result.operationsSource.startsWith('INLINE')) notes.push(`Warm route used ${result.operationsSource}.`);
  log(
    `${WARM.rounds} interleaved batches × ${WARM.batch} calls per arm (${result.calls} calls each, after ` +
      `${WARM.warmupCalls} warm-up calls per arm), every call timed on its own; percentiles over all calls.`,
  );
  log();
  const armRows: Array<[string, ArmStats]> = [
    ['route: httpApi (middy + Powertools) → pipeline → operation', result.route],
    ['bare: JSON.parse + Ajv + JSON.stringify', result.bare],
    ['diagnostic: pipeline → operation (no middy)', result.routerOnly],
    ['diagnostic: validateRequest use case only', result.useCaseOnly],
  ];
  log(
    markdownTable(
      ['arm', 'p50', 'p90', 'p99', 'mean'],
      armRows.map(([name, s]) => [name, formatUs(s.p50), formatUs(s.p90), formatUs(s.p99), formatUs(s.mean)]),
    ),
  );
  log();
  const ratio = result.route.p50 / result.bare.p50;
  const added = result.route.p50 - result.bare.p50;
  log(
    `At p50 the middy chain adds ${formatUs(result.route.p50 - result.routerOnly.p50)}, the pipeline (route match, ` +
      `zod, body parse, serialize) ${formatUs(result.routerOnly.p50 - result.useCaseOnly.p50)}, and the use case ` +
      `(resolve latest + CompiledContract) takes ${formatUs(result.useCaseOnly.p50)}.`,
  );
  log();
  rows.push(
    {
      metric: 'warm validateRequest route ÷ bare handler (p50)',
      measured: `${formatRatio(ratio)} (${formatUs(result.route.p50)} / ${formatUs(result.bare.p50)})`,
      target: '≤ 1.25',
      met: ratio <= 1.25,
    },
    {
      metric: 'warm validateRequest route: added time at p50',
      measured: formatUs(added),
      target: '≤ 5 µs',
      met: added <= 5_000,
    },
  );
}

async function validatorThroughput(): Promise<void> {
  const { benchValidatorThroughput } = await import('./validator-throughput');
  log('## 4. Validator throughput');
  log();
  log(
    "CompiledContract.validateRequest('POST', '/pets', { body }) vs Ajv2020 ({ allErrors: true, strict: false } + " +
      `ajv-formats) compiled directly on NewPet; ${THROUGHPUT.rounds} interleaved batches of ~${THROUGHPUT.batchMs} ms per arm, medians.`,
  );
  log();
  const results = benchValidatorThroughput(THROUGHPUT);
  log(
    markdownTable(
      ['payload', 'ours', 'ajv direct', 'ours ÷ ajv', 'errors (ours / ajv)', 'diagnostic: resolveEndpoint only'],
      results.map((r) => [
        r.payload,
        formatOps(r.oursOpsPerSecond),
        formatOps(r.ajvOpsPerSecond),
        formatRatio(r.ratio),
        `${r.errors.ours} / ${r.errors.ajv}`,
        formatOps(r.resolveEndpointOpsPerSecond),
      ]),
    ),
  );
  log();
  for (const r of results) {
    rows.push({
      metric: `validator throughput, ${r.payload} payload: ours ÷ ajv (ops/s)`,
      measured: `${formatRatio(r.ratio)} (${formatOps(r.oursOpsPerSecond)} / ${formatOps(r.ajvOpsPerSecond)})`,
      target: '≥ 0.8',
      met: r.ratio >= 0.8,
    });
  }
}

async function eventBus(): Promise<void> {
  const putEvents = await import('./put-events');
  log('## 6. Event bus');
  log();
  await reportPutEventsCalls(putEvents);
  await reportResend(putEvents);
  await reportLocalThroughput(putEvents);
}

type PutEventsBench = typeof import('./put-events');

/** PutEvents calls for N small events against the ceil(N / 10) target. */
async function reportPutEventsCalls({ benchPutEventsCalls, PUT_EVENTS_SIZES }: PutEventsBench): Promise<void> {
  log(
    'EventBridgeEventPublisher over a counting stub EventBridgeClient (every entry answered with an EventId): ' +
      'PutEvents calls for N small (~250 B) events; EventBridge takes at most 10 entries per call, so the target is ceil(N / 10).',
  );
  log();
  const calls = await benchPutEventsCalls();
  log(
    markdownTable(
      ['events N', 'PutEvents calls', 'target ceil(N / 10)', 'published'],
      calls.map((r) => [String(r.events), String(r.calls), String(r.target), `${r.published} / ${r.events}`]),
    ),
  );
  log();
  rows.push({
    metric: `PutEvents calls for N = ${PUT_EVENTS_SIZES.join(', ')} events`,
    measured: calls.map((r) => r.calls).join(', '),
    target: `ceil(N / 10): ${calls.map((r) => r.target).join(', ')}`,
    met: calls.every((r) => r.calls === r.target && r.published === r.events),
  });
}

/** publishEvents under first-send failures: only failed entries are re-sent. */
async function reportResend({ benchResend }: PutEventsBench): Promise<void> {
  const resend = await benchResend({ requests: EVENT_BUS.resendRequests, failureRate: EVENT_BUS.failureRate });
  log(
    `publishEvents (in-memory event log, built-in error policies, instant sleeps) → EventBridgeEventPublisher → stub ` +
      `that answers InternalFailure to ~${EVENT_BUS.failureRate * 100} % of first sends (a fixed pseudo-random choice ` +
      `per event id): ${EVENT_BUS.resendRequests} requests of 100 events, ${resend.events} events, ` +
      `${resend.events - resend.notPublished} published; ${resend.entriesFailed} entries failed, ` +
      `${resend.entriesResent} entries re-sent, ${resend.successesResent} successful entries re-sent; ` +
      `${resend.calls} PutEvents calls (target ${resend.callsTarget}: ceil(100 / 10) per request plus ceil(failed / 10) per retry).`,
  );
  log();
  rows.push(
    {
      metric: `publishEvents: entries re-sent ÷ entries failed (~${EVENT_BUS.failureRate * 100} % first-send failures)`,
      measured: `${formatRatio(resend.ratio)} (${resend.entriesResent} / ${resend.entriesFailed})`,
      target: '= 1.00',
      met: resend.entriesResent === resend.entriesFailed && resend.successesResent === 0 && resend.notPublished === 0,
    },
    {
      metric: 'publishEvents: PutEvents calls with re-sends',
      measured: String(resend.calls),
      target: `= ${resend.callsTarget}`,
      met: resend.calls === resend.callsTarget,
    },
  );
}

/** Local publish-to-delivery throughput against a bare LocalQueue. */
async function reportLocalThroughput({ benchLocalThroughput }: PutEventsBench): Promise<void> {
  const throughput = await benchLocalThroughput({ rounds: EVENT_BUS.rounds, events: EVENT_BUS.events });
  const perSecond = (rate: number) => formatOps(rate).replace('ops/s', 'events/s');
  log(
    `Local publish-to-delivery: ${throughput.rounds} interleaved rounds (+1 discarded) of ${throughput.events} events ` +
      'per arm, medians. Pipeline: publishEvents (in-memory event log) in requests of 100, four at a time → ' +
      'LocalEventBus → LocalSubscriptionRules (one subscription) → LocalQueue → LocalQueuePoller (batches of 10, ' +
      'two at a time) → deliverEvent (signed with standardwebhooks) → an HTTP fake answering 204, until drained. ' +
      'Baseline: the same delivery messages sent to a bare LocalQueue, then received 10 at a time and deleted.',
  );
  log();
  log(
    markdownTable(
      ['arm', 'throughput', '÷ baseline'],
      [
        ['pipeline: publishEvents → bus → router → queue → poller → deliverEvent', throughput.pipelinePerSecond],
        ['diagnostic: LocalEventBus.publish → … → deliverEvent (no publishEvents)', throughput.busPerSecond],
        ['baseline: LocalQueue send + receive(10) + delete', throughput.queuePerSecond],
      ].map(([arm, rate]) => [
        arm as string,
        perSecond(rate as number),
        formatRatio((rate as number) / throughput.queuePerSecond),
      ]),
    ),
  );
  log();
  rows.push({
    metric: 'local publish → delivery throughput ÷ bare LocalQueue (events/s)',
    measured: `${formatRatio(throughput.ratio)} (${perSecond(throughput.pipelinePerSecond)} / ${perSecond(throughput.queuePerSecond)})`,
    target: 'reported',
    met: undefined,
  });
}

async function serviceMesh(): Promise<void> {
  const { reportMesh } = await import('./mesh');
  log('## 7. Service mesh');
  log();
  rows.push(...(await reportMesh(MESH, log)));
}

async function rateLimits(): Promise<void> {
  const { reportRateLimits } = await import('./rate-limits');
  log('## 8. Rate limits');
  log();
  rows.push(...(await reportRateLimits(RATE_LIMITS, log)));
}
