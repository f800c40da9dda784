import type { Owner } from '../../domain/auth/owner';
import { ConflictError } from '../../domain/errors';
import type { EventLog } from '../../ports/event-log';
import type { Replay, Replayer } from '../../ports/replays';
import type { LocalSubscriptionRules } from './local-subscription-rules';

/** One map key per tenant and name; the length prefix keeps keys apart whatever the tenant holds. */
const replayKey = (tenant: string, name: string) => `${tenant.length}:${tenant}/${name}`;

/**
 * Replays for `npm run dev`: reads the owner's tenant's published events of the range from the
 * event log (oldest first) and routes each to that tenant's matching subscriptions again, as
 * EventBridge replays an archive to the tenant's rules (`Destination.FilterArns`). Names are per
 * tenant. Replays run in the background; their state lives in this process.
 *
 * @example const replay = await replayer.start({ name: 'r1', from, to, owner }); // state RUNNING, then COMPLETED
 */
export class LocalReplayer implements Replayer {
  private readonly replays = new Map<string, Replay>();
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly eventLog: Pick<EventLog, 'listPublishedBetween'>,
    private readonly rules: Pick<LocalSubscriptionRules, 'sendToTargets'>,
    private readonly now: () => number,
  ) {}

  /**
   * Starts replaying in the background.
   *
   * @throws {ConflictError} when the owner's tenant has a replay of that name
   */
  async start(input: { name: string; from: number; to: number; eventTypes?: string[]; owner: Owner }): Promise<Replay> {
    const key = replayKey(input.owner.tenant, input.name);
    if (this.replays.has(key)) throw new ConflictError(`A replay named ${input.name} exists`);
    const replay: Replay = {
      name: input.name,
      state: 'RUNNING',
      from: new Date(input.from).toISOString(),
      to: new Date(input.to).toISOString(),
      ...(input.eventTypes && { eventTypes: input.eventTypes }),
      replayedCount: 0,
      startedAt: new Date(this.now()).toISOString(),
      owner: { tenant: input.owner.tenant, principal: input.owner.principal },
    };
    this.replays.set(key, replay);
    const run = this.run(replay, input).finally(() => this.running.delete(run));
    this.running.add(run);
    return { ...replay };
  }

  /** The tenant's replay of that name; undefined when the tenant has none. */
  async describe(tenant: string, name: string): Promise<Replay | undefined> {
    const replay = this.replays.get(replayKey(tenant, name));
    return replay && { ...replay };
  }

  /** Resolves when every running replay has ended (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.running]);
  }

  private async run(
    replay: Replay,
    input: { from: number; to: number; eventTypes?: string[]; owner: Owner },
  ): Promise<void> {
    const { tenant } = input.owner;
    try {
      for await (const event of this.eventLog.listPublishedBetween(tenant, input.from, input.to)) {
        const only = { tenant, ...(input.eventTypes && { eventTypes: input.eventTypes }) };
        if ((await this.rules.sendToTargets(event, only)).length > 0) {
          replay.replayedCount = (replay.replayedCount ?? 0) + 1;
        }
      }
      replay.state = 'COMPLETED';
    } catch (error) {
      replay.state = 'FAILED';
      replay.stateReason = error instanceof Error ? error.message : String(error);
    } finally {
      replay.endedAt = new Date(this.now()).toISOString();
    }
  }
}
