import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { HttpFunctionName } from '../functions/manifest';
import { routes } from '../functions/routes';
import { createDocumentClient } from '../shared/adapters/dynamodb/document-client';
import { DynamoDbSubscriptionRepository } from '../shared/adapters/dynamodb/subscription-repository';
import { deliveryTable, tableDefinitions } from '../shared/adapters/dynamodb/table-definitions';
import type { LocalEventBus } from '../shared/adapters/local/local-event-bus';
import type { LocalQueue } from '../shared/adapters/local/local-queue';
import { LocalQueuePoller } from '../shared/adapters/local/local-queue-poller';
import { buildAuditRecord } from '../shared/domain/audit/audit-record';
import { RouteMatcher } from '../shared/http/route-match';
import { recordSafely } from '../shared/middleware/audit-trail';
import { type Clock, systemClock } from '../shared/ports/clock';
import { EMBEDDED_CLIENT_CONFIG, ensureTables, startEmbeddedDynamoDb } from './embedded-dynamodb';
import {
  ACCESS_DENIED_DETAIL,
  authorizeAtGateway,
  type GatewayAuthorization,
  isLoopbackHost,
} from './gateway-authorizer';
import { answerIssuerEndpoint, JWKS_PATH } from './issuer-endpoints';
import { LOCAL_AUDIENCE, LocalIssuer } from './local-issuer';
import { responseHeaders, toLambdaContext, toProxyEvent } from './proxy-event';
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
  /** @default { mode: 'off' } — which refuses a non-loopback `host` */
  auth?: LocalAuthOption;
  /** What the functions and the authorizer read as "now" (tests). @default systemClock */
  clock?: Clock;
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

/** API Gateway's REST payload limit (10 MB, API Gateway quotas); larger requests never reach Lambda. */
const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;
const STAGE = 'local';

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
 * @throws {Error} when `host` is not a loopback address and auth is off (every route would be open
 *   to the network), or when the embedded DynamoDB or the port cannot be had
 * @example const server = await startLocalServer({ port: 0 }); await fetch(`${server.url}/v1/health`);
 */
export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  const authOption = options.auth ?? { mode: 'off' };
  const listenHost = options.host ?? '127.0.0.1';
  if (authOption.mode === 'off' && !isLoopbackHost(listenHost)) {
    throw new Error(
      `refusing to listen on ${listenHost} with auth off: every route would be open to the network. ` +
        'Bind a loopback address (127.0.0.1, ::1, localhost) or turn auth on (--auth jwt).',
    );
  }
  const external = process.env.AWS_ENDPOINT_URL_DYNAMODB ?? process.env.AWS_ENDPOINT_URL;
  const database = external
    ? { endpoint: external, close: async () => {} }
    : await startEmbeddedDynamoDb(options.dataDir);
  const tableNames = Object.fromEntries(tableDefinitions.map((t) => [t.id, `aif-${t.id.toLowerCase()}`]));
  try {
    await ensureTables(database.endpoint, tableDefinitions, tableNames, external ? {} : EMBEDDED_CLIENT_CONFIG);
  } catch (error) {
    await database.close();
    throw error;
  }
  configureSdkAndPowertools(Boolean(external));
  // Listen first: the local issuer's URL and JWKS need the port. Until the functions are built,
  // requests wait for them.
  let listener: RequestListener | undefined;
  const waiting: Array<() => void> = [];
  const server = createServer((req, res) => {
    if (listener) listener(req, res);
    else waiting.push(() => listener?.(req, res));
  });
  server.keepAliveTimeout = 5_000;
  server.on('clientError', answerClientError);
  const closeServer = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 3000, listenHost, () => resolve());
    });
  } catch (error) {
    await database.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const clock = options.clock ?? systemClock;
  let auth: LocalServerAuth;
  let functions: LocalFunctions;
  try {
    auth = await resolveAuth(authOption, address, clock, options.dataDir);
    functions = createLocalFunctions({
      env: localSettings(database.endpoint, tableNames, Boolean(external)),
      clock,
      ...(auth.mode === 'jwt' && { auth }),
    });
  } catch (error) {
    await closeServer();
    await database.close();
    throw error;
  }
  const { bus: events, rules, queues } = functions.bus;
  const unsubscribe = options.log
    ? events.subscribe((event) => options.log?.(`event ${event.type} ${event.id} ${JSON.stringify(event.payload)}`))
    : () => {};
  // The subscriptions' rules live in this process: rebuild them from the table (a --data restart).
  const stored = new DynamoDbSubscriptionRepository(
    createDocumentClient(external ? undefined : database.endpoint),
    tableNames[deliveryTable.id] as string,
  );
  for (const subscription of await stored.listAll()) await rules.put(subscription);

  const dispatcher = startDispatcher(functions);
  const scheduler = startScheduler(functions, options.healthCheckIntervalMs ?? 60_000);
  listener = apiGateway(functions, clock, options.log, auth.mode === 'jwt' ? auth.localIssuer : undefined);
  for (const resume of waiting.splice(0)) resume();
  const { port } = address;
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
      await closeServer();
      await database.close();
    },
  };
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
 * `intervalMs` (0: only when asked). One run at a time; `runNow` joins a run in progress.
 */
