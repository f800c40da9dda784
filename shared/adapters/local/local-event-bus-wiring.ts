import type { EventLog } from '../../ports/event-log';
import { LocalDeliveryQueue, sharedLocalDeliveryQueues } from './local-delivery-queue';
import { type LocalEventBus, sharedLocalEventBus } from './local-event-bus';
import type { LocalQueue } from './local-queue';
import { LocalReplayer } from './local-replayer';
import { LocalSubscriptionRouter } from './local-subscription-router';

/** The in-process event bus of `npm run dev`, as the functions and the local runner share it. */
export type LocalEventBusParts = {
  bus: LocalEventBus;
  /** The subscriptions' rules: matches each published event, enqueues deliveries. */
  router: LocalSubscriptionRouter;
  /** The delivery queue as the functions see it (DeliveryQueue port). */
  deliveryQueue: LocalDeliveryQueue;
  /** The queues themselves, for the runner's poller. */
  queues: { delivery: LocalQueue; deadLetters: LocalQueue };
};

const KEY = Symbol.for('aif.localEventBusParts');

/**
 * The process-wide local event bus: the bus, the subscription router listening to it, and the
 * delivery queue (with its DLQ) the router fills — created once per process and shared by every
 * handler module the local runner loads, as EventBridge, the rules and SQS are shared in AWS.
 *
 * @example const { bus, router } = localEventBusParts(); await router.put(subscription); await bus.publish([event]);
 */
export function localEventBusParts(): LocalEventBusParts {
  const holder = globalThis as unknown as Record<symbol, LocalEventBusParts | undefined>;
  let parts = holder[KEY];
  if (!parts) {
    const bus = sharedLocalEventBus();
    const queues = sharedLocalDeliveryQueues();
    const deliveryQueue = new LocalDeliveryQueue(queues.delivery);
    const router = new LocalSubscriptionRouter(deliveryQueue);
    bus.subscribe(async (event) => {
      await router.route(event);
    });
    parts = { bus, router, deliveryQueue, queues };
    holder[KEY] = parts;
  }
  return parts;
}

/** A replayer over the local bus's router (one per events function module). */
export function localReplayer(eventLog: Pick<EventLog, 'listPublishedBetween'>, now: () => number): LocalReplayer {
  return new LocalReplayer(eventLog, localEventBusParts().router, now);
}
