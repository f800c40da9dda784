import { createHash } from 'node:crypto';
import { Duration } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { DEFAULT_ALGORITHMS, isRefusedAlgorithm } from '../shared/domain/auth/algorithms';
import { DEFAULT_MAX_CHECKS_PER_RUN, MAX_CHECKS_PER_RUN_LIMIT } from '../shared/domain/mesh/health-check-budget';
import type { AlarmNotificationSettings } from './constructs/alarm-notifications';
import { assertSubscriptionRulePrefix, MAX_SUBSCRIPTION_RULE_PREFIX_LENGTH } from './constructs/subscription-rules';
import { ContextProblems } from './context-problems';

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
  /**
   * Deployment name (context `stage`, 1–64 letters, digits and hyphens, starting with a letter):
   * stack names `Aif-<stage>-Stateful` / `Aif-<stage>-Api` and the API Gateway stage name.
   */
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
   * function may manage only the rules named with it. Defaults to `subscriptionRulePrefixOf(stage)`.
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
  /** Reserve each function's concurrency (context `reservedConcurrency`, true or false). @default true */
  reserveConcurrency: boolean;
  /**
   * Where the alarms notify: an existing SNS topic (context `alarmTopicArn`) or a topic created with
   * an email subscription (context `alarmEmail`). @default none
   */
  alarmNotifications?: AlarmNotificationSettings;
  /**
   * A disposable stage (context `destroyOnRemoval=true`): `cdk destroy` deletes everything — no
   * termination protection, no deletion protection, every resource DESTROY. @default false (RETAIN)
   */
  destroyOnRemoval: boolean;
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
  reserveConcurrency: true,
  destroyOnRemoval: false,
};

/**
 * The default subscription rule prefix of a stage: `aif-<stage>-sub-` when that fits the 24
 * characters a prefix may have (a stage of up to 15), else `aif-<first 8 of the stage>-<6 hex of
 * the stage's SHA-256>-sub-` — still one prefix per stage, since replay names (which share it) are
 * per account and region, not per bus.
 *
 * @example subscriptionRulePrefixOf('prod') // 'aif-prod-sub-'
 * @example subscriptionRulePrefixOf('feature-login-redesign') // 'aif-feature--<6 hex>-sub-'
 */
export function subscriptionRulePrefixOf(stage: string): string {
  const plain = `aif-${stage}-sub-`;
  if (plain.length <= MAX_SUBSCRIPTION_RULE_PREFIX_LENGTH) return plain;
  const hash = createHash('sha256').update(stage).digest('hex').slice(0, 6);
  return `aif-${stage.slice(0, 8)}-${hash}-sub-`;
}

// Stack names allow [A-Za-z0-9-]; API Gateway stage names allow [A-Za-z0-9_-]: keep the intersection.
const STAGE_PATTERN = /^[A-Za-z][A-Za-z0-9-]{0,63}$/;
const RETENTION_DAYS = new Set<number>(
  Object.values(RetentionDays).filter((v): v is RetentionDays => typeof v === 'number'),
);
// Cognito domain prefixes: at most 63 characters, none of these words (Amazon Cognito Developer Guide).
const COGNITO_PREFIX_MAX = 63;
const COGNITO_RESERVED_WORDS = ['aws', 'amazon', 'cognito'];
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Reads and checks the app's context settings, applying defaults. Values given with
 * `-c key=value` arrive as strings, so numbers are parsed here. Every setting is checked, and every
 * problem is reported — one line each, naming the key and what it accepts.
 *
 * @param node - the app's construct node (`app.node`)
 * @returns every setting, defaults filled in
 * @throws {ContextError} listing each bad value: a stage name with characters a stack or API stage
 *   name cannot hold (or, in cognito mode with a created pool, too long or holding a word Cognito
 *   refuses in the default domain prefix), a non-positive throttle, a `logRetentionDays` /
 *   `auditRetentionDays` CloudWatch Logs does not offer, a non-whole `eventArchiveRetentionDays` or
 *   `healthCheckIntervalMinutes`, a `healthCheckMaxPerRun` outside 1–10 000, a given
 *   `subscriptionRulePrefix` EventBridge rule names cannot start with, an auth setting
 *   (`readAuthSettings`), a `reservedConcurrency` / `destroyOnRemoval` that is not true or false, an
 *   `alarmTopicArn` that is not an SNS topic ARN, an `alarmEmail` that is not an address, or both
 * @example
 * const context = readAppContext(app.node); // { stage: 'dev', throttleRateLimit: 100, ... }
 */
