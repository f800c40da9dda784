import { DEFAULT_MAX_ENTRY_BYTES, preparePutEventsEntry } from '../../domain/events/entry-rules';
import type { IntegrationEvent } from '../../domain/events/integration-event';
import type { EventPublisher, PublishOutcome } from '../../ports/event-publisher';

/** Receives every event published on a {@link LocalEventBus}; may be async. */
export type LocalEventListener = (event: IntegrationEvent) => void | Promise<void>;

/** Options of {@link LocalEventBus}. */
export type LocalEventBusOptions = {
  /**
   * How many events `history()` keeps; the oldest is dropped first.
   * @default 1000
   */
  historyLimit?: number;
  /**
   * Largest accepted entry, bytes, by EventBridge's entry-size formula — keep it equal to the
   * EventBridge publisher's so an event refused in AWS is refused locally too.
   * @default 1_048_576
   */
  maxEntryBytes?: number;
  /**
   * Told about every error a listener throws or rejects with; the publish still succeeds.
   * @default logs with `console.error`, naming the event id
   */
  onListenerError?: (error: unknown, event: IntegrationEvent) => void;
};

/** Default number of events `history()` keeps. */
export const DEFAULT_HISTORY_LIMIT = 1000;

/**
 * The in-process EventPublisher for `npm run dev` and tests: no AWS, no network.
 *
 * `publish` refuses an event exactly where EventBridge would (same entry rules as
 * `EventBridgeEventPublisher`: detail-type ≤ 128 and source ≤ 256 characters, Detail a JSON object,
 * entry ≤ `maxEntryBytes`), then records it and hands it to each listener in subscription order,
 * awaiting each, so once `publish` resolves every listener has seen the event. Listeners and history
 * get the event as it would travel (a JSON copy of the published object). A listener's error never
 * fails the publish and is never dropped: it goes to `onListenerError`.
 *
 * History is bounded: the last `historyLimit` (default 1000) events are kept, oldest dropped first, so
 * a long `npm run dev` session does not grow without limit.
 *
 * @example
 * const bus = new LocalEventBus();
 * const unsubscribe = bus.subscribe((event) => console.log(event.type));
 * await bus.publish([event]); // logs event.type; [{ id: event.id, status: 'published' }]
 * unsubscribe();
 */
export class LocalEventBus implements EventPublisher {
  private readonly historyLimit: number;
  private readonly maxEntryBytes: number;
  private readonly onListenerError: (error: unknown, event: IntegrationEvent) => void;
  /** Wrapped so the same function subscribed twice is two subscriptions, each removed on its own. */
  private readonly subscriptions = new Set<{ listener: LocalEventListener }>();
  private readonly recorded: IntegrationEvent[] = [];

  /**
   * @param options - see {@link LocalEventBusOptions}
   * @throws {RangeError} when `historyLimit` is not a non-negative integer or `maxEntryBytes` not a positive integer
   */
  constructor(options: LocalEventBusOptions = {}) {
    this.historyLimit = options.historyLimit ?? DEFAULT_HISTORY_LIMIT;
    this.maxEntryBytes = options.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES;
    if (!Number.isInteger(this.historyLimit) || this.historyLimit < 0) {
      throw new RangeError(`historyLimit must be a non-negative integer, got ${options.historyLimit}`);
    }
    if (!Number.isInteger(this.maxEntryBytes) || this.maxEntryBytes < 1) {
      throw new RangeError(`maxEntryBytes must be a positive integer, got ${options.maxEntryBytes}`);
    }
    this.onListenerError =
      options.onListenerError ??
      ((error, event) => console.error(`LocalEventBus: a listener failed on event ${event.id}`, error));
  }

  /**
   * Records the events and notifies listeners, one event after the other in input order.
   *
   * @param events - any number of events
   * @returns one outcome per event, in input order: `published` (no `eventBridgeId` locally), or
   *   `failed` with `InvalidArgument`, `MalformedDetail` or `EntryTooLarge`, not retryable
   * @example
   * await bus.publish([event]); // [{ id: event.id, status: 'published' }]
   */
  async publish(events: readonly IntegrationEvent[]): Promise<PublishOutcome[]> {
    const outcomes: PublishOutcome[] = [];
    for (const event of events) {
      const prepared = preparePutEventsEntry(event, { maxEntryBytes: this.maxEntryBytes });
      if ('problem' in prepared) {
        outcomes.push({ id: event.id, status: 'failed', ...prepared.problem, retryable: false });
        continue;
      }
      // What an EventBridge consumer gets in `detail`: later changes to the caller's object don't show.
      const snapshot = JSON.parse(prepared.entry.Detail) as IntegrationEvent;
      this.record(snapshot);
      outcomes.push({ id: event.id, status: 'published' });
      await this.notify(snapshot);
    }
    return outcomes;
  }

  /**
   * Registers a listener for every event published from now on.
   *
   * @param listener - called with each published event; a throw or rejection goes to `onListenerError`
   * @returns a function that removes this subscription (calling it again does nothing)
   * @example
   * const unsubscribe = bus.subscribe(async (event) => { await deliver(event) });
   */
  subscribe(listener: LocalEventListener): () => void {
    const subscription = { listener };
    this.subscriptions.add(subscription);
    return () => {
      this.subscriptions.delete(subscription);
    };
  }

  /**
   * The recorded events, oldest first and newest last — at most `historyLimit` of them.
   *
   * @param filter.type - keep only events of this `type` (exact match)
   * @returns a new array; changing it does not change the bus
   * @example
   * bus.history({ type: 'integration.alert' }).at(-1); // the latest alert
   */
  history(filter: { type?: string } = {}): IntegrationEvent[] {
    return filter.type === undefined ? [...this.recorded] : this.recorded.filter((event) => event.type === filter.type);
  }

  private record(event: IntegrationEvent): void {
    if (this.historyLimit === 0) return;
    this.recorded.push(event);
    if (this.recorded.length > this.historyLimit) this.recorded.splice(0, this.recorded.length - this.historyLimit);
  }

  private async notify(event: IntegrationEvent): Promise<void> {
    // A snapshot: a listener that (un)subscribes while being notified changes the next event, not this one.
    for (const { listener } of [...this.subscriptions]) {
      try {
        await listener(event);
      } catch (error) {
        this.reportListenerError(error, event);
      }
    }
  }

  private reportListenerError(error: unknown, event: IntegrationEvent): void {
    try {
      this.onListenerError(error, event);
    } catch (reporterError) {
      // A broken reporter must not turn a listener's failure into a failed publish, nor hide it.
      console.error(`LocalEventBus: onListenerError failed on event ${event.id}`, reporterError, error);
    }
  }
}
