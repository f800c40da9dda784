import { createHmac } from 'node:crypto';
import { decode as decodeMsgpack } from '@msgpack/msgpack';
import { decode as decodeCbor } from 'cbor2';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it, vi } from 'vitest';
import { BlockedAddressError } from '../../../../shared/adapters/http/safe-http-client';
import { signWebhook, verifyWebhook } from '../../../../shared/adapters/http/webhook-signer';
import { ReceiptExpiredError } from '../../../../shared/adapters/sqs/sqs-delivery-queue';
import { ConcurrencyLimiterUnavailableError } from '../../../../shared/domain/concurrency/errors';
import type { IntegrationEvent } from '../../../../shared/domain/events/integration-event';
import type { Subscription } from '../../../../shared/domain/events/subscription';
import { deliveryFormats } from '../../../../shared/http/codecs/delivery-formats';
import type { DeadLetter } from '../../../../shared/ports/dead-letters';
import type { DeliveryMessage } from '../../../../shared/ports/delivery-queue';
import type { AlertMark, CounterKey, ErrorCount, ErrorCounterRepository } from '../../../../shared/ports/error-counter';
import type { EventPublisher } from '../../../../shared/ports/event-publisher';
import type { HttpRequest, HttpResponse } from '../../../../shared/ports/http-client';
import { type DeliverDeps, deliverEvent, webhookId } from '../../../../shared/use-cases/deliver-event';
import { ErrorPolicyCache } from '../../../../shared/use-cases/error-policy-cache';
import { OutboundBudget } from '../../../../shared/use-cases/outbound-budget';
import { recordingClock } from '../../../support/clock';
import { memoryLimiter } from '../../../support/concurrency';
import { sealedSecret, testCipher } from '../../../support/secrets';

const START = Date.parse('2026-11-30T10:00:00Z');
const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const SEALED = await sealedSecret({ tenant: 'acme', id: 'orders-sub' }, SECRET);

/** Error counters in memory, with the calls recorded. */
function memoryCounters(): ErrorCounterRepository & { increments: CounterKey[] } {
  const counts = new Map<string, ErrorCount>();
  const keyOf = (k: CounterKey) => JSON.stringify([k.tenant, k.window, k.windowStart, k.source, k.code]);
  const increments: CounterKey[] = [];
  return {
    increments,
    increment: async (key, fields) => {
      increments.push(key);
      const current = counts.get(keyOf(key));
      const next: ErrorCount = {
        ...key,
        ...(current?.alert && { alert: current.alert }),
        category: fields.category,
        count: (current?.count ?? 0) + 1,
        lastSeenAt: fields.seenAt,
      };
      counts.set(keyOf(key), next);
      return next;
    },
    claimAlert: async (key, mark: AlertMark) => {
      const current = counts.get(keyOf(key));
      if (!current || current.alert) return false;
      counts.set(keyOf(key), { ...current, alert: mark });
      return true;
    },
    get: async (key) => counts.get(keyOf(key)),
    confirmAlert: async () => undefined,
    list: async () => ({ items: [] }),
  };
}

/** An HTTP client that answers (or throws) the given outcomes in turn and records each request. */
function scriptedHttp(...outcomes: Array<Partial<HttpResponse> | Error>) {
  const requests: HttpRequest[] = [];
  return {
    requests,
    request: async (request: HttpRequest): Promise<HttpResponse> => {
      requests.push(request);
      const next = outcomes.shift() ?? { status: 200 };
      if (next instanceof Error) throw next;
      return { status: 200, headers: {}, body: Buffer.alloc(0), ...next };
    },
  };
}

const OWNER = { tenant: 'acme', principal: 'agent-1' };

const subscription = (overrides: Partial<Subscription> = {}): Subscription => ({
  owner: OWNER,
  id: 'orders-sub',
  eventType: 'order.created',
  target: { type: 'webhook', url: 'https://hooks.example.com/orders', secrets: [SEALED] },
  maxRetries: 3,
  retryPolicy: { backoffStrategy: 'exponential', initialDelayMs: 1_000, maxDelayMs: 60_000, jitter: 'none' },
  timeoutMs: 5_000,
  priority: 0,
  status: 'active',
  ruleArn: 'arn:aws:events:us-east-1:123456789012:rule/aif-test-bus/aif-test-sub-orders-sub',
  createdAt: '2026-11-01T00:00:00.000Z',
  ...overrides,
});

