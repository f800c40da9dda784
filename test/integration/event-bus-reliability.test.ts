import type { SQSBatchItemFailure } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbDeadLetterRepository, newDeadLetterId } from '../../shared/adapters/dynamodb/dead-letter-repository';
import { DynamoDbErrorCounterRepository } from '../../shared/adapters/dynamodb/error-counter-repository';
import { DynamoDbErrorPolicyRepository } from '../../shared/adapters/dynamodb/error-policy-repository';
import { DynamoDbEventLog } from '../../shared/adapters/dynamodb/event-log';
import { DynamoDbSourceClaims } from '../../shared/adapters/dynamodb/source-claims';
import { DynamoDbSubscriptionRepository } from '../../shared/adapters/dynamodb/subscription-repository';
import { deliveryTable, errorsTable, eventsTable } from '../../shared/adapters/dynamodb/table-definitions';
import { generateWebhookSecret, signWebhook } from '../../shared/adapters/http/webhook-signer';
import {
  LOCAL_DELIVERY_MAX_RECEIVE_COUNT,
  LOCAL_DELIVERY_VISIBILITY_TIMEOUT_SECONDS,
  LocalDeliveryQueue,
} from '../../shared/adapters/local/local-delivery-queue';
import { LocalEventBus } from '../../shared/adapters/local/local-event-bus';
import { LocalQueue } from '../../shared/adapters/local/local-queue';
import { LocalQueuePoller, type SqsBatchHandler } from '../../shared/adapters/local/local-queue-poller';
import { LocalSubscriptionRules } from '../../shared/adapters/local/local-subscription-rules';
import { CompiledContractCache } from '../../shared/domain/contracts/validator';
import type { IntegrationEvent } from '../../shared/domain/events/integration-event';
import type { Subscription } from '../../shared/domain/events/subscription';
import { deliveryFormats } from '../../shared/http/codecs/delivery-formats';
import type { DeadLetter } from '../../shared/ports/dead-letters';
import type { DeliveryMessage } from '../../shared/ports/delivery-queue';
import type { EventPublisher, PublishOutcome } from '../../shared/ports/event-publisher';
import type { HttpClient, HttpRequest, HttpResponse } from '../../shared/ports/http-client';
import { type DeliverDeps, type DeliveryOutcome, deliverEvent, webhookId } from '../../shared/use-cases/deliver-event';
import { ErrorPolicyCache } from '../../shared/use-cases/error-policy-cache';
import { type PublishEventsDeps, publishEvents } from '../../shared/use-cases/publish-events';
import { freshTable } from '../support/dynamodb';
import { keyedDraw } from '../support/random';
import { sealedSecret, testCipher } from '../support/secrets';

const EVENT_COUNT = 10_000;
const EVENTS_PER_REQUEST = 100;
/** publishEvents calls in flight at a time. */
const PUBLISH_CONCURRENCY = 4;
/** Share of PutEvents entries the bus refuses with a retryable code. */
const PUT_FAILURE_RATE = 0.2;
/** Share of webhook requests the subscriber answers with 503. */
const HTTP_FAILURE_RATE = 0.3;
const MAX_RETRIES = 3;
/** Client re-publish rounds before the test gives up (a stuck event fails the test, never hangs it). */
const MAX_CLIENT_ROUNDS = 20;
const SEED = 20_261_130;
const RETRYABLE_ENTRY_CODE = 'InternalFailure';

/**
 * The bus with PutEvents entry failures injected: each entry's n-th send fails with a retryable
 * `InternalFailure` with probability {@link PUT_FAILURE_RATE}; the others go to the wrapped bus. Counts
 * every entry sent and failed, per event id.
 */
class FlakyBus implements EventPublisher {
  readonly sends = new Map<string, number>();
  readonly failures = new Map<string, number>();
  entriesSent = 0;
  entriesFailed = 0;

  constructor(private readonly bus: LocalEventBus) {}

  async publish(events: readonly IntegrationEvent[]): Promise<PublishOutcome[]> {
    const outcomes = new Array<PublishOutcome>(events.length);
    const through: Array<{ index: number; event: IntegrationEvent }> = [];
    events.forEach((event, index) => {
      const send = (this.sends.get(event.id) ?? 0) + 1;
      this.sends.set(event.id, send);
      this.entriesSent += 1;
      if (keyedDraw(SEED, `put:${event.id}:${send}`) < PUT_FAILURE_RATE) {
        this.failures.set(event.id, (this.failures.get(event.id) ?? 0) + 1);
        this.entriesFailed += 1;
        outcomes[index] = {
          id: event.id,
          status: 'failed',
          errorCode: RETRYABLE_ENTRY_CODE,
          errorMessage: 'injected entry failure',
          retryable: true,
        };
      } else {
        through.push({ index, event });
      }
    });
    const published = await this.bus.publish(through.map(({ event }) => event));
    through.forEach(({ index }, i) => {
      outcomes[index] = published[i] as PublishOutcome;
    });
    return outcomes;
  }
}

