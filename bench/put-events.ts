/**
 * Event bus benchmarks: PutEvents calls per publish, entries re-sent per entry failed, and local
 * publish-to-delivery throughput against the bare local queue. Everything runs in process: a counting
 * stub stands in for the EventBridge client, in-memory fakes for DynamoDB.
 */

import type { EventBridgeClient, PutEventsCommand, PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import type { SQSBatchItemFailure } from 'aws-lambda';
import { EventBridgeEventPublisher } from '../shared/adapters/eventbridge/event-publisher';
import { signWebhook } from '../shared/adapters/http/webhook-signer';
import {
  LOCAL_DELIVERY_MAX_RECEIVE_COUNT,
  LOCAL_DELIVERY_VISIBILITY_TIMEOUT_SECONDS,
  LocalDeliveryQueue,
} from '../shared/adapters/local/local-delivery-queue';
import { LocalEventBus } from '../shared/adapters/local/local-event-bus';
import { LocalQueue, PRIORITY_ATTRIBUTE } from '../shared/adapters/local/local-queue';
import { LocalQueuePoller, type SqsBatchHandler } from '../shared/adapters/local/local-queue-poller';
import { LocalSecretCipher } from '../shared/adapters/local/local-secret-cipher';
import { LocalSubscriptionRules } from '../shared/adapters/local/local-subscription-rules';
import { CompiledContractCache } from '../shared/domain/contracts/validator';
import { MAX_PUT_EVENTS_ENTRIES } from '../shared/domain/events/entry-rules';
import type { IntegrationEvent } from '../shared/domain/events/integration-event';
import type { Subscription } from '../shared/domain/events/subscription';
import { TENANT_METADATA_KEY } from '../shared/domain/events/tenancy';
import { describeSecret, encryptionContextOf } from '../shared/domain/events/webhook-secret';
import { deliveryFormats } from '../shared/http/codecs/delivery-formats';
import type { Clock } from '../shared/ports/clock';
import type { DeliveryMessage } from '../shared/ports/delivery-queue';
import type { CounterKey, ErrorCount, ErrorCounterRepository } from '../shared/ports/error-counter';
import type { ErrorPolicyRepository } from '../shared/ports/error-policy-repository';
import type { ClaimResult, EventLog, EventRecord } from '../shared/ports/event-log';
import type { HttpClient } from '../shared/ports/http-client';
import { type DeliverDeps, deliverEvent } from '../shared/use-cases/deliver-event';
import { ErrorPolicyCache } from '../shared/use-cases/error-policy-cache';
import { MAX_EVENTS_PER_REQUEST, type PublishEventsDeps, publishEvents } from '../shared/use-cases/publish-events';
import { median } from './stats';

/** Event counts the PutEvents-call benchmark publishes: around and far beyond one call's 10 entries. */
export const PUT_EVENTS_SIZES = [1, 9, 10, 11, 100, 1000] as const;

/** PutEvents calls EventBridgeEventPublisher made for N small events, against ceil(N / 10). */
export type PutEventsCallsResult = { events: number; calls: number; target: number; published: number };

/** What publishEvents sent again after injected per-entry failures. */
export type ResendResult = {
  events: number;
  /** Entries answered with an ErrorCode. */
  entriesFailed: number;
  /** Entries sent more than once (every send after an event's first). */
  entriesResent: number;
  /** Entries of events that had succeeded and were sent again anyway (must be 0). */
  successesResent: number;
  /** resent ÷ failed. */
  ratio: number;
  /** Events whose result is not `published`. */
  notPublished: number;
  calls: number;
  /** Σ over requests and attempts of ceil(entries of that attempt / 10). */
  callsTarget: number;
};

/** Settings of the local throughput benchmark. */
export type LocalThroughputOptions = { rounds: number; events: number };

/** Medians over interleaved rounds, events (or messages) per second. */
export type LocalThroughputResult = {
  events: number;
  rounds: number;
  /** publishEvents (in-memory log) → LocalEventBus → subscription rules → LocalQueue → poller → deliverEvent → 204. */
  pipelinePerSecond: number;
  /** Diagnostic: the same from `LocalEventBus.publish` on (no publishEvents, no event log). */
  busPerSecond: number;
  /** Baseline: LocalQueue send, receive(10) and delete of the same messages, no poller. */
  queuePerSecond: number;
  /** pipeline ÷ baseline. */
  ratio: number;
};

/** Sleeps take no time: retries in publishEvents cost no wall time. */
const instantClock: Clock = { now: () => new Date(), sleep: async () => undefined };

/** A small `order.created` event, ~250 bytes as JSON. */
function smallEvent(id: string, n: number): IntegrationEvent {
  return {
    id,
    type: 'order.created',
    version: '1.0.0',
    source: 'shop.orders',
    timestamp: Date.now(),
    payload: { orderId: n, total: 19.99, currency: 'EUR' },
    // As the bus carries it: the bench tenant's events (publishEvents stamps the same).
    metadata: { [TENANT_METADATA_KEY]: BENCH_OWNER.tenant },
  };
}

/**
 * A counting stand-in for `EventBridgeClient`: answers every PutEvents entry with an EventId, except
 * the entries `fail(id, send)` picks, which get a retryable `InternalFailure`. `send` counts how often
 * each event id (read from the entry's Detail) was sent.
 */
class CountingEventBridge {
  calls = 0;
  entries = 0;
  failedEntries = 0;
  readonly sends = new Map<string, number>();
  readonly failed = new Set<string>();

  constructor(private readonly fail: (id: string, send: number) => boolean = () => false) {}

  async send(command: PutEventsCommand): Promise<{ FailedEntryCount: number; Entries: PutEventsResultEntry[] }> {
    this.calls += 1;
    const requested = command.input.Entries ?? [];
    if (requested.length > MAX_PUT_EVENTS_ENTRIES) throw new Error(`PutEvents with ${requested.length} entries`);
    let failedCount = 0;
    const entries = requested.map((entry): PutEventsResultEntry => {
      this.entries += 1;
      const id = (JSON.parse(entry.Detail ?? '{}') as { id: string }).id;
      const send = (this.sends.get(id) ?? 0) + 1;
      this.sends.set(id, send);
      if (this.fail(id, send)) {
        failedCount += 1;
        this.failedEntries += 1;
        this.failed.add(id);
        return { ErrorCode: 'InternalFailure', ErrorMessage: 'injected' };
      }
      return { EventId: `eb-${id}-${send}` };
    });
    return { FailedEntryCount: failedCount, Entries: entries };
  }

  asClient(): EventBridgeClient {
    return this as unknown as EventBridgeClient;
  }
}

/**
 * Publishes N small events through EventBridgeEventPublisher once per N in {@link PUT_EVENTS_SIZES}
 * and counts PutEvents calls; the target is ceil(N / 10) (at most 10 entries per call).
 *
 * @example (await benchPutEventsCalls()).every((r) => r.calls === r.target)
 */
export async function benchPutEventsCalls(): Promise<PutEventsCallsResult[]> {
  const results: PutEventsCallsResult[] = [];
  for (const size of PUT_EVENTS_SIZES) {
    const stub = new CountingEventBridge();
    const publisher = new EventBridgeEventPublisher(stub.asClient(), 'bench-bus');
    const events = Array.from({ length: size }, (_, n) => smallEvent(`evt-${size}-${n}`, n));
    const outcomes = await publisher.publish(events);
    results.push({
      events: size,
      calls: stub.calls,
      target: Math.ceil(size / MAX_PUT_EVENTS_ENTRIES),
      published: outcomes.filter((o) => o.status === 'published').length,
    });
  }
  return results;
}

/**
 * Publishes `requests` × 100 events through publishEvents over EventBridgeEventPublisher, with
 * `failureRate` of the entries' first sends answered `InternalFailure` (a fixed pseudo-random choice),
 * and compares the entries sent again with the entries that failed. publishEvents re-sends only the
 * failed entries, so the ratio is exactly 1.
 *
 * @example (await benchResend({ requests: 10, failureRate: 0.2 })).ratio // 1
 */
export async function benchResend(options: { requests: number; failureRate: number }): Promise<ResendResult> {
  const stub = new CountingEventBridge((id, send) => send === 1 && unitDraw(id) < options.failureRate);
  const publisher = new EventBridgeEventPublisher(stub.asClient(), 'bench-bus');
  const deps = publishDeps(publisher);
  let notPublished = 0;
  let callsTarget = 0;
  for (let request = 0; request < options.requests; request++) {
    const events = Array.from({ length: MAX_EVENTS_PER_REQUEST }, (_, n) =>
      smallEvent(`evt-resend-${request}-${n}`, n),
    );
    const failedBefore = stub.failedEntries;
    const report = await publishEvents(deps, events, BENCH_OWNER);
    notPublished += report.results.filter((r) => r.status !== 'published').length;
    // First sends of this request, then one re-send of exactly the entries that failed.
    callsTarget +=
      Math.ceil(events.length / MAX_PUT_EVENTS_ENTRIES) +
      Math.ceil((stub.failedEntries - failedBefore) / MAX_PUT_EVENTS_ENTRIES);
  }
  const entriesResent = [...stub.sends.values()].reduce((sum, sends) => sum + sends - 1, 0);
  const successesResent = [...stub.sends.entries()].filter(([id, sends]) => sends > 1 && !stub.failed.has(id)).length;
  return {
    events: options.requests * MAX_EVENTS_PER_REQUEST,
    entriesFailed: stub.failedEntries,
    entriesResent,
    successesResent,
    ratio: entriesResent / stub.failedEntries,
    notPublished,
    calls: stub.calls,
    callsTarget,
  };
}

/**
 * Local publish-to-delivery throughput: per round, `events` events (requests of 100, four at a time)
 * go through publishEvents (in-memory event log) → LocalEventBus → LocalSubscriptionRules → LocalQueue
 * → LocalQueuePoller (the local runner's defaults: batches of 10, two at a time) → deliverEvent → an
 * HTTP fake that answers 204, until the poller has drained the queue. A diagnostic arm starts at
 * `LocalEventBus.publish`; the baseline sends the same delivery messages to a bare LocalQueue and
 * receives (10 at a time) and deletes them. Arms alternate order per round; one warm-up round is
 * discarded; medians.
 *
 * @example const { ratio } = await benchLocalThroughput({ rounds: 10, events: 2000 });
 */
export async function benchLocalThroughput(options: LocalThroughputOptions): Promise<LocalThroughputResult> {
  const arms = {
    pipeline: (round: number) => runPipeline(options.events, round, 'publishEvents'),
    bus: (round: number) => runPipeline(options.events, round, 'bus'),
    queue: (round: number) => runQueueBaseline(options.events, round),
  };
  const rates = { pipeline: [] as number[], bus: [] as number[], queue: [] as number[] };
  const order = ['pipeline', 'bus', 'queue'] as const;
  for (let round = -1; round < options.rounds; round++) {
    const shift = ((round % order.length) + order.length) % order.length;
    for (let i = 0; i < order.length; i++) {
      const arm = order[(i + shift) % order.length] as (typeof order)[number];
      const ms = await arms[arm](round);
      if (round >= 0) rates[arm].push((options.events * 1000) / ms);
    }
  }
  const pipelinePerSecond = median(rates.pipeline);
  const queuePerSecond = median(rates.queue);
  return {
    events: options.events,
    rounds: options.rounds,
    pipelinePerSecond,
    busPerSecond: median(rates.bus),
    queuePerSecond,
    ratio: pipelinePerSecond / queuePerSecond,
  };
}

/** The one tenant and principal publishing and subscribing in the benches. */
const BENCH_OWNER = { tenant: 'bench', principal: 'bench-agent' };

const BENCH_SECRET = `whsec_${'A'.repeat(43)}=`;
/** Sealed as the events function stores it; the delivery bench pays the local cipher's decrypt. */
const BENCH_CIPHER = new LocalSecretCipher(Buffer.alloc(32, 1));

const SUBSCRIPTION: Subscription = {
  owner: BENCH_OWNER,
  id: 'bench-orders',
  eventType: 'order.created',
  target: {
    type: 'webhook',
    url: 'https://subscriber.example/hooks',
    secrets: [
      {
        sealed: await BENCH_CIPHER.encrypt(
          BENCH_SECRET,
          encryptionContextOf({ tenant: BENCH_OWNER.tenant, id: 'bench-orders' }),
        ),
        ...describeSecret(BENCH_SECRET, new Date('2026-11-30T00:00:00.000Z')),
      },
    ],
  },
  maxRetries: 3,
  retryPolicy: { backoffStrategy: 'constant', initialDelayMs: 0, maxDelayMs: 0, jitter: 'none' },
  timeoutMs: 5_000,
  priority: 0,
  status: 'active',
  createdAt: '2026-11-30T00:00:00.000Z',
};

/** The local delivery queue and its DLQ, configured as `sharedLocalDeliveryQueues()` makes them. */
function deliveryQueues(): { queue: LocalQueue; deadLetters: LocalQueue } {
  const deadLetters = new LocalQueue({ name: 'bench-delivery-dlq', maximumMessageSizeBytes: 1_048_576 });
  const queue = new LocalQueue({
    name: 'bench-delivery',
    maximumMessageSizeBytes: 1_048_576,
    visibilityTimeoutSeconds: LOCAL_DELIVERY_VISIBILITY_TIMEOUT_SECONDS,
    redrivePolicy: { deadLetterQueue: deadLetters, maxReceiveCount: LOCAL_DELIVERY_MAX_RECEIVE_COUNT },
  });
  return { queue, deadLetters };
}

/** One round of the pipeline arm (from publishEvents, or from the bus), in milliseconds. */
async function runPipeline(count: number, round: number, from: 'publishEvents' | 'bus'): Promise<number> {
  const events = Array.from({ length: count }, (_, n) => smallEvent(`evt-${from}-${round}-${n}`, n));
  const bus = new LocalEventBus();
  const { queue } = deliveryQueues();
  const deliveryQueue = new LocalDeliveryQueue(queue);
  const rules = new LocalSubscriptionRules(deliveryQueue);
  await rules.put(SUBSCRIPTION);
  bus.subscribe(async (event) => {
    await rules.sendToTargets(event);
  });
  let delivered = 0;
  const deliverDeps = deliveryDeps(deliveryQueue, bus);
  const handler: SqsBatchHandler = async (event) => {
    const batchItemFailures: SQSBatchItemFailure[] = [];
    await Promise.all(
      event.Records.map(async (record) => {
        const outcome = await deliverEvent(deliverDeps, {
          message: JSON.parse(record.body) as DeliveryMessage,
          attempt: Number(record.attributes.ApproximateReceiveCount),
          receiptHandle: record.receiptHandle,
        });
        if (outcome.outcome === 'delivered') delivered += 1;
        else batchItemFailures.push({ itemIdentifier: record.messageId });
      }),
    );
    return { batchItemFailures };
  };
  const poller = new LocalQueuePoller(queue, handler);
  const deps = publishDeps(bus);

  const started = performance.now();
  poller.start();
  const requests: IntegrationEvent[][] = [];
  for (let i = 0; i < events.length; i += MAX_EVENTS_PER_REQUEST) {
    requests.push(events.slice(i, i + MAX_EVENTS_PER_REQUEST));
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let request = requests[next++]; request; request = requests[next++]) {
        if (from === 'bus') await bus.publish(request);
        else {
          const report = await publishEvents(deps, request, BENCH_OWNER);
          if (report.outcome !== 'published') throw new Error(`publishEvents answered ${report.outcome}`);
        }
      }
    }),
  );
  await poller.drain({ timeoutMs: 60_000 });
  const ms = performance.now() - started;
  await poller.stop();
  if (delivered !== count) throw new Error(`local throughput: ${delivered} of ${count} events delivered`);
  return ms;
}