export function readAppContext(node: Node): AppContext {
  const problems = new ContextProblems();
  const d = defaultAppContext;
  const stage = problems.read(() => readStage(node), d.stage);
  const whole = (key: string, fallback: number, unit: string) =>
    problems.read(() => wholeNumber(node, key, fallback, unit), fallback);
  const retention = (key: string, fallback: RetentionDays) =>
    problems.read(() => retentionDays(node, key, fallback), fallback);
  const throttleRateLimit = problems.read(() => positiveNumber(node, 'throttleRateLimit', d.throttleRateLimit), 1);
  const throttleBurstLimit = whole('throttleBurstLimit', d.throttleBurstLimit, 'requests');
  const logRetention = retention('logRetentionDays', d.logRetention);
  const eventArchiveRetentionDays = whole('eventArchiveRetentionDays', d.eventArchiveRetention.toDays(), 'days');
  const subscriptionRulePrefix = problems.read(() => readRulePrefix(node, stage), d.subscriptionRulePrefix);
  const healthCheckIntervalMinutes = whole('healthCheckIntervalMinutes', d.healthCheckInterval.toMinutes(), 'minutes');
  const healthCheckMaxPerRun = problems.read(() => readMaxPerRun(node), d.healthCheckMaxPerRun);
  const auth = problems.read(() => readAuthSettings(node), d.auth);
  problems.read(() => checkCognitoDomainPrefix(stage, auth), undefined);
  const auditRetention = retention('auditRetentionDays', d.auditRetention);
  const authFailureAlarmThreshold = problems.read(
    () => positiveNumber(node, 'authFailureAlarmThreshold', d.authFailureAlarmThreshold),
    d.authFailureAlarmThreshold,
  );
  const reserveConcurrency = problems.read(() => flag(node, 'reservedConcurrency', true), true);
  const destroyOnRemoval = problems.read(() => flag(node, 'destroyOnRemoval', false), false);
  const alarmNotifications = problems.read(() => readAlarmNotifications(node), undefined);
  problems.throwIfAny();
  return {
    stage,
    throttleRateLimit,
    throttleBurstLimit,
    logRetention,
    eventArchiveRetention: Duration.days(eventArchiveRetentionDays),
    subscriptionRulePrefix,
    healthCheckInterval: Duration.minutes(healthCheckIntervalMinutes),
    healthCheckMaxPerRun,
    auth,
    auditRetention,
    authFailureAlarmThreshold,
    reserveConcurrency,
    ...(alarmNotifications && { alarmNotifications }),
    destroyOnRemoval,
  };
}

function readStage(node: Node): string {
  const stage = String(node.tryGetContext('stage') ?? defaultAppContext.stage);
  if (!STAGE_PATTERN.test(stage)) {
    throw new Error(
      `Context "stage" must be 1–64 letters, digits and hyphens starting with a letter (stack and API Gateway stage names), got "${stage}"`,
    );
  }
  return stage;
}

function readRulePrefix(node: Node, stage: string): string {
  const prefix = optionalString(node, 'subscriptionRulePrefix') ?? subscriptionRulePrefixOf(stage);
  try {
    assertSubscriptionRulePrefix(prefix);
  } catch (error) {
    throw new Error(`Context "subscriptionRulePrefix": ${(error as Error).message}`);
  }
  return prefix;
}

function readMaxPerRun(node: Node): number {
  const value = positiveNumber(node, 'healthCheckMaxPerRun', defaultAppContext.healthCheckMaxPerRun);
  if (!Number.isInteger(value) || value > MAX_CHECKS_PER_RUN_LIMIT) {
    throw new Error(
      `Context "healthCheckMaxPerRun" must be a whole number of instances from 1 to ${MAX_CHECKS_PER_RUN_LIMIT}, got ${value}`,
    );
  }
  return value;
}

/** A created user pool's default domain prefix is `aif-<stage>-<account id>` (api-authorization.ts). */
function checkCognitoDomainPrefix(stage: string, auth: AuthSettings): void {
  if (auth.mode !== 'cognito' || auth.userPoolId || auth.domainPrefix) return;
  const prefix = `aif-${stage.toLowerCase()}-`;
  const longest = COGNITO_PREFIX_MAX - prefix.length - 12;
  if (longest < 0) {
    throw new Error(
      `Context "stage" ("${stage}", ${stage.length} characters) is too long for the default Cognito domain prefix aif-<stage>-<account id>: Cognito allows ${COGNITO_PREFIX_MAX} characters, so a stage of at most ${COGNITO_PREFIX_MAX - 17}; use a shorter stage or set -c authCognitoDomainPrefix=…`,
    );
  }
  const reserved = COGNITO_RESERVED_WORDS.find((word) => prefix.includes(word));
  if (reserved) {
    throw new Error(
      `Context "stage" ("${stage}") puts "${reserved}" into the default Cognito domain prefix aif-<stage>-<account id>, which Cognito refuses (aws, amazon, cognito); use another stage or set -c authCognitoDomainPrefix=…`,
    );
  }
}

function readAlarmNotifications(node: Node): AlarmNotificationSettings | undefined {
  const topicArn = optionalString(node, 'alarmTopicArn');
  const email = optionalString(node, 'alarmEmail');
  if (topicArn && email) {
    throw new Error(
      'Context "alarmTopicArn" and "alarmEmail" exclude each other: give the topic, or the address of a topic to create',
    );
  }
  if (topicArn !== undefined && !SNS_TOPIC_ARN.test(topicArn)) {
    throw new Error(
      `Context "alarmTopicArn" must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>), got "${topicArn}"`,
    );
  }
  if (email !== undefined && !EMAIL.test(email)) {
    throw new Error(`Context "alarmEmail" must be an email address, got "${email}"`);
  }
  if (topicArn) return { topicArn };
  return email ? { email } : undefined;
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

function wholeNumber(node: Node, key: string, fallback: number, unit: string): number {
  const value = positiveNumber(node, key, fallback);
  if (!Number.isInteger(value)) throw new Error(`Context "${key}" must be a whole number of ${unit}, got ${value}`);
  return value;
}

function retentionDays(node: Node, key: string, fallback: RetentionDays): RetentionDays {
  const value = positiveNumber(node, key, fallback);
  if (!RETENTION_DAYS.has(value)) {
    throw new Error(
      `Context "${key}" must be one of ${[...RETENTION_DAYS].join(', ')} (CloudWatch Logs), got ${value}`,
    );
  }
  return value as RetentionDays;
}

/** A true/false context value (a JSON boolean in cdk.json, a string with -c). */
function flag(node: Node, key: string, fallback: boolean): boolean {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return fallback;
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw new Error(`Context "${key}" must be true or false, got ${JSON.stringify(raw)}`);
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
