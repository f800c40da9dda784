import { randomUUID } from 'node:crypto';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDocumentClient } from '../shared/adapters/dynamodb/document-client';
import { DynamoDbSubscriptionRepository } from '../shared/adapters/dynamodb/subscription-repository';
import { deliveryTable, tableDefinitions } from '../shared/adapters/dynamodb/table-definitions';
import type { LocalEventBus } from '../shared/adapters/local/local-event-bus';
import type { LocalQueue } from '../shared/adapters/local/local-queue';
import { LocalQueuePoller } from '../shared/adapters/local/local-queue-poller';
import { type Clock, systemClock } from '../shared/ports/clock';
import { answerClientError, apiGateway } from './api-gateway';
import { EMBEDDED_CLIENT_CONFIG, ensureTables, startEmbeddedDynamoDb } from './embedded-dynamodb';
import { isLoopbackHost } from './gateway-authorizer';
import { HEALTH_CHECK_TIMEOUT_MS, healthCheckSettings } from './health-check-settings';
import { JWKS_PATH } from './issuer-endpoints';
import { LOCAL_AUDIENCE, LocalIssuer } from './local-issuer';
import { toLambdaContext } from './proxy-event';
import { allowedHostSet } from './request-guards';
import { loadLocalSecretKey } from './secret-key';
import { createLocalFunctions, type LocalFunctions, type LocalJwtAuth } from './wiring';

/**
 * How the local runner authenticates callers. `off`: no checks at all — allowed only on a loopback
 * address. `jwt`: the authorizer function verifies `Authorization: Bearer <JWT>` before every
 * non-public route, against `verify` (an external issuer's settings) or, without it, the local issuer.
 */
export type LocalAuthOption = { mode: 'off' } | { mode: 'jwt'; verify?: LocalJwtAuth };

/** The auth a running server applies. */
export type LocalServerAuth =
  | { mode: 'off' }
  | (LocalJwtAuth & { mode: 'jwt' /** Present when the runner is the issuer. */; localIssuer?: LocalIssuer });

/** Options of the local runner. */
export type LocalServerOptions = {
  /** TCP port; 0 picks a free one. @default 3000 */
  port?: number;
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** Folder that persists the embedded DynamoDB; memory when absent. */
  dataDir?: string;
  /** Writes one line per request (method, path, status, milliseconds). @default no logging */
  log?: (line: string) => void;
  /**
   * How often the in-process scheduler runs the health-check handler, milliseconds; 0 turns it off.
   * @default 60_000 (the deployed schedule's rate)
   */
  healthCheckIntervalMs?: number;
  /**
   * Most instances one health-check run checks, the least recently checked first
   * (HEALTH_CHECK_MAX_PER_RUN; `--health-check-max-per-run`). Each run spreads its check starts over
   * min(healthCheckIntervalMs, the function's 60 s timeout) − 15 s, as in AWS (none with an
   * interval of 15 s or less, or 0). @default 500, or HEALTH_CHECK_MAX_PER_RUN of `settings` / the environment
   */
  healthCheckMaxPerRun?: number;
  /** @default { mode: 'off' } — which refuses a non-loopback `host` */
  auth?: LocalAuthOption;
  /** What the functions and the authorizer read as "now" (tests). @default systemClock */
  clock?: Clock;
  /**
   * Settings the functions read, as environment variables would give them (e.g. `RATE_LIMITS`),
   * over the process's environment; the table names and the DynamoDB endpoint stay the runner's.
   * @default none
   */
  settings?: NodeJS.ProcessEnv;
  /**
   * Host names the server answers to besides `localhost`, `127.0.0.1`, `[::1]` and `host` (any other
   * Host header is answered 421: DNS rebinding). `--allowed-host`, repeatable. @default []
   */
  allowedHosts?: readonly string[];
  /**
   * The mesh's upstream credential secrets (Secrets Manager's role locally): by name in `values`,
   * or in a JSON file `{ "<secret name>": "<value>" }` (`--secrets FILE`, read on every lookup). @default none
   */
  secrets?: { values?: Readonly<Record<string, string>>; file?: string };
};

