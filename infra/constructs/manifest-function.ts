import { Duration, Stack } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Archive, IEventBus } from 'aws-cdk-lib/aws-events';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  type FunctionManifestEntry,
  type FunctionName,
  functionManifest,
  LAZY_LOADED_PACKAGES,
  publishesToBus,
  tableAccessOf,
} from '../../functions/manifest';
import { tableDefinitions } from '../../shared/adapters/dynamodb/table-definitions';
import { bindDeliveryQueue } from './delivery-queue-binding';
import { bindEventBus } from './event-bus-binding';
import { NodeFunction } from './node-function';
import { bindQueueState } from './queue-state-binding';
import { bindReplays } from './replay-binding';
import { bindSubscriptionRules } from './subscription-rules';
import { bindTable } from './table-binding';
import { bindUpstreamSecrets, upstreamSecretPrefixOf } from './upstream-secrets-binding';
import { bindWebhookSecretKey } from './webhook-secret-key';

/**
 * The stateful resources a function may be bound to. Only what its manifest record asks for is
 * used; a resource the record needs but that is absent is a composition defect (thrown at synth).
 */
export interface FunctionResources {
  /**
   * Reserve each function's manifest `reservedConcurrency` (and alarm on its throttles); false
   * for accounts whose concurrency quota cannot spare it (context `reservedConcurrency=false`). @default true
   */
  readonly reserveConcurrency?: boolean;
  /** The tables keyed by definition id. */
  readonly tables: Readonly<Record<string, ITableV2>>;
  /** The custom bus (`publishesEvents`, `managesSubscriptionRules`, `replaysArchive`). */
  readonly eventBus?: IEventBus;
  /** The delivery queue (`deliveryQueue`, `managesSubscriptionRules`: the rules' target). */
  readonly deliveryQueue?: IQueue;
  /** The subscription rules' target DeadLetterConfig (`managesSubscriptionRules`, `readsQueueState`). */
  readonly eventsDeadLetterQueue?: IQueue;
  /** Where SQS moves delivery messages after too many receives (`readsQueueState`). */
  readonly deliveryDeadLetterQueue?: IQueue;
  /** The bus archive (`replaysArchive`). */
  readonly archive?: Pick<Archive, 'archiveArn'>;
  /** Name prefix of the subscription rules (`managesSubscriptionRules`). @default 'aif-sub-' */
  readonly subscriptionRulePrefix?: string;
  /** Days audit records are kept (`audits`: AUDIT_RETENTION_DAYS, the audit table's TTL). @default 365 */
  readonly auditRetentionDays?: number;
  /** Name prefix of the upstream credential secrets (`readsUpstreamSecrets`). @default `aif/<stack name>/mesh/` */
  readonly upstreamSecretPrefix?: string;
  /** The KMS key sealing webhook secrets (`webhookSecrets`). */
  readonly webhookSecretKey?: IKey;
}

/** Settings of one function that are not in its manifest record. */
export interface ManifestFunctionOptions {
  /** @default - NodeFunction's default (one month) */
  readonly logRetention?: RetentionDays;
  /** Extra environment variables (the function's own settings, e.g. STALE_INSTANCE_AFTER_MS). */
  readonly environment?: Readonly<Record<string, string>>;
}

/**
 * Creates the {@link NodeFunction} of a function manifest record (`functions/manifest.ts`) and binds
 * it to what the record names, each binding setting its variable and its grant in one call: the
 * tables with their access (`tableAccessOf`: the audit table read-write when it `audits`), the bus
 * (`events:PutEvents`, for its events and the `aif.audit` ones), the delivery queue, the subscription
 * rules, the queue depths (`readsQueueState`), the archive's replays, the upstream credential secrets (`readsUpstreamSecrets`), the webhook-secret key (encrypt or decrypt only); outbound calls to public addresses only (`public-only`); memory and
 * timeout when the record pins them.
 *
 * @throws {Error} when a table or resource the record needs is not in `resources`
 * @example const mesh = createManifestFunction(this, 'Mesh', 'mesh', { tables, eventBus });
 */
