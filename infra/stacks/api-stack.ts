import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Archive, IEventBus } from 'aws-cdk-lib/aws-events';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { type FunctionName, routes } from '../../functions/routes';
import {
  contractsTable,
  deliveryTable,
  errorsTable,
  eventsTable,
  meshTable,
  type TableDefinition,
  tableDefinitions,
} from '../../shared/adapters/dynamodb/table-definitions';
import { bindDeliveryQueue } from '../constructs/delivery-queue-binding';
import { Dispatcher } from '../constructs/dispatcher';
import { ErrorAlarms } from '../constructs/error-alarms';
import { bindEventBus } from '../constructs/event-bus-binding';
import { HealthCheck } from '../constructs/health-check';
import { HttpApi } from '../constructs/http-api';
import { NodeFunction } from '../constructs/node-function';
import { bindReplays } from '../constructs/replay-binding';
import { bindSubscriptionRules } from '../constructs/subscription-rules';
import { bindTable, type TableAccess } from '../constructs/table-binding';

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
}

/**
 * Largest request body the functions accept, bytes (env MAX_BODY_BYTES). API Gateway REST APIs cap
 * payloads at a fixed 10 MB and Lambda at 6 MB; contracts stay far below both, so the functions
 * answer 413 well before those limits.
 */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;

/**
 * Which tables each function may use, and how. Keyed by every function name, so a new capability
 * cannot be added to the route table without deciding its data access here.
 */
const TABLE_ACCESS: Readonly<Record<FunctionName, Readonly<Record<string, TableAccess>>>> = {
  // Every function reads the error policies: its DynamoDB retries follow them.
  contracts: { [contractsTable.id]: 'readWrite', [errorsTable.id]: 'read' },
  errors: { [errorsTable.id]: 'readWrite' },
  // The event log and replays; subscriptions and dead letters; event contracts validate payloads.
  events: {
    [eventsTable.id]: 'readWrite',
    [deliveryTable.id]: 'readWrite',
    [contractsTable.id]: 'read',
    [errorsTable.id]: 'read',
  },
  // The registry, rules and breakers; routed failures are counted like reported errors.
  mesh: { [meshTable.id]: 'readWrite', [errorsTable.id]: 'readWrite' },
  // Health reads from every table to prove it is reachable.
  system: Object.fromEntries(tableDefinitions.map((definition) => [definition.id, 'read'] as const)),
};

/** Which functions publish to the bus: alerts (errors, mesh) and integration events (events). */
const PUBLISHES_EVENTS: Readonly<Record<FunctionName, boolean>> = {
  contracts: false,
  errors: true,
  events: true,
  mesh: true,
  system: false,
};

/**
 * Memory and timeout of the functions whose sizing is a decision rather than the NodeFunction
 * defaults: the mesh relays calls for up to 29 s (API Gateway's integration timeout) with bodies of
 * up to MAX_BODY_BYTES both ways, so its 1024 MiB and 29 s are pinned here and survive a change of
 * the defaults.
 */
const SIZING: Readonly<Partial<Record<FunctionName, { memorySizeMb: number; timeout: Duration }>>> = {
  mesh: { memorySizeMb: 1024, timeout: Duration.seconds(29) },
};

/**
 * Functions that call out over HTTP, and so get the outbound SSRF policy (loopback and private
 * addresses refused): the events function checks subscription endpoints, the mesh routes calls.
 */
const OUTBOUND_CALLERS: readonly FunctionName[] = ['events', 'mesh'];

/**
 * Powertools service names of the functions that count integration errors and emit their metrics
 * (the route table's functions and the dispatcher): the error alarms sum over them.
 */
