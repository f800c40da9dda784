import type { IntegrationEvent } from '../domain/events/integration-event';

/** What happened to one event of a publish call. */
export type PublishOutcome =
  | {
      /** The event's id. */
      id: string;
      status: 'published';
      /** The id EventBridge assigned (absent on the in-process bus). */
      eventBridgeId?: string;
    }
  | {
      id: string;
      status: 'failed';
      /** EventBridge's ErrorCode (e.g. `ThrottlingException`, `InternalFailure`) or the SDK error's name. */
      errorCode: string;
      errorMessage: string;
      /** Whether publishing the same event again may succeed. */
      retryable: boolean;
    };

/**
 * Puts events on the framework's bus: EventBridge in AWS, the in-process bus locally.
 * Implementations never throw for a per-event failure: every input event gets exactly one
 * outcome, in input order, so a partially failed batch can never pass for a success.
 */
export interface EventPublisher {
  /**
   * @param events - events to publish, any number (adapters split into PutEvents calls of ≤ 10)
   * @returns one outcome per event, in input order
   */
  publish(events: readonly IntegrationEvent[]): Promise<PublishOutcome[]>;
}