function startScheduler(
  functions: LocalFunctions,
  intervalMs: number,
): { runNow: () => Promise<void>; stop: () => Promise<void> } {
  let checking: Promise<void> | undefined;
  const runNow = () => {
    checking ??= functions
      .healthCheck({}, toLambdaContext('aif-health-check', `tick-${randomUUID()}`))
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
      await checking;
    },
  };
}

/**
 * What API Gateway does in AWS: each HTTP request becomes a REST proxy event for the function the
 * route table names (the system function for unknown paths, as the `/{proxy+}` fallback), and the
 * function's result becomes the HTTP answer. Bodies over API Gateway's 10 MB are refused with 413,
 * a crashed function is a 502, as the gateway answers them. With auth on, the authorizer runs first
 * for every non-public route and the unknown-path fallback (`authorizeAtGateway`), and each 403 it
 * answers from the authorizer's policy is an audit record (`recordedBy: 'gateway'`; the authorizer
 * records its own 401s); the local issuer's endpoints, when it is active, are answered before any route.
 */
function apiGateway(
  functions: LocalFunctions,
  clock: Clock,
  log: ((line: string) => void) | undefined,
  localIssuer: LocalIssuer | undefined,
) {
  const matcher = new RouteMatcher(routes);
  const invoke = async (req: IncomingMessage, body: Buffer): Promise<APIGatewayProxyResult> => {
    // The request target is origin-form (RFC 9112 §3.2.1): never let `//host/...` be read as a host.
    const url = (req.url ?? '/').replace(/^\/+/, '/');
    const path = new URL(url, 'http://localhost').pathname;
    const issuerAnswer = localIssuer && (await answerIssuerEndpoint(localIssuer, req, path, body));
    if (issuerAnswer) return issuerAnswer;
    const match = matcher.match(req.method ?? 'GET', path);
    const route =
      match && 'route' in match
        ? { resource: match.route.path, pathParameters: Object.keys(match.params).length > 0 ? match.params : null }
        : { resource: '/{proxy+}', pathParameters: { proxy: path.slice(1) } };
    const functionName: HttpFunctionName = match && 'route' in match ? match.route.function : 'system';
    const request = {
      method: req.method ?? 'GET',
      url,
      // Every value of a repeated header, as API Gateway's multiValueHeaders carry them (Node's
      // req.headers keeps only the first Content-Type and joins others).
      headers: req.headersDistinct,
      body,
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
    };
    const event = toProxyEvent(request, route, STAGE);
    const isPublic = match !== undefined && 'route' in match && 'public' in match.route && match.route.public;
    if (functions.authorizer && !isPublic) {
      const gateway = await authorizeAtGateway(functions.authorizer, event);
      if (!gateway.allowed) {
        if (gateway.decidedBy === 'gateway') {
          const matched = match && 'route' in match ? match.route : undefined;
          await recordGatewayDenial(functions.gatewayAudit, clock, event, matched, gateway);
        }
        return gateway.result;
      }
      event.requestContext.authorizer = gateway.authorizer;
    }
    return functions.http[functionName](event, toLambdaContext(`aif-${functionName}`, event.requestContext.requestId));
  };
  return (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    readBody(req)
      .then((body) =>
        body === undefined
          ? gatewayProblem(
              413,
              'payload-too-large',
              'The request body is too large',
              `API Gateway accepts at most ${GATEWAY_MAX_BODY_BYTES} bytes`,
            )
          : invoke(req, body),
      )
      .catch((error: unknown): APIGatewayProxyResult => {
        console.error('local runner: handler crashed', error);
        return gatewayProblem(502, 'bad-gateway', 'Bad Gateway', 'The function failed');
      })
      .then((result) => {
        const bytes = result.isBase64Encoded
          ? Buffer.from(result.body, 'base64')
          : Buffer.from(result.body ?? '', 'utf8');
        const headers = responseHeaders(result);
        // HEAD: the Content-Length GET would have (set by the function), never that of the empty body.
        if (req.method !== 'HEAD' || headers['content-length'] === undefined)
          headers['content-length'] = String(bytes.length);
        res.writeHead(result.statusCode, headers);
        res.end(bytes);
        log?.(`${req.method} ${req.url} ${result.statusCode} ${(performance.now() - started).toFixed(1)}ms`);
      });
  };
}

