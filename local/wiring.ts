import { randomBytes } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createAuthorizerHandler } from '../functions/authorizer/app';
import { authorizerDeps } from '../functions/authorizer/wiring';
import { createContractsHandler } from '../functions/contracts/app';
import { contractsDeps } from '../functions/contracts/wiring';
import { createDispatcherHandler } from '../functions/dispatcher/app';
import { dispatcherDeps } from '../functions/dispatcher/wiring';
import { createErrorsHandler } from '../functions/errors/app';
import { errorsDeps } from '../functions/errors/wiring';
import { createEventsHandler } from '../functions/events/app';
import { eventsDeps, eventsTables } from '../functions/events/wiring';
import { createHealthCheckHandler } from '../functions/health-check/app';
import { healthCheckDeps } from '../functions/health-check/wiring';
import type { FunctionName, HttpFunctionName } from '../functions/manifest';
import { createMeshHandler } from '../functions/mesh/app';
import { meshDeps } from '../functions/mesh/wiring';
import { createSystemHandler } from '../functions/system/app';
import { systemDeps } from '../functions/system/wiring';
import { type FunctionBase, functionBase, httpOptions as gatewayHttpOptions } from '../functions/wiring';
import { EventAuditTrail } from '../shared/adapters/audit/event-audit-trail';
import { FanOutAuditTrail } from '../shared/adapters/audit/fan-out-audit-trail';
import { LoggerAuditTrail } from '../shared/adapters/audit/logger-audit-trail';
import { DynamoDbAuditRepository } from '../shared/adapters/dynamodb/audit-repository';
import { createDocumentClient } from '../shared/adapters/dynamodb/document-client';
import type { LocalEventBus } from '../shared/adapters/local/local-event-bus';
import { createLocalEventBus, type LocalEventBusParts } from '../shared/adapters/local/local-event-bus-wiring';
import { LocalQueueStateReader } from '../shared/adapters/local/local-queue-state';
import { LocalReplayer } from '../shared/adapters/local/local-replayer';
import { LOCAL_SECRET_KEY_BYTES, LocalSecretCipher } from '../shared/adapters/local/local-secret-cipher';
import { LocalSecretStore } from '../shared/adapters/local/local-secret-store';
import { type Config, loadConfig } from '../shared/config';
import type { ApiHandler, HttpHandlerOptions } from '../shared/middleware/http-api';
import { createObservability, type Observability } from '../shared/observability/powertools';
import type { AuditTrail } from '../shared/ports/audit-trail';
import { type Clock, systemClock } from '../shared/ports/clock';
import type { HealthCheckReport } from '../shared/use-cases/health-checks';
import type { AuthorizerHandler } from './gateway-authorizer';

/** Every function of the app, built for one local server. */
export type LocalFunctions = {
  /** The API's functions by name, as the route table names them. */
  http: Readonly<Record<HttpFunctionName, ApiHandler>>;
  /** The dispatcher's handler, fed SQS-shaped batches by the local queue poller. */
  dispatcher: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
  /** The health check's handler, run by the scheduler tick. */
  healthCheck: (event: unknown, context: Context) => Promise<HealthCheckReport>;
  /** The in-process bus every function publishes to, its subscription rules and delivery queues. */
  bus: LocalEventBusParts;
  /** The Lambda authorizer, when auth is on: the local gateway runs it before every non-public route. */
  authorizer?: AuthorizerHandler;
  /** The gateway's own audit trail (the 403s it answers from an authorizer's policy), as the functions' trails. */
  gatewayAudit: { trail: AuditTrail; observability: Observability };
};

/** Where `--auth jwt` verifies tokens: the same settings the authorizer function reads in AWS. */
export type LocalJwtAuth = {
  /** AUTH_ISSUER: the exact `iss`. */
  issuer: string;
  /** AUTH_AUDIENCE: accepted `aud` values. */
  audience: readonly string[];
  /** AUTH_JWKS_URL: the issuer's JWKS. */
  jwksUrl: string;
};

