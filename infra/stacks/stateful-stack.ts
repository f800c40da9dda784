import { Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import {
  type Attribute,
  AttributeType,
  Billing,
  type ITableV2,
  ProjectionType,
  TableEncryptionV2,
  TableV2,
} from 'aws-cdk-lib/aws-dynamodb';
import { type Archive, EventBus } from 'aws-cdk-lib/aws-events';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption, type QueueProps } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  type KeyAttribute,
  type TableDefinition,
  tableDefinitions,
} from '../../shared/adapters/dynamodb/table-definitions';
import { AuditLog } from '../constructs/audit-trail';
import { DISPATCHER_TIMEOUT } from '../constructs/dispatcher';
import { allowSubscriptionRulesToSend, assertSubscriptionRulePrefix } from '../constructs/subscription-rules';
import { WebhookSecretKey } from '../constructs/webhook-secret-key';

/**
 * Receives of one delivery message before SQS moves it to the delivery DLQ. A subscription makes at
 * most 101 delivery attempts (maxRetries ≤ 100), each one receive, and then the dispatcher stores a
 * dead letter itself; 110 leaves room for a few crashed or timed-out invocations, so SQS dead-letters
 * only what the dispatcher could not handle at all.
 */
export const DELIVERY_MAX_RECEIVE_COUNT = 110;

/** Props of the {@link StatefulStack}. */
export interface StatefulStackProps extends StackProps {
  /**
   * The tables to create. The local runner creates its tables from the same list, so keys and
   * indexes cannot drift between the two modes.
   *
   * @default tableDefinitions
   */
  readonly tables?: readonly TableDefinition[];
  /**
   * How long the bus archive keeps events for replays.
   *
   * @default Duration.days(30)
   */
  readonly eventArchiveRetention?: Duration;
  /**
   * Name prefix of the subscription rules (`<prefix><subscription id>`): only rules of this bus
   * named with it may send to the delivery queue and the events DLQ. 1–24 letters, digits, `.`, `-`, `_`.
   *
   * @default 'aif-sub-'
   */
  readonly subscriptionRulePrefix?: string;
  /**
   * How long the audit log group keeps audit records (the audit table's TTL is set from the same
   * number of days by the API stack).
   *
   * @default RetentionDays.ONE_YEAR
   */
  readonly auditRetention?: RetentionDays;
  /**
   * Deletion protection of the tables; false only for a disposable stage (context
   * `destroyOnRemoval`), whose resources `composeApp` also sets to DESTROY.
   *
   * @default true
   */
  readonly deletionProtection?: boolean;
}

/**
 * Everything that holds data and must outlive redeployments of the API: one DynamoDB table per
 * table definition, the EventBridge custom bus with its archive, the delivery queues and the audit
 * log group ({@link AuditLog}), the KMS key sealing webhook secrets ({@link WebhookSecretKey}) — all retained when the stack is deleted. Tables are on-demand, point-in-time recoverable, encrypted
 * with the AWS managed key and deletion protected; the stack itself is termination protected by
 * default.
 *
 * Delivery path: each subscription is a rule on the bus (named `<subscriptionRulePrefix><id>`,
 * created at run time by the events function) whose target is the **delivery queue**; EventBridge
 * sends what it cannot put there to the **events DLQ** (the target's DeadLetterConfig). The
 * dispatcher consumes the delivery queue; a message received {@link DELIVERY_MAX_RECEIVE_COUNT}
 * times moves to the **delivery DLQ**. Queue policies admit only this bus's prefixed rules.
 *
 * @example
 * const stateful = new StatefulStack(app, 'Aif-dev-Stateful', { subscriptionRulePrefix: 'aif-dev-sub-' });
 * stateful.tables.Contracts; // ITableV2
 * stateful.deliveryQueue; // IQueue
 */
export class StatefulStack extends Stack {
  /** The tables keyed by definition id (`Contracts`, `Errors`). */
  readonly tables: Record<string, ITableV2>;
  /** The framework's EventBridge custom bus: integration events and alerts. */
  readonly eventBus: EventBus;
  /** The bus's archive: every event on the bus, kept `eventArchiveRetention` for replays. */
  readonly eventArchive: Archive;
  /** Target of every subscription rule; the dispatcher's event source. */
  readonly deliveryQueue: Queue;
  /** Where SQS moves a delivery message after {@link DELIVERY_MAX_RECEIVE_COUNT} receives. */
  readonly deliveryDeadLetterQueue: Queue;
  /** Where EventBridge sends events it could not put on the delivery queue (the rules' target DeadLetterConfig). */
  readonly eventsDeadLetterQueue: Queue;
  /** Name prefix of the subscription rules the queues admit. */
  readonly subscriptionRulePrefix: string;
  /** The audit log group and the rule that feeds it `aif.audit` events. */
  readonly auditLog: AuditLog;
  /** The customer-managed KMS key (rotated yearly, aliased) sealing webhook signing secrets. */
  readonly webhookSecretKey: WebhookSecretKey;

