import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDbContractRepository } from '../../shared/adapters/dynamodb/contract-repository';
import { DynamoDbDeadLetterRepository } from '../../shared/adapters/dynamodb/dead-letter-repository';
import { DynamoDbEventLog } from '../../shared/adapters/dynamodb/event-log';
import { DynamoDbSubscriptionRepository } from '../../shared/adapters/dynamodb/subscription-repository';
import { EventBridgeEventPublisher } from '../../shared/adapters/eventbridge/event-publisher';
import { EventBridgeReplayer } from '../../shared/adapters/eventbridge/replayer';
import { EventBridgeSubscriptionRules } from '../../shared/adapters/eventbridge/subscription-rules';
import { localEventBusParts, localReplayer } from '../../shared/adapters/local/local-event-bus-wiring';
import { SqsDeliveryQueue } from '../../shared/adapters/sqs/sqs-delivery-queue';
import { loadConfig } from '../../shared/config';
import { CompiledContractCache } from '../../shared/domain/contracts/validator';
import { statusOf } from '../../shared/http/outcome-status';
import { createRouter } from '../../shared/http/router';
import { httpApi } from '../../shared/middleware/http-api';
import { createObservability } from '../../shared/observability/powertools';
import { systemClock } from '../../shared/ports/clock';
import type { DeliveryQueue } from '../../shared/ports/delivery-queue';
import type { EventPublisher } from '../../shared/ports/event-publisher';
import type { Replayer } from '../../shared/ports/replays';
import type { SubscriptionRules } from '../../shared/ports/subscriptions';
import {
  type DeadLetterDeps,
  deleteDeadLetter,
  listDeadLetters,
  redriveDeadLetters,
} from '../../shared/use-cases/dead-letters';
import { getEvent, listEventsByCorrelation, testEventPattern } from '../../shared/use-cases/event-queries';
import { type PublishEventsDeps, publishEvents, publishFailure } from '../../shared/use-cases/publish-events';
import { getReplay, startReplay } from '../../shared/use-cases/replays';
import {
  createSubscription,
  deleteSubscription,
  getSubscription,
  listSubscriptions,
  type SubscriptionDeps,
} from '../../shared/use-cases/subscriptions';
import { type OperationsOf, routes } from '../routes';
import { addressPolicyOf, policyAwareDynamoDb, requireSetting } from '../wiring';

/** What the events function needs. */
export type EventsDeps = PublishEventsDeps & SubscriptionDeps & DeadLetterDeps & { replayer: Replayer };

/** Publishing, the event log, subscriptions, pattern tests, dead letters and replays. */
export const eventOperations: OperationsOf<'events', EventsDeps> = {
  publishEvents: async ({ body }, deps) => {
    const report = await publishEvents(deps, body);
    if (report.status !== 202) throw publishFailure(report);
    return { status: 202, body: { results: report.results } };
  },
  listEvents: async ({ query }, deps) => ({ status: 200, body: await listEventsByCorrelation(deps, query) }),
  getEvent: async ({ params }, deps) => ({ status: 200, body: await getEvent(deps, params.id) }),
  createSubscription: async ({ body }, deps) => {
    const { outcome, subscription } = await createSubscription(deps, body);
    return {
      status: statusOf(outcome),
      body: subscription,
      ...(outcome === 'created' && {
        headers: { location: `/v1/subscriptions/${encodeURIComponent(subscription.id)}` },
      }),
    };
  },
  listSubscriptions: async (_request, deps) => ({ status: 200, body: { items: await listSubscriptions(deps) } }),
  getSubscription: async ({ params }, deps) => ({ status: 200, body: await getSubscription(deps, params.id) }),
  deleteSubscription: async ({ params }, deps) => {
    await deleteSubscription(deps, params.id);
    return { status: 204 };
  },
  testEventPattern: async ({ body }) => ({ status: 200, body: testEventPattern(body) }),
  listDeadLetters: async ({ query }, deps) => ({ status: 200, body: await listDeadLetters(deps, query) }),
  redriveDeadLetters: async ({ body }, deps) => ({ status: 200, body: await redriveDeadLetters(deps, body) }),
  deleteDeadLetter: async ({ params }, deps) => {
    await deleteDeadLetter(deps, params.id);
    return { status: 204 };
  },
  startReplay: async ({ body }, deps) => {
    const replay = await startReplay(deps, body);
    return { status: 202, body: replay, headers: { location: `/v1/replays/${encodeURIComponent(replay.name)}` } };
  },
  getReplay: async ({ params }, deps) => ({ status: 200, body: await getReplay(deps, params.name) }),
};