/** One round of the baseline: the rules' messages through a bare LocalQueue, in milliseconds. */
function runQueueBaseline(count: number, round: number): Promise<number> {
  const bodies = Array.from({ length: count }, (_, n) =>
    JSON.stringify({
      tenant: BENCH_OWNER.tenant,
      subscriptionId: SUBSCRIPTION.id,
      event: smallEvent(`evt-queue-${round}-${n}`, n),
    }),
  );
  const { queue } = deliveryQueues();
  const attributes = { [PRIORITY_ATTRIBUTE]: { dataType: 'Number', stringValue: '0' } };
  const started = performance.now();
  for (const body of bodies) queue.send(body, { delaySeconds: 0, messageAttributes: attributes });
  let received = 0;
  for (let batch = queue.receive(10); batch.length > 0; batch = queue.receive(10)) {
    for (const message of batch) {
      JSON.parse(message.body);
      queue.delete(message.receiptHandle);
      received += 1;
    }
  }
  const ms = performance.now() - started;
  if (received !== count) throw new Error(`queue baseline: ${received} of ${count} messages received`);
  return Promise.resolve(ms);
}

function publishDeps(events: PublishEventsDeps['events']): PublishEventsDeps {
  return {
    eventLog: new InMemoryEventLog(),
    events,
    sources: { claim: async () => true },
    contracts: { listVersionHeaders: async () => [], getVersion: async () => undefined },
    compiled: new CompiledContractCache(),
    policyCache: new ErrorPolicyCache(noStoredPolicies, instantClock),
    clock: instantClock,
    retentionDays: 1,
  };
}