/** What the local composition root needs. */
export type LocalWiringOptions = {
  /**
   * The settings, as environment variables would give them in AWS (table names, DYNAMODB_ENDPOINT,
   * OUTBOUND_*…); parsed by the same `loadConfig`.
   */
  env: NodeJS.ProcessEnv;
  /** @default systemClock */
  clock?: Clock;
  /**
   * Turns auth on: the authorizer function is built over these settings, and every HTTP function
   * runs with the `authorize` middleware (defence in depth, as behind API Gateway). @default off
   */
  auth?: LocalJwtAuth;
  /**
   * The services' upstream credential secrets, as Secrets Manager holds them in AWS: a map by
   * secret name (`values`) and/or a JSON file of one (`file`, `--secrets`). @default none
   */
  secrets?: { values?: Readonly<Record<string, string>>; file?: string };
  /**
   * The 32-byte key sealing webhook secrets (AES-256-GCM, `LocalSecretCipher`), standing in for the
   * KMS key: `loadLocalSecretKey` keeps it beside a persisted dynalite. @default a fresh random key
   */
  secretKey?: Buffer;
  /**
   * Ends a health-check run's pacing (the server's shutdown): no further check starts, so closing
   * does not wait out the spread window (up to 45 s). @default never aborted
   */
  healthCheckSignal?: AbortSignal;
};

/**
 * The local composition root: the same handler factories the Lambda entry points use, given local
 * adapters — the DynamoDB repositories on the embedded DynamoDB (or any endpoint), one in-process
 * event bus with EventBridge semantics standing in for the custom bus, the subscription rules and
 * the SQS delivery queue, replays read from the event log (the local bus keeps no archive), the
 * audit trail in the log, the audit table and on the bus (`localAuditTrail`), and the same rate
 * limiter as in AWS (token buckets in the RateLimits table, on dynalite) for the functions that hold it.
 * Nothing here is in any Lambda bundle.
 *
 * @throws {Error} naming every missing or invalid setting
 * @example const functions = createLocalFunctions({ env: { ...process.env, CONTRACTS_TABLE: 'aif-contracts', … } });
 */
export function createLocalFunctions(options: LocalWiringOptions): LocalFunctions {
  const config = loadConfig(
    [
      'CONTRACTS_TABLE',
      'ERRORS_TABLE',
      'EVENTS_TABLE',
      'DELIVERY_TABLE',
      'MESH_TABLE',
      'AUDIT_TABLE',
      'RATE_LIMITS_TABLE',
    ],
    options.env,
  );
  const clock = options.clock ?? systemClock;
  const bus = createLocalEventBus();
  const events = bus.bus;
  const cipher = new LocalSecretCipher(options.secretKey ?? randomBytes(LOCAL_SECRET_KEY_BYTES));
  const base = (name: FunctionName): FunctionBase => {
    const built = functionBase(name, config, clock);
    return { ...built, audit: localAuditTrail(config, built.observability, events, built.documentClient) };
  };
  const httpOptions = (b: FunctionBase): HttpHandlerOptions => ({
    ...gatewayHttpOptions(b),
    ...(options.auth && {
      authorize: { clock: b.clock, clockToleranceSeconds: b.config.AUTH_CLOCK_TOLERANCE_SECONDS },
    }),
  });
  const dispatcher = base('dispatcher');
  const healthCheck = base('health-check');
  return {
    http: {
      contracts: withBase(base('contracts'), (b) => createContractsHandler(contractsDeps(b), httpOptions(b))),
      errors: withBase(base('errors'), (b) => createErrorsHandler(errorsDeps(b, { events }), httpOptions(b))),
      events: localEventsHandler(base('events'), bus, cipher, httpOptions),
      mesh: withBase(base('mesh'), (b) =>
        createMeshHandler(
          meshDeps(b, { events, secrets: new LocalSecretStore(options.secrets ?? {}) }),
          httpOptions(b),
        ),
      ),
      system: withBase(base('system'), (b) =>
        createSystemHandler(
          { ...systemDeps(b, localQueueState(bus)), auth: { mode: options.auth ? 'token' : 'none' } },
          httpOptions(b),
        ),
      ),
    },
    dispatcher: createDispatcherHandler(
      dispatcherDeps(dispatcher, { queue: bus.deliveryQueue, events, cipher }),
      dispatcher,
    ),
    healthCheck: createHealthCheckHandler(
      {
        ...healthCheckDeps(healthCheck, { events }),
        ...(options.healthCheckSignal && { signal: options.healthCheckSignal }),
      },
      healthCheck,
    ),
    bus,
    ...(options.auth && { authorizer: localAuthorizer(options.auth, options.env, clock, events) }),
    gatewayAudit: gatewayAudit(config, events),
  };
}

