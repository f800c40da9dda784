import { Aws, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Archive, IEventBus } from 'aws-cdk-lib/aws-events';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { functionManifest, functionNames, type HttpFunctionName, httpFunctionNames } from '../../functions/manifest';
import { checkedRateLimits, holdsRateLimitsTable } from '../../functions/rate-limits';
import { routes } from '../../functions/routes';
import { formatRateLimits } from '../../shared/config';
import type { AuthSettings } from '../app-context';
import { type AlarmNotificationSettings, AlarmNotifications } from '../constructs/alarm-notifications';
import { ApiAuthorization, MAX_AUTHORIZER_CACHE_TTL_SECONDS } from '../constructs/api-authorization';
import { ApiNetwork, restApiNetworkOptions } from '../constructs/api-network';
import { AuthFailureAlarm } from '../constructs/audit-trail';
import { Dispatcher } from '../constructs/dispatcher';
import { ErrorAlarms } from '../constructs/error-alarms';
import { HealthCheck } from '../constructs/health-check';
import { HttpApi } from '../constructs/http-api';
import { createManifestFunction, type FunctionResources } from '../constructs/manifest-function';
import type { NodeFunction } from '../constructs/node-function';
import { OperationsDashboard } from '../constructs/operations-dashboard';
import { type UsagePlanKey, UsagePlans } from '../constructs/usage-plans';
import {
  DEFAULT_MAX_IN_FLIGHT,
  DEFAULT_METHOD_THROTTLES,
  DEFAULT_USAGE_PLAN_TIERS,
  type LimitsContext,
} from '../limits-context';
import { DEFAULT_WAF, type NetworkSettings } from '../network-context';

/** Props of the {@link ApiStack}. */
export interface ApiStackProps extends StackProps {
  /** The stateful stack's tables keyed by definition id; every definition must have its table. */
  readonly tables: Readonly<Record<string, ITableV2>>;
  /** The stateful stack's custom bus; functions that publish get its name and `events:PutEvents` on it. */
  readonly eventBus: IEventBus;
  /** The bus's archive: the events function replays from it. */
  readonly archive: Pick<Archive, 'archiveArn'>;
  /**
   * How long the archive and the event log keep events: replays reach back this far, and the log's
   * TTL (EVENT_RETENTION_DAYS) matches it.
   *
   * @default Duration.days(30)
   */
  readonly eventRetention?: Duration;
  /** Target of the subscription rules and the dispatcher's event source; redrive sends to it. */
  readonly deliveryQueue: IQueue;
  /** The KMS key sealing webhook secrets: the events function encrypts, the dispatcher decrypts. */
  readonly webhookSecretKey: IKey;
  /** Where SQS moves delivery messages the dispatcher could not handle (alarmed by the dispatcher). */
  readonly deliveryDeadLetterQueue: IQueue;
  /** The subscription rules' target DeadLetterConfig (alarmed by the dispatcher). */
  readonly eventsDeadLetterQueue: IQueue;
  /**
   * Name prefix of the subscription rules; the events function manages only rules named with it.
   * Must be the prefix the stateful stack's queue policies admit.
   *
   * @default 'aif-sub-'
   */
  readonly subscriptionRulePrefix?: string;
  /**
   * API Gateway stage name.
   *
   * @default 'dev'
   */
  readonly stageName?: string;
  /**
   * Stage throttling: steady-state requests per second.
   *
   * @default 100
   */
  readonly throttleRateLimit?: number;
  /**
   * Stage throttling: burst size, requests.
   *
   * @default 200
   */
  readonly throttleBurstLimit?: number;
  /**
   * Retention of function logs and API access logs.
   *
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * How often the scheduled health check probes the mesh instances (whole minutes).
   *
   * @default Duration.minutes(1)
   */
  readonly healthCheckInterval?: Duration;
  /**
   * Most mesh instances one health-check run checks, the least recently checked first (the rest
   * wait for the next runs); 1–10 000.
   *
   * @default 500
   */
  readonly healthCheckMaxPerRun?: number;
  /**
   * Who may call the API: `cognito` (a user pool and client-credentials app client, verified by the
   * Lambda authorizer), `jwt` (any issuer's tokens, same authorizer), `iam` (SigV4 and per-scope
   * managed policies) or `none` (open, with a reason; cdk-nag reports it). Public routes stay open.
   *
   * @default { mode: 'cognito', resourceServerId: 'aif', cacheTtl: Duration.seconds(300) }
   */
  readonly auth?: AuthSettings;
  /**
   * Days audit records are kept in the audit table (its TTL, AUDIT_RETENTION_DAYS); keep it equal
   * to the stateful stack's audit log retention.
   *
   * @default 365
   */
  readonly auditRetentionDays?: number;
  /**
   * 401/403 answers within 5 minutes that raise the auth-failure alarm.
   *
   * @default 50
   */
  readonly authFailureAlarmThreshold?: number;
  /**
   * Rate limits (issue 11): the gateway's usage plans (tiers, a key per agent client), the stage's
   * method throttles, and the functions' per-tenant RATE_LIMITS (`readLimitsContext`).
   *
   * @default usage plans in `cognito` mode with the default tiers, the default method throttles,
   *   the route table's per-tenant limits
   */
  readonly limits?: LimitsContext;
  /**
   * How the API is reached: the WAF web ACL (on by default), an optional custom domain with mTLS
   * (which disables the execute-api endpoint), an optional source-IP allowlist (`readNetworkSettings`).
   *
   * @default { waf: DEFAULT_WAF }
   */
  readonly network?: NetworkSettings;
  /**
   * Reserve each function's concurrency from the function manifest (`reservedConcurrency`); false
   * when the account's concurrency quota cannot spare it.
   *
   * @default true
   */
  readonly reserveConcurrency?: boolean;
  /**
   * Where every alarm of the stack notifies (ALARM and OK): an existing SNS topic, or a topic created
   * with an email subscription (context `alarmTopicArn` / `alarmEmail`).
   *
   * @default no notifications (the alarms show on the dashboard only)
   */
  readonly alarmNotifications?: AlarmNotificationSettings;
  /**
   * Deletion protection of the Cognito user pool the stack creates (`cognito` mode); false only for
   * a disposable stage (context `destroyOnRemoval`), whose resources `composeApp` also sets to DESTROY.
   *
   * @default true
   */
  readonly deletionProtection?: boolean;
}