/**
 * A webhook subscriber that de-duplicates by `webhook-id`: each request's n-th attempt for one
 * webhook id is answered 503 with probability {@link HTTP_FAILURE_RATE}, else 204; every 204 is
 * recorded with its webhook id and the event id of its body.
 */
class FlakySubscriber implements HttpClient {
  readonly attempts = new Map<string, number>();
  /** webhook id → event ids of the requests answered 2xx (one entry per request). */
  readonly accepted = new Map<string, string[]>();
  requests = 0;
  refused = 0;

  async request(request: HttpRequest): Promise<HttpResponse> {
    this.requests += 1;
    const id = request.headers['webhook-id'] ?? '';
    const attempt = (this.attempts.get(id) ?? 0) + 1;
    this.attempts.set(id, attempt);
    if (keyedDraw(SEED, `http:${id}:${attempt}`) < HTTP_FAILURE_RATE) {
      this.refused += 1;
      return { status: 503, headers: {}, body: Buffer.alloc(0) };
    }
    const eventId = (JSON.parse(String(request.body)) as IntegrationEvent).id;
    this.accepted.set(id, [...(this.accepted.get(id) ?? []), eventId]);
    return { status: 204, headers: {}, body: Buffer.alloc(0) };
  }
}

/** A clock whose sleep resolves at once: backoff delays cost no wall time. */
const clock = { now: () => new Date(), sleep: async () => undefined };

function orderEvent(n: number): IntegrationEvent {
  return {
    id: `evt-${String(n).padStart(5, '0')}`,
    type: 'order.created',
    version: '1.0.0',
    source: 'shop.orders',
    timestamp: Date.now(),
    correlationId: `corr-${n % 97}`,
    payload: { orderId: n, total: (n % 500) + 0.99, currency: 'EUR' },
    metadata: {},
  };
}