function deliveryDeps(queue: LocalDeliveryQueue, bus: LocalEventBus): DeliverDeps {
  const answer204: HttpClient = { request: async () => ({ status: 204, headers: {}, body: Buffer.alloc(0) }) };
  return {
    subscriptions: { get: async ({ id }) => (id === SUBSCRIPTION.id ? SUBSCRIPTION : undefined) },
    deadLetters: { put: async () => undefined },
    queue,
    http: answer204,
    sign: signWebhook,
    formats: deliveryFormats,
    cipher: BENCH_CIPHER,
    newDeadLetterId: (nowMs) => `dl-${nowMs}`,
    counters: new InMemoryErrorCounters(),
    policyCache: new ErrorPolicyCache(noStoredPolicies, instantClock),
    events: bus,
    clock: instantClock,
  };
}

/** No operator-stored policies: the built-in ones apply. */
const noStoredPolicies: ErrorPolicyRepository = {
  list: async () => [],
  get: async () => undefined,
  put: async () => {
    throw new Error('read-only');
  },
  delete: async () => false,
};

/**
 * The EventLog's claim rules in a Map: new ids, failed records and expired leases can be claimed.
 * One tenant publishes in the benches, so records are keyed by id alone.
 */
class InMemoryEventLog implements EventLog {
  private readonly records = new Map<string, EventRecord>();

