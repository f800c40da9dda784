import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../shared/domain/errors';
import type { Replay, Replayer } from '../../../../shared/ports/replays';
import { startReplay } from '../../../../shared/use-cases/replays';
import { fixedClock } from '../../../support/clock';
import { rejectionOf } from '../../../support/rejection';

const NOW = Date.parse('2026-11-30T12:00:00Z');
const clock = fixedClock(NOW);
const OWNER = { tenant: 'acme', principal: 'agent-1' };

function recordingReplayer(): Replayer & { started: Array<{ name: string; from: number; to: number }> } {
  const started: Array<{ name: string; from: number; to: number }> = [];
  return {
    started,
    start: async (input) => {
      started.push(input);
      return { name: input.name, state: 'STARTING', from: '', to: '', owner: input.owner } satisfies Replay;
    },
    describe: async () => undefined,
  };
}

describe('startReplay', () => {
  it('refuses a range older than the retention, reversed or in the future, naming each problem', async () => {
    // Prepare
    const replayer = recordingReplayer();

    // Act
    const tooOld = await rejectionOf<ValidationError>(
      startReplay(
        { replayer, clock, retentionDays: 30 },
        { from: '1970-01-01T00:00:00Z', to: '2026-11-30T11:00:00Z' },
        OWNER,
      ),
    );
    const reversedFuture = await rejectionOf<ValidationError>(
      startReplay(
        { replayer, clock, retentionDays: 30 },
        { from: '2026-11-30T13:00:00Z', to: '2026-11-30T12:30:00Z' },
        OWNER,
      ),
    );

    // Assess
    expect(tooOld).toBeInstanceOf(ValidationError);
    expect(tooOld.problems.map((p) => p.pointer)).toEqual(['/from']);
    expect(reversedFuture.problems.map((p) => p.pointer)).toEqual(['/to', '/to']);
    expect(replayer.started).toHaveLength(0);
  });

  it('starts a replay within the retention under a unique generated name', async () => {
    // Prepare
    const replayer = recordingReplayer();
    const body = { from: '2026-11-20T00:00:00Z', to: '2026-11-30T11:00:00Z' };

    // Act
    await Promise.all(
      Array.from({ length: 20 }, () => startReplay({ replayer, clock, retentionDays: 30 }, body, OWNER)),
    );

    // Assess
    expect(new Set(replayer.started.map((r) => r.name)).size).toBe(20);
    expect(replayer.started[0]).toMatchObject({ from: Date.parse(body.from), to: Date.parse(body.to), owner: OWNER });
  });
});