async function allDeadLetters(repository: DynamoDbDeadLetterRepository): Promise<DeadLetter[]> {
  const all: DeadLetter[] = [];
  let cursor: string | undefined;
  do {
    const page = await repository.list(OWNER.tenant, { limit: 100, ...(cursor && { cursor }) });
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

/** The one tenant publishing and subscribing here. */
const OWNER = { tenant: 'acme', principal: 'reliability-agent' };

describe('local event bus', () => {
  describe('publish → route → deliver under injected failures', () => {
    let eventLog: DynamoDbEventLog;
    let sources: DynamoDbSourceClaims;
    let subscriptions: DynamoDbSubscriptionRepository;
    let deadLetters: DynamoDbDeadLetterRepository;
    let counters: DynamoDbErrorCounterRepository;
    let policies: DynamoDbErrorPolicyRepository;

    beforeAll(async () => {
      const [events, delivery, errors] = await Promise.all([
        freshTable(eventsTable),
        freshTable(deliveryTable),
        freshTable(errorsTable),
      ]);
      eventLog = new DynamoDbEventLog(events.client, events.tableName);
      sources = new DynamoDbSourceClaims(events.client, events.tableName);
      subscriptions = new DynamoDbSubscriptionRepository(delivery.client, delivery.tableName);
      deadLetters = new DynamoDbDeadLetterRepository(delivery.client, delivery.tableName, 30);
      counters = new DynamoDbErrorCounterRepository(errors.client, errors.tableName);
      policies = new DynamoDbErrorPolicyRepository(errors.client, errors.tableName);
    });

    it('delivers or dead-letters every one of 10,000 events exactly once, re-sending only failed entries', async () => {
      // Prepare
      const started = performance.now();
      // One retry inside publishEvents (instead of the built-in five) so that some events exhaust it
      // and the client's own re-publish path runs too.
      await policies.put(
        RETRYABLE_ENTRY_CODE,
        {
          category: 'transient',
          maxRetries: 1,
          backoffStrategy: 'constant',
          initialDelayMs: 0,
          maxDelayMs: 0,
          jitter: 'none',
          alertThreshold: 1_000_000,
          alertWindow: '1m',
        },
        { at: new Date().toISOString(), by: { tenant: 'ops', principal: 'admin' } },
      );
      const policyCache = new ErrorPolicyCache(policies, clock);
      const listenerErrors: unknown[] = [];
      // The bus reports a listener's error (a failed enqueue) instead of failing the publish: collect them.
      const bus = new LocalEventBus({ historyLimit: 0, onListenerError: (error) => listenerErrors.push(error) });
      const flakyBus = new FlakyBus(bus);
      const deadLetterQueue = new LocalQueue({ name: 'reliability-dlq' });
      const queue = new LocalQueue({
        name: 'reliability-delivery',
        visibilityTimeoutSeconds: LOCAL_DELIVERY_VISIBILITY_TIMEOUT_SECONDS,
        redrivePolicy: { deadLetterQueue: deadLetterQueue, maxReceiveCount: LOCAL_DELIVERY_MAX_RECEIVE_COUNT },
      });
      const deliveryQueue = new LocalDeliveryQueue(queue);
      const rules = new LocalSubscriptionRules(deliveryQueue);
      bus.subscribe(async (event) => {
        await rules.sendToTargets(event);
      });

      const subscription: Subscription = {
        owner: OWNER,
        id: 'reliability-orders',
        eventType: 'order.created',
        target: {
          type: 'webhook',
          url: 'https://subscriber.example/hooks/orders',
          secrets: [await sealedSecret({ tenant: OWNER.tenant, id: 'reliability-orders' }, generateWebhookSecret())],
        },
        maxRetries: MAX_RETRIES,
        retryPolicy: { backoffStrategy: 'constant', initialDelayMs: 0, maxDelayMs: 0, jitter: 'none' },
        timeoutMs: 5_000,
        priority: 0,
        status: 'active',
        createdAt: new Date().toISOString(),
      };
      await subscriptions.create(subscription);
      await rules.put(subscription);

      const subscriber = new FlakySubscriber();
      const countingErrors: unknown[] = [];
      const deliverDeps: DeliverDeps = {
        subscriptions,
        deadLetters,
        queue: deliveryQueue,
        http: subscriber,
        sign: signWebhook,
        formats: deliveryFormats,
        cipher: testCipher,
        newDeadLetterId: (nowMs) => newDeadLetterId(nowMs),
        counters,
        policyCache,
        events: bus,
        clock,
        onCountingError: (error) => countingErrors.push(error),
      };
      const outcomes: Record<DeliveryOutcome['outcome'], number> = {
        delivered: 0,
        retrying: 0,
        'dead-lettered': 0,
        deferred: 0,
      };
      const handlerErrors: unknown[] = [];
      // The dispatcher's contract without its module (which reads env at import): one deliverEvent per
      // record, retried records reported as batch item failures.
      const handler: SqsBatchHandler = async (event) => {
        const batchItemFailures: SQSBatchItemFailure[] = [];
        await Promise.all(
          event.Records.map(async (record) => {
            try {
              const outcome = await deliverEvent(deliverDeps, {
                message: JSON.parse(record.body) as DeliveryMessage,
                attempt: Number(record.attributes.ApproximateReceiveCount),
                receiptHandle: record.receiptHandle,
              });
              outcomes[outcome.outcome] += 1;
              if (outcome.outcome === 'retrying') batchItemFailures.push({ itemIdentifier: record.messageId });
            } catch (error) {
              handlerErrors.push(error);
              batchItemFailures.push({ itemIdentifier: record.messageId });
            }
          }),
        );
        return { batchItemFailures };
      };
      const pollerErrors: unknown[] = [];
      const poller = new LocalQueuePoller(queue, handler, {
        concurrency: 4,
        onError: (error) => pollerErrors.push(error),
      });

      const publishDeps: PublishEventsDeps = {
        eventLog,
        events: flakyBus,
        sources,
        contracts: { listVersionHeaders: async () => [], getVersion: async () => undefined },
        compiled: new CompiledContractCache(),
        policyCache,
        clock,
        retentionDays: 1,
      };
      const events = Array.from({ length: EVENT_COUNT }, (_, n) => orderEvent(n));
      const settled = new Map<string, 'published' | 'duplicate'>();
      const republished = new Map<string, number>();
      const unexpected: unknown[] = [];
      /** The client: publishes one request, then re-publishes whatever came back `failed`. */
      async function publishUntilSettled(batch: IntegrationEvent[]): Promise<void> {
        let pending = batch;
        for (let round = 1; pending.length > 0 && round <= MAX_CLIENT_ROUNDS; round++) {
          const report = await publishEvents(publishDeps, pending, OWNER);
          const failed: IntegrationEvent[] = [];
          for (const [i, result] of report.results.entries()) {
            const event = pending[i] as IntegrationEvent;
            if (result.status === 'published' || result.status === 'duplicate') settled.set(event.id, result.status);
            else if (result.status === 'failed' && result.httpStatus === 503) {
              failed.push(event);
              republished.set(event.id, (republished.get(event.id) ?? 0) + 1);
            } else unexpected.push(result);
          }
          pending = failed;
        }
      }

      // Act
      poller.start();
      let next = 0;
      await Promise.all(
        Array.from({ length: PUBLISH_CONCURRENCY }, async () => {
          while (next < EVENT_COUNT) {
            const from = next;
            next += EVENTS_PER_REQUEST;
            await publishUntilSettled(events.slice(from, from + EVENTS_PER_REQUEST));
          }
        }),
      );
      await poller.drain({ timeoutMs: 120_000 });
      await poller.stop();
      const stored = await allDeadLetters(deadLetters);
      const seconds = (performance.now() - started) / 1000;

      // Assess
      expect(unexpected).toEqual([]);
      expect(listenerErrors).toEqual([]);
      expect(handlerErrors).toEqual([]);
      expect(pollerErrors).toEqual([]);
      expect(countingErrors).toEqual([]);

      // Publishing: every event on the bus once; only failed entries were sent again.
      expect(settled.size).toBe(EVENT_COUNT);
      expect([...settled.values()].every((status) => status === 'published')).toBe(true);
      expect(flakyBus.entriesFailed).toBeGreaterThan(0);
      expect(flakyBus.entriesSent - EVENT_COUNT).toBe(flakyBus.entriesFailed);
      for (const event of events) {
        expect(flakyBus.sends.get(event.id)).toBe((flakyBus.failures.get(event.id) ?? 0) + 1);
      }
      expect(republished.size).toBeGreaterThan(0);

      // Delivery: delivered (a 2xx) or a dead letter — never both, never neither.
      const deliveredByWebhookId = new Map<string, string>();
      for (const [id, eventIds] of subscriber.accepted) {
        // Duplicates, if any, are re-deliveries of the same event under the same webhook id.
        expect(new Set(eventIds).size).toBe(1);
        expect(id).toBe(webhookId(eventIds[0] as string, subscription.id));
        deliveredByWebhookId.set(id, eventIds[0] as string);
      }
      const delivered = new Set(deliveredByWebhookId.values());
      const acceptedRequests = [...subscriber.accepted.values()].reduce((sum, ids) => sum + ids.length, 0);
      expect(delivered.size).toBe(deliveredByWebhookId.size);
      expect(outcomes.delivered).toBe(acceptedRequests);
      expect(outcomes.delivered).toBe(delivered.size);

      const deadLettered = new Set(stored.map((deadLetter) => deadLetter.eventId));
      expect(deadLettered.size).toBe(stored.length);
      expect(outcomes['dead-lettered']).toBe(stored.length);
      for (const deadLetter of stored) {
        expect(deadLetter).toMatchObject({
          subscriptionId: subscription.id,
          reason: 'retries-exhausted',
          attempts: MAX_RETRIES + 1,
          lastStatus: 503,
        });
      }
      const lost: string[] = [];
      const both: string[] = [];
      for (const event of events) {
        const isDelivered = delivered.has(event.id);
        const isDeadLettered = deadLettered.has(event.id);
        if (isDelivered && isDeadLettered) both.push(event.id);
        if (!isDelivered && !isDeadLettered) lost.push(event.id);
      }
      expect(both).toEqual([]);
      expect(lost).toEqual([]);
      expect(delivered.size + deadLettered.size).toBe(EVENT_COUNT);
      expect(outcomes.retrying).toBe(subscriber.refused - stored.length);
      expect(subscriber.requests).toBe(outcomes.delivered + outcomes.retrying + outcomes['dead-lettered']);

      // Nothing left behind on either queue.
      expect(queue.approximateCounts()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
      expect(deadLetterQueue.approximateCounts()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });

      // The event log: every event published (by the hour index), and the re-published ones in full.
      const listed = new Set<string>();
      for await (const event of eventLog.listPublishedBetween(OWNER.tenant, Date.now() - 3_600_000, Date.now() + 1)) {
        if (event.type === 'order.created') listed.add(event.id);
      }
      expect(listed.size).toBe(EVENT_COUNT);
      const sample = [...republished.keys()].slice(0, 200);
      const records = await Promise.all(sample.map((id) => eventLog.get(OWNER.tenant, id)));
      for (const record of records) {
        expect(record?.status).toBe('published');
        expect(record?.error).toBeUndefined();
      }

      console.log(
        `event bus reliability: ${EVENT_COUNT} events, ${flakyBus.entriesFailed} entries failed and re-sent ` +
          `(${flakyBus.entriesSent} sent), ${republished.size} events re-published by the client, ` +
          `${subscriber.requests} deliveries (${outcomes.delivered} delivered, ${outcomes.retrying} retries), ` +
          `${stored.length} dead letters, ${seconds.toFixed(1)} s`,
      );
    }, 180_000);
  });
});
