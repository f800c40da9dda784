import type { Clock } from '../../shared/ports/clock';

/**
 * A clock for tests: time starts at `startMs` and moves only when a sleep "waits" (at once) or the
 * test calls `advance`; every sleep is recorded.
 *
 * @example const clock = recordingClock(Date.parse('2026-11-30T10:00:00Z')); await clock.sleep(5); clock.sleeps // [5]
 */
export function recordingClock(startMs: number): Clock & { sleeps: number[]; advance(ms: number): void } {
  let nowMs = startMs;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => new Date(nowMs),
    sleep: async (ms) => {
      sleeps.push(ms);
      nowMs += ms;
    },
    advance: (ms) => {
      nowMs += ms;
    },
  };
}

/**
 * A clock stopped at `at`: `now` never moves, sleeps return at once.
 *
 * @example const clock = fixedClock('2026-11-30T10:00:00Z');
 */
export function fixedClock(at: number | string): Clock {
  const date = new Date(at);
  return { now: () => new Date(date), sleep: async () => undefined };
}
