/** A replay's state, named as EventBridge's DescribeReplay names it. */
export type ReplayState = 'STARTING' | 'RUNNING' | 'CANCELLING' | 'COMPLETED' | 'CANCELLED' | 'FAILED';

/** A replay of archived events onto the bus, to the subscriptions' rules. */
export type Replay = {
  name: string;
  state: ReplayState;
  /** The replayed time range, ISO 8601 (`from` inclusive, `to` exclusive). */
  from: string;
  to: string;
  eventTypes?: string[];
  stateReason?: string;
  /** Events replayed so far (local replays; EventBridge does not report counts). */
  replayedCount?: number;
  startedAt?: string;
  endedAt?: string;
};

/**
 * Replays past events: EventBridge StartReplay from the bus archive in AWS, the event log locally.
 * Implementations throw `ConflictError` for a replay name in use, `ValidationError` for a range the
 * archive cannot serve, and `DependencyUnavailableError` when the service is unavailable.
 */
export interface Replayer {
  /**
   * Starts a replay of events with `from ≤ time < to` (ms since epoch), only to the rules of
   * subscriptions listed in `ruleArns` / for `eventTypes` when given.
   */
  start(input: { name: string; from: number; to: number; eventTypes?: string[] }): Promise<Replay>;
  describe(name: string): Promise<Replay | undefined>;
}