/** A running local API. */
export type LocalServer = {
  url: string;
  dynamoDbEndpoint: string;
  /** The in-process bus the functions publish to (alerts…), with its history. */
  events: LocalEventBus;
  /** The delivery queue and its DLQ, as the dispatcher consumes them. */
  queues: { delivery: LocalQueue; deadLetters: LocalQueue };
  /** Resolves once no delivery is queued, delayed or in flight (tests, scripts). */
  drainDeliveries: (timeoutMs?: number) => Promise<void>;
  /** Runs the health-check handler now (the scheduler's tick). */
  runHealthChecks: () => Promise<void>;
  /** The auth in force: off, or the issuer, audience and JWKS tokens are verified against. */
  auth: LocalServerAuth;
  close: () => Promise<void>;
};

/**
 * Starts the whole API on one machine with no AWS account: embedded DynamoDB (dynalite) with the
 * tables the CDK stack defines, then an HTTP server that turns each request into an API Gateway
 * proxy event and hands it to the same handler module Lambda runs, chosen by the same route table.
 * Events the functions publish go to the in-process bus (`events`); with `log`, each is logged.
 * When `AWS_ENDPOINT_URL_DYNAMODB` or `AWS_ENDPOINT_URL` is set, that endpoint is used instead of
 * dynalite (LocalStack, or a real account).
 *
 * Each server has its own functions, bus and queues (`local/wiring.ts`), so one process may run several.
 *
 * With `auth: { mode: 'jwt' }` the authorizer function runs in front of every non-public route, as
 * API Gateway runs it (`local/gateway-authorizer.ts`), and the functions check scopes themselves
 * too; without `verify`, the runner is the issuer (`local/local-issuer.ts`): `iss`
 * `http://localhost:<port>`, `aud` `aif-local`, its JWKS at `/.well-known/jwks.json`.
 *
 * Every request passes the local guards first (`local/request-guards.ts`): a Host header outside
 * `allowedHosts` is answered 421, a cross-origin POST/PUT/PATCH/DELETE 403.
 *
 * @throws {Error} when `host` is not a loopback address and auth is off (every route would be open
 *   to the network), or when the embedded DynamoDB or the port cannot be had
 * @throws {TypeError} when an `allowedHosts` entry is not a host name
 * @example const server = await startLocalServer({ port: 0 }); await fetch(`${server.url}/v1/health`);
 */
export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  const authOption = options.auth ?? { mode: 'off' };
  const listenHost = options.host ?? '127.0.0.1';
  refuseOpenNetwork(authOption, listenHost);
  const allowedHosts = allowedHostSet(listenHost, options.allowedHosts);
  const database = await openDatabase(options.dataDir);
  configureSdkAndPowertools(database.external);
  // Listen first: the local issuer's URL and JWKS need the port. Until the functions are built,
  // requests wait for them.
  let server: DeferredServer;
  try {
    server = await listenDeferred(options.port ?? 3000, listenHost);
  } catch (error) {
    await database.close();
    throw error;
  }
  const { address } = server;
  const clock = options.clock ?? systemClock;
  let auth: LocalServerAuth;
  let functions: LocalFunctions;
  // Aborted on close: a paced health-check run starts no further check, so closing need not wait it out.
  const stopHealthChecks = new AbortController();
  try {
    auth = await resolveAuth(authOption, address, clock, options.dataDir);
    functions = createLocalFunctions({
      env: localSettings(database.endpoint, database.tableNames, database.external, {
        ...healthCheckSettings(options, process.env),
        ...options.settings,
        ...(options.healthCheckMaxPerRun !== undefined && {
          HEALTH_CHECK_MAX_PER_RUN: String(options.healthCheckMaxPerRun),
        }),
      }),
      clock,
      secretKey: await loadLocalSecretKey(options.dataDir),
      healthCheckSignal: stopHealthChecks.signal,
      ...(auth.mode === 'jwt' && { auth }),
      ...(options.secrets && { secrets: options.secrets }),
    });
  } catch (error) {
    await server.close();
    await database.close();
    throw error;
  }
  const { bus: events, rules, queues } = functions.bus;
  const unsubscribe = options.log
    ? // Identifiers only: event payloads are the publishers' data and stay out of logs.
      events.subscribe((event) => options.log?.(`event ${event.type} ${event.id}`))
    : () => {};
  await restoreSubscriptionRules(database, rules);

  const dispatcher = startDispatcher(functions);
  const scheduler = startScheduler(functions, options.healthCheckIntervalMs ?? 60_000, clock, stopHealthChecks);
  const { port } = address;
  server.serve(
    apiGateway(functions, clock, options.log, auth.mode === 'jwt' ? auth.localIssuer : undefined, {
      allowedHosts,
      port,
    }),
  );
  const host = options.host && options.host !== '127.0.0.1' ? options.host : 'localhost';
  return {
    url: `http://${host}:${port}`,
    dynamoDbEndpoint: database.endpoint,
    events,
    queues,
    drainDeliveries: (timeoutMs) => dispatcher.drain(timeoutMs === undefined ? {} : { timeoutMs }),
    runHealthChecks: scheduler.runNow,
    auth,
    close: async () => {
      await scheduler.stop();
      unsubscribe();
      await dispatcher.stop();
      await server.close();
      await database.close();
    },
  };
}

