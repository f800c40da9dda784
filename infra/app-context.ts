import { Duration } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { assertSubscriptionRulePrefix } from './constructs/subscription-rules';

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
 *   `healthCheckIntervalMinutes` that is not a whole number of minutes
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
  return {
    stage,
    throttleRateLimit,
    throttleBurstLimit,
    logRetention: logRetentionDays as RetentionDays,
    eventArchiveRetention: Duration.days(eventArchiveRetentionDays),
    subscriptionRulePrefix,
    healthCheckInterval: Duration.minutes(healthCheckIntervalMinutes),
  };
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