  async claim(
    record: EventRecord & { status: 'pending'; leaseUntil: number },
    _expiresAt: number,
    now: number,
  ): Promise<ClaimResult> {
    const existing = this.records.get(record.event.id);
    if (existing) {
      const takeOver =
        existing.contentHash === record.contentHash &&
        (existing.status === 'failed' || (existing.status === 'pending' && (existing.leaseUntil ?? 0) < now));
      if (!takeOver) return { claimed: false, existing: { ...existing } };
    }
    this.records.set(record.event.id, { ...record, receivedAt: existing?.receivedAt ?? record.receivedAt });
    return { claimed: true };
  }

  async markPublished(_tenant: string, id: string, publishedAt: string, eventBridgeId?: string): Promise<void> {
    const record = this.records.get(id);
    if (record?.status !== 'pending') return;
    const { leaseUntil: _lease, error: _error, ...rest } = record;
    this.records.set(id, { ...rest, status: 'published', publishedAt, ...(eventBridgeId && { eventBridgeId }) });
  }

  async markFailed(_tenant: string, id: string, error: { code: string; message: string }): Promise<void> {
    const record = this.records.get(id);
    if (record?.status !== 'pending') return;
    const { leaseUntil: _lease, ...rest } = record;
    this.records.set(id, { ...rest, status: 'failed', error });
  }

