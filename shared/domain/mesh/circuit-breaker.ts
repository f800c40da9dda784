/**
 * The circuit breaker that guards each mesh instance, as pure transitions over a shared
 * {@link BreakerState}. Nothing here reads a clock or a store: the router reads the state, calls a
 * transition with `now`, and writes the returned state with `BreakerStore.compareAndSet` on
 * `version`; a lost race re-reads and recomputes. `undefined` means "nothing to write".
 *
 * Transition table (H = `halfOpenRequests`, T = `failureThreshold`, R = `resetTimeoutMs`,
 * L = `permitLeaseMs`; every written state has `version + 1` and `updatedAt = now`):
 *
 * | state     | event                                      | outcome                                               | write |
 * | --------- | ------------------------------------------ | ----------------------------------------------------- | ----- |
 * | closed    | admit                                      | allowed                                               | no    |
 * | closed    | success, failureCount = 0                  | —                                                     | no    |
 * | closed    | success, failureCount > 0                  | failureCount = 0                                      | yes   |
 * | closed    | failure, failureCount + 1 < T              | failureCount + 1                                      | yes   |
 * | closed    | failure, failureCount + 1 ≥ T              | → open, openedAt = now, permits {}, successes 0       | yes   |
 * | open      | admit, now < openedAt + R                  | refused `open`                                        | no    |
 * | open      | admit, now ≥ openedAt + R                  | → half-open, allowed holding a permit (lease now + L) | yes   |
 * | open      | success / failure (late, from before)      | —                                                     | no    |
 * | half-open | admit, < H permits after reclaiming ended  | allowed with a new permit (lease now + L)             | yes   |
 * | half-open | admit, H live permits                      | refused `half-open-full`                              | no    |
 * | half-open | success with a permit in `permits`         | permit removed, successes + 1; at H → closed          | yes   |
 * | half-open | success without one (admitted before)      | —                                                     | no    |
 * | half-open | failure (any, permit or not)               | → open, openedAt = now, permits {}, successes 0       | yes   |
 *
 * (closed: failureCount 0, permits {}, successes 0, no openedAt.)
 *
 * Where the rules come from:
 * - Michael T. Nygard, "Release It!" (2nd ed., ch. 5 "Stability Patterns", Circuit Breaker): closed
 *   counts failures and trips open at a threshold; open fails fast until a timeout; then half-open
 *   lets trial calls through — a success closes it, a failure sends it back to open.
 * - resilience4j CircuitBreaker docs (https://resilience4j.readme.io/docs/circuitbreaker): the
 *   names CLOSED / OPEN / HALF_OPEN, `waitDurationInOpenState` (our R) and
 *   `permittedNumberOfCallsInHalfOpenState` (our H): only that many probes are admitted while
 *   half-open, the rest are rejected (`CallNotPermittedException`).
 * - Limiting half-open to H concurrent probes rather than letting every call through avoids a
 *   thundering herd on a recovering host (smallrye-fault-tolerance PR #323 makes the same change).
 * - Half-open wedging: a probe that never reports (its Lambda timed out or died) would hold its
 *   permit forever — resilience4j issue #903 ("CircuitBreaker stuck in half open"), answered there
 *   later by `maxWaitDurationInHalfOpenState`. Here each permit is a lease that `admit` reclaims
 *   once it has ended, so half-open can never stay full.
 *
 * Deliberate choices:
 * - Failures are counted consecutively while closed (the seed's count-based breaker), not as a
 *   rate over a sliding window: any success while closed resets the count.
 * - Any failure in half-open re-opens (Nygard), stricter than resilience4j's failure rate over the
 *   H probes; a success only counts when it carries a permit of the current half-open period, so a
 *   slow call admitted before the breaker opened cannot vote it closed. Erring toward open is the
 *   safe side: an open breaker costs a 503, a wrongly closed one sends full traffic to a sick host.
 * - `failureCount` is only meaningful while closed; open and half-open keep the count that tripped
 *   the breaker (for display), and closing resets it to 0.
 */
import * as z from 'zod';

/** The three states of a circuit breaker (Nygard, "Release It!"; resilience4j's names). */
export type BreakerStateName = 'closed' | 'open' | 'half-open';