/**
 * Refuses to serve every route unauthenticated to the network.
 *
 * @throws {Error} when auth is off and `host` is not a loopback address (127.0.0.1, ::1, localhost)
 */
function refuseOpenNetwork(auth: LocalAuthOption, host: string): void {
  if (auth.mode === 'off' && !isLoopbackHost(host)) {
    throw new Error(
      `refusing to listen on ${host} with auth off: every route would be open to the network. ` +
        'Bind a loopback address (127.0.0.1, ::1, localhost) or turn auth on (--auth jwt).',
    );
  }
}

/** The DynamoDB the functions use, its tables created. */
type LocalDatabase = {
  endpoint: string;
  /** True when `AWS_ENDPOINT_URL_DYNAMODB` or `AWS_ENDPOINT_URL` names it (not dynalite). */
  external: boolean;
  /** Physical table name by definition id: `aif-<id, lower case>`. */
  tableNames: Record<string, string>;
  close: () => Promise<void>;
};

/**
 * The endpoint in `AWS_ENDPOINT_URL_DYNAMODB` or `AWS_ENDPOINT_URL` when set, else an embedded
 * dynalite (persisted in `dataDir`, or in memory), with every table the CDK stack defines ensured.
 * `close` stops dynalite (a no-op for an external endpoint).
 *
 * @throws {Error} when dynalite cannot start or a table cannot be created (dynalite is stopped first)
 */
async function openDatabase(dataDir: string | undefined): Promise<LocalDatabase> {
  const external = process.env.AWS_ENDPOINT_URL_DYNAMODB ?? process.env.AWS_ENDPOINT_URL;
  const database = external ? { endpoint: external, close: async () => {} } : await startEmbeddedDynamoDb(dataDir);
  const tableNames = Object.fromEntries(tableDefinitions.map((t) => [t.id, `aif-${t.id.toLowerCase()}`]));
  try {
    await ensureTables(database.endpoint, tableDefinitions, tableNames, external ? {} : EMBEDDED_CLIENT_CONFIG);
  } catch (error) {
    await database.close();
    throw error;
  }
  return { endpoint: database.endpoint, external: Boolean(external), tableNames, close: database.close };
}

/** A listening HTTP server whose requests wait until `serve` names their listener. */
type DeferredServer = {
  address: AddressInfo;
  /** Sets the listener and hands it the requests that arrived before. */
  serve: (listener: RequestListener) => void;
  /** Stops listening and ends every connection, idle or not. */
  close: () => Promise<void>;
};

/**
 * Listens on `port` (0: a free one) and `host` before there is anything to serve, so the address is
 * known to what the listener is built from; malformed requests are answered by `answerClientError`.
 *
 * @throws {Error} when the port cannot be had (EADDRINUSE, EACCES…)
 */
