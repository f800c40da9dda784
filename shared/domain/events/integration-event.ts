/**
 * The framework's event envelope (the seed's IntegrationEvent). On EventBridge it travels as the
 * entry's `Detail`, with `Source = source` and `DetailType = type`.
 */
export type IntegrationEvent = {
  /** Unique id chosen by the publisher; the same id is the same event (idempotent publishing). */
  id: string;
  /** Event type, e.g. `integration.alert`; becomes the EventBridge `detail-type`. */
  type: string;
  /** Version of the payload's shape (semver). */
  version: string;
  /** Who emits it, e.g. `aif.errors`; becomes the EventBridge `source`. */
  source: string;
  /** When it happened, milliseconds since the Unix epoch. */
  timestamp: number;
  /** Id shared by every event of one flow. */
  correlationId?: string;
  /** Id of the event that caused this one. */
  causationId?: string;
  payload: Record<string, unknown>;
  metadata: Record<string, string>;
};