/** Breaker settings per service (the defaults: 5 failures, 30 s, 3 half-open probes). */
export type BreakerConfig = {
  /** Consecutive failures that open a closed breaker. */
  failureThreshold: number;
  /** How long an open breaker stays open before admitting probes, milliseconds. */
  resetTimeoutMs: number;
  /** Concurrent probes admitted in half-open; that many successes close the breaker. */
  halfOpenRequests: number;
  /** How long a probe permit is held before it is reclaimed (its Lambda died or timed out), milliseconds. */
  permitLeaseMs: number;
};

/**
 * The defaults every service gets unless it configures its own: the seed's 5 failures, 30 s and 3
 * probes, and a 60 s lease — longer than the 29 s API Gateway integration timeout, so a live probe
 * is never reclaimed while its call can still answer.
 *
 * @example const config = { ...DEFAULT_BREAKER_CONFIG, failureThreshold: 10 };
 */
export const DEFAULT_BREAKER_CONFIG: Readonly<BreakerConfig> = {
  failureThreshold: 5,
  resetTimeoutMs: 30_000,
  halfOpenRequests: 3,
  permitLeaseMs: 60_000,
};

/** Longest a breaker may stay open or a permit be leased: one hour, milliseconds. */
export const MAX_BREAKER_DURATION_MS = 3_600_000;

/**
 * Per-service breaker configuration as accepted from the API (or a config file): every field
 * optional, defaults from {@link DEFAULT_BREAKER_CONFIG}, integers only, unknown members refused.
 *
 * Bounds: `failureThreshold` 1–1000; `halfOpenRequests` 1–100 (0 would never admit a probe, so the
 * breaker could never close); `resetTimeoutMs` 100 ms – 1 h; `permitLeaseMs` 1 s – 1 h.
 * The parsed output is a {@link BreakerConfig}.
 *
 * @example
 * BreakerConfigSchema.parse({ failureThreshold: 10 });
 * // { failureThreshold: 10, resetTimeoutMs: 30000, halfOpenRequests: 3, permitLeaseMs: 60000 }
 */
export const BreakerConfigSchema = z
  .object({
    failureThreshold: z.number().int().min(1).max(1000).default(DEFAULT_BREAKER_CONFIG.failureThreshold),
    resetTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(MAX_BREAKER_DURATION_MS)
      .default(DEFAULT_BREAKER_CONFIG.resetTimeoutMs),
    halfOpenRequests: z.number().int().min(1).max(100).default(DEFAULT_BREAKER_CONFIG.halfOpenRequests),
    permitLeaseMs: z
      .number()
      .int()
      .min(1000)
      .max(MAX_BREAKER_DURATION_MS)
      .default(DEFAULT_BREAKER_CONFIG.permitLeaseMs),
  })
  .strict() satisfies z.ZodType<BreakerConfig>;

/** Breaker configuration as written by a user, before defaults (see {@link BreakerConfigSchema}). */
export type BreakerConfigInput = z.input<typeof BreakerConfigSchema>;

/** One breaker's shared state (one DynamoDB item per instance). */
export type BreakerState = {
  instanceId: string;
  state: BreakerStateName;
  /** Consecutive failures while closed. */
  failureCount: number;
  /** When it opened, ms since epoch. */
  openedAt?: number;
  /** Probe permits in flight in half-open: id → lease end (ms since epoch). */
  permits: Record<string, number>;
  /** Successful probes in the current half-open period. */
  successes: number;
  /** +1 on every write: transitions are conditional on it (compare-and-set). */
  version: number;
  updatedAt?: number;
};

/**
 * A fresh closed breaker (version 0: not stored yet) — what `BreakerStore.get` returning
 * `undefined` means.
 *
 * @param instanceId - the instance the breaker guards
 * @returns closed, no failures, no permits, version 0
 * @example const state = (await breakers.get('orders-1')) ?? initialBreakerState('orders-1');
 */
export function initialBreakerState(instanceId: string): BreakerState {
  return { instanceId, state: 'closed', failureCount: 0, permits: {}, successes: 0, version: 0 };
}

/** Why a call was refused: the breaker is open, or half-open with every probe permit taken. */
export type RefusalReason = 'open' | 'half-open-full';

/**
 * The answer of {@link admit}.
 *
 * - `allowed` - whether the call may go to the instance;
 * - `next` - the state to write (compare-and-set on the read version) before calling; absent when
 *   nothing changes. When the write loses the race, re-read and call `admit` again: the permit is
 *   only held once written;
 * - `reason` - set when refused;
 * - `retryAfterMs` - set when refused: how long until the breaker may admit again (reset timeout
 *   left, or the earliest permit lease end), milliseconds ≥ 0 — for a `Retry-After` header.
 */
