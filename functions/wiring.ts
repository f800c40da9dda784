import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createPolicyRetryStrategy } from '../shared/adapters/aws/policy-retry-strategy';
import { DynamoDbConcurrencyLimiter } from '../shared/adapters/dynamodb/concurrency-limiter';
import { createDocumentClient } from '../shared/adapters/dynamodb/document-client';
import { DynamoDbErrorPolicyRepository } from '../shared/adapters/dynamodb/error-policy-repository';
import { DynamoDbTokenBucketStore } from '../shared/adapters/dynamodb/token-bucket-store';
import { EventBridgeEventPublisher } from '../shared/adapters/eventbridge/event-publisher';
import { SafeHttpClient, type SafeHttpClientOptions } from '../shared/adapters/http/safe-http-client';
import { type Config, loadConfig, requireSetting } from '../shared/config';
import type { OutboundScope } from '../shared/domain/concurrency/leases';
import type { OutboundAddressRules } from '../shared/domain/net/outbound-address-rules';
import type { HttpHandlerOptions } from '../shared/middleware/http-api';
import { createObservability, type Observability } from '../shared/observability/powertools';
import { TracedHttpClient } from '../shared/observability/traced-http-client';
import type { AuditTrail } from '../shared/ports/audit-trail';
import { type Clock, nowMs, systemClock } from '../shared/ports/clock';
import type { EventPublisher } from '../shared/ports/event-publisher';
import type { HttpClient } from '../shared/ports/http-client';
import { ErrorPolicyCache } from '../shared/use-cases/error-policy-cache';
import { OutboundBudget } from '../shared/use-cases/outbound-budget';
import { RateLimiter } from '../shared/use-cases/rate-limiter';
import { awsAuditTrail } from './audit-wiring';
import { type FunctionManifestEntry, type FunctionName, functionManifest, requiredSettings } from './manifest';
import { checkedRateLimits, holdsRateLimitsTable } from './rate-limits';

/**
 * What every function is built on, whatever the mode: its configuration, Powertools, one DynamoDB
 * document client whose retries follow the error policies, the policy store and cache, the clock.
 * Built once per cold start (AWS) or once per local server.
 */
export type FunctionBase = {
  config: Config;
  observability: Observability;
  documentClient: DynamoDBDocumentClient;
  policyStore: DynamoDbErrorPolicyRepository;
  policyCache: ErrorPolicyCache;
  clock: Clock;
  /**
   * Where the function's audit records go (manifest `audits`): the table and the bus in AWS, the
   * log, the table and the in-process bus locally. Absent: the function records none.
   */
  audit?: AuditTrail;
  /**
   * The token buckets of the rate-limited routes (and the mesh router's contract limits), on the
   * RateLimits table: present when the function holds that table (function manifest) and
   * RATE_LIMITS_TABLE is set. One per function instance, shared by the middleware and the router.
   */
  rateLimiter?: RateLimiter;
};

/**
 * Builds a function's base from an already parsed configuration. The document client's retries
 * (throttling, 5xx, network errors) are decided by the error policies — the stored ones, cached for
 * `ERROR_POLICY_CACHE_TTL_MS` and refreshed in the background, the built-in ones until the first
 * load — with at most 5 s of retry delay per call, so API requests stay inside API Gateway's 29 s.
 * Each retry is logged.
 *
 * When the function holds the RateLimits table (function manifest), RATE_LIMITS_TABLE is set and
 * RATE_LIMITING is `on`, the base has the rate limiter on it, and RATE_LIMITS is checked against
 * the route table.
 *
 * @param name - the function (Powertools service name)
 * @param config - parsed settings; `ERRORS_TABLE` is required
 * @param clock - the time source every use case of the function reads
 * @throws {Error} when ERRORS_TABLE is missing, or RATE_LIMITS names an operation that is not
 *   rate-limitable — a deployment defect
 */
export function functionBase(name: FunctionName, config: Config, clock: Clock = systemClock): FunctionBase {
  const observability = createObservability(name);
  const { logger } = observability;
  let policyCache: ErrorPolicyCache | undefined;
  const documentClient = createDocumentClient(config.DYNAMODB_ENDPOINT, {
    retryStrategy: createPolicyRetryStrategy({
      source: 'dynamodb',
      policies: () => policyCache?.current() ?? new Map(),
      now: () => nowMs(clock),
      onRetry: (error, resolution) =>
        logger.warn('DynamoDB call failed; retrying', { error: error.toJSON(), resolution }),
    }),
    instrument: (client) => observability.tracer.captureAWSv3Client(client),
  });
  const policyStore = new DynamoDbErrorPolicyRepository(documentClient, requireSetting(config, 'ERRORS_TABLE'));
  policyCache = new ErrorPolicyCache(policyStore, clock, {
    ttlMs: config.ERROR_POLICY_CACHE_TTL_MS,
    onRefreshError: (error) =>
      logger.warn('Error policies could not be refreshed; using the last loaded copy', { error: String(error) }),
  });
  const rateLimiter =
    config.RATE_LIMITING === 'on' && config.RATE_LIMITS_TABLE !== undefined && holdsRateLimitsTable(name)
      ? new RateLimiter({ store: new DynamoDbTokenBucketStore(documentClient, config.RATE_LIMITS_TABLE), clock })
      : undefined;
  if (rateLimiter) checkedRateLimits(config.RATE_LIMITS);
  return {
    config,
    observability,
    documentClient,
    policyStore,
    policyCache,
    clock,
    ...(rateLimiter && { rateLimiter }),
  };
}

/**
 * The AWS composition root's base for one function: settings from the environment, checked against
 * the function manifest (its tables and `awsSettings`), the wall clock, and — when the record
 * `audits` — the AWS audit trail (`awsAuditTrail`).
 *
 * @param overrides - tests pass an environment and a fixed clock here
 * @throws {Error} naming every missing or invalid variable — a deployment defect
 */