/**
 * Records a 403 the gateway answered from the authorizer's policy (API Gateway's ACCESS_DENIED):
 * the principal the authorizer established, the matched route and its parameters.
 */
async function recordGatewayDenial(
  { trail, observability }: LocalFunctions['gatewayAudit'],
  clock: Clock,
  event: APIGatewayProxyEvent,
  route: { operationId: string; path: string } | undefined,
  gateway: Extract<GatewayAuthorization, { allowed: false }>,
): Promise<void> {
  const record = buildAuditRecord({
    id: randomUUID(),
    time: clock.now(),
    requestId: event.requestContext.requestId,
    method: event.httpMethod,
    ...(route && { route }),
    path: event.path,
    ...(event.pathParameters && { pathParameters: event.pathParameters as Record<string, string> }),
    ...(gateway.principal && { caller: gateway.principal }),
    sourceIp: event.requestContext.identity.sourceIp,
    status: gateway.result.statusCode,
    reason: ACCESS_DENIED_DETAIL,
    recordedBy: 'gateway',
  });
  await recordSafely(trail, record, observability.logger, observability.metrics);
}

/**
 * The functions' settings in local mode, as the CDK app sets them in AWS: the table names, the
 * embedded DynamoDB's endpoint, and loopback outbound calls allowed (local webhooks and services
 * listen on localhost; private ranges stay refused). Variables already set win.
 */
function localSettings(endpoint: string, tableNames: Record<string, string>, external: boolean): NodeJS.ProcessEnv {
  const tables = Object.fromEntries(tableDefinitions.map((d) => [d.envVar, tableNames[d.id]]));
  return {
    OUTBOUND_ALLOW_LOOPBACK: 'true',
    ...process.env,
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

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > GATEWAY_MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Requests Node's HTTP parser refuses (an unknown method, a malformed request line, headers over
 * 16 KB) never reach a function: answered as problem+json like every other refusal, instead of
 * Node's bare status line.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const { statusCode, headers, body } = tooLarge
    ? gatewayProblem(
        431,
        'header-fields-too-large',
        'Request header fields too large',
        'The request headers are too large',
      )
    : gatewayProblem(
        400,
        'bad-request',
        'The request is malformed',
        `The request is not valid HTTP/1.1 (${error.code ?? 'parse error'})`,
      );
  const reason = tooLarge ? 'Request Header Fields Too Large' : 'Bad Request';
  socket.end(
    `HTTP/1.1 ${statusCode} ${reason}\r\ncontent-type: ${headers?.['content-type']}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** A problem answered by the "gateway" itself, as API Gateway's gateway responses do in AWS. */
function gatewayProblem(status: number, code: string, title: string, detail: string): APIGatewayProxyResult {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/problem+json' },
    body: JSON.stringify({ type: `urn:aif:problem:${code}`, title, status, detail }),
  };
}
