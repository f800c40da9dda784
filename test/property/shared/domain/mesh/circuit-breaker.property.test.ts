import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  admit,
  type BreakerConfig,
  type BreakerState,
  initialBreakerState,
  livePermitCount,
  recordFailure,
  recordSuccess,
} from '../../../../../shared/domain/mesh/circuit-breaker';

/** Small configurations, so short runs reach every state often. */
const config: fc.Arbitrary<BreakerConfig> = fc.record({
  failureThreshold: fc.integer({ min: 1, max: 4 }),
  resetTimeoutMs: fc.integer({ min: 100, max: 5_000 }),
  halfOpenRequests: fc.integer({ min: 1, max: 4 }),
  permitLeaseMs: fc.integer({ min: 1_000, max: 10_000 }),
});

/**
 * One thing that happens to a breaker. Successes and failures report a permit id: `recent` picks
 * one of the last few issued (most probes report soon), `old` any issued so far (a call admitted
 * long ago, or before the breaker opened), or none. Time mostly moves forward but may step back a
 * little, as the clocks of two Lambda instances disagree.
 */
type Command =
  | { kind: 'admit' }
  | { kind: 'success' | 'failure'; permit: { from: 'recent' | 'old'; pick: number } | undefined }
  | { kind: 'advance'; ms: number };

const permitRef = fc.option(fc.record({ from: fc.constantFrom('recent' as const, 'old' as const), pick: fc.nat() }), {
  nil: undefined,
  freq: 6,
});
const advance = fc.record({
  kind: fc.constant('advance' as const),
  ms: fc.oneof(fc.integer({ min: -2_000, max: 2_000 }), fc.integer({ min: 0, max: 15_000 })),
});

/** Bursts of commands with the given relative frequencies of admit / success / failure / advance. */
function burst(admit: number, success: number, failure: number, time: number): fc.Arbitrary<Command[]> {
  const command: fc.Arbitrary<Command> = fc.oneof(
    { weight: admit, arbitrary: fc.constant({ kind: 'admit' as const }) },
    { weight: success, arbitrary: fc.record({ kind: fc.constant('success' as const), permit: permitRef }) },
    { weight: failure, arbitrary: fc.record({ kind: fc.constant('failure' as const), permit: permitRef }) },
    { weight: time, arbitrary: advance },
  );
  return fc.array(command, { minLength: 1, maxLength: 25 });
}

/**
 * Runs made of bursts: failure-heavy bursts open the breaker, quiet ones let the reset timeout and
 * leases pass, success-heavy ones fill the half-open permits and close it again — so every
 * transition is reached often, not only the ones a uniform mix favours.
 */
const commands: fc.Arbitrary<Command[]> = fc
  .array(fc.oneof(burst(2, 1, 6, 1), burst(1, 0, 0, 3), burst(5, 5, 1, 1), burst(4, 3, 3, 2)), {
    minLength: 1,
    maxLength: 12,
  })
  .map((bursts) => bursts.flat());

type Step = {
  before: BreakerState;
  command: Command;
  /** The permit id the call carried (admit: the one it asked for). */
  permitId: string | undefined;
  next: BreakerState | undefined;
  now: number;
};

/**
 * Runs the commands against one stored state as the router does (read, transition, write the
 * result), calling `check` after every step. Every input is cloned first and compared afterwards:
 * the transitions must never mutate what they were given.
 */
function run(cfg: BreakerConfig, cmds: readonly Command[], check: (step: Step, cfg: BreakerConfig) => void) {
  let state = initialBreakerState('i-1');
  let now = 1_000_000;
  let issued = 0;
  const idOf = (permit: { from: 'recent' | 'old'; pick: number } | undefined) => {
    if (permit === undefined || issued === 0) return undefined;
    const back = permit.pick % (permit.from === 'recent' ? Math.min(issued, 4) : issued);
    return `p${issued - 1 - back}`;
  };
  for (const cmd of cmds) {
    if (cmd.kind === 'advance') {
      now += cmd.ms;
      continue;
    }
    const before = structuredClone(state);
    let next: BreakerState | undefined;
    let permitId: string | undefined;
    if (cmd.kind === 'admit') {
      permitId = `p${issued++}`;
      next = admit(state, cfg, now, permitId).next;
    } else {
      permitId = idOf(cmd.permit);
      next = (cmd.kind === 'success' ? recordSuccess : recordFailure)(state, cfg, now, permitId);
    }
    expect(state).toEqual(before);
    check({ before, command: cmd, permitId, next, now }, cfg);
    if (next) state = next;
  }
  return { state, now };
}

