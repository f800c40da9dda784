import {
  auditTable,
  contractsTable,
  deliveryTable,
  errorsTable,
  eventsTable,
  meshTable,
  rateLimitsTable,
  tableDefinitions,
} from '../shared/adapters/dynamodb/table-definitions';
import type { Config } from '../shared/config';

/** How a function may use a table: `read` grants reads only; `readWrite` reads and writes (never table admin). */
export type TableAccess = 'read' | 'readWrite';

/**
 * What invokes a function: API Gateway (route table), the delivery queue's SQS event source,
 * EventBridge Scheduler, or API Gateway as a REQUEST Lambda authorizer (before the route's function).
 */
export type FunctionTrigger = 'http' | 'sqs' | 'schedule' | 'authorizer';

/**
 * Outbound HTTP of a function: `none`, or `public-only` — the SSRF policy refuses loopback,
 * link-local and private addresses (OUTBOUND_ALLOW_LOOPBACK / OUTBOUND_ALLOW_PRIVATE false in AWS)
 * and `http:` targets (OUTBOUND_REQUIRE_HTTPS true in AWS).
 */
export type OutboundPolicy = 'none' | 'public-only';

/** Settings a function cannot start without, beyond its tables (AWS mode; the local runner supplies its own adapters). */
type RequiredSetting = { [K in keyof Config]-?: undefined extends Config[K] ? K : never }[keyof Config];

/**
 * One record per Lambda function: everything the CDK app, the local runner, the handlers' config
 * loading, the benchmark and the test environment need to know about it. A new function is one
 * record here, one `functions/<name>/handler.ts`, and (for `http`) its routes in the route table.
 */
export type FunctionManifestEntry = {
  /** Handler module relative to the repository root; it exports `handler`. */
  entry: string;
  /** Shown in the Lambda console. */
  description: string;
  trigger: FunctionTrigger;
  /** Tables by definition id (`shared/adapters/dynamodb/table-definitions.ts`) and the access granted. */
  tables: Readonly<Record<string, TableAccess>>;
  /** `events:PutEvents` on the custom bus and EVENT_BUS_NAME. @default false */
  publishesEvents?: boolean;
  /**
   * Delivery queue access: `send` (redrive; the dispatcher's deferred deliveries) and/or
   * `changeVisibility` (the consumer's retries).
   */
  deliveryQueue?: ReadonlyArray<'send' | 'changeVisibility'>;
  /** Manages the subscription rules (named with the rule prefix) on the bus. @default false */
  managesSubscriptionRules?: boolean;
  /**
   * Reads the delivery path's queue depths (`GET /v1/state`): `sqs:GetQueueAttributes` on the
   * delivery queue and both DLQs with DELIVERY_QUEUE_URL, DELIVERY_DLQ_URL and EVENTS_DLQ_URL, and
   * `cloudwatch:GetMetricData` (their ApproximateAgeOfOldestMessage). @default false
   */
  readsQueueState?: boolean;
  /** Starts and describes replays of the bus archive. @default false */
  replaysArchive?: boolean;
  /**
   * Reads the mesh's upstream credential secrets: `secretsmanager:GetSecretValue` on the stack's
   * secret name prefix only, and MESH_SECRET_PREFIX (infra/constructs/upstream-secrets-binding.ts). @default false
   */
  readsUpstreamSecrets?: boolean;
  outbound: OutboundPolicy;
  /** Memory, MiB. @default 1024 (NodeFunction) */
  memorySizeMb?: number;
  /** Longest invocation, seconds. @default 29 (API Gateway's integration timeout) */
  timeoutSeconds?: number;
  /** Counts integration errors and emits their metrics: the error alarms sum over these services. @default false */
  countsErrors?: boolean;
  /**
   * Writes audit records (issue 10): read-write on the audit table, `events:PutEvents` on the bus
   * (`aif.audit` events) with EVENT_BUS_NAME, and AUDIT_RETENTION_DAYS. @default false
   */
  audits?: boolean;
  /**
   * Concurrent executions reserved for it, which are also its ceiling (Lambda
   * `ReservedConcurrentExecutions`): slow mesh calls or a publish storm cannot take the account's
   * whole concurrency and throttle every other function. The sum must leave the account's
   * unreserved minimum (100 by default) free: `-c reservedConcurrency=false` turns reservations off
   * for accounts with a low concurrency quota.
   */
  reservedConcurrency: number;
  /**
   * Use of the webhook-secret KMS key (WEBHOOK_SECRET_KEY_ARN): `encrypt` to seal new secrets (the
   * creator), `decrypt` to sign with them (the dispatcher); each only under an encryption context
   * holding the tenant and subscription keys. @default none
   */
  webhookSecrets?: 'encrypt' | 'decrypt';
  /** AWS-mode settings the function cannot start without, besides its tables' variables. */
  awsSettings: readonly RequiredSetting[];
};

/** Every table, read: the system function's health check proves each is reachable. */