const event: IntegrationEvent = {
  id: 'evt-1',
  type: 'order.created',
  version: '1.0.0',
  source: 'shop.orders',
  timestamp: START - 1_000,
  payload: { orderId: 'o-1', total: 120 },
  metadata: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
};

/** Everything `deliverEvent` needs, in memory; `overrides` replace single dependencies. */
function fakes(options: { subscriptions?: Subscription[]; http?: ReturnType<typeof scriptedHttp> } = {}) {
  const clock = recordingClock(START);
  const stored = new Map((options.subscriptions ?? [subscription()]).map((s) => [`${s.owner.tenant}/${s.id}`, s]));
  const deadLetters: DeadLetter[] = [];
  const visibility: Array<{ receiptHandle: string; seconds: number }> = [];
  const sent: Array<{ message: DeliveryMessage; delaySeconds: number | undefined }> = [];
  const counters = memoryCounters();
  const published: IntegrationEvent[] = [];
  const events: EventPublisher = {
    publish: async (batch) => {
      published.push(...batch);
      return batch.map((e) => ({ id: e.id, status: 'published' as const, eventBridgeId: `eb-${e.id}` }));
    },
  };
  const http = options.http ?? scriptedHttp();
  const onCountingError = vi.fn();
  const deps: DeliverDeps = {
    subscriptions: { get: async ({ tenant, id }) => stored.get(`${tenant}/${id}`) },
    deadLetters: {
      put: async (deadLetter) => {
        deadLetters.push(deadLetter);
      },
    },
    queue: {
      changeVisibility: async (receiptHandle, seconds) => {
        visibility.push({ receiptHandle, seconds });
      },
      send: async (message, delaySeconds) => {
        sent.push({ message, delaySeconds });
      },
    },
    http,
    sign: signWebhook,
    formats: deliveryFormats,
    cipher: testCipher,
    newDeadLetterId: (nowMs) => `dl-${nowMs}-0000000${deadLetters.length + 1}`,
    counters,
    policyCache: new ErrorPolicyCache({ list: async () => [], get: vi.fn(), put: vi.fn(), delete: vi.fn() }, clock),
    events,
    clock,
    onCountingError,
  };
  return { deps, clock, deadLetters, visibility, sent, counters, published, http, onCountingError };
}

const deliver = (deps: DeliverDeps, attempt = 1, subscriptionId = 'orders-sub', tenant = OWNER.tenant) =>
  deliverEvent(deps, {
    message: { tenant, subscriptionId, event: event as unknown as Record<string, unknown> },
    attempt,
    receiptHandle: `receipt-${attempt}`,
  });