  async get(_tenant: string, id: string): Promise<EventRecord | undefined> {
    return this.records.get(id);
  }

  async listByCorrelation() {
    return { items: [] };
  }

  async *listPublishedBetween(): AsyncIterable<IntegrationEvent> {}
}

/** Error counters in a Map (the always-204 subscriber never fails, so they stay empty). */
class InMemoryErrorCounters implements ErrorCounterRepository {
  private readonly counts = new Map<string, ErrorCount>();

  async increment(key: CounterKey, fields: { category: ErrorCount['category']; seenAt: number }) {
    const id = JSON.stringify([key.tenant, key.window, key.windowStart, key.source, key.code]);
    const current = this.counts.get(id);
    const next: ErrorCount = {
      ...key,
      ...current,
      category: fields.category,
      count: (current?.count ?? 0) + 1,
      lastSeenAt: fields.seenAt,
    };
    this.counts.set(id, next);
    return next;
  }

  async claimAlert(): Promise<boolean> {
    return false;
  }

  async get(key: CounterKey): Promise<ErrorCount | undefined> {
    return this.counts.get(JSON.stringify([key.tenant, key.window, key.windowStart, key.source, key.code]));
  }

  async confirmAlert(): Promise<void> {}

  async list() {
    return { items: [...this.counts.values()] };
  }
}

/** A fixed draw in [0, 1) per key (FNV-1a, scaled), so failures are the same on every run. */
function unitDraw(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  return (hash >>> 0) / 4_294_967_296;
}