/**
 * The functions. Every function reads the error policies (`Errors`): its DynamoDB retries follow them.
 * The functions serving rate-limited routes (route table `rateLimit`: contracts, events, mesh) write
 * the token buckets (`RateLimits`); the mesh function and the dispatcher write their tenants'
 * outbound budgets (in-flight leases) there too; the mesh function also reads contracts, whose endpoints'
 * `rateLimit` it enforces on routed calls.
 * Sizing is pinned where it is a decision: the mesh relays calls for up to 29 s (API Gateway's
 * integration timeout) with bodies of up to MAX_BODY_BYTES both ways; the dispatcher and the health
 * check wait up to 30 s on one slow endpoint, so they get 60 s.
 */
export const functionManifest = {
  contracts: {
    entry: 'functions/contracts/handler.ts',
    description: 'Agent Integration Framework: contracts routes',
    trigger: 'http',
    tables: { [contractsTable.id]: 'readWrite', [errorsTable.id]: 'read', [rateLimitsTable.id]: 'readWrite' },
    outbound: 'none',
    audits: true,
    reservedConcurrency: 50,
    awsSettings: [],
  },
  errors: {
    entry: 'functions/errors/handler.ts',
    description: 'Agent Integration Framework: errors routes',
    trigger: 'http',
    tables: { [errorsTable.id]: 'readWrite' },
    publishesEvents: true,
    outbound: 'none',
    countsErrors: true,
    audits: true,
    reservedConcurrency: 20,
    awsSettings: ['EVENT_BUS_NAME'],
  },
  // The event log and replays; subscriptions and dead letters; event contracts validate payloads.
  events: {
    entry: 'functions/events/handler.ts',
    description: 'Agent Integration Framework: events routes',
    trigger: 'http',
    tables: {
      [eventsTable.id]: 'readWrite',
      [deliveryTable.id]: 'readWrite',
      [contractsTable.id]: 'read',
      [errorsTable.id]: 'read',
      [rateLimitsTable.id]: 'readWrite',
    },
    publishesEvents: true,
    deliveryQueue: ['send'],
    managesSubscriptionRules: true,
    replaysArchive: true,
    // Subscription endpoints are checked against the SSRF policy at creation.
    outbound: 'public-only',
    countsErrors: true,
    audits: true,
    reservedConcurrency: 50,
    webhookSecrets: 'encrypt',
    awsSettings: [
      'WEBHOOK_SECRET_KEY_ARN',
      'EVENT_BUS_NAME',
      'EVENT_BUS_ARN',
      'DELIVERY_QUEUE_URL',
      'DELIVERY_QUEUE_ARN',
      'EVENTS_DLQ_ARN',
      'EVENT_ARCHIVE_ARN',
    ],
  },
  // The registry, rules and breakers; routed failures are counted like reported errors; contracts' endpoint rate limits.
  mesh: {
    entry: 'functions/mesh/handler.ts',
    description: 'Agent Integration Framework: mesh routes',
    trigger: 'http',
    tables: {
      [meshTable.id]: 'readWrite',
      [errorsTable.id]: 'readWrite',
      [contractsTable.id]: 'read',
      [rateLimitsTable.id]: 'readWrite',
    },
    publishesEvents: true,
    // The router injects each service's outbound credential from Secrets Manager.
    readsUpstreamSecrets: true,
    outbound: 'public-only',
    memorySizeMb: 1024,
    timeoutSeconds: 29,
    countsErrors: true,
    audits: true,
    reservedConcurrency: 100,
    awsSettings: ['EVENT_BUS_NAME'],
  },
  system: {
    entry: 'functions/system/handler.ts',
    description: 'Agent Integration Framework: health, the OpenAPI document, unknown routes',
    trigger: 'http',
    // What its health check pings (the audit table comes with `audits`), and what GET /v1/state reads:
    // breakers and instances (Mesh), dead letters (Delivery), error counters (Errors), in-flight leases (RateLimits).
    tables: {
      [contractsTable.id]: 'read',
      [errorsTable.id]: 'read',
      [meshTable.id]: 'read',
      [deliveryTable.id]: 'read',
      [rateLimitsTable.id]: 'read',
    },
    readsQueueState: true,
    outbound: 'none',
    audits: true,
    reservedConcurrency: 20,
    awsSettings: ['DELIVERY_QUEUE_URL', 'DELIVERY_DLQ_URL', 'EVENTS_DLQ_URL'],
  },
  dispatcher: {
    entry: 'functions/dispatcher/handler.ts',
    description: 'Agent Integration Framework: delivers queued events to subscribers',
    trigger: 'sqs',
    // RateLimits: the per-tenant budget of deliveries in flight (WEBHOOK_MAX_IN_FLIGHT_PER_TENANT).
    tables: {
      [deliveryTable.id]: 'readWrite',
      [eventsTable.id]: 'read',
      [errorsTable.id]: 'readWrite',
      [rateLimitsTable.id]: 'readWrite',
    },
    publishesEvents: true,
    // Retries change a message's visibility; a delivery deferred for a concurrency slot is sent again.
    deliveryQueue: ['changeVisibility', 'send'],
    outbound: 'public-only',
    timeoutSeconds: 60,
    countsErrors: true,
    reservedConcurrency: 20,
    webhookSecrets: 'decrypt',
    awsSettings: ['EVENT_BUS_NAME', 'DELIVERY_QUEUE_URL', 'WEBHOOK_SECRET_KEY_ARN'],
  },
  'health-check': {
    entry: 'functions/health-check/handler.ts',
    description: 'Agent Integration Framework: scheduled health checks of the mesh instances',
    trigger: 'schedule',
    tables: { [meshTable.id]: 'readWrite', [errorsTable.id]: 'read' },
    publishesEvents: true,
    outbound: 'public-only',
    timeoutSeconds: 60,
    reservedConcurrency: 2,
    awsSettings: ['EVENT_BUS_NAME'],
  },
  // Verifies bearer tokens for API Gateway (issue 10). It must stay small and fast, since it runs before
  // every uncached call: it audits the 401s it decides, loading the audit trail's SDK clients on the first one. Its one outbound call is the JWKS of AUTH_JWKS_URL, from
  // configuration, fetched by jose. Deployed by infra/constructs/api-authorization.ts in the jwt and cognito modes.
  authorizer: {
    entry: 'functions/authorizer/handler.ts',
    description: 'Agent Integration Framework: verifies bearer tokens (API Gateway REQUEST authorizer)',
    trigger: 'authorizer',
    tables: {},
    outbound: 'public-only',
    memorySizeMb: 512,
    timeoutSeconds: 10,
    audits: true,
    reservedConcurrency: 100,
    awsSettings: ['AUTH_ISSUER', 'AUTH_JWKS_URL'],
  },
} as const satisfies Record<string, FunctionManifestEntry>;

