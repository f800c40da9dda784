/** A replay's state, named as EventBridge's DescribeReplay names it. */
export type ReplayState = 'STARTING' | 'RUNNING' | 'CANCELLING' | 'COMPLETED' | 'CANCELLED' | 'FAILED';

import type { Owner } from '../domain/auth/owner';

/** A replay of one tenant's archived events onto the bus, to that tenant's subscriptions' rules. */
export type Replay = {
  /** The name the tenant gave it (unique per tenant; the physical EventBridge name is derived). */
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
  /** Who started it. */
  owner: Owner;
};

/**
 * Replays past events of one tenant to that tenant's subscriptions: EventBridge StartReplay from
 * the bus archive in AWS (restricted to the tenant's subscription rules, which match only its
 * events), the event log locally (read per tenant). Replay names are per tenant.
 * Implementations throw `ConflictError` for a replay name the tenant uses, `ValidationError` for a
 * range the archive cannot serve, and `DependencyUnavailableError` when the service is unavailable.
 */
export interface Replayer {
  /**
   * Starts a replay of `owner.tenant`'s events with `from ≤ time < to` (ms since epoch), only to
   * that tenant's subscriptions (of `eventTypes`, when given).
   */
  start(input: { name: string; from: number; to: number; eventTypes?: string[]; owner: Owner }): Promise<Replay>;
  /** The tenant's replay of that name; undefined when the tenant has none (whatever other tenants have). */
  describe(tenant: string, name: string): Promise<Replay | undefined>;
}
