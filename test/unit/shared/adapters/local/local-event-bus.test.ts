import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocalEventBus } from '../../../../../shared/adapters/local/local-event-bus';
import { createLocalEventBus } from '../../../../../shared/adapters/local/local-event-bus-wiring';
import type { IntegrationEvent } from '../../../../../shared/domain/events/integration-event';
import type { Subscription } from '../../../../../shared/domain/events/subscription';
import { withTenant } from '../../../../../shared/domain/events/tenancy';
import { PLACEHOLDER_SECRET } from '../../../../support/secrets';

function integrationEvent(n: number, overrides: Partial<IntegrationEvent> = {}): IntegrationEvent {
  return {
    id: `evt-${n}`,
    type: 'integration.alert',
    version: '1.0.0',
    source: 'aif.errors',
    timestamp: Date.parse('2026-11-30T10:15:42Z'),
    payload: { n },
    metadata: {},
    ...overrides,
  };
}

describe('LocalEventBus', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  describe('publish', () => {
    it('notifies listeners in subscription order, one event after the other, before resolving', async () => {
      // Prepare
      const bus = new LocalEventBus();
      const seen: string[] = [];
      bus.subscribe(async (event) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        seen.push(`a:${event.id}`);
      });
      bus.subscribe((event) => {
        seen.push(`b:${event.id}`);
      });

      // Act
      const outcomes = await bus.publish([integrationEvent(1), integrationEvent(2)]);

      // Assess
      expect(seen).toEqual(['a:evt-1', 'b:evt-1', 'a:evt-2', 'b:evt-2']);
      expect(outcomes).toEqual([
        { id: 'evt-1', status: 'published' },
        { id: 'evt-2', status: 'published' },
      ]);
    });

    it('hands listeners a copy, so later changes to the published object do not show', async () => {
      // Prepare
      const bus = new LocalEventBus();
      const received: IntegrationEvent[] = [];
      bus.subscribe((event) => {
        received.push(event);
      });
      const event = integrationEvent(1);

      // Act
      await bus.publish([event]);
      event.payload.n = 99;

      // Assess
      expect(received[0]).toEqual(integrationEvent(1));
      expect(bus.history()[0]?.payload).toEqual({ n: 1 });
    });

    it('reports a listener error to onListenerError and still publishes and notifies the other listeners', async () => {
      // Prepare
      const onListenerError = vi.fn();
      const bus = new LocalEventBus({ onListenerError });
      const failure = new Error('listener broke');
      const after = vi.fn();
      bus.subscribe(() => Promise.reject(failure));
      bus.subscribe(after);

      // Act
      const outcomes = await bus.publish([integrationEvent(1)]);

      // Assess
      expect(outcomes).toEqual([{ id: 'evt-1', status: 'published' }]);
      expect(onListenerError).toHaveBeenCalledExactlyOnceWith(failure, integrationEvent(1));
      expect(after).toHaveBeenCalledOnce();
      expect(bus.history().map((event) => event.id)).toEqual(['evt-1']);
    });

    it('logs a listener error with the event id when no onListenerError is given', async () => {
      // Prepare
      const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
      const bus = new LocalEventBus();
      const failure = new Error('listener broke');
      bus.subscribe(() => {
        throw failure;
      });

      // Act
      await bus.publish([integrationEvent(7)]);

      // Assess
      expect(consoleError).toHaveBeenCalledOnce();
      expect(consoleError.mock.calls[0]?.[0]).toContain('evt-7');
      expect(consoleError.mock.calls[0]).toContain(failure);
    });

    it('fails an event EventBridge would refuse, without recording it or notifying listeners', async () => {
      // Prepare
      const listener = vi.fn();
      const bus = new LocalEventBus({ maxEntryBytes: 2_048 });
      bus.subscribe(listener);

      // Act
      const outcomes = await bus.publish([
        integrationEvent(1, { type: 'd'.repeat(129) }),
        integrationEvent(2, { source: 's'.repeat(257) }),
        integrationEvent(3, { payload: { blob: 'x'.repeat(4_000) } }),
        integrationEvent(4),
      ]);

      // Assess
      expect(outcomes.map((outcome) => (outcome.status === 'failed' ? outcome.errorCode : outcome.status))).toEqual([
        'InvalidArgument',
        'InvalidArgument',
        'EntryTooLarge',
        'published',
      ]);
      expect(outcomes.every((outcome) => outcome.status === 'published' || !outcome.retryable)).toBe(true);
      expect(listener).toHaveBeenCalledExactlyOnceWith(integrationEvent(4));
      expect(bus.history().map((event) => event.id)).toEqual(['evt-4']);
    });
  });

  describe('history', () => {
    it('keeps the last historyLimit events, newest last', async () => {
      // Prepare
      const bus = new LocalEventBus({ historyLimit: 3 });

      // Act
      await bus.publish([1, 2, 3, 4, 5].map((n) => integrationEvent(n)));

      // Assess
      expect(bus.history().map((event) => event.id)).toEqual(['evt-3', 'evt-4', 'evt-5']);
    });

    it('filters by type', async () => {
      // Prepare
      const bus = new LocalEventBus();
      await bus.publish([
        integrationEvent(1, { type: 'contract.registered' }),
        integrationEvent(2),
        integrationEvent(3, { type: 'contract.registered' }),
      ]);

      // Act
      const registered = bus.history({ type: 'contract.registered' });

      // Assess
      expect(registered.map((event) => event.id)).toEqual(['evt-1', 'evt-3']);
    });

    it('keeps 1000 events by default', async () => {
      const bus = new LocalEventBus();

      await bus.publish(Array.from({ length: 1_005 }, (_, n) => integrationEvent(n)));

      const history = bus.history();
      expect(history).toHaveLength(1_000);
      expect(history[0]?.id).toBe('evt-5');
      expect(history.at(-1)?.id).toBe('evt-1004');
    });
  });

  describe('subscribe', () => {
    it('stops notifying a listener once it unsubscribed', async () => {
      // Prepare
      const bus = new LocalEventBus();
      const listener = vi.fn();
      const unsubscribe = bus.subscribe(listener);
      await bus.publish([integrationEvent(1)]);

      // Act
      unsubscribe();
      unsubscribe();
      await bus.publish([integrationEvent(2)]);

      // Assess
      expect(listener).toHaveBeenCalledExactlyOnceWith(integrationEvent(1));
    });

    it('treats the same function subscribed twice as two subscriptions', async () => {
      // Prepare
      const bus = new LocalEventBus();
      const listener = vi.fn();
      const unsubscribeFirst = bus.subscribe(listener);
      bus.subscribe(listener);

      // Act
      unsubscribeFirst();
      await bus.publish([integrationEvent(1)]);

      // Assess
      expect(listener).toHaveBeenCalledOnce();
    });
  });

  describe('constructor', () => {
    it('rejects a negative historyLimit', () => {
      expect(() => new LocalEventBus({ historyLimit: -1 })).toThrow(RangeError);
    });
  });
});