/** Every function of the app. */
export type FunctionName = keyof typeof functionManifest;

/** The functions API Gateway invokes: the `function` of every route in the route table. */
export type HttpFunctionName = {
  [K in FunctionName]: (typeof functionManifest)[K]['trigger'] extends 'http' ? K : never;
}[FunctionName];

/** The names of every function, in manifest order. */
export const functionNames = Object.keys(functionManifest) as FunctionName[];

/** The functions API Gateway invokes, in manifest order. */
export const httpFunctionNames = functionNames.filter(
  (name): name is HttpFunctionName => functionManifest[name].trigger === 'http',
);

/**
 * The settings a function needs in AWS mode: its tables' variables and its `awsSettings`.
 *
 * @example loadConfig(requiredSettings('events')) // EVENTS_TABLE, DELIVERY_TABLE, …, EVENT_BUS_NAME, …
 */
export function requiredSettings(name: FunctionName): RequiredSetting[] {
  const entry: FunctionManifestEntry = functionManifest[name];
  const tables = Object.keys(tableAccessOf(name)).map((id) => {
    const definition = tableDefinitions.find((d) => d.id === id);
    if (!definition) throw new Error(`functionManifest.${name}: no table definition has the id "${id}"`);
    return definition.envVar as RequiredSetting;
  });
  const bus = publishesToBus(name) && !entry.awsSettings.includes('EVENT_BUS_NAME') ? ['EVENT_BUS_NAME' as const] : [];
  return [...tables, ...entry.awsSettings, ...bus];
}

/**
 * The tables a function is granted, with their access: its record's `tables`, plus read-write on
 * the audit table when it `audits`.
 *
 * @example tableAccessOf('contracts') // { Contracts: 'readWrite', Errors: 'read', Audit: 'readWrite' }
 */
export function tableAccessOf(name: FunctionName): Readonly<Record<string, TableAccess>> {
  const entry: FunctionManifestEntry = functionManifest[name];
  return entry.audits ? { ...entry.tables, [auditTable.id]: 'readWrite' } : entry.tables;
}

/** Whether a function puts events on the bus: its own (`publishesEvents`) or audit events (`audits`). */
export function publishesToBus(name: FunctionName): boolean {
  const entry: FunctionManifestEntry = functionManifest[name];
  return Boolean(entry.publishesEvents || entry.audits);
}

/**
 * Packages every function loads on first use (`import()`), never at init: the binary formats'
 * libraries (MessagePack, CBOR, Protobuf) and JSONata (transformers). They are left out of each function's bundle and shipped beside it in the deployment
 * package's `node_modules` (NodejsFunction `bundling.nodeModules`, installed from the lock file), so
 * a function that never sees MessagePack, CBOR or Protobuf neither parses nor evaluates them — its bundle and
 * cold start are those of a JSON-only function (`npm run bench` shows both, with and without them).
 * A package listed here must be a `dependencies` entry of package.json and be imported only
 * dynamically; a static import would load it at init.
 */
export const LAZY_LOADED_PACKAGES = ['@msgpack/msgpack', 'cbor2', 'protobufjs', 'jsonata'] as const;