export function createManifestFunction(
  scope: Construct,
  id: string,
  name: FunctionName,
  resources: FunctionResources,
  options: ManifestFunctionOptions = {},
): NodeFunction {
  const entry: FunctionManifestEntry = functionManifest[name];
  const node = new NodeFunction(scope, id, {
    entry: entry.entry,
    serviceName: name,
    description: entry.description,
    ...(options.logRetention !== undefined && { logRetention: options.logRetention }),
    ...(entry.memorySizeMb !== undefined && { memorySizeMb: entry.memorySizeMb }),
    ...(entry.timeoutSeconds !== undefined && { timeout: Duration.seconds(entry.timeoutSeconds) }),
    ...(resources.reserveConcurrency !== false && { reservedConcurrency: entry.reservedConcurrency }),
    // The binary formats' libraries and JSONata, for the functions that speak HTTP or deliver webhooks.
    ...((entry.trigger === 'http' || entry.trigger === 'sqs') && { lazyPackages: LAZY_LOADED_PACKAGES }),
    environment: {
      ...(entry.outbound === 'public-only' && {
        OUTBOUND_ALLOW_LOOPBACK: 'false',
        OUTBOUND_ALLOW_PRIVATE: 'false',
        OUTBOUND_REQUIRE_HTTPS: 'true',
      }),
      ...(entry.audits && { AUDIT_RETENTION_DAYS: String(resources.auditRetentionDays ?? 365) }),
      ...options.environment,
    },
  });
  const fn = node.function;
  for (const [tableId, access] of Object.entries(tableAccessOf(name))) {
    const definition = tableDefinitions.find((d) => d.id === tableId);
    if (!definition) throw new Error(`functionManifest.${name}: no table definition has the id "${tableId}"`);
    bindTable(fn, need(resources.tables[tableId], name, `the table "${tableId}"`), definition, access);
  }
  if (publishesToBus(name)) bindEventBus(fn, need(resources.eventBus, name, 'eventBus'));
  for (const access of entry.deliveryQueue ?? []) {
    bindDeliveryQueue(fn, need(resources.deliveryQueue, name, 'deliveryQueue'), access);
  }
  if (entry.managesSubscriptionRules) {
    bindSubscriptionRules(fn, {
      eventBus: need(resources.eventBus, name, 'eventBus'),
      rulePrefix: resources.subscriptionRulePrefix ?? 'aif-sub-',
      deliveryQueue: need(resources.deliveryQueue, name, 'deliveryQueue'),
      eventsDeadLetterQueue: need(resources.eventsDeadLetterQueue, name, 'eventsDeadLetterQueue'),
    });
  }
  if (entry.readsQueueState) {
    bindQueueState(fn, {
      deliveryQueue: need(resources.deliveryQueue, name, 'deliveryQueue'),
      deliveryDeadLetterQueue: need(resources.deliveryDeadLetterQueue, name, 'deliveryDeadLetterQueue'),
      eventsDeadLetterQueue: need(resources.eventsDeadLetterQueue, name, 'eventsDeadLetterQueue'),
    });
  }
  if (entry.readsUpstreamSecrets) {
    bindUpstreamSecrets(fn, resources.upstreamSecretPrefix ?? upstreamSecretPrefixOf(Stack.of(fn)));
  }
  if (entry.replaysArchive) {
    bindReplays(fn, {
      eventBus: need(resources.eventBus, name, 'eventBus'),
      archive: need(resources.archive, name, 'archive'),
      namePrefix: resources.subscriptionRulePrefix ?? 'aif-sub-',
    });
  }
  if (entry.webhookSecrets) {
    bindWebhookSecretKey(fn, need(resources.webhookSecretKey, name, 'webhookSecretKey'), entry.webhookSecrets);
  }
  return node;
}

function need<T>(resource: T | undefined, name: FunctionName, what: string): T {
  if (resource === undefined) throw new Error(`The ${name} function needs ${what}, which was not passed`);
  return resource;
}