describe('deliverEvent', () => {
  describe('a 2xx answer', () => {
    it('delivers the envelope as signed JSON to the webhook URL with the subscription timeout', async () => {
      // Prepare
      const { deps, http, deadLetters, visibility, counters } = fakes({ http: scriptedHttp({ status: 204 }) });

      // Act
      const outcome = await deliver(deps);

      // Assess
      expect(outcome).toEqual({ outcome: 'delivered', status: 204 });
      expect(http.requests).toHaveLength(1);
      const [request] = http.requests;
      expect(request).toMatchObject({
        method: 'POST',
        url: 'https://hooks.example.com/orders',
        timeoutMs: 5_000,
        body: JSON.stringify(event),
      });
      expect(request?.headers).toMatchObject({
        'content-type': 'application/json',
        traceparent: event.metadata.traceparent,
      });
      expect(deadLetters).toEqual([]);
      expect(visibility).toEqual([]);
      expect(counters.increments).toEqual([]);
    });

    it('signs per Standard Webhooks so verifyWebhook accepts it, with the stable webhook-id', async () => {
      // Prepare
      const { deps, http, clock } = fakes();

      // Act
      await deliver(deps);

      // Assess
      const request = http.requests[0] as HttpRequest;
      const verified = verifyWebhook({
        secret: SECRET,
        headers: request.headers,
        payload: request.body as string,
        now: clock.now(),
      });
      expect(verified).toEqual({ ok: true, id: webhookId('evt-1', 'orders-sub'), timestamp: new Date(START) });
      expect(request.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
      const tampered = verifyWebhook({
        secret: SECRET,
        headers: request.headers,
        payload: (request.body as string).replace('120', '121'),
        now: clock.now(),
      });
      expect(tampered).toEqual({ ok: false, reason: 'bad_signature' });
    });
  });

  describe('a deliveryFormat', () => {
    it.each([
      ['application/msgpack', (bytes: Buffer) => decodeMsgpack(bytes)],
      ['application/cbor', (bytes: Buffer) => decodeCbor(bytes)],
    ] as const)('delivers %s bytes signed over exactly those bytes', async (format, decode) => {
      // Prepare
      const { deps, http, clock } = fakes({ subscriptions: [subscription({ deliveryFormat: format })] });

      // Act
      const outcome = await deliver(deps);

      // Assess
      expect(outcome).toEqual({ outcome: 'delivered', status: 200 });
      const request = http.requests[0] as HttpRequest;
      expect(request.headers['content-type']).toBe(format);
      const body = request.body as Buffer;
      expect(Buffer.isBuffer(body)).toBe(true);
      expect(decode(body)).toEqual(event);
      // The spec's algorithm over the bytes, computed here and not by the signer.
      const signed = Buffer.concat([
        Buffer.from(`${request.headers['webhook-id']}.${request.headers['webhook-timestamp']}.`),
        body,
      ]);
      const expected = createHmac('sha256', Buffer.from(SECRET.slice('whsec_'.length), 'base64'))
        .update(signed)
        .digest('base64');
      expect(request.headers['webhook-signature']).toBe(`v1,${expected}`);
      expect(
        verifyWebhook({ secret: SECRET, headers: request.headers, payload: body, now: clock.now() }),
      ).toMatchObject({ ok: true });
    });

    it('delivers JSON exactly as before to a subscription stored without a format', async () => {
      // Prepare
      const { deps, http, clock } = fakes();

      // Act
      await deliver(deps);

      // Assess: the package's own verifier accepts it
      const request = http.requests[0] as HttpRequest;
      expect(request.body).toBe(JSON.stringify(event));
      expect(request.headers['content-type']).toBe('application/json');
      vi.useFakeTimers({ now: clock.now() });
      try {
        expect(new Webhook(SECRET).verify(request.body as string, request.headers)).toEqual(event);
      } finally {
        vi.useRealTimers();
      }
    });
  });

  describe('a retryable failure', () => {
    it('retries a 503 after its Retry-After by changing the visibility, and counts the failure', async () => {
      // Prepare: the backoff alone would wait 1 s; the subscriber asks for 30 s
      const { deps, visibility, counters, deadLetters } = fakes({
        http: scriptedHttp({ status: 503, headers: { 'retry-after': '30' } }),
      });

      // Act
      const outcome = await deliver(deps);

      // Assess
      expect(outcome).toMatchObject({ outcome: 'retrying', delayMs: 30_000 });
      expect(outcome.outcome === 'retrying' && outcome.error.code).toBe('HTTP_503');
      expect(visibility).toEqual([{ receiptHandle: 'receipt-1', seconds: 30 }]);
      expect(counters.increments.map((k) => `${k.window}:${k.source}:${k.code}`).sort()).toEqual([
        '1h:webhook:orders-sub:HTTP_503',
        '1m:webhook:orders-sub:HTTP_503',
      ]);
      expect(deadLetters).toEqual([]);
    });

    it('counts the failure under the subscription owner’s tenant, or the framework’s own for one stored without an owner', async () => {
      // Prepare: a subscription written before owners were recorded has none
      const owned = fakes({ http: scriptedHttp({ status: 503 }) });
      const legacy = { ...subscription(), owner: undefined } as unknown as Subscription;
      const unowned = fakes({ http: scriptedHttp({ status: 503 }) });
      unowned.deps.subscriptions.get = async () => legacy;

      // Act
      await deliver(owned.deps);
      await deliver(unowned.deps);

      // Assess
      expect(new Set(owned.counters.increments.map((k) => k.tenant))).toEqual(new Set([OWNER.tenant]));
      expect(new Set(unowned.counters.increments.map((k) => k.tenant))).toEqual(new Set(['aif']));
    });

    it("caps a Retry-After longer than the subscription's maxDelayMs, and any delay below SQS's 12 hours", async () => {
      // Prepare
      const capped = fakes({ http: scriptedHttp({ status: 429, headers: { 'retry-after': '600' } }) });
      const huge = fakes({
        subscriptions: [
          subscription({
            retryPolicy: {
              backoffStrategy: 'constant',
              initialDelayMs: 1_000,
              maxDelayMs: 12 * 3_600_000,
              jitter: 'none',
            },
          }),
        ],
        http: scriptedHttp({ status: 503, headers: { 'retry-after': String(13 * 3_600) } }),
      });

      // Act
      const cappedOutcome = await deliver(capped.deps);
      const hugeOutcome = await deliver(huge.deps);

      // Assess
      expect(cappedOutcome).toMatchObject({ outcome: 'retrying', delayMs: 60_000 });
      expect(capped.visibility[0]?.seconds).toBe(60);
      expect(hugeOutcome.outcome).toBe('retrying');
      const seconds = huge.visibility[0]?.seconds as number;
      expect(seconds).toBeLessThan(43_200);
      expect(seconds).toBeGreaterThanOrEqual(43_200 - 120);
    });

    it('never waits less than a Retry-After given as an HTTP-date', async () => {
      // Prepare: 45 s from the fake clock's now
      const retryAt = new Date(START + 45_000).toUTCString();
      const { deps, visibility } = fakes({ http: scriptedHttp({ status: 503, headers: { 'retry-after': retryAt } }) });

      // Act
      const outcome = await deliver(deps);

      // Assess
      expect(outcome).toMatchObject({ outcome: 'retrying', delayMs: 45_000 });
      expect(visibility[0]?.seconds).toBeGreaterThanOrEqual(45);
    });

    it('retries a timeout (an error named TimeoutError) with the backoff delay', async () => {
      // Prepare
      const { deps, visibility } = fakes({
        http: scriptedHttp(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
      });

      // Act
      const outcome = await deliver(deps, 2);

      // Assess: exponential from 1 s, second retry: 2 s
      expect(outcome).toMatchObject({ outcome: 'retrying', delayMs: 2_000 });
      expect(outcome.outcome === 'retrying' && outcome.error.code).toBe('TIMEOUT');
      expect(visibility).toEqual([{ receiptHandle: 'receipt-2', seconds: 2 }]);
    });

    it('keeps the message when the visibility cannot be changed: still retrying, the failure reported', async () => {
      // Prepare
      const { deps, deadLetters, onCountingError } = fakes({ http: scriptedHttp({ status: 502 }) });
      const expired = new ReceiptExpiredError('The receipt handle no longer designates an in-flight message');
      deps.queue = { changeVisibility: vi.fn(async () => Promise.reject(expired)), send: vi.fn() };

      // Act
      const outcome = await deliver(deps);

      // Assess
      expect(outcome.outcome).toBe('retrying');
      expect(deadLetters).toEqual([]);
      expect(onCountingError).toHaveBeenCalledWith(expired);
    });

    it('decides by the policy even when the failure cannot be counted', async () => {
      // Prepare
      const { deps, onCountingError, visibility } = fakes({ http: scriptedHttp({ status: 503 }) });
      const down = new Error('DynamoDB is down');
      deps.counters = { ...deps.counters, increment: vi.fn(async () => Promise.reject(down)) };

      // Act
      const outcome = await deliver(deps);

      // Assess
      expect(outcome).toMatchObject({ outcome: 'retrying', delayMs: 1_000 });
      expect(visibility).toHaveLength(1);
      expect(onCountingError).toHaveBeenCalledWith(down);
    });

    it('sends the same webhook-id on every attempt, with a fresh timestamp and signature', async () => {
      // Prepare
      const { deps, http, clock } = fakes({ http: scriptedHttp({ status: 503 }, { status: 200 }) });

      // Act
      const first = await deliver(deps, 1);
      clock.advance(61_000);
      const second = await deliver(deps, 2);

      // Assess
      expect([first.outcome, second.outcome]).toEqual(['retrying', 'delivered']);
      const [a, b] = http.requests.map((r) => r.headers);
      expect(a?.['webhook-id']).toBe(webhookId('evt-1', 'orders-sub'));
      expect(b?.['webhook-id']).toBe(a?.['webhook-id']);
      expect(Number(b?.['webhook-timestamp']) - Number(a?.['webhook-timestamp'])).toBe(61);
      expect(b?.['webhook-signature']).not.toBe(a?.['webhook-signature']);
    });
  });

  describe('a failure that is given up', () => {
    it('dead-letters a 404 at the first attempt as not-retryable, with its status', async () => {
      // Prepare
      const { deps, deadLetters, visibility, clock } = fakes({ http: scriptedHttp({ status: 404 }) });

      // Act
      const outcome = await deliver(deps);

      // Assess
      expect(outcome).toMatchObject({ outcome: 'dead-lettered', reason: 'not-retryable' });
      expect(visibility).toEqual([]);
      expect(deadLetters).toEqual([
        {
          id: `dl-${START}-00000001`,
          subscriptionId: 'orders-sub',
          eventId: 'evt-1',
          eventType: 'order.created',
          event,
          attempts: 1,
          reason: 'not-retryable',
          lastStatus: 404,
          lastError: { code: 'HTTP_404', category: 'permanent', message: expect.stringContaining('HTTP 404') },
          createdAt: clock.now().toISOString(),
          owner: OWNER,
        },
      ]);
    });

    it('dead-letters a 500 at attempt maxRetries + 1 as retries-exhausted, after retrying it before', async () => {
      // Prepare
      const { deps, deadLetters } = fakes({ http: scriptedHttp({ status: 500 }, { status: 500 }) });

      // Act
      const third = await deliver(deps, 3);
      const fourth = await deliver(deps, 4);

      // Assess
      expect(third).toMatchObject({ outcome: 'retrying', delayMs: 4_000 });
      expect(fourth).toMatchObject({ outcome: 'dead-lettered', reason: 'retries-exhausted' });
      expect(deadLetters).toHaveLength(1);
      expect(deadLetters[0]).toMatchObject({
        attempts: 4,
        reason: 'retries-exhausted',
        lastStatus: 500,
        lastError: { code: 'HTTP_500', category: 'system' },
      });
    });

    it('dead-letters a target the SSRF policy blocks as not-retryable, without a status', async () => {
      // Prepare
      const blocked = new BlockedAddressError('refused destination', {
        hostname: '169.254.169.254',
        address: '169.254.169.254',
        range: 'linkLocal',
      });
      const { deps, deadLetters } = fakes({ http: scriptedHttp(blocked) });

      // Act
      const outcome = await deliver(deps);

      // Assess
      expect(outcome).toMatchObject({ outcome: 'dead-lettered', reason: 'not-retryable' });
      expect(deadLetters[0]?.lastError.code).toBe('ERR_SSRF_BLOCKED');
      expect(deadLetters[0]).not.toHaveProperty('lastStatus');
    });

    it('dead-letters the delivery of a deleted subscription without calling anyone', async () => {
      // Prepare
      const { deps, deadLetters, http, counters } = fakes({ subscriptions: [] });

      // Act
      const outcome = await deliver(deps, 1, 'gone-sub');

      // Assess
      expect(outcome).toMatchObject({ outcome: 'dead-lettered', reason: 'subscription-not-found' });
      expect(http.requests).toEqual([]);
      expect(counters.increments).toEqual([]);
      expect(deadLetters[0]).toMatchObject({
        subscriptionId: 'gone-sub',
        eventId: 'evt-1',
        reason: 'subscription-not-found',
        attempts: 1,
        lastError: { code: 'SUBSCRIPTION_NOT_FOUND', category: 'permanent' },
      });
    });

    it('sends nothing unsigned: a subscription without a sealed secret (stored before sealing) dead-letters, naming the rotation', async () => {
      // Prepare
      const legacy = subscription({
        target: { type: 'webhook', url: 'https://hooks.example.com/orders', secrets: [] },
      });
      const { deps, deadLetters, http } = fakes({ subscriptions: [legacy] });

      // Act
      const outcome = await deliver(deps);

      // Assess
      expect(outcome).toMatchObject({ outcome: 'dead-lettered', reason: 'secret-missing' });
      expect(http.requests).toEqual([]);
      expect(deadLetters[0]).toMatchObject({
        reason: 'secret-missing',
        lastError: { code: 'WEBHOOK_SECRET_MISSING', category: 'permanent' },
      });
      expect(deadLetters[0]?.lastError.message).toContain('/v1/subscriptions/orders-sub/rotate-secret');
    });

    it("never delivers to another tenant's subscription of the same id: the delivery is the message tenant's dead letter", async () => {
      // Prepare: only acme has orders-sub
      const { deps, deadLetters, http } = fakes();

      // Act
      const outcome = await deliver(deps, 1, 'orders-sub', 'globex');

      // Assess
      expect(outcome).toMatchObject({ outcome: 'dead-lettered', reason: 'subscription-not-found' });
      expect(http.requests).toEqual([]);
      expect(deadLetters[0]).toMatchObject({ subscriptionId: 'orders-sub', owner: { tenant: 'globex' } });
    });

    it('fails, keeping the message, when the dead letter cannot be stored', async () => {
      // Prepare
      const { deps } = fakes({ http: scriptedHttp({ status: 410 }) });
      const down = new Error('storage down');
      deps.deadLetters = { put: vi.fn(async () => Promise.reject(down)) };

      // Act
      const result = deliver(deps);

      // Assess
      await expect(result).rejects.toBe(down);
    });
  });

  describe('with an outbound budget', () => {
    const withBudget = (max: number, http = scriptedHttp({ status: 204 })) => {
      const parts = fakes({ http });
      const limiter = memoryLimiter();
      parts.deps.outboundBudget = new OutboundBudget(
        { limiter, clock: parts.clock },
        { scope: 'webhook', maxInFlight: max },
      );
      return { ...parts, limiter };
    };

    it("holds a slot of the subscription's tenant for the POST, leased for its timeout and a margin, and releases it", async () => {
      // Prepare
      const { deps, limiter, http } = withBudget(1);

      // Act
      const outcome = await deliver(deps);

      // Assess
      expect(outcome).toEqual({ outcome: 'delivered', status: 204 });
      expect(http.requests).toHaveLength(1);
      expect(limiter.acquired).toEqual([
        { key: 'INFLIGHT#webhook#acme', max: 1, leaseMs: subscription().timeoutMs + 5_000, nowMs: START },
      ]);
      expect(limiter.released).toHaveLength(1);
      expect(limiter.held.get('INFLIGHT#webhook#acme')?.size).toBe(0);
    });

    it('defers a delivery whose tenant is at its limit: sent again as a new message carrying the attempts made, nothing posted or counted', async () => {
      // Prepare: the tenant's one slot is taken by another delivery
      const { deps, limiter, http, sent, visibility, counters, deadLetters } = withBudget(1);
      limiter.held.set('INFLIGHT#webhook#acme', new Set(['elsewhere']));

      // Act
      const outcome = await deliver(deps, 3);

      // Assess
      expect(outcome).toEqual({ outcome: 'deferred', delayMs: 5_000, reason: 'tenant-concurrency', requeued: true });
      expect(http.requests).toHaveLength(0);
      expect(sent).toEqual([
        {
          message: { tenant: 'acme', subscriptionId: 'orders-sub', event, attemptsBefore: 2 },
          delaySeconds: 5,
        },
      ]);
      expect(visibility).toEqual([]);
      expect(counters.increments).toEqual([]);
      expect(deadLetters).toEqual([]);
    });

    it('keeps the message with its visibility set to the delay when it cannot be sent again', async () => {
      // Prepare
      const { deps, limiter, visibility } = withBudget(1);
      limiter.held.set('INFLIGHT#webhook#acme', new Set(['elsewhere']));
      deps.queue.send = async () => {
        throw new Error('SQS unavailable');
      };

      // Act
      const outcome = await deliver(deps);

      // Assess
      expect(outcome).toMatchObject({ outcome: 'deferred', requeued: false });
      expect(visibility).toEqual([{ receiptHandle: 'receipt-1', seconds: 5 }]);
    });

    it("defers the delivery after the store's Retry-After when the budget's store is unavailable", async () => {
      // Prepare
      const { deps, limiter, http, sent, counters, onCountingError } = withBudget(1);
      limiter.down = true;

      // Act
      const outcome = await deliver(deps);

      // Assess
      expect(outcome).toEqual({ outcome: 'deferred', delayMs: 2_000, reason: 'limiter-unavailable', requeued: true });
      expect(sent).toHaveLength(1);
      expect(http.requests).toHaveLength(0);
      expect(counters.increments).toEqual([]);
      expect(onCountingError).toHaveBeenCalledWith(expect.any(ConcurrencyLimiterUnavailableError));
    });

    it('releases the slot when the POST fails and the retry is scheduled', async () => {
      // Prepare
      const { deps, limiter } = withBudget(1, scriptedHttp({ status: 503 }));

      // Act
      const outcome = await deliver(deps);

      // Assess
      expect(outcome.outcome).toBe('retrying');
      expect(limiter.released).toHaveLength(1);
    });
  });
});
