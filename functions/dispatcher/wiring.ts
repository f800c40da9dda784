import { KMSClient } from '@aws-sdk/client-kms';
import { SQSClient } from '@aws-sdk/client-sqs';
import { KmsSecretCipher } from '../../shared/adapters/aws/kms-secret-cipher';
import { DynamoDbDeadLetterRepository, newDeadLetterId } from '../../shared/adapters/dynamodb/dead-letter-repository';
import { DynamoDbErrorCounterRepository } from '../../shared/adapters/dynamodb/error-counter-repository';
import { DynamoDbSubscriptionRepository } from '../../shared/adapters/dynamodb/subscription-repository';
import { signWebhook } from '../../shared/adapters/http/webhook-signer';
import { SqsDeliveryQueue } from '../../shared/adapters/sqs/sqs-delivery-queue';
import { deliveryFormats } from '../../shared/http/codecs/delivery-formats';
import { PowertoolsErrorMetrics } from '../../shared/observability/error-metrics';
import type { DeliveryQueue } from '../../shared/ports/delivery-queue';
import type { EventPublisher } from '../../shared/ports/event-publisher';
import type { SecretCipher } from '../../shared/ports/secret-cipher';
import type { DeliverDeps } from '../../shared/use-cases/deliver-event';
import {
  eventBridgePublisher,
  type FunctionBase,
  outboundBudgetOf,
  outboundHttp,
  requireSetting,
  traced,
} from '../wiring';
import { createDispatcherHandler } from './app';

/**
 * The dispatcher's parts that differ by mode: the delivery queue (retries change its visibility),
 * the bus (alerts) and the cipher unsealing webhook secrets (KMS in AWS, a local key locally).
 */
export type DispatcherParts = { queue: DeliveryQueue; events: EventPublisher; cipher: Pick<SecretCipher, 'decrypt'> };

/**
 * The dispatcher's dependencies on a function base: subscriptions and dead letters (delivery
 * table), error counters, Standard Webhooks signing, the SSRF-safe client, the per-tenant budget
 * of deliveries in flight (WEBHOOK_MAX_IN_FLIGHT_PER_TENANT, in the RateLimits table), and the mode's parts.
 */
export function dispatcherDeps(base: FunctionBase, parts: DispatcherParts): DeliverDeps {
  const { config, documentClient, observability } = base;
  const deliveryTable = requireSetting(config, 'DELIVERY_TABLE');
  const outboundBudget = outboundBudgetOf(base, 'webhook');
  return {
    subscriptions: new DynamoDbSubscriptionRepository(documentClient, deliveryTable),
    deadLetters: new DynamoDbDeadLetterRepository(documentClient, deliveryTable, config.EVENT_RETENTION_DAYS),
    queue: parts.queue,
    http: outboundHttp(base),
    sign: signWebhook,
    formats: deliveryFormats,
    cipher: parts.cipher,
    newDeadLetterId: (nowMs) => newDeadLetterId(nowMs),
    counters: new DynamoDbErrorCounterRepository(documentClient, requireSetting(config, 'ERRORS_TABLE')),
    policyCache: base.policyCache,
    events: parts.events,
    clock: base.clock,
    metrics: new PowertoolsErrorMetrics(observability.metrics, observability.logger),
    onCountingError: (error) =>
      observability.logger.warn('A delivery failure could not be counted', { error: String(error) }),
    ...(outboundBudget && { outboundBudget }),
  };
}

/**
 * AWS mode: the SQS delivery queue (DELIVERY_QUEUE_URL).
 *
 * @throws {Error} when DELIVERY_QUEUE_URL is missing
 */
export function awsDeliveryQueue(base: Pick<FunctionBase, 'config' | 'observability'>): DeliveryQueue {
  return new SqsDeliveryQueue(traced(base, new SQSClient({})), requireSetting(base.config, 'DELIVERY_QUEUE_URL'));
}

/**
 * The dispatcher function as Lambda runs it: the AWS adapters on `base` (the entry point passes
 * `awsFunctionBase('dispatcher')`; tests pass a base with their own environment and clock).
 */
export function awsDispatcherHandler(base: FunctionBase) {
  const cipher = new KmsSecretCipher(
    traced(base, new KMSClient({})),
    requireSetting(base.config, 'WEBHOOK_SECRET_KEY_ARN'),
    {
      nowMs: () => base.clock.now().getTime(),
    },
  );
  return createDispatcherHandler(
    dispatcherDeps(base, { queue: awsDeliveryQueue(base), events: eventBridgePublisher(base), cipher }),
    base,
  );
}