export type Admission = {
  allowed: boolean;
  next?: BreakerState;
  reason?: RefusalReason;
  retryAfterMs?: number;
};

/**
 * Decides whether one call may go to the instance the breaker guards.
 *
 * closed → allowed, nothing written. open before `openedAt + resetTimeoutMs` → refused `open`.
 * open from then on → half-open, and this call holds the first probe permit (lease until
 * `now + permitLeaseMs`). half-open → permits whose lease has ended (lease end ≤ now) are
 * reclaimed, then the call gets a permit while fewer than `halfOpenRequests` are held, else it is
 * refused `half-open-full`. Admitting with a `permitId` already held renews its lease (no second
 * permit). An open state without `openedAt` is treated as past its reset timeout.
 *
 * @param state - the stored state (or {@link initialBreakerState})
 * @param config - the service's breaker configuration
 * @param now - the caller's clock, ms since epoch
 * @param permitId - unique per call (e.g. request id + attempt); pass the same id to
 *   {@link recordSuccess} / {@link recordFailure}
 * @returns the admission; `next` (version + 1, updatedAt = now) must be written before the call
 * @throws {RangeError} when `config` is out of range (see {@link BreakerConfigSchema}) or `now` is not finite
 * @example
 * const { allowed, next } = admit(state, DEFAULT_BREAKER_CONFIG, nowMs(clock), `${requestId}#1`);
 * if (next && !(await breakers.compareAndSet(next, state.version))) {
 *   // lost a race: re-read and admit again
 * }
 */
export function admit(state: BreakerState, config: BreakerConfig, now: number, permitId: string): Admission {
  assertInputs(config, now);
  switch (state.state) {
    case 'closed':
      return { allowed: true };
    case 'open': {
      const reopensAt = (state.openedAt ?? Number.NEGATIVE_INFINITY) + config.resetTimeoutMs;
      if (now < reopensAt) return { allowed: false, reason: 'open', retryAfterMs: reopensAt - now };
      return {
        allowed: true,
        next: write(state, now, {
          state: 'half-open',
          permits: { [permitId]: now + config.permitLeaseMs },
          successes: 0,
        }),
      };
    }
    case 'half-open': {
      const permits = livePermits(state.permits, now);
      if (!(permitId in permits) && Object.keys(permits).length >= config.halfOpenRequests) {
        const earliestEnd = Math.min(...Object.values(permits));
        return { allowed: false, reason: 'half-open-full', retryAfterMs: Math.max(0, earliestEnd - now) };
      }
      permits[permitId] = now + config.permitLeaseMs;
      return { allowed: true, next: write(state, now, { permits }) };
    }
    default:
      throw new RangeError(`unknown breaker state ${String(state.state satisfies never)}`);
  }
}

/**
 * Records a successful call and returns the state to write, or `undefined` when nothing changes.
 *
 * closed with no failures → `undefined` (the hot path writes nothing). closed with failures → the
 * count resets to 0. half-open with `permitId` among the permits → the permit is released,
 * successes + 1, and at `halfOpenRequests` successes the breaker closes (failureCount 0, no
 * permits, successes 0, no openedAt). half-open without such a permit (a call admitted before the
 * breaker opened, or a reclaimed lease) → `undefined`. open → `undefined`: a late success from
 * before opening changes nothing.
 *
 * @param state - the stored state
 * @param config - the service's breaker configuration
 * @param now - ms since epoch
 * @param permitId - the id passed to {@link admit} for this call
 * @returns the next state (version + 1, updatedAt = now) or undefined
 * @throws {RangeError} when `config` is out of range or `now` is not finite
 * @example
 * const next = recordSuccess(state, config, nowMs(clock), permitId);
 * if (next) await breakers.compareAndSet(next, state.version);
 */
export function recordSuccess(
  state: BreakerState,
  config: BreakerConfig,
  now: number,
  permitId?: string,
): BreakerState | undefined {
  assertInputs(config, now);
  switch (state.state) {
    case 'closed':
      return state.failureCount === 0 ? undefined : write(state, now, { failureCount: 0 });
    case 'open':
      return undefined;
    case 'half-open': {
      if (permitId === undefined || !Object.hasOwn(state.permits, permitId)) return undefined;
      const successes = state.successes + 1;
      if (successes >= config.halfOpenRequests) {
        return write(state, now, { state: 'closed', failureCount: 0, permits: {}, successes: 0, openedAt: undefined });
      }
      const { [permitId]: _released, ...permits } = state.permits;
      return write(state, now, { permits, successes });
    }
    default:
      throw new RangeError(`unknown breaker state ${String(state.state satisfies never)}`);
  }
}