/**
 * Largest request body the functions accept, bytes (env MAX_BODY_BYTES). API Gateway REST APIs cap
 * payloads at a fixed 10 MB and Lambda at 6 MB; contracts stay far below both, so the functions
 * answer 413 well before those limits.
 */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;

/**
 * The stateless half: one Lambda function per capability in the route table, bound to the tables it
 * needs, the REST API that routes to them, the {@link Dispatcher} that delivers subscribed events
 * from the delivery queue, and the mesh's scheduled {@link HealthCheck}. The events function also
 * manages the subscription rules (only those named with `subscriptionRulePrefix`), redrives dead
 * letters to the delivery queue and replays the bus archive; the mesh function routes calls
 * (`ANY /v1/mesh/{service}/{proxy+}`) to public addresses only. Safe to destroy and redeploy; data
 * lives in the {@link StatefulStack}.
 *
 * @throws {Error} when a table the functions need is missing from `tables`
 * @example
 * const api = new ApiStack(app, 'Aif-dev-Api', {
 *   tables: stateful.tables,
 *   eventBus: stateful.eventBus,
 *   archive: stateful.eventArchive,
 *   deliveryQueue: stateful.deliveryQueue,
 *   deliveryDeadLetterQueue: stateful.deliveryDeadLetterQueue,
 *   eventsDeadLetterQueue: stateful.eventsDeadLetterQueue,
 *   subscriptionRulePrefix: stateful.subscriptionRulePrefix,
 *   stageName: 'dev',
 * });
 */
