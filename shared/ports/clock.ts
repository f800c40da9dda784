/** Source of the current time; injected so use cases and tests agree on "now". */
export interface Clock {
  /** The current time. */
  now(): Date;
  /** Resolves after `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}

/**
 * The clock's current time in milliseconds since the Unix epoch (what timers and deadlines use).
 *
 * @example const deadline = nowMs(clock) + 5_000;
 */
export function nowMs(clock: Pick<Clock, 'now'>): number {
  return clock.now().getTime();
}

/** The wall clock. */
export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
