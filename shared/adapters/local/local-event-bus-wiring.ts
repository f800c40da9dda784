import { createLocalDeliveryQueues, LocalDeliveryQueue } from './local-delivery-queue';
import { LocalEventBus } from './local-event-bus';
import type { LocalQueue } from './local-queue';
import { LocalSubscriptionRules } from './local-subscription-rules';

/** The in-process event bus of `npm run dev`: what EventBridge, the subscription rules and SQS are in AWS. */
export type LocalEventBusParts = {
  bus: LocalEventBus;
  /** The subscriptions' rules: matches each published event, enqueues deliveries. */
  rules: LocalSubscriptionRules;
  /** The delivery queue as the functions see it (DeliveryQueue port). */
  deliveryQueue: LocalDeliveryQueue;
  /** The queues themselves, for the runner's poller. */
  queues: { delivery: LocalQueue; deadLetters: LocalQueue };
};

/**
 * One in-process event bus with its subscription rules listening to it and the delivery queue
 * (with its DLQ) the rules' target. The local composition root (`local/wiring.ts`) creates one per
 * local server and hands the same parts to every function, as EventBridge, the rules and SQS are
 * shared in AWS.
 *
 * @example const { bus, rules } = createLocalEventBus(); await rules.put(subscription); await bus.publish([event]);
 */
export function createLocalEventBus(): LocalEventBusParts {
  const bus = new LocalEventBus();
  const queues = createLocalDeliveryQueues();
  const deliveryQueue = new LocalDeliveryQueue(queues.delivery);
  const rules = new LocalSubscriptionRules(deliveryQueue);
  bus.subscribe(async (event) => {
    await rules.sendToTargets(event);
  });
  return { bus, rules, deliveryQueue, queues };
}
