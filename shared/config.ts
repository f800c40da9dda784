import * as z from 'zod';
import { DEFAULT_ALGORITHMS, isRefusedAlgorithm } from './domain/auth/algorithms';
import {
  DEFAULT_MESH_MAX_IN_FLIGHT,
  DEFAULT_WEBHOOK_MAX_IN_FLIGHT,
  MAX_IN_FLIGHT_LIMIT,
} from './domain/concurrency/leases';
import { DEFAULT_MAX_CHECKS_PER_RUN, MAX_CHECKS_PER_RUN_LIMIT } from './domain/mesh/health-check-budget';
import { DEFAULT_QUOTA_LIMITS, type QuotaLimits } from './domain/quotas/quota';
import { BucketLimitSchema } from './domain/rate-limits/token-bucket';

/**
 * A per-tenant in-flight limit: a whole number 0–MAX_IN_FLIGHT_LIMIT, `off` or 0 for none (parsed
 * to 0).
 */
const maxInFlight = (fallback: number) =>
  z
    .union([z.literal('off').transform(() => 0), z.coerce.number().int().min(0).max(MAX_IN_FLIGHT_LIMIT)])
    .default(fallback);

/** A comma-separated list: entries trimmed, empty ones dropped (`'a, b,'` → `['a', 'b']`). */
const commaSeparated = () =>
  z.string().transform((v) =>
    v
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );

