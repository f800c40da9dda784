import { Duration } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { DEFAULT_ALGORITHMS, isRefusedAlgorithm } from '../shared/domain/auth/algorithms';
import { DEFAULT_MAX_CHECKS_PER_RUN, MAX_CHECKS_PER_RUN_LIMIT } from '../shared/domain/mesh/health-check-budget';
import { assertSubscriptionRulePrefix } from './constructs/subscription-rules';

/** How callers authenticate (context `authMode`): see the README's "Authentication". */
export type AuthMode = 'cognito' | 'jwt' | 'iam' | 'none';

/** Settings shared by the modes that verify bearer tokens with the Lambda authorizer. */
type TokenSettings = {
  /**
   * How long API Gateway caches an authorizer answer per `Authorization` value (context
   * `authCacheTtlSeconds`, 0–3600, default 300). Safe to cache: the answer allows exactly the
   * routes the token's scopes allow, whichever route was called, and the functions refuse a cached
   * answer past the token's `exp`. Longer saves authorizer calls; shorter bounds how long a
   * revoked-but-unexpired token keeps working (JWTs are not revocable before `exp` anyway).
   */
  cacheTtl: Duration;
  /** Accepted JWS algorithms (context `authAlgorithms`, comma-separated). @default RS256, ES256, EdDSA */
  algorithms?: string[];
  /** The claim naming the tenant (context `authTenantClaim`). @default 'tenant' */
  tenantClaim?: string;
};

/** One Cognito app client for agents: its name (`aif-<name>`) and scopes (undefined: every scope). */
export type AgentClientSettings = { readonly name: string; readonly scopes?: readonly string[] };

/** The authentication of the API, by mode. */
export type AuthSettings =
  | ({
      mode: 'cognito';
      /** Import this user pool (context `authUserPoolId`) instead of creating one. */
      userPoolId?: string;
      /** Hosted domain prefix (context `authCognitoDomainPrefix`). @default aif-<stage>-<account> for a created pool, none for an imported one */
      domainPrefix?: string;
      /** The resource server's identifier, the scopes' prefix (context `authResourceServerId`). @default 'aif' */
      resourceServerId: string;
      /**
       * The agents' app clients (context `authAgentClients`, a JSON object of client name → scopes,
       * space-separated, or `"*"` for every scope; e.g. `{"planner":"mesh:call events:write","ops":"*"}`).
       * Each gets the client-credentials grant and its own id and secret; a Cognito access token
       * carries no tenant claim, so each client is its own tenant. @default one client `agents` with every scope
       */
      agentClients?: ReadonlyArray<AgentClientSettings>;
    } & TokenSettings)
  | ({
      mode: 'jwt';
      /** The exact `iss` (context `authIssuer`, required). */
      issuer: string;
      /** Accepted `aud` values (context `authAudience`, comma-separated, required). */
      audience: string[];
      /** The issuer's JWKS (context `authJwksUrl`). @default <issuer>/.well-known/jwks.json */
      jwksUrl: string;
    } & TokenSettings)
  | { mode: 'iam' }
  | {
      mode: 'none';
      /** Why this stage is unauthenticated (context `authNoneReason`, required). */
      reason: string;
    };

/** The deployment settings read from CDK context (`cdk.json` or `cdk synth -c key=value`). */
export type AppContext = {
  /** Deployment name: stack names `Aif-<stage>-Stateful` / `Aif-<stage>-Api` and the API Gateway stage name. */
  stage: string;
  /** Steady-state request rate the API stage accepts, requests per second. */
  throttleRateLimit: number;
  /** Burst the API stage absorbs above the steady rate, requests. */
  throttleBurstLimit: number;
  /** How long function logs and API access logs are kept. */
  logRetention: RetentionDays;
  /** How long the bus archive keeps events for replays (context `eventArchiveRetentionDays`, whole days). */
  eventArchiveRetention: Duration;
  /**
   * Name prefix of the subscription rules on the bus (context `subscriptionRulePrefix`): the events
   * function may manage only the rules named with it. Defaults to `aif-<stage>-sub-`.
   */
  subscriptionRulePrefix: string;
  /**
   * How often the scheduled health check probes every registered mesh instance (context
   * `healthCheckIntervalMinutes`, whole minutes: EventBridge Scheduler's rate expressions).
   */
  healthCheckInterval: Duration;
  /**
   * Most mesh instances one health-check run checks (context `healthCheckMaxPerRun`, a whole number
   * from 1 to 10 000, default 500): the least recently checked first, the rest in the next runs.
   * Each run spreads its starts over min(interval, the function's 60 s timeout) − 15 s.
   */
  healthCheckMaxPerRun: number;
  /** Who may call the API (context `authMode` and the `auth*` settings). @default cognito */
  auth: AuthSettings;
  /**
   * How long audit records are kept (context `auditRetentionDays`): the audit log group's retention
   * (one of CloudWatch Logs' steps) and the audit table's TTL.
   */
  auditRetention: RetentionDays;
  /** 401/403 answers within 5 minutes that raise the auth-failure alarm (context `authFailureAlarmThreshold`). */
  authFailureAlarmThreshold: number;
};