  constructor(scope: Construct, id: string, props: StatefulStackProps = {}) {
    super(scope, id, { terminationProtection: true, ...props });
    this.tables = Object.fromEntries(
      (props.tables ?? tableDefinitions).map((definition) => [
        definition.id,
        createTable(this, definition, props.deletionProtection ?? true),
      ]),
    );
    // The name is generated by CloudFormation (no hard-coded physical names): one bus per stage and account.
    this.eventBus = new EventBus(this, 'EventBus', { description: 'Agent Integration Framework events' });
    this.eventBus.applyRemovalPolicy(RemovalPolicy.RETAIN);

    this.auditLog = new AuditLog(this, 'AuditLog', {
      eventBus: this.eventBus,
      retention: props.auditRetention ?? RetentionDays.ONE_YEAR,
    });

    this.webhookSecretKey = new WebhookSecretKey(this, 'WebhookSecretKey');

    this.subscriptionRulePrefix = props.subscriptionRulePrefix ?? 'aif-sub-';
    assertSubscriptionRulePrefix(this.subscriptionRulePrefix);

    // The bus has no resource policy, so only this account's principals can put events on it and
    // every event carries this account: the pattern archives them all.
    this.eventArchive = this.eventBus.archive('EventArchive', {
      description: 'Every event on the Agent Integration Framework bus, for replays',
      eventPattern: { account: [Stack.of(this).account] },
      retention: props.eventArchiveRetention ?? Duration.days(30),
    });
    this.eventArchive.applyRemovalPolicy(RemovalPolicy.RETAIN);

    this.deliveryDeadLetterQueue = createQueue(this, 'DeliveryDeadLetterQueue');
    this.deliveryQueue = createQueue(this, 'DeliveryQueue', {
      visibilityTimeout: Duration.seconds(DISPATCHER_TIMEOUT.toSeconds() * 6),
      deadLetterQueue: { queue: this.deliveryDeadLetterQueue, maxReceiveCount: DELIVERY_MAX_RECEIVE_COUNT },
    });
    this.eventsDeadLetterQueue = createQueue(this, 'EventsDeadLetterQueue');
    for (const queue of [this.deliveryQueue, this.eventsDeadLetterQueue]) {
      allowSubscriptionRulesToSend(queue, this.eventBus, this.subscriptionRulePrefix);
    }
    Validations.of(this.eventsDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is a dead-letter queue: the DeadLetterConfig of every subscription rule's target, set by the events function at run time (PutTargets), which cdk-nag cannot see; a DLQ of a DLQ would only move the problem. Its depth is alarmed by the Dispatcher.",
    });
  }
}

/**
 * A queue of the delivery path: SSE with SQS-managed keys, TLS required, 14 days retention, messages
 * up to 1 MiB (SQS's maximum; events of up to 1 MiB − 4 KiB plus their delivery wrapper must fit —
 * the default is 256 KiB), retained on stack deletion (it may hold undelivered events).
 */
function createQueue(
  scope: Construct,
  id: string,
  props: Pick<QueueProps, 'visibilityTimeout' | 'deadLetterQueue'> = {},
): Queue {
  return new Queue(scope, id, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    maxMessageSizeBytes: 1_048_576,
    removalPolicy: RemovalPolicy.RETAIN,
    ...props,
  });
}

function createTable(scope: Construct, definition: TableDefinition, deletionProtection: boolean): TableV2 {
  return new TableV2(scope, definition.id, {
    partitionKey: toAttribute(definition.partitionKey),
    ...(definition.sortKey && { sortKey: toAttribute(definition.sortKey) }),
    billing: Billing.onDemand(),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    // The AWS managed key (alias/aws/dynamodb) makes the encryption visible in the template and in
    // CloudTrail at no key-management cost; a customer managed key can replace it without a rebuild.
    encryption: TableEncryptionV2.awsManagedKey(),
    deletionProtection,
    removalPolicy: RemovalPolicy.RETAIN,
    ...(definition.timeToLiveAttribute && { timeToLiveAttribute: definition.timeToLiveAttribute }),
    globalSecondaryIndexes: definition.globalSecondaryIndexes.map((index) => ({
      indexName: index.indexName,
      partitionKey: toAttribute(index.partitionKey),
      ...(index.sortKey && { sortKey: toAttribute(index.sortKey) }),
      projectionType: ProjectionType.ALL,
    })),
  });
}

const ATTRIBUTE_TYPES = { S: AttributeType.STRING, N: AttributeType.NUMBER, B: AttributeType.BINARY } as const;

function toAttribute(key: KeyAttribute): Attribute {
  return { name: key.name, type: ATTRIBUTE_TYPES[key.type] };
}