const ConfigSchema = z.object({
  /** Table names, set by `bindTable` in infra (and by the local runner); each function gets only its own. */
  CONTRACTS_TABLE: z.string().min(1).optional(),
  ERRORS_TABLE: z.string().min(1).optional(),
  EVENTS_TABLE: z.string().min(1).optional(),
  DELIVERY_TABLE: z.string().min(1).optional(),
  MESH_TABLE: z.string().min(1).optional(),
  AUDIT_TABLE: z.string().min(1).optional(),
  /**
   * How long audit records are kept, days: the audit table's TTL, and (infra) the audit log group's
   * retention, which CloudWatch Logs accepts only in its fixed steps (`auditRetentionDays` context).
   */
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(9999).default(365),
  /** The RateLimits table: the token buckets of the rate limiter (set for the functions serving rate-limited routes). */
  RATE_LIMITS_TABLE: z.string().min(1).optional(),
  /**
   * Whether the functions that hold the RateLimits table limit rates at all (routes and contract
   * endpoints). `on` by default, in AWS and locally; `off` is an operator's deliberate choice to
   * serve unlimited (e.g. while the table is unreachable: the limiter fails closed, never open, by
   * itself). The handler tests of other concerns run with it off.
   */
  RATE_LIMITING: z.enum(['on', 'off']).default('on'),
  /**
   * Per operation id, the rate limit replacing the route table's default (issue 11), comma-separated:
   * `<operationId>=<requestsPerSecond>/<burstSize>`, or `<operationId>=off` for no limit, e.g.
   * `routeCall=200/400,startReplay=off`. Each tenant has its own bucket per operation.
   */
  RATE_LIMITS: z
    .string()
    .default('')
    .transform((value, ctx) => rateLimitEntries(value, ctx)),
  /**
   * Outbound budgets: mesh calls (MESH_…) and webhook deliveries (WEBHOOK_…) one tenant may have in
   * flight at once, counted across every Lambda instance in the RateLimits table; `off` or 0 for no
   * limit. A tenant at its mesh limit is answered 429 `urn:aif:problem:tenant-concurrency-exceeded`;
   * its deliveries wait on the queue. Kept below the function's reserved concurrency (infra checks
   * the context `meshMaxInFlightPerTenant` / `webhookMaxInFlightPerTenant`).
   */
  MESH_MAX_IN_FLIGHT_PER_TENANT: maxInFlight(DEFAULT_MESH_MAX_IN_FLIGHT),
  WEBHOOK_MAX_IN_FLIGHT_PER_TENANT: maxInFlight(DEFAULT_WEBHOOK_MAX_IN_FLIGHT),
  /** How long the mesh router trusts cached registrations, rules and breaker states, milliseconds. */
  MESH_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  /** Breaker defaults: consecutive failures to open, open time (ms), half-open probes. */
  BREAKER_FAILURE_THRESHOLD: z.coerce.number().int().min(1).max(1000).default(5),
  BREAKER_RESET_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  BREAKER_HALF_OPEN_REQUESTS: z.coerce.number().int().min(1).max(100).default(3),
  /** Health checks report (and with DEREGISTER_STALE, remove) instances failing for longer, milliseconds. */
  STALE_INSTANCE_AFTER_MS: z.coerce.number().int().min(60_000).default(600_000),
  DEREGISTER_STALE: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /**
   * Most mesh instances one health-check run checks, the least recently checked first; the rest
   * wait for the next runs (the report's `deferred`). Set by infra from the `healthCheckMaxPerRun`
   * context, locally by `--health-check-max-per-run`. @default 500
   */
  HEALTH_CHECK_MAX_PER_RUN: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_CHECKS_PER_RUN_LIMIT)
    .default(DEFAULT_MAX_CHECKS_PER_RUN),
  /**
   * Window over which one health-check run spreads its check starts, milliseconds, at most 15 min
   * (Lambda's longest timeout). Infra and the local runner set it to min(interval, function
   * timeout) − 15 s (`healthCheckSpreadMs`); the handler shortens it further to what the invocation
   * has left less 15 s. @default 0 (every check at once, bounded by the concurrency)
   */
  HEALTH_CHECK_SPREAD_MS: z.coerce.number().int().min(0).max(900_000).default(0),
  /** ARN of the custom bus (replay destination). */
  EVENT_BUS_ARN: z.string().min(1).optional(),
  /** The delivery queue: rule targets send to its ARN; redrive sends to its URL; the dispatcher changes visibility there. */
  DELIVERY_QUEUE_URL: z.string().min(1).optional(),
  /** The delivery DLQ's URL: `GET /v1/state` reads its depth (the system function). */
  DELIVERY_DLQ_URL: z.string().min(1).optional(),
  /** The events DLQ's URL (the subscription rules' DeadLetterConfig): `GET /v1/state` reads its depth. */
  EVENTS_DLQ_URL: z.string().min(1).optional(),
  DELIVERY_QUEUE_ARN: z.string().min(1).optional(),
  /** The queue EventBridge sends events to when it cannot deliver them to the delivery queue (target DeadLetterConfig). */
  EVENTS_DLQ_ARN: z.string().min(1).optional(),
  /** The bus archive replays read from. */
  EVENT_ARCHIVE_ARN: z.string().min(1).optional(),
  /** Subscription rules are named `<prefix><subscription id>`; the events function may manage only those. */
  SUBSCRIPTION_RULE_PREFIX: z
    .string()
    .min(1)
    .max(24)
    .regex(/^[A-Za-z0-9._-]+$/)
    .default('aif-sub-'),
  /**
   * The customer-managed KMS key (alias ARN) that seals webhook signing secrets (AWS mode): the events
   * function encrypts with it, the dispatcher decrypts; the local runner uses a local key instead.
   */
  WEBHOOK_SECRET_KEY_ARN: z.string().min(1).optional(),
  /** How long a rotated-out webhook secret keeps signing beside the new one, seconds (a request may name its own). */
  WEBHOOK_SECRET_OVERLAP_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 3600)
    .default(24 * 3600),
  /** How long the event log keeps events, days (dead letters expire with them). */
  EVENT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /**
   * Largest PutEvents entry, bytes. EventBridge takes 1 MiB (256 KB until 2026), and so does SQS
   * per message; 4 KiB stay free for the delivery message's wrapper (subscription id, JSON), so
   * whatever is published can also be delivered.
   */
  MAX_EVENT_ENTRY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1_048_576)
    .default(1_048_576 - 4096),
  /** SSRF policy of outbound calls: loopback and private targets are refused unless allowed. */
  OUTBOUND_ALLOW_LOOPBACK: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  OUTBOUND_ALLOW_PRIVATE: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** Comma-separated CIDRs or host names always allowed as outbound targets. */
  OUTBOUND_ALLOWLIST: commaSeparated().default([]),
  /**
   * Let an allowlisted host name resolve to loopback, link-local and unspecified addresses too
   * (`trustAllowlistedDns`); off, those DNS answers are refused for allowlisted names as for any other.
   */
  OUTBOUND_TRUST_ALLOWLISTED_DNS: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /**
   * Instances, health endpoints and webhooks must be `https:` (registration and subscription answer
   * 422 naming the URL field otherwise; calls to stored `http:` URLs are refused). On unless turned
   * off: the local runner sets `false`.
   */
  OUTBOUND_REQUIRE_HTTPS: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  /**
   * Name prefix of the mesh's upstream credential secrets: a tenant's service may reference only
   * `<prefix><tenant>/…` (infra sets `aif/<stack name>/mesh/` and grants GetSecretValue on it alone).
   */
  MESH_SECRET_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9/_+=.@-]{1,256}$/)
    .default('aif/local/mesh/'),
  /** How long the router keeps a fetched upstream secret, seconds (Powertools Parameters `maxAge`). */
  MESH_SECRET_MAX_AGE_SECONDS: z.coerce.number().int().min(0).max(3600).default(300),
  /** Name of the framework's EventBridge custom bus (AWS mode). */
  EVENT_BUS_NAME: z.string().min(1).optional(),
  /** How long a Lambda instance caches the stored error policies, milliseconds. */
  ERROR_POLICY_CACHE_TTL_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  /** Largest accepted request body, bytes. API Gateway REST accepts 10 MB and Lambda 6 MB of payload; contracts stay far below. */
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(2 * 1024 * 1024),
  /**
   * The authorizer's token checks (functions/authorizer; issue 10). All optional here so no other
   * function is affected; the authorizer's wiring requires issuer, JWKS URL, and exactly one of
   * audience and Cognito client ids. AUTH_ISSUER: the exact `iss`. AUTH_AUDIENCE: accepted `aud`
   * values, comma-separated. AUTH_JWKS_URL: the issuer's JWKS — the only source of keys.
   */
  AUTH_ISSUER: z.string().min(1).optional(),
  AUTH_AUDIENCE: commaSeparated().optional(),
  AUTH_JWKS_URL: z.url().optional(),
  /** Cognito mode: the app client ids whose access tokens are accepted (`client_id`; Cognito tokens have no `aud`). */
  AUTH_COGNITO_CLIENT_IDS: commaSeparated().optional(),
  /** Accepted JWS algorithms, comma-separated; `none` and HS* are refused (RFC 8725 §2.1). */
  AUTH_ALGORITHMS: commaSeparated()
    .default([...DEFAULT_ALGORITHMS])
    .refine((list) => list.length > 0 && !list.some(isRefusedAlgorithm), {
      message: 'must list asymmetric JWS algorithms only (none and HS* are refused)',
    }),
  /**
   * Only scopes with this prefix count, and without it: Cognito access tokens carry a resource
   * server's scopes as `<resource-server-id>/<scope>` (the gateway wiring sets `<id>/` in cognito mode).
   */
  AUTH_SCOPE_PREFIX: z.string().min(1).optional(),
  /**
   * Whether the HTTP functions check callers themselves (the `authorize` middleware, defence in
   * depth behind the gateway): `token` — an authorizer context holding the route's scopes; `iam` —
   * a SigV4-authenticated identity (the gateway's IAM check has matched the scope policies);
   * `none` — off (the default: local mode and handler tests). Infra sets it in every auth mode but `none`.
   */
  AUTH_ENFORCED: z.enum(['none', 'token', 'iam']).default('none'),
  /**
   * The OAuth 2.0 token endpoint agents get tokens from (client-credentials grant), declared in the
   * OpenAPI document's `oauth2` scheme; infra sets Cognito's `/oauth2/token` in cognito mode.
   */
  AUTH_TOKEN_URL: z.url().optional(),
  /** The claim naming the caller's tenant; without it a caller is its own tenant. */
  AUTH_TENANT_CLAIM: z.string().min(1).default('tenant'),
  /** Clock skew accepted on `exp` and `nbf`, seconds. */
  AUTH_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(60).default(30),
  /** The authorizer result TTL API Gateway is configured with, seconds (0–3600; the gateway wiring sets it). */
  /**
   * Require certificate-bound access tokens (RFC 8705): `cnf["x5t#S256"]` must match the request's
   * mutual-TLS client certificate. Infra sets it with context `mtlsBindTokens=true` (needs an mTLS
   * domain) and then caches no authorizer answer: the cache is keyed by the token alone.
   */
  AUTH_BIND_CLIENT_CERTIFICATE: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
  AUTH_CACHE_TTL_SECONDS: z.coerce.number().int().min(0).max(3600).default(300),
  /**
   * Tenant quotas (issue 11), each answered 409 `urn:aif:problem:quota-exceeded` naming the quota
   * and its value when exceeded: registered instances per tenant and per service of a tenant,
   * bytes of an instance's metadata JSON, subscriptions and routing rules per tenant.
   */
  QUOTA_INSTANCES_PER_TENANT: z.coerce.number().int().min(1).default(DEFAULT_QUOTA_LIMITS.instancesPerTenant),
  QUOTA_INSTANCES_PER_SERVICE: z.coerce.number().int().min(1).default(DEFAULT_QUOTA_LIMITS.instancesPerService),
  QUOTA_INSTANCE_METADATA_BYTES: z.coerce
    .number()
    .int()
    .min(2)
    .max(100_000)
    .default(DEFAULT_QUOTA_LIMITS.instanceMetadataBytes),
  QUOTA_SUBSCRIPTIONS_PER_TENANT: z.coerce.number().int().min(1).default(DEFAULT_QUOTA_LIMITS.subscriptionsPerTenant),
  QUOTA_ROUTING_RULES_PER_TENANT: z.coerce.number().int().min(1).default(DEFAULT_QUOTA_LIMITS.routingRulesPerTenant),
  /**
   * Most subscription rules on the bus, all tenants together: EventBridge allows 300 rules per event
   * bus by default (adjustable); the default 280 leaves room for operators' rules. Beyond it a new
   * subscription is answered 503 `urn:aif:problem:service-quota-exceeded`. Raise it with the AWS quota.
   */
  SUBSCRIPTION_RULES_LIMIT: z.coerce.number().int().min(1).default(DEFAULT_QUOTA_LIMITS.subscriptionRulesPerBus),
  /** Endpoint override for DynamoDB (dynalite locally, LocalStack…); the SDK also reads AWS_ENDPOINT_URL(_DYNAMODB) itself. */
  DYNAMODB_ENDPOINT: z.url().optional(),
});