/** The values used when the context leaves a setting out. */
export const defaultAppContext: AppContext = {
  stage: 'dev',
  throttleRateLimit: 100,
  throttleBurstLimit: 200,
  logRetention: RetentionDays.ONE_MONTH,
  eventArchiveRetention: Duration.days(30),
  subscriptionRulePrefix: subscriptionRulePrefixOf('dev'),
  healthCheckInterval: Duration.minutes(1),
  healthCheckMaxPerRun: DEFAULT_MAX_CHECKS_PER_RUN,
  auth: { mode: 'cognito', resourceServerId: 'aif', cacheTtl: Duration.seconds(300) },
  auditRetention: RetentionDays.ONE_YEAR,
  authFailureAlarmThreshold: 50,
};

/**
 * The default subscription rule prefix of a stage, `aif-<stage>-sub-`.
 *
 * @example subscriptionRulePrefixOf('prod') // 'aif-prod-sub-'
 */
export function subscriptionRulePrefixOf(stage: string): string {
  return `aif-${stage}-sub-`;
}

// Stack names allow [A-Za-z0-9-]; API Gateway stage names allow [A-Za-z0-9_-]: keep the intersection.
const STAGE_PATTERN = /^[A-Za-z][A-Za-z0-9-]{0,63}$/;
const RETENTION_DAYS = new Set<number>(
  Object.values(RetentionDays).filter((v): v is RetentionDays => typeof v === 'number'),
);

/**
 * Reads and checks the app's context settings, applying defaults. Values given with
 * `-c key=value` arrive as strings, so numbers are parsed here.
 *
 * @param node - the app's construct node (`app.node`)
 * @returns every setting, defaults filled in
 * @throws {Error} when a value is malformed: a stage name with characters a stack or API stage name
 *   cannot hold, a non-positive throttle, a `logRetentionDays` CloudWatch Logs does not offer, an
 *   `eventArchiveRetentionDays` that is not a whole number of days, or a subscription rule prefix
 *   (given, or derived from a long stage name) that EventBridge rule names cannot start with, or a
 *   `healthCheckIntervalMinutes` that is not a whole number of minutes, or a `healthCheckMaxPerRun`
 *   that is not a whole number from 1 to 10 000
 * @example
 * const context = readAppContext(app.node); // { stage: 'dev', throttleRateLimit: 100, ... }
 */