/**
 * The audit trail in local mode: the same records in the log (Powertools, `Audit record` lines),
 * in the audit table on the embedded DynamoDB, and as `aif.audit` events on the in-process bus.
 */
function localAuditTrail(
  config: Config,
  observability: Observability,
  events: LocalEventBus,
  documentClient = createDocumentClient(config.DYNAMODB_ENDPOINT),
): AuditTrail {
  return new FanOutAuditTrail([
    new LoggerAuditTrail(observability.logger),
    new DynamoDbAuditRepository(documentClient, config.AUDIT_TABLE as string, config.AUDIT_RETENTION_DAYS),
    new EventAuditTrail(events),
  ]);
}

function gatewayAudit(config: Config, events: LocalEventBus): LocalFunctions['gatewayAudit'] {
  const observability = createObservability('gateway');
  return { trail: localAuditTrail(config, observability, events), observability };
}

/**
 * The authorizer function as Lambda runs it (`createAuthorizerHandler` over `authorizerDeps`: the
 * jose verifier, the whole route table), its settings the AUTH_* variables `auth` stands for.
 *
 * @throws {Error} naming every invalid AUTH_* setting
 */
function localAuthorizer(
  auth: LocalJwtAuth,
  env: NodeJS.ProcessEnv,
  clock: Clock,
  events: LocalEventBus,
): AuthorizerHandler {
  const config = loadConfig(['AUTH_ISSUER', 'AUTH_JWKS_URL'], {
    ...env,
    AUTH_ISSUER: auth.issuer,
    AUTH_AUDIENCE: auth.audience.join(','),
    AUTH_JWKS_URL: auth.jwksUrl,
    AUTH_COGNITO_CLIENT_IDS: undefined,
  });
  const observability = createObservability('authorizer');
  const base = { config, observability, clock, audit: localAuditTrail(config, observability, events) };
  return createAuthorizerHandler(authorizerDeps(base), base) as AuthorizerHandler;
}

/** The local delivery path's queues: the delivery queue and its DLQ (the local bus has no events DLQ). */
function localQueueState(bus: LocalEventBusParts): LocalQueueStateReader {
  return new LocalQueueStateReader([
    { role: 'delivery', queue: bus.queues.delivery },
    { role: 'delivery-dlq', queue: bus.queues.deadLetters },
  ]);
}

// Each function gets its own base (Powertools service name, DynamoDB client), as each Lambda has its own.
const withBase = (base: FunctionBase, build: (base: FunctionBase) => ApiHandler): ApiHandler => build(base);

// The local bus keeps no archive: replays read what the event log recorded as published.
function localEventsHandler(
  base: FunctionBase,
  bus: LocalEventBusParts,
  cipher: LocalSecretCipher,
  httpOptions: (base: FunctionBase) => HttpHandlerOptions,
): ApiHandler {
  const tables = eventsTables(base);
  return createEventsHandler(
    eventsDeps(base, tables, {
      cipher,
      events: bus.bus,
      rules: bus.rules,
      queue: bus.deliveryQueue,
      replayer: new LocalReplayer(tables.eventLog, bus.rules, () => base.clock.now().getTime()),
    }),
    httpOptions(base),
  );
}