/**
 * Records a failed call (a timeout, a connection error, a 5xx — the caller decides what counts)
 * and returns the state to write, or `undefined` when nothing changes.
 *
 * closed → failureCount + 1, and at `failureThreshold` the breaker opens (openedAt = now, no
 * permits, successes 0). half-open → open again with openedAt = now: any failure while half-open
 * re-opens, whether or not it held a permit. open → `undefined`.
 *
 * @param state - the stored state
 * @param config - the service's breaker configuration
 * @param now - ms since epoch
 * @param _permitId - the id passed to {@link admit}; not needed to decide (every permit is dropped
 *   on re-opening), accepted for symmetry with {@link recordSuccess}
 * @returns the next state (version + 1, updatedAt = now) or undefined
 * @throws {RangeError} when `config` is out of range or `now` is not finite
 * @example
 * const next = recordFailure(state, config, nowMs(clock), permitId); // 5th failure: state 'open'
 * if (next) await breakers.compareAndSet(next, state.version);
 */
export function recordFailure(
  state: BreakerState,
  config: BreakerConfig,
  now: number,
  _permitId?: string,
): BreakerState | undefined {
  assertInputs(config, now);
  switch (state.state) {
    case 'closed': {
      const failureCount = state.failureCount + 1;
      if (failureCount < config.failureThreshold) return write(state, now, { failureCount });
      return write(state, now, { state: 'open', failureCount, openedAt: now, permits: {}, successes: 0 });
    }
    case 'half-open':
      return write(state, now, { state: 'open', openedAt: now, permits: {}, successes: 0 });
    case 'open':
      return undefined;
    default:
      throw new RangeError(`unknown breaker state ${String(state.state satisfies never)}`);
  }
}

/**
 * How many probe permits are held at `now`: those whose lease ends after `now`.
 *
 * @param state - a breaker state (0 unless half-open)
 * @param now - ms since epoch
 * @returns the number of live permits, ≤ `halfOpenRequests` for states produced by this module
 * @example livePermitCount({ ...state, permits: { a: 1_000, b: 3_000 } }, 2_000) // 1
 */
export function livePermitCount(state: Pick<BreakerState, 'permits'>, now: number): number {
  return Object.keys(livePermits(state.permits, now)).length;
}

/** A copy of `permits` without the leases that ended at or before `now`. */
function livePermits(permits: Readonly<Record<string, number>>, now: number): Record<string, number> {
  const live: Record<string, number> = {};
  for (const [id, leaseEnd] of Object.entries(permits)) if (leaseEnd > now) live[id] = leaseEnd;
  return live;
}

/**
 * The next state: `changes` applied, version + 1, updatedAt = now. A change to `undefined` removes
 * the member, so stored items never carry empty attributes.
 */
function write(state: BreakerState, now: number, changes: Partial<BreakerState>): BreakerState {
  const next: BreakerState = { ...state, ...changes, version: state.version + 1, updatedAt: now };
  if (next.openedAt === undefined) delete next.openedAt;
  return next;
}

function assertInputs(config: BreakerConfig, now: number): void {
  if (!Number.isFinite(now)) throw new RangeError(`now must be finite ms since epoch, got ${now}`);
  const { failureThreshold, halfOpenRequests, resetTimeoutMs, permitLeaseMs } = config;
  if (!(Number.isInteger(failureThreshold) && failureThreshold >= 1)) {
    throw new RangeError(`failureThreshold must be an integer ≥ 1, got ${failureThreshold}`);
  }
  // 0 probes would never close the breaker: half-open would refuse everything forever.
  if (!(Number.isInteger(halfOpenRequests) && halfOpenRequests >= 1)) {
    throw new RangeError(`halfOpenRequests must be an integer ≥ 1, got ${halfOpenRequests}`);
  }
  if (!(resetTimeoutMs >= 0 && Number.isFinite(resetTimeoutMs))) {
    throw new RangeError(`resetTimeoutMs must be finite and ≥ 0, got ${resetTimeoutMs}`);
  }
  // A lease of 0 would be reclaimed the moment it is granted.
  if (!(permitLeaseMs > 0 && Number.isFinite(permitLeaseMs))) {
    throw new RangeError(`permitLeaseMs must be finite and > 0, got ${permitLeaseMs}`);
  }
}