export function readAppContext(node: Node): AppContext {
  const stage = String(node.tryGetContext('stage') ?? defaultAppContext.stage);
  if (!STAGE_PATTERN.test(stage)) {
    throw new Error(`Context "stage" must match ${STAGE_PATTERN} (letters, digits, hyphens), got "${stage}"`);
  }
  const throttleRateLimit = positiveNumber(node, 'throttleRateLimit', defaultAppContext.throttleRateLimit);
  const throttleBurstLimit = positiveNumber(node, 'throttleBurstLimit', defaultAppContext.throttleBurstLimit);
  if (!Number.isInteger(throttleBurstLimit)) {
    throw new Error(`Context "throttleBurstLimit" must be a whole number of requests, got ${throttleBurstLimit}`);
  }
  const logRetentionDays = positiveNumber(node, 'logRetentionDays', defaultAppContext.logRetention);
  if (!RETENTION_DAYS.has(logRetentionDays)) {
    const allowed = [...RETENTION_DAYS].join(', ');
    throw new Error(`Context "logRetentionDays" must be one of ${allowed}, got ${logRetentionDays}`);
  }
  const eventArchiveRetentionDays = positiveNumber(
    node,
    'eventArchiveRetentionDays',
    defaultAppContext.eventArchiveRetention.toDays(),
  );
  if (!Number.isInteger(eventArchiveRetentionDays)) {
    throw new Error(
      `Context "eventArchiveRetentionDays" must be a whole number of days, got ${eventArchiveRetentionDays}`,
    );
  }
  const subscriptionRulePrefix = String(
    node.tryGetContext('subscriptionRulePrefix') ?? subscriptionRulePrefixOf(stage),
  );
  try {
    assertSubscriptionRulePrefix(subscriptionRulePrefix);
  } catch (error) {
    throw new Error(
      `Context "subscriptionRulePrefix" (default aif-<stage>-sub-): ${(error as Error).message}; set a shorter one with -c subscriptionRulePrefix=…`,
    );
  }
  const healthCheckIntervalMinutes = positiveNumber(
    node,
    'healthCheckIntervalMinutes',
    defaultAppContext.healthCheckInterval.toMinutes(),
  );
  if (!Number.isInteger(healthCheckIntervalMinutes)) {
    throw new Error(
      `Context "healthCheckIntervalMinutes" must be a whole number of minutes, got ${healthCheckIntervalMinutes}`,
    );
  }
  const healthCheckMaxPerRun = positiveNumber(node, 'healthCheckMaxPerRun', defaultAppContext.healthCheckMaxPerRun);
  if (!Number.isInteger(healthCheckMaxPerRun) || healthCheckMaxPerRun > MAX_CHECKS_PER_RUN_LIMIT) {
    throw new Error(
      `Context "healthCheckMaxPerRun" must be a whole number of instances from 1 to ${MAX_CHECKS_PER_RUN_LIMIT}, got ${healthCheckMaxPerRun}`,
    );
  }
  const auditRetentionDays = positiveNumber(node, 'auditRetentionDays', defaultAppContext.auditRetention);
  if (!RETENTION_DAYS.has(auditRetentionDays)) {
    const allowed = [...RETENTION_DAYS].join(', ');
    throw new Error(`Context "auditRetentionDays" must be one of ${allowed}, got ${auditRetentionDays}`);
  }
  const authFailureAlarmThreshold = positiveNumber(
    node,
    'authFailureAlarmThreshold',
    defaultAppContext.authFailureAlarmThreshold,
  );
  return {
    stage,
    throttleRateLimit,
    throttleBurstLimit,
    logRetention: logRetentionDays as RetentionDays,
    eventArchiveRetention: Duration.days(eventArchiveRetentionDays),
    subscriptionRulePrefix,
    healthCheckInterval: Duration.minutes(healthCheckIntervalMinutes),
    healthCheckMaxPerRun,
    auth: readAuthSettings(node),
    auditRetention: auditRetentionDays as RetentionDays,
    authFailureAlarmThreshold,
  };
}

const AUTH_MODES: readonly AuthMode[] = ['cognito', 'jwt', 'iam', 'none'];

/**
 * The `auth*` context settings (see {@link AuthSettings}).
 *
 * @throws {Error} when `authMode` is unknown; `jwt` lacks `authIssuer` or `authAudience`, or an
 *   issuer / JWKS URL is not https; `none` lacks `authNoneReason`; `authAlgorithms` names `none`
 *   or an HS* algorithm; `authCacheTtlSeconds` is not a whole number in 0–3600
 */
