import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { SQSClient } from '@aws-sdk/client-sqs';
import { KmsSecretCipher } from '../../shared/adapters/aws/kms-secret-cipher';
import { DynamoDbContractRepository } from '../../shared/adapters/dynamodb/contract-repository';
import { DynamoDbDeadLetterRepository } from '../../shared/adapters/dynamodb/dead-letter-repository';
import { DynamoDbEventLog } from '../../shared/adapters/dynamodb/event-log';
import { DynamoDbQuotaCounter } from '../../shared/adapters/dynamodb/quota-counter';
import { DynamoDbSourceClaims } from '../../shared/adapters/dynamodb/source-claims';
import { DynamoDbSubscriptionRepository } from '../../shared/adapters/dynamodb/subscription-repository';
import { EventBridgeReplayer } from '../../shared/adapters/eventbridge/replayer';
import { EventBridgeSubscriptionRules } from '../../shared/adapters/eventbridge/subscription-rules';
import { SqsDeliveryQueue } from '../../shared/adapters/sqs/sqs-delivery-queue';
import { quotaLimitsOf } from '../../shared/config';
import { CompiledContractCache } from '../../shared/domain/contracts/validator';
import { deliveryFormats } from '../../shared/http/codecs/delivery-formats';
import type { ApiHandler } from '../../shared/middleware/http-api';
import type { DeliveryQueue } from '../../shared/ports/delivery-queue';
import type { EventPublisher } from '../../shared/ports/event-publisher';
import type { Replayer } from '../../shared/ports/replays';
import type { SecretCipher } from '../../shared/ports/secret-cipher';
import type { SubscriptionRepository, SubscriptionRules } from '../../shared/ports/subscriptions';
import {
  eventBridgePublisher,
  type FunctionBase,
  httpOptions,
  outboundRulesOf,
  requireSetting,
  traced,
} from '../wiring';
import { createEventsHandler, type EventsDeps } from './app';

/**
 * The parts of the events function that differ by mode: the bus, the subscriptions' rules, the
 * delivery queue, replays, and the cipher sealing webhook secrets (KMS in AWS, a local key locally).
 */
export type EventBusParts = {
  cipher: Pick<SecretCipher, 'encrypt'>;
  events: EventPublisher;
  rules: SubscriptionRules;
  queue: DeliveryQueue;
  replayer: Replayer;
};

/** The tables the events function works on, built once: the mode's parts may need them (replays read subscriptions or the log). */
export type EventsTables = { eventLog: DynamoDbEventLog; subscriptions: DynamoDbSubscriptionRepository };

/** The events function's tables on a function base. */
export function eventsTables(base: FunctionBase): EventsTables {
  return {
    eventLog: new DynamoDbEventLog(base.documentClient, requireSetting(base.config, 'EVENTS_TABLE')),
    subscriptions: new DynamoDbSubscriptionRepository(
      base.documentClient,
      requireSetting(base.config, 'DELIVERY_TABLE'),
    ),
  };
}

/** The events function's dependencies on a function base, its tables and the mode's bus parts. */
export function eventsDeps(base: FunctionBase, tables: EventsTables, parts: EventBusParts): EventsDeps {
  const { config } = base;
  return {
    ...tables,
    sources: new DynamoDbSourceClaims(base.documentClient, requireSetting(config, 'EVENTS_TABLE'), () =>
      base.clock.now(),
    ),
    contracts: new DynamoDbContractRepository(base.documentClient, requireSetting(config, 'CONTRACTS_TABLE')),
    compiled: new CompiledContractCache(64),
    policyCache: base.policyCache,
    clock: base.clock,
    retentionDays: config.EVENT_RETENTION_DAYS,
    maxEntryBytes: config.MAX_EVENT_ENTRY_BYTES,
    deadLetters: new DynamoDbDeadLetterRepository(
      base.documentClient,
      requireSetting(config, 'DELIVERY_TABLE'),
      config.EVENT_RETENTION_DAYS,
    ),
    outboundRules: outboundRulesOf(config),
    quotas: new DynamoDbQuotaCounter(base.documentClient, requireSetting(config, 'DELIVERY_TABLE')),
    limits: quotaLimitsOf(config),
    rotationOverlapSeconds: config.WEBHOOK_SECRET_OVERLAP_SECONDS,
    formats: deliveryFormats,
    ...parts,
  };
}

/**
 * AWS mode: the EventBridge custom bus, one rule per subscription (named with the rule prefix)
 * targeting the delivery queue, the SQS delivery queue for redrive, and replays of the bus archive
 * to the rules of the caller's tenant's subscriptions to the replayed event types, and KMS Encrypt
 * under the webhook-secret key.
 *
 * @throws {Error} naming a missing setting (WEBHOOK_SECRET_KEY_ARN, EVENT_BUS_NAME, EVENT_BUS_ARN, DELIVERY_QUEUE_URL/ARN, EVENTS_DLQ_ARN, EVENT_ARCHIVE_ARN)
 */
export function awsEventBusParts(
  base: Pick<FunctionBase, 'config' | 'observability'>,
  subscriptions: SubscriptionRepository,
): EventBusParts {
  const { config } = base;
  const eventBridge = traced(base, new EventBridgeClient({}));
  return {
    cipher: new KmsSecretCipher(traced(base, new KMSClient({})), requireSetting(config, 'WEBHOOK_SECRET_KEY_ARN')),
    events: eventBridgePublisher(base, eventBridge),
    rules: new EventBridgeSubscriptionRules(eventBridge, {
      eventBusName: requireSetting(config, 'EVENT_BUS_NAME'),
      rulePrefix: config.SUBSCRIPTION_RULE_PREFIX,
      deliveryQueueArn: requireSetting(config, 'DELIVERY_QUEUE_ARN'),
      deadLetterQueueArn: requireSetting(config, 'EVENTS_DLQ_ARN'),
    }),
    queue: new SqsDeliveryQueue(traced(base, new SQSClient({})), requireSetting(config, 'DELIVERY_QUEUE_URL')),
    replayer: new EventBridgeReplayer(eventBridge, {
      archiveArn: requireSetting(config, 'EVENT_ARCHIVE_ARN'),
      eventBusArn: requireSetting(config, 'EVENT_BUS_ARN'),
      namePrefix: config.SUBSCRIPTION_RULE_PREFIX,
      ruleArnsFor: async (tenant, eventTypes) =>
        (await subscriptions.list(tenant))
          .filter((s) => s.ruleArn && (!eventTypes || eventTypes.includes(s.eventType)))
          .map((s) => s.ruleArn as string),
    }),
  };
}

/**
 * The events function as Lambda runs it: the AWS adapters on `base` (the entry point passes
 * `awsFunctionBase('events')`; tests pass a base with their own environment and clock).
 */
export function awsEventsHandler(base: FunctionBase): ApiHandler {
  const tables = eventsTables(base);
  return createEventsHandler(eventsDeps(base, tables, awsEventBusParts(base, tables.subscriptions)), httpOptions(base));
}