export function awsFunctionBase(
  name: FunctionName,
  overrides: { env?: NodeJS.ProcessEnv; clock?: Clock } = {},
): FunctionBase {
  const base = functionBase(name, loadConfig(requiredSettings(name), overrides.env), overrides.clock);
  const entry: FunctionManifestEntry = functionManifest[name];
  return entry.audits
    ? { ...base, audit: awsAuditTrail(base.config, base.documentClient, traced(base, new EventBridgeClient({}))) }
    : base;
}

/**
 * The HTTP pipeline's options for a function built on `base`: the `authorize` middleware is on
 * when AUTH_ENFORCED is `token` or `iam` (set by infra in every auth mode but `none`), off otherwise;
 * the audit trail middleware is on when the base has a trail; the `rateLimit` middleware when it
 * has a rate limiter (with the RATE_LIMITS overrides).
 */
export function httpOptions(base: FunctionBase): HttpHandlerOptions {
  const { config } = base;
  return {
    observability: base.observability,
    maxBodyBytes: config.MAX_BODY_BYTES,
    ...(base.audit && { audit: { trail: base.audit, clock: base.clock } }),
    ...(base.rateLimiter && { rateLimit: { limiter: base.rateLimiter, overrides: config.RATE_LIMITS } }),
    ...(config.AUTH_ENFORCED !== 'none' && {
      authorize: {
        clock: base.clock,
        clockToleranceSeconds: config.AUTH_CLOCK_TOLERANCE_SECONDS,
        identity: config.AUTH_ENFORCED,
      },
    }),
  };
}

// Lives in shared/config.ts so that lean functions (the authorizer) need not load this module's AWS clients.
export { requireSetting } from '../shared/config';

/**
 * The outbound SSRF rules from OUTBOUND_ALLOW_LOOPBACK, OUTBOUND_ALLOW_PRIVATE, OUTBOUND_ALLOWLIST,
 * OUTBOUND_TRUST_ALLOWLISTED_DNS and OUTBOUND_REQUIRE_HTTPS.
 */
export function outboundRulesOf(config: Config): OutboundAddressRules {
  return {
    allowLoopback: config.OUTBOUND_ALLOW_LOOPBACK,
    allowPrivate: config.OUTBOUND_ALLOW_PRIVATE,
    allowlist: config.OUTBOUND_ALLOWLIST,
    trustAllowlistedDns: config.OUTBOUND_TRUST_ALLOWLISTED_DNS,
    requireHttps: config.OUTBOUND_REQUIRE_HTTPS,
  };
}

/**
 * An AWS SDK v3 client whose calls are X-Ray subsegments (Powertools `captureAWSv3Client`: the
 * service, operation, region, request id and resource — table, queue URL — never a payload). With
 * tracing disabled (POWERTOOLS_TRACE_ENABLED=false, outside Lambda) the client is returned unchanged.
 *
 * @example const queue = new SqsDeliveryQueue(traced(base, new SQSClient({})), url);
 */
export function traced<T>(base: Pick<FunctionBase, 'observability'>, client: T): T {
  return base.observability.tracer.captureAWSv3Client(client);
}

/**
 * An outbound HTTP client traced by host only ({@link TracedHttpClient}): the SSRF-safe client with
 * the function's OUTBOUND_* rules, an X-Ray subsegment per request naming its origin, never its path.
 */
export function outboundHttp(
  base: Pick<FunctionBase, 'config' | 'observability'>,
  options: SafeHttpClientOptions = {},
): HttpClient {
  return new TracedHttpClient(new SafeHttpClient(outboundRulesOf(base.config), options), base.observability.tracer);
}

/**
 * The framework's EventBridge custom bus (EVENT_BUS_NAME), for the functions that publish in AWS mode; traced.
 *
 * @throws {Error} when EVENT_BUS_NAME is missing
 */
export function eventBridgePublisher(
  base: Pick<FunctionBase, 'config' | 'observability'>,
  client = new EventBridgeClient({}),
): EventPublisher {
  const { config } = base;
  return new EventBridgeEventPublisher(traced(base, client), requireSetting(config, 'EVENT_BUS_NAME'), {
    maxEntryBytes: config.MAX_EVENT_ENTRY_BYTES,
  });
}

/**
 * The per-tenant budget of outbound calls in flight of one scope, on the RateLimits table:
 * MESH_MAX_IN_FLIGHT_PER_TENANT (`mesh`) or WEBHOOK_MAX_IN_FLIGHT_PER_TENANT (`webhook`). Failed
 * releases are logged (the lease then frees itself at expiry).
 *
 * @returns the budget, or undefined when the setting is `off` / 0
 * @throws {Error} when the budget is on and RATE_LIMITS_TABLE is missing — a deployment defect
 */
export function outboundBudgetOf(base: FunctionBase, scope: OutboundScope): OutboundBudget | undefined {
  const { config, observability } = base;
  const maxInFlight = scope === 'mesh' ? config.MESH_MAX_IN_FLIGHT_PER_TENANT : config.WEBHOOK_MAX_IN_FLIGHT_PER_TENANT;
  if (maxInFlight === 0) return undefined;
  const limiter = new DynamoDbConcurrencyLimiter(base.documentClient, requireSetting(config, 'RATE_LIMITS_TABLE'));
  return new OutboundBudget(
    { limiter, clock: base.clock },
    {
      scope,
      maxInFlight,
      onReleaseError: (error) =>
        observability.logger.warn('A concurrency lease could not be released; it expires by itself', {
          scope,
          error: String(error),
        }),
    },
  );
}