export class ApiStack extends Stack {
  /** The functions, one per capability. */
  readonly functions: Readonly<Record<HttpFunctionName, NodeFunction>>;
  /** The REST API. */
  readonly httpApi: HttpApi<HttpFunctionName>;
  /** Alarms on handled errors and raised alerts. */
  readonly errorAlarms: ErrorAlarms;
  /** The dispatcher: delivery queue consumer and the delivery path's alarms. */
  readonly dispatcher: Dispatcher;
  /** The mesh's scheduled health check and its alarms. */
  readonly healthCheck: HealthCheck;
  /** Authentication: the authorizer and its function, the user pool, or the scope policies. */
  readonly authorization: ApiAuthorization;
  /** 401/403 answers counted from the access log, and the alarm on their bursts. */
  readonly authFailures: AuthFailureAlarm;
  /** The usage plans and the agent clients' API keys, when usage plans are on. */
  readonly usagePlans?: UsagePlans;
  /** The web ACL and custom domain around the stage. */
  readonly network: ApiNetwork;
  /** The operators' CloudWatch dashboard. */
  readonly dashboard: OperationsDashboard;
  /** The SNS topic every alarm notifies, when `alarmNotifications` is given. */
  readonly alarmNotifications?: AlarmNotifications;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;
    const resources = functionResources(props);
    const auth = authSettings(props.auth);
    const limits = limitsSettings(props.limits, auth);
    const network = props.network ?? { waf: DEFAULT_WAF };
    this.authorization = new ApiAuthorization(this, 'Authorization', {
      auth,
      routes,
      resources,
      stageName: props.stageName,
      logRetention,
      apiKeyRequired: limits.usagePlans !== undefined,
      bindClientCertificate: network.domain?.bindTokens === true,
      deletionProtection: props.deletionProtection ?? true,
    });
    this.functions = this.createFunctions(resources, auth, props.eventRetention, logRetention, limits);

    this.dispatcher = new Dispatcher(this, 'Dispatcher', {
      deliveryQueue: props.deliveryQueue,
      deliveryDeadLetterQueue: props.deliveryDeadLetterQueue,
      eventsDeadLetterQueue: props.eventsDeadLetterQueue,
      eventBus: props.eventBus,
      tables: props.tables,
      webhookSecretKey: props.webhookSecretKey,
      ...(props.eventRetention && { eventRetention: props.eventRetention }),
      logRetention,
      reserveConcurrency: resources.reserveConcurrency,
      maxInFlightPerTenant: (limits.maxInFlightPerTenant ?? DEFAULT_MAX_IN_FLIGHT).webhook,
    });
    this.healthCheck = new HealthCheck(this, 'HealthCheck', {
      tables: props.tables,
      eventBus: props.eventBus,
      interval: props.healthCheckInterval,
      ...(props.healthCheckMaxPerRun !== undefined && { maxChecksPerRun: props.healthCheckMaxPerRun }),
      logRetention,
      reserveConcurrency: resources.reserveConcurrency,
    });
    // The error alarms sum over the services that count integration errors (manifest `countsErrors`).
    const errorCounting = functionNames.filter((name) => 'countsErrors' in functionManifest[name]);
    this.errorAlarms = new ErrorAlarms(this, 'ErrorAlarms', { serviceNames: errorCounting });

    this.httpApi = this.createHttpApi(props, logRetention, limits, restApiNetworkOptions(network, auth.mode));
    this.network = new ApiNetwork(this, 'Network', { restApi: this.httpApi.restApi, settings: network });
    if (limits.usagePlans) this.usagePlans = this.createUsagePlans(limits.usagePlans, auth);

    // Every 401/403, also those API Gateway answers without running code (no header, a cached policy).
    this.authFailures = new AuthFailureAlarm(this, 'AuthFailures', {
      accessLogGroup: this.httpApi.accessLogGroup,
      threshold: props.authFailureAlarmThreshold,
    });

    if (auth.mode === 'iam')
      this.authorization.addScopePolicies(this.httpApi.restApi, props.stageName ?? 'dev', routes);

    ({ dashboard: this.dashboard, alarmNotifications: this.alarmNotifications } = this.addOperations(props));