const ERROR_HANDLING_SERVICES: readonly (FunctionName | 'dispatcher')[] = ['errors', 'events', 'mesh', 'dispatcher'];

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
  readonly functions: Readonly<Record<FunctionName, NodeFunction>>;
  /** The REST API. */
  readonly httpApi: HttpApi<FunctionName>;
  /** Alarms on handled errors and raised alerts. */
  readonly errorAlarms: ErrorAlarms;
  /** The dispatcher: delivery queue consumer and the delivery path's alarms. */
  readonly dispatcher: Dispatcher;
  /** The mesh's scheduled health check and its alarms. */
  readonly healthCheck: HealthCheck;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;

    const names = [...new Set(routes.map((route) => route.function))] as FunctionName[];
    const functions = {} as Record<FunctionName, NodeFunction>;
    for (const name of names) {
      const fn = new NodeFunction(this, toPascalCase(name), {
        entry: `functions/${name}/handler.ts`,
        serviceName: name,
        description: `Agent Integration Framework: ${name} routes`,
        logRetention,
        ...SIZING[name],
        environment: {
          MAX_BODY_BYTES: String(MAX_BODY_BYTES),
          ...(OUTBOUND_CALLERS.includes(name) && { OUTBOUND_ALLOW_LOOPBACK: 'false', OUTBOUND_ALLOW_PRIVATE: 'false' }),
        },
      });
      for (const [tableId, access] of Object.entries(TABLE_ACCESS[name])) {
        bindTable(fn.function, requireTable(props.tables, tableId), requireDefinition(tableId), access);
      }
      if (PUBLISHES_EVENTS[name]) bindEventBus(fn.function, props.eventBus);
      functions[name] = fn;
    }
    this.functions = functions;

    const events = functions.events.function;
    bindSubscriptionRules(events, {
      eventBus: props.eventBus,
      rulePrefix: props.subscriptionRulePrefix ?? 'aif-sub-',
      deliveryQueue: props.deliveryQueue,
      eventsDeadLetterQueue: props.eventsDeadLetterQueue,
    });
    bindDeliveryQueue(events, props.deliveryQueue, 'send');
    bindReplays(events, { eventBus: props.eventBus, archive: props.archive });
    events.addEnvironment('EVENT_RETENTION_DAYS', String((props.eventRetention ?? Duration.days(30)).toDays()));

    this.dispatcher = new Dispatcher(this, 'Dispatcher', {
      deliveryQueue: props.deliveryQueue,
      deliveryDeadLetterQueue: props.deliveryDeadLetterQueue,
      eventsDeadLetterQueue: props.eventsDeadLetterQueue,
      eventBus: props.eventBus,
      deliveryTable: requireTable(props.tables, deliveryTable.id),
      eventsTable: requireTable(props.tables, eventsTable.id),
      errorsTable: requireTable(props.tables, errorsTable.id),
      logRetention,
    });
    this.healthCheck = new HealthCheck(this, 'HealthCheck', {
      meshTable: requireTable(props.tables, meshTable.id),
      errorsTable: requireTable(props.tables, errorsTable.id),
      eventBus: props.eventBus,
      interval: props.healthCheckInterval,
      logRetention,
    });
    this.errorAlarms = new ErrorAlarms(this, 'ErrorAlarms', { serviceNames: ERROR_HANDLING_SERVICES });

    const lambdas = Object.fromEntries(names.map((name) => [name, functions[name].function])) as Record<
      FunctionName,
      LambdaFunction
    >;
    this.httpApi = new HttpApi(this, 'HttpApi', {
      routes,
      functions: lambdas,
      fallbackFunction: 'system',
      stageName: props.stageName,
      throttleRateLimit: props.throttleRateLimit,
      throttleBurstLimit: props.throttleBurstLimit,
      logRetention,
    });

    new CfnOutput(this, 'ApiUrl', {
      description: 'Invoke URL of the API stage; routes start with v1/ (e.g. <ApiUrl>v1/health)',
      value: this.httpApi.restApi.url,
    });
  }
}

function requireTable(tables: Readonly<Record<string, ITableV2>>, id: string): ITableV2 {
  const table = tables[id];
  if (!table)
    throw new Error(`ApiStack needs the table "${id}", but props.tables has only: ${Object.keys(tables).join(', ')}`);
  return table;
}

function requireDefinition(id: string): TableDefinition {
  const definition = tableDefinitions.find((d) => d.id === id);
  if (!definition) throw new Error(`No table definition has the id "${id}"`);
  return definition;
}

function toPascalCase(name: string): string {
  return name.replace(/(^|[-_])(\w)/g, (_match, _separator, letter: string) => letter.toUpperCase());
}
