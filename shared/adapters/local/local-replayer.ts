import { ConflictError } from '../../domain/errors';
import type { EventLog } from '../../ports/event-log';
import type { Replay, Replayer } from '../../ports/replays';
import type { LocalSubscriptionRules } from './local-subscription-rules';

/**
 * Replays for `npm run dev`: reads the published events of the range from the event log (oldest
 * first) and routes each to the matching subscriptions again, as EventBridge replays an archive
 * to the bus's rules. Replays run in the background; their state lives in this process.
 *
 * @example const replay = await replayer.start({ name: 'r1', from, to }); // state RUNNING, then COMPLETED
 */
export class LocalReplayer implements Replayer {
  private readonly replays = new Map<string, Replay>();
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly eventLog: Pick<EventLog, 'listPublishedBetween'>,
    private readonly rules: Pick<LocalSubscriptionRules, 'sendToTargets'>,
    private readonly now: () => number,
  ) {}

  async start(input: { name: string; from: number; to: number; eventTypes?: string[] }): Promise<Replay> {
    if (this.replays.has(input.name)) throw new ConflictError(`A replay named ${input.name} exists`);
    const replay: Replay = {
      name: input.name,
      state: 'RUNNING',
      from: new Date(input.from).toISOString(),
      to: new Date(input.to).toISOString(),
      ...(input.eventTypes && { eventTypes: input.eventTypes }),
      replayedCount: 0,
      startedAt: new Date(this.now()).toISOString(),
    };
    this.replays.set(input.name, replay);
    const run = this.run(replay, input).finally(() => this.running.delete(run));
    this.running.add(run);
    return { ...replay };
  }

  async describe(name: string): Promise<Replay | undefined> {
    const replay = this.replays.get(name);
    return replay && { ...replay };
  }

  /** Resolves when every running replay has ended (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.running]);
  }

  private async run(replay: Replay, input: { from: number; to: number; eventTypes?: string[] }): Promise<void> {
    try {
      for await (const event of this.eventLog.listPublishedBetween(input.from, input.to)) {
        if ((await this.rules.sendToTargets(event, input.eventTypes)).length > 0) {
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