describe('circuit breaker (property)', () => {
  it('never holds more than halfOpenRequests permits, live or not', () => {
    let filled = 0;
    fc.assert(
      fc.property(config, commands, (cfg, cmds) => {
        run(cfg, cmds, ({ next, now }) => {
          if (!next) return;
          expect(Object.keys(next.permits).length).toBeLessThanOrEqual(cfg.halfOpenRequests);
          expect(livePermitCount(next, now)).toBeLessThanOrEqual(cfg.halfOpenRequests);
          if (next.state !== 'half-open') expect(next.permits).toEqual({});
          if (Object.keys(next.permits).length === cfg.halfOpenRequests && cfg.halfOpenRequests > 1) filled++;
        });
      }),
      { numRuns: 300 },
    );
    // Not vacuous: half-open does fill up.
    expect(filled).toBeGreaterThan(0);
  });

  it('opens exactly at the failure threshold or on a half-open failure, and never otherwise', () => {
    let reopened = 0;
    fc.assert(
      fc.property(config, commands, (cfg, cmds) => {
        run(cfg, cmds, ({ before, command, next, now }) => {
          const opens = next?.state === 'open' && before.state !== 'open';
          const shouldOpen =
            command.kind === 'failure' &&
            ((before.state === 'closed' && before.failureCount + 1 >= cfg.failureThreshold) ||
              before.state === 'half-open');
          expect(opens).toBe(shouldOpen);
          if (opens) expect(next?.openedAt).toBe(now);
          if (opens && before.state === 'half-open') reopened++;
        });
      }),
      { numRuns: 300 },
    );
    // Not vacuous: the runs do reach half-open and fail there.
    expect(reopened).toBeGreaterThan(0);
  });

  it('moves open to half-open exactly when a call comes once the reset timeout has passed', () => {
    fc.assert(
      fc.property(config, commands, (cfg, cmds) => {
        run(cfg, cmds, ({ before, command, next, now }) => {
          if (before.state !== 'open') return;
          const due = command.kind === 'admit' && now >= before.openedAt! + cfg.resetTimeoutMs;
          expect(next?.state === 'half-open').toBe(due);
          if (!due) expect(next).toBeUndefined();
        });
      }),
      { numRuns: 300 },
    );
  });

  it('closes only after halfOpenRequests successes of distinct probes in one half-open period', () => {
    let closings = 0;
    fc.assert(
      fc.property(config, commands, (cfg, cmds) => {
        let counted = new Set<string>();
        run(cfg, cmds, ({ before, command, permitId, next }) => {
          if (!next) return;
          if (before.state !== 'half-open' && next.state === 'half-open') counted = new Set();
          const countedSuccess = before.state === 'half-open' && command.kind === 'success';
          if (countedSuccess) {
            // Only a probe of this half-open period counts, and only once: its permit is released.
            expect(Object.keys(before.permits)).toContain(permitId);
            expect(counted.has(permitId!)).toBe(false);
            expect(Object.keys(next.permits)).not.toContain(permitId);
            counted.add(permitId!);
          }
          if (before.state !== 'closed' && next.state === 'closed') {
            expect(countedSuccess).toBe(true);
            expect(counted.size).toBe(cfg.halfOpenRequests);
            expect(next).toMatchObject({ failureCount: 0, permits: {}, successes: 0 });
            closings++;
          }
        });
      }),
      { numRuns: 300 },
    );
    expect(closings).toBeGreaterThan(0);
  });

  it('writes version + 1 and updatedAt = now on every write, so versions strictly increase', () => {
    fc.assert(
      fc.property(config, commands, (cfg, cmds) => {
        const versions: number[] = [];
        run(cfg, cmds, ({ before, next, now }) => {
          if (!next) return;
          expect(next.version).toBe(before.version + 1);
          expect(next.updatedAt).toBe(now);
          versions.push(next.version);
        });
        versions.forEach((v, i) => {
          expect(v).toBe(i + 1);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('never wedges: after every lease has ended and the reset timeout has passed, a call is admitted', () => {
    fc.assert(
      fc.property(config, commands, (cfg, cmds) => {
        // Prepare
        const { state, now } = run(cfg, cmds, () => {});
        const later =
          Math.max(now, state.openedAt ?? now, ...Object.values(state.permits)) +
          cfg.resetTimeoutMs +
          cfg.permitLeaseMs;

        // Act
        const admission = admit(state, cfg, later, 'fresh');

        // Assess
        expect(admission.allowed).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