export function readAuthSettings(node: Node): AuthSettings {
  const mode = (optionalString(node, 'authMode') ?? 'cognito') as AuthMode;
  if (!AUTH_MODES.includes(mode)) {
    throw new Error(`Context "authMode" must be one of ${AUTH_MODES.join(', ')}, got "${mode}"`);
  }
  if (mode === 'iam') return { mode };
  if (mode === 'none') {
    const reason = optionalString(node, 'authNoneReason');
    if (!reason) {
      throw new Error(
        'Context "authMode" is none: every route would be open to anyone. Give the reason with -c authNoneReason="…" (and expect cdk-nag errors until you acknowledge them)',
      );
    }
    return { mode, reason };
  }
  const cacheTtlSeconds = Number(node.tryGetContext('authCacheTtlSeconds') ?? 300);
  if (!Number.isInteger(cacheTtlSeconds) || cacheTtlSeconds < 0 || cacheTtlSeconds > 3600) {
    throw new Error(
      `Context "authCacheTtlSeconds" must be a whole number of seconds from 0 to 3600, got ${JSON.stringify(node.tryGetContext('authCacheTtlSeconds'))}`,
    );
  }
  const algorithms = list(node, 'authAlgorithms');
  const refused = algorithms?.filter(isRefusedAlgorithm) ?? [];
  if (algorithms && (algorithms.length === 0 || refused.length > 0)) {
    throw new Error(
      `Context "authAlgorithms" must list asymmetric JWS algorithms (e.g. ${DEFAULT_ALGORITHMS.join(',')}); none and HS* are refused, got "${node.tryGetContext('authAlgorithms')}"`,
    );
  }
  const tokens: TokenSettings = {
    cacheTtl: Duration.seconds(cacheTtlSeconds),
    ...(algorithms && { algorithms }),
    ...(optionalString(node, 'authTenantClaim') && { tenantClaim: optionalString(node, 'authTenantClaim') }),
  };
  if (mode === 'cognito') {
    const userPoolId = optionalString(node, 'authUserPoolId');
    const domainPrefix = optionalString(node, 'authCognitoDomainPrefix');
    const resourceServerId = optionalString(node, 'authResourceServerId') ?? 'aif';
    if (domainPrefix !== undefined && !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(domainPrefix)) {
      throw new Error(
        `Context "authCognitoDomainPrefix" must be lowercase letters, digits and hyphens, got "${domainPrefix}"`,
      );
    }
    const agentClients = readAgentClients(node);
    return {
      mode,
      resourceServerId,
      ...(userPoolId && { userPoolId }),
      ...(domainPrefix && { domainPrefix }),
      ...(agentClients && { agentClients }),
      ...tokens,
    };
  }
  const issuer = optionalString(node, 'authIssuer');
  const audience = list(node, 'authAudience') ?? [];
  if (!issuer || audience.length === 0) {
    const missing = [!issuer && 'authIssuer', audience.length === 0 && 'authAudience'].filter(Boolean).join(' and ');
    throw new Error(
      `Context "authMode" is jwt, which needs ${missing}: the authorizer accepts only tokens of that issuer for that audience (e.g. -c authIssuer=https://issuer.example -c authAudience=aif)`,
    );
  }
  const jwksUrl = optionalString(node, 'authJwksUrl') ?? `${issuer.replace(/\/+$/, '')}/.well-known/jwks.json`;
  for (const [key, value] of [
    ['authIssuer', issuer],
    ['authJwksUrl', jwksUrl],
  ] as const) {
    if (!isHttpsUrl(value)) throw new Error(`Context "${key}" must be an https URL, got "${value}"`);
  }
  return { mode, issuer, audience, jwksUrl, ...tokens };
}

/**
 * Context `authAgentClients`: a JSON object (in cdk.json, or as a string with `-c`) of client name
 * (letters, digits, `-`, `_`; at most 64) → scopes, space-separated or as an array, or `"*"`.
 *
 * @throws {Error} naming the problem: not an object, no client, a bad name, or scopes that are neither
 */
function readAgentClients(node: Node): AgentClientSettings[] | undefined {
  const raw: unknown = node.tryGetContext('authAgentClients');
  if (raw === undefined || raw === null || raw === '') return undefined;
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new Error(`Context "authAgentClients" must be a JSON object of client name → scopes, got "${raw}"`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).length === 0) {
    throw new Error('Context "authAgentClients" must be a non-empty JSON object of client name → scopes');
  }
  return Object.entries(value).map(([name, scopes]) => {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
      throw new Error(`Context "authAgentClients": client name "${name}" must be 1–64 letters, digits, - or _`);
    }
    if (scopes === '*') return { name };
    const list = typeof scopes === 'string' ? scopes.split(/\s+/).filter(Boolean) : scopes;
    if (!Array.isArray(list) || list.length === 0 || !list.every((s) => typeof s === 'string')) {
      throw new Error(`Context "authAgentClients": client "${name}" needs "*" or a list of scopes`);
    }
    return { name, scopes: list };
  });
}

function optionalString(node: Node, key: string): string | undefined {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return undefined;
  return String(raw).trim() || undefined;
}

/** A comma-separated context value (or a JSON array in cdk.json) as a trimmed list. */
function list(node: Node, key: string): string[] | undefined {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return undefined;
  const items = Array.isArray(raw) ? raw.map(String) : String(raw).split(',');
  return items.map((item) => item.trim()).filter(Boolean);
}

function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}

function positiveNumber(node: Node, key: string, fallback: number): number {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return fallback;
  const value = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`Context "${key}" must be a positive number, got ${JSON.stringify(raw)}`);
  }
  return value;
}