/** The functions' configuration, from environment variables. */
export type Config = z.infer<typeof ConfigSchema>;

/** Settings that are optional in general but that a particular function cannot run without. */
type OptionalSetting = { [K in keyof Config]-?: undefined extends Config[K] ? K : never }[keyof Config];

/**
 * Parses the environment once (per cold start, when a handler module is loaded).
 *
 * @param required - settings this function cannot run without (its tables, the bus name)
 * @throws {Error} naming every missing or invalid variable — a deployment defect, not client input
 * @example const config = loadConfig(['CONTRACTS_TABLE']);
 */
export function loadConfig<K extends OptionalSetting = never>(
  required: readonly K[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Config & { [P in K]-?: NonNullable<Config[P]> } {
  const parsed = ConfigSchema.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  for (const name of required) {
    if (parsed.success && parsed.data[name] === undefined) problems.push(`${name}: is required by this function`);
  }
  if (!parsed.success || problems.length > 0) throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  return parsed.data as Config & { [P in K]-?: NonNullable<Config[P]> };
}

/**
 * A setting a function cannot run without (a table name, the bus name in AWS mode).
 *
 * @throws {Error} naming the missing variable — a deployment defect
 */
export function requireSetting<K extends keyof Config>(config: Config, name: K): NonNullable<Config[K]> {
  const value = config[name];
  if (value === undefined || value === null) throw new Error(`Invalid configuration: ${String(name)} is required`);
  return value as NonNullable<Config[K]>;
}

/** One RATE_LIMITS entry's limit: a bucket shape, or `off`. */
export type RateLimitSetting = z.infer<typeof BucketLimitSchema> | 'off';

/**
 * A RATE_LIMITS value as a record by operation id (the infra reads context `rateLimits` with it).
 *
 * @throws {Error} naming every malformed entry
 * @example parseRateLimits('routeCall=200/400,startReplay=off') // { routeCall: { requestsPerSecond: 200, burstSize: 400 }, startReplay: 'off' }
 */
export function parseRateLimits(value: string): Record<string, RateLimitSetting> {
  const parsed = z
    .string()
    .transform((text, ctx) => rateLimitEntries(text, ctx))
    .safeParse(value);
  if (!parsed.success) throw new Error(`Invalid rate limits: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return parsed.data;
}

/**
 * The setting's text of a record of limits (what `parseRateLimits` reads back).
 *
 * @example formatRateLimits({ routeCall: { requestsPerSecond: 200, burstSize: 400 } }) // 'routeCall=200/400'
 */
export function formatRateLimits(limits: Readonly<Record<string, RateLimitSetting>>): string {
  return Object.entries(limits)
    .map(([operationId, limit]) =>
      limit === 'off' ? `${operationId}=off` : `${operationId}=${limit.requestsPerSecond}/${limit.burstSize}`,
    )
    .join(',');
}

/** RATE_LIMITS as a record by operation id; every malformed entry is an issue of the setting. */
function rateLimitEntries(value: string, ctx: z.RefinementCtx): Record<string, RateLimitSetting> {
  const limits: Record<string, RateLimitSetting> = {};
  for (const entry of value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const match = /^([A-Za-z][A-Za-z0-9]*)=(?:(off)|([0-9]+(?:\.[0-9]+)?)\/([0-9]+))$/.exec(entry);
    const parsed = match?.[2]
      ? 'off'
      : BucketLimitSchema.safeParse({ requestsPerSecond: Number(match?.[3]), burstSize: Number(match?.[4]) });
    if (!match || (parsed !== 'off' && !parsed.success)) {
      ctx.addIssue({
        code: 'custom',
        message: `entry "${entry}" must be <operationId>=<requestsPerSecond>/<burstSize> (0 < rate ≤ 1000, whole burst 1–100000) or <operationId>=off`,
      });
      continue;
    }
    limits[match[1] as string] = parsed === 'off' ? 'off' : (parsed.data as z.infer<typeof BucketLimitSchema>);
  }
  return limits;
}

/**
 * The quota values of a configuration (`QUOTA_*` and `SUBSCRIPTION_RULES_LIMIT`).
 *
 * @example quotaLimitsOf(loadConfig()).subscriptionsPerTenant // 100 without settings
 */
export function quotaLimitsOf(config: Config): QuotaLimits {
  return {
    instancesPerTenant: config.QUOTA_INSTANCES_PER_TENANT,
    instancesPerService: config.QUOTA_INSTANCES_PER_SERVICE,
    instanceMetadataBytes: config.QUOTA_INSTANCE_METADATA_BYTES,
    subscriptionsPerTenant: config.QUOTA_SUBSCRIPTIONS_PER_TENANT,
    routingRulesPerTenant: config.QUOTA_ROUTING_RULES_PER_TENANT,
    subscriptionRulesPerBus: config.SUBSCRIPTION_RULES_LIMIT,
  };
}

/**
 * A per-tenant in-flight limit as the settings take it (infra reads the context with it).
 *
 * @returns the limit; 0 for `off` / 0 (no limit)
 * @throws {Error} when the value is neither `off` nor a whole number 0–1000
 * @example parseMaxInFlight('off') // 0
 */
export function parseMaxInFlight(value: string): number {
  const parsed = maxInFlight(0).safeParse(value.trim());
  if (!parsed.success) throw new Error(`must be off or a whole number 0–${MAX_IN_FLIGHT_LIMIT}, got "${value}"`);
  return parsed.data;
}