async function listenDeferred(port: number, host: string): Promise<DeferredServer> {
  let listener: RequestListener | undefined;
  const waiting: Array<() => void> = [];
  const server = createServer((req, res) => {
    if (listener) listener(req, res);
    else waiting.push(() => listener?.(req, res));
  });
  server.keepAliveTimeout = 5_000;
  // A client that declares a body and never sends it is answered 408 after 30 s (API Gateway's
  // integration timeout is 29 s), not after Node's default of 300 s.
  server.requestTimeout = 30_000;
  server.on('clientError', answerClientError);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    address: server.address() as AddressInfo,
    serve: (next) => {
      listener = next;
      for (const resume of waiting.splice(0)) resume();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The subscriptions' rules live in this process: rebuilds them from the delivery table, so a
 * restart over the same `--data` delivers as before.
 *
 * @throws {DependencyUnavailableError} when the table cannot be read
 */
async function restoreSubscriptionRules(database: LocalDatabase, rules: LocalFunctions['bus']['rules']): Promise<void> {
  const stored = new DynamoDbSubscriptionRepository(
    createDocumentClient(database.external ? undefined : database.endpoint),
    database.tableNames[deliveryTable.id] as string,
  );
  for (const subscription of await stored.listAll()) await rules.put(subscription);
}

/**
 * The verification settings of `option`: an external issuer's as given, or a new local issuer's —
 * `iss` `http://localhost:<port>`, `aud` `aif-local`, and the JWKS fetched from this very server
 * over loopback (the authorizer fetches it as it would any issuer's).
 */
async function resolveAuth(
  option: LocalAuthOption,
  address: AddressInfo,
  clock: Clock,
  dataDir: string | undefined,
): Promise<LocalServerAuth> {
  if (option.mode === 'off') return { mode: 'off' };
  if (option.verify) return { mode: 'jwt', ...option.verify };
  const localIssuer = await LocalIssuer.create(`http://localhost:${address.port}`, clock, dataDir);
  const ipv6 = address.family === 'IPv6';
  const self = ipv6
    ? `[${address.address === '::' ? '::1' : address.address}]`
    : address.address === '0.0.0.0'
      ? '127.0.0.1'
      : address.address;
  return {
    mode: 'jwt',
    issuer: localIssuer.issuer,
    audience: [LOCAL_AUDIENCE],
    jwksUrl: `http://${self}:${address.port}${JWKS_PATH}`,
    localIssuer,
  };
}

/** The dispatcher: the same handler Lambda runs, fed SQS-shaped batches from the delivery queue. */
function startDispatcher(functions: LocalFunctions): LocalQueuePoller {
  const poller = new LocalQueuePoller(
    functions.bus.queues.delivery,
    functions.dispatcher,
    // Lambda scales the dispatcher to many concurrent invocations; 32 here keep slow subscribers
    // (each up to its 30 s timeout) from holding up every other delivery. In-flight batches cost
    // only a pending request each.
    { functionName: 'aif-dispatcher', timeoutMs: 60_000, concurrency: 32 },
  );
  poller.start();
  return poller;
}

/**
 * The scheduler tick: the same health-check handler the EventBridge schedule invokes in AWS, every
 * `intervalMs` (0: only when asked). One run at a time; `runNow` joins a run in progress. `stop`
 * aborts `stopChecks`, ending a run's pacing (no further check starts), and waits for the checks in flight.
 */
function startScheduler(
  functions: LocalFunctions,
  intervalMs: number,
  clock: Clock,
  stopChecks: AbortController,
): { runNow: () => Promise<void>; stop: () => Promise<void> } {
  let checking: Promise<void> | undefined;
  const runNow = () => {
    checking ??= functions
      .healthCheck({}, toLambdaContext('aif-health-check', `tick-${randomUUID()}`, HEALTH_CHECK_TIMEOUT_MS, clock))
      .then(
        () => undefined,
        (error: unknown) => console.error('local runner: health check failed', error),
      )
      .finally(() => {
        checking = undefined;
      });
    return checking;
  };
  const ticker = intervalMs > 0 ? setInterval(() => void runNow(), intervalMs) : undefined;
  ticker?.unref();
  return {
    runNow,
    stop: async () => {
      if (ticker) clearInterval(ticker);
      stopChecks.abort();
      await checking;
    },
  };
}

/**
 * The functions' settings in local mode, as the CDK app sets them in AWS: the table names, the
 * embedded DynamoDB's endpoint, loopback outbound calls allowed and `http:` targets accepted (local
 * webhooks and services listen on plain HTTP on localhost; private ranges stay refused). Variables
 * already set win, and `settings` over them.
 */
function localSettings(
  endpoint: string,
  tableNames: Record<string, string>,
  external: boolean,
  settings: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  const tables = Object.fromEntries(tableDefinitions.map((d) => [d.envVar, tableNames[d.id]]));
  return {
    OUTBOUND_ALLOW_LOOPBACK: 'true',
    OUTBOUND_REQUIRE_HTTPS: 'false',
    ...process.env,
    ...settings,
    ...tables,
    ...(!external && { DYNAMODB_ENDPOINT: endpoint }),
  };
}

/** The AWS SDK's and Powertools' own variables: credentials dynalite accepts, a region, quiet logs, no metrics or traces. */
function configureSdkAndPowertools(external: boolean): void {
  if (!external) {
    // dynalite accepts any credentials; the SDK still wants some to sign with.
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  }
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
  process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'AgentIntegrationFramework';
}