    new CfnOutput(this, 'ApiUrl', {
      description: 'Invoke URL of the API stage; routes start with v1/ (e.g. <ApiUrl>v1/health)',
      value: this.httpApi.restApi.url,
    });
  }

  /**
   * The alarm topic (when configured, wired to every alarm of this stack) and the dashboard over the
   * capabilities' metrics with every alarm's state. Call last: it collects the alarms that exist.
   */
  private addOperations(props: ApiStackProps): {
    dashboard: OperationsDashboard;
    alarmNotifications?: AlarmNotifications;
  } {
    const alarmNotifications =
      props.alarmNotifications &&
      new AlarmNotifications(this, 'AlarmNotifications', { settings: props.alarmNotifications });
    alarmNotifications?.notifyAll(this);
    const countsErrors = functionNames.filter((name) => 'countsErrors' in functionManifest[name]);
    const dashboard = new OperationsDashboard(this, 'Operations', {
      httpServices: httpFunctionNames,
      errorCountingServices: countsErrors,
      deliveryQueue: props.deliveryQueue,
      deadLetterQueues: [props.deliveryDeadLetterQueue, props.eventsDeadLetterQueue],
      gatewayAuthFailures: this.authFailures.authFailures,
      alarms: this.node.findAll().filter((c): c is Alarm => c instanceof Alarm),
    });
    new CfnOutput(this, 'DashboardUrl', {
      description: 'The operations dashboard in the CloudWatch console',
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards/dashboard/${dashboard.dashboard.dashboardName}`,
    });
    return { dashboard, ...(alarmNotifications && { alarmNotifications }) };
  }

  /**
   * One function per capability in the route table (construct IDs the names in PascalCase), each
   * bound to its manifest's resources, with MAX_BODY_BYTES, AUTH_ENFORCED (`token` or `iam`; absent
   * when auth is `none`), the system function's OpenAPI settings and the events function's
   * EVENT_RETENTION_DAYS. Needs {@link ApiStack.authorization} set.
   *
   * @param eventRetention - how long the event log keeps events; @default Duration.days(30)
   */
  private createFunctions(
    resources: FunctionResources,
    auth: AuthSettings,
    eventRetention: Duration | undefined,
    logRetention: RetentionDays,
    limits: LimitsContext,
  ): Record<HttpFunctionName, NodeFunction> {
    // Defence in depth: the functions check the caller again (the authorize middleware), unless open.
    const enforced = auth.mode === 'none' ? undefined : auth.mode === 'iam' ? 'iam' : 'token';
    const rateLimits = formatRateLimits(checkedRateLimits(limits.rateLimits));
    const functions = {} as Record<HttpFunctionName, NodeFunction>;
    for (const name of httpFunctionNames) {
      functions[name] = createManifestFunction(this, toPascalCase(name), name, resources, {
        logRetention,
        environment: {
          MAX_BODY_BYTES: String(MAX_BODY_BYTES),
          ...(enforced && { AUTH_ENFORCED: enforced }),
          ...(rateLimits !== '' && holdsRateLimitsTable(name) && { RATE_LIMITS: rateLimits }),
          // The mesh enforces the budget; the system function's state view reads its leases.
          ...((name === 'mesh' || name === 'system') && {
            MESH_MAX_IN_FLIGHT_PER_TENANT: String((limits.maxInFlightPerTenant ?? DEFAULT_MAX_IN_FLIGHT).mesh),
          }),
          ...(name === 'system' && this.authorization.documentEnvironment),
          ...(name === 'events' && {
            EVENT_RETENTION_DAYS: String((eventRetention ?? Duration.days(30)).toDays()),
          }),
        },
      });
    }
    return functions;
  }

  /**
   * The REST API over {@link ApiStack.functions} (the system function as the `/{proxy+}` fallback),
   * with {@link ApiStack.authorization}'s method authorization and the stage's throttling.
   */
  private createHttpApi(
    props: ApiStackProps,
    logRetention: RetentionDays,
    limits: LimitsContext,
    networkOptions: ReturnType<typeof restApiNetworkOptions>,
  ): HttpApi<HttpFunctionName> {
    const lambdas = Object.fromEntries(
      httpFunctionNames.map((name) => [name, this.functions[name].function]),
    ) as Record<HttpFunctionName, LambdaFunction>;
    return new HttpApi(this, 'HttpApi', {
      routes,
      functions: lambdas,
      fallbackFunction: 'system',
      authorization: this.authorization.methodAuthorization,
      stageName: props.stageName,
      throttleRateLimit: props.throttleRateLimit,
      throttleBurstLimit: props.throttleBurstLimit,
      methodThrottles: limits.methodThrottles,
      ...(limits.usagePlans && { apiKeySource: 'AUTHORIZER' as const }),
      logRetention,
      ...networkOptions,
    });
  }

  /**
   * The usage plans of the stage and an API key per agent client whose id is known at synth: in
   * `cognito` mode every app client the stack creates (its tier from `keys` by client name, else
   * the default tier); in `jwt` mode the client ids `keys` lists — an issuer's other clients have
   * no key and are refused 403 by the gateway.
   *
   * @throws {Error} in `cognito` mode when `keys` names a client the stack does not create
   */
  private createUsagePlans(settings: NonNullable<LimitsContext['usagePlans']>, auth: AuthSettings): UsagePlans {
    let keys: UsagePlanKey[];
    if (auth.mode === 'cognito') {
      const clients = this.authorization.agentClients;
      const unknown = Object.keys(settings.keys).filter((name) => !Object.hasOwn(clients, name));
      if (unknown.length > 0) {
        throw new Error(
          `usagePlanKeys names agent clients the stack does not create: ${unknown.join(', ')} (authAgentClients has ${Object.keys(clients).join(', ')})`,
        );
      }
      keys = Object.entries(clients).map(([name, client]) => ({
        name,
        value: client.userPoolClientId,
        tier: settings.keys[name] ?? settings.defaultTier,
      }));
    } else {
      keys = Object.entries(settings.keys).map(([clientId, tier]) => ({ name: clientId, value: clientId, tier }));
    }
    return new UsagePlans(this, 'UsagePlans', { restApi: this.httpApi.restApi, settings, keys });
  }
}

/**
 * The limits in force: `limits`, or the defaults — usage plans with the default tiers in `cognito`
 * mode (off otherwise: `jwt` clients are unknown to the stack), the default method throttles, no
 * RATE_LIMITS overrides.
 */
function limitsSettings(limits: LimitsContext | undefined, auth: AuthSettings): LimitsContext {
  if (limits) return limits;
  return {
    ...(auth.mode === 'cognito' && {
      usagePlans: { tiers: DEFAULT_USAGE_PLAN_TIERS, defaultTier: 'standard', keys: {} },
    }),
    methodThrottles: DEFAULT_METHOD_THROTTLES,
    rateLimits: {},
  };
}

/** What the manifest functions and the authorizer are bound to: the stateful resources and their settings, defaults applied. */
function functionResources(props: ApiStackProps): FunctionResources {
  return {
    tables: props.tables,
    eventBus: props.eventBus,
    deliveryQueue: props.deliveryQueue,
    eventsDeadLetterQueue: props.eventsDeadLetterQueue,
    deliveryDeadLetterQueue: props.deliveryDeadLetterQueue,
    archive: props.archive,
    subscriptionRulePrefix: props.subscriptionRulePrefix ?? 'aif-sub-',
    auditRetentionDays: props.auditRetentionDays ?? 365,
    reserveConcurrency: props.reserveConcurrency ?? true,
    webhookSecretKey: props.webhookSecretKey,
  };
}

/**
 * The auth settings in force: `auth`, or Cognito (resource server `aif`, 300 s authorizer cache).
 *
 * @throws {Error} when a token mode's `cacheTtl` exceeds API Gateway's authorizer cache limit (3600 s)
 */
function authSettings(auth: AuthSettings | undefined): AuthSettings {
  const settings = auth ?? { mode: 'cognito', resourceServerId: 'aif', cacheTtl: Duration.seconds(300) };
  if (
    settings.mode !== 'none' &&
    settings.mode !== 'iam' &&
    settings.cacheTtl.toSeconds() > MAX_AUTHORIZER_CACHE_TTL_SECONDS
  ) {
    throw new Error(`auth.cacheTtl must be at most ${MAX_AUTHORIZER_CACHE_TTL_SECONDS} s (API Gateway's limit)`);
  }
  return settings;
}

function toPascalCase(name: string): string {
  return name.replace(/(^|[-_])(\w)/g, (_match, _separator, letter: string) => letter.toUpperCase());
}