describe('createLocalEventBus', () => {
  const subscription = (id: string, tenant: string, overrides: Partial<Subscription> = {}): Subscription => ({
    owner: { tenant, principal: `${tenant}-agent` },
    id,
    eventType: 'integration.alert',
    target: { type: 'webhook', url: 'http://localhost:9/hooks', secrets: [PLACEHOLDER_SECRET] },
    maxRetries: 0,
    retryPolicy: { backoffStrategy: 'constant', initialDelayMs: 0, maxDelayMs: 0, jitter: 'none' },
    timeoutMs: 1_000,
    priority: 0,
    status: 'active',
    createdAt: '2026-11-30T00:00:00.000Z',
    ...overrides,
  });
  const ofTenant = (n: number, tenant: string) => withTenant(integrationEvent(n), tenant);
  const delivered = (queue: ReturnType<typeof createLocalEventBus>['queues']['delivery']) =>
    queue.receive(10).map((m) => {
      const { tenant, subscriptionId, event } = JSON.parse(m.body);
      return `${tenant}/${subscriptionId}:${event.id}`;
    });

  it("routes each published event to the delivery queue of its tenant's matching subscription", async () => {
    // Prepare
    const { bus, rules, queues } = createLocalEventBus();
    await rules.put(subscription('sub-1', 'acme'));

    // Act
    await bus.publish([ofTenant(1, 'acme')]);

    // Assess
    expect(delivered(queues.delivery)).toEqual(['acme/sub-1:evt-1']);
  });

  it("never routes one tenant's events to another's subscriptions, whatever their filter", async () => {
    // Prepare: globex subscribes without a filter (under acme's id too), with a match-all filter and with a
    // filter naming the tenant key (filters only reach the payload; an empty filter {} is refused on creation)
    const { bus, rules, queues } = createLocalEventBus();
    await rules.put(subscription('mine', 'acme'));
    await rules.put(subscription('mine', 'globex'));
    await rules.put(subscription('match-all', 'globex', { filter: { n: [{ exists: true }] } }));
    await rules.put(subscription('forged-tenant', 'globex', { filter: { 'aif-tenant': ['acme'] } }));

    // Act
    await bus.publish([ofTenant(1, 'acme'), integrationEvent(2)]);

    // Assess: acme's event reaches acme only; an event without a tenant reaches nobody
    expect(delivered(queues.delivery)).toEqual(['acme/mine:evt-1']);
  });

  it('stops routing to a removed subscription of one tenant, keeping the same id of another', async () => {
    // Prepare
    const { bus, rules, queues } = createLocalEventBus();
    await rules.put(subscription('sub-1', 'acme'));
    await rules.put(subscription('sub-1', 'globex'));

    // Act
    await rules.remove({ tenant: 'acme', id: 'sub-1' });
    await bus.publish([ofTenant(1, 'acme'), ofTenant(2, 'globex')]);

    // Assess
    expect(delivered(queues.delivery)).toEqual(['globex/sub-1:evt-2']);
  });

  it('creates independent buses: an event on one reaches no other', async () => {
    // Prepare
    const first = createLocalEventBus();
    const second = createLocalEventBus();
    const listener = vi.fn();
    second.bus.subscribe(listener);

    // Act
    await first.bus.publish([integrationEvent(1)]);

    // Assess
    expect(listener).not.toHaveBeenCalled();
  });
});