const config = loadConfig(['EVENTS_TABLE', 'DELIVERY_TABLE', 'CONTRACTS_TABLE', 'ERRORS_TABLE']);
const observability = createObservability('events');
const { documentClient, policyCache } = policyAwareDynamoDb(config, observability);
const eventLog = new DynamoDbEventLog(documentClient, config.EVENTS_TABLE);
const local = config.EVENT_BUS_MODE === 'local';

function awsParts(): { events: EventPublisher; rules: SubscriptionRules; queue: DeliveryQueue; replayer: Replayer } {
  const eventBridge = new EventBridgeClient({});
  const rules = new EventBridgeSubscriptionRules(eventBridge, {
    eventBusName: requireSetting(config, 'EVENT_BUS_NAME'),
    rulePrefix: config.SUBSCRIPTION_RULE_PREFIX,
    deliveryQueueArn: requireSetting(config, 'DELIVERY_QUEUE_ARN'),
    deadLetterQueueArn: requireSetting(config, 'EVENTS_DLQ_ARN'),
  });
  return {
    events: new EventBridgeEventPublisher(eventBridge, requireSetting(config, 'EVENT_BUS_NAME'), {
      maxEntryBytes: config.MAX_EVENT_ENTRY_BYTES,
    }),
    rules,
    queue: new SqsDeliveryQueue(new SQSClient({}), requireSetting(config, 'DELIVERY_QUEUE_URL')),
    replayer: new EventBridgeReplayer(eventBridge, {
      archiveArn: requireSetting(config, 'EVENT_ARCHIVE_ARN'),
      eventBusArn: requireSetting(config, 'EVENT_BUS_ARN'),
      ruleArnsFor: async (eventTypes) =>
        (await subscriptions.list())
          .filter((s) => s.ruleArn && (!eventTypes || eventTypes.includes(s.eventType)))
          .map((s) => s.ruleArn as string),
    }),
  };
}

function localParts(): { events: EventPublisher; rules: SubscriptionRules; queue: DeliveryQueue; replayer: Replayer } {
  const { bus, router, deliveryQueue } = localEventBusParts();
  return {
    events: bus,
    rules: router,
    queue: deliveryQueue,
    replayer: localReplayer(eventLog, () => Date.now()),
  };
}

const subscriptions = new DynamoDbSubscriptionRepository(documentClient, config.DELIVERY_TABLE);
const parts = local ? localParts() : awsParts();
const deps: EventsDeps = {
  eventLog,
  contracts: new DynamoDbContractRepository(documentClient, config.CONTRACTS_TABLE),
  compiled: new CompiledContractCache(64),
  policyCache,
  clock: systemClock,
  retentionDays: config.EVENT_RETENTION_DAYS,
  maxEntryBytes: config.MAX_EVENT_ENTRY_BYTES,
  subscriptions,
  deadLetters: new DynamoDbDeadLetterRepository(documentClient, config.DELIVERY_TABLE),
  addressPolicy: addressPolicyOf(config),
  ...parts,
};

/** Lambda entry point of the events function (API Gateway REST proxy integration). */
export const handler = httpApi(
  createRouter(routes, eventOperations, deps, { maxBodyBytes: config.MAX_BODY_BYTES }),
  observability,
);
