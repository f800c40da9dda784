import * as z from 'zod';

/**
 * The shape of a token bucket, in the seed's words (`RateLimitSpec`): it holds at most `burstSize`
 * tokens and refills `requestsPerSecond` tokens per second; every admitted request takes one.
 * A full bucket admits `burstSize` requests at once, then `requestsPerSecond` per second.
 */
export type BucketLimit = { readonly requestsPerSecond: number; readonly burstSize: number };

/** Most tokens per second one bucket refills: one DynamoDB item takes about 1,000 writes a second. */
export const MAX_REQUESTS_PER_SECOND = 1000;
/** Largest burst one bucket holds. */
export const MAX_BURST_SIZE = 100_000;

export const BucketLimitSchema = z.object({
  requestsPerSecond: z.number().positive().max(MAX_REQUESTS_PER_SECOND),
  burstSize: z.number().int().min(1).max(MAX_BURST_SIZE),
});

/**
 * A bucket's stored state, as the Generic Cell Rate Algorithm (GCRA, ITU-T I.371) keeps a token
 * bucket: one number, the theoretical arrival time `tat` — the instant, in microseconds since the
 * epoch, at which the bucket would be full again. Tokens left at `now` are
 * `burstSize − max(0, tat − now) / T` (T = one token's refill time, {@link emissionIntervalUs}), so
 * "refilled from elapsed time" needs no timestamp of its own, and every admission only moves `tat`
 * forward — by T, or to `now + T` when the bucket was full. No state (`undefined`) is a full bucket.
 *
 * Times are whole microseconds so that the store compares and adds them exactly (no floating
 * point): `tat` stays below 2^53 until the year 2255.
 */
export type BucketState = { readonly tat: number };

/**
 * Microseconds one token takes to refill, rounded *up* to a whole microsecond: the bucket never
 * refills faster than `requestsPerSecond`.
 *
 * @example emissionIntervalUs({ requestsPerSecond: 3, burstSize: 1 }) // 333_334
 */
export function emissionIntervalUs(limit: BucketLimit): number {
  return Math.max(1, Math.ceil(1_000_000 / limit.requestsPerSecond));
}

/** How far `tat` may run ahead of `now` for one more request to be admitted: (burstSize − 1) × T. */
export function toleranceUs(limit: BucketLimit): number {
  return (limit.burstSize - 1) * emissionIntervalUs(limit);
}

/**
 * Whole tokens the bucket holds at `nowUs` (0 … burstSize).
 *
 * @example tokensLeft(undefined, { requestsPerSecond: 10, burstSize: 20 }, now) // 20: a bucket never used is full
 */
export function tokensLeft(state: BucketState | undefined, limit: BucketLimit, nowUs: number): number {
  const ahead = Math.max(0, (state?.tat ?? nowUs) - nowUs);
  return Math.max(0, Math.floor(limit.burstSize - ahead / emissionIntervalUs(limit)));
}

/**
 * What admitting one request decides. Allowed: the state after it, the whole tokens left, and the
 * time until the bucket is full again. Refused: how long until one token is back.
 */
export type Admission =
  | { readonly allowed: true; readonly next: BucketState; readonly remaining: number; readonly resetUs: number }
  | { readonly allowed: false; readonly retryAfterUs: number; readonly remaining: 0; readonly resetUs: number };

/**
 * The GCRA decision for one request at `nowUs`: admitted when the bucket holds a token
 * (`max(tat, now) ≤ now + tolerance`), and `tat` then moves to `max(tat, now) + T`.
 *
 * @example
 * const limit = { requestsPerSecond: 1, burstSize: 2 };
 * admit(undefined, limit, 0).allowed // true, 1 token left
 * admit({ tat: 2_000_000 }, limit, 0) // { allowed: false, retryAfterUs: 1_000_000, … }
 */
export function admit(state: BucketState | undefined, limit: BucketLimit, nowUs: number): Admission {
  const interval = emissionIntervalUs(limit);
  const from = Math.max(state?.tat ?? nowUs, nowUs);
  const ahead = from - nowUs;
  const tolerance = toleranceUs(limit);
  if (ahead > tolerance) return { allowed: false, retryAfterUs: ahead - tolerance, remaining: 0, resetUs: ahead };
  const next = { tat: from + interval };
  return { allowed: true, next, remaining: tokensLeft(next, limit, nowUs), resetUs: next.tat - nowUs };
}

/**
 * Which of the two admissions applies: `full` — no state, or `tat` is in the past (the bucket is
 * full: `tat` is *set* to now + T); `draining` — `tat` is now or later (it is *advanced* by T).
 */
export type BucketPhase = 'full' | 'draining';

export const phaseOf = (state: BucketState | undefined, nowUs: number): BucketPhase =>
  state === undefined || state.tat < nowUs ? 'full' : 'draining';

/**
 * The one conditional write that admits a request in `phase`, as a store applies it atomically:
 * - `full`: set `tat` to `set`, if there is no state or `tat < before`;
 * - `draining`: add `add` to `tat`, if `atLeast ≤ tat ≤ atMost`.
 * Of concurrent writers, each write is judged on the state the previous one left, so no interleaving
 * admits more than {@link admit} would one request after another; a write whose condition fails
 * changed nothing.
 */
export type BucketWrite =
  | { readonly phase: 'full'; readonly set: number; readonly before: number }
  | { readonly phase: 'draining'; readonly add: number; readonly atLeast: number; readonly atMost: number };

/**
 * The conditional write admitting one request at `nowUs` in `phase`.
 *
 * @example admissionWrite({ requestsPerSecond: 10, burstSize: 5 }, 0, 'draining') // { phase: 'draining', add: 100_000, atLeast: 0, atMost: 400_000 }
 */
export function admissionWrite(limit: BucketLimit, nowUs: number, phase: BucketPhase): BucketWrite {
  const interval = emissionIntervalUs(limit);
  return phase === 'full'
    ? { phase, set: nowUs + interval, before: nowUs }
    : { phase, add: interval, atLeast: nowUs, atMost: nowUs + toleranceUs(limit) };
}

/** Seconds a bucket's item is kept after it would be full again, before its TTL may delete it. */
export const BUCKET_EXPIRY_MARGIN_SECONDS = 60;

/**
 * When the stored state may expire (epoch seconds, the table's TTL): after any `tat` a write at
 * `nowUs` can leave (at most now + burstSize × T), plus a margin. A deleted bucket reads as full,
 * which by then it is — so expiry never admits more.
 */
export function expiresAtSeconds(limit: BucketLimit, nowUs: number): number {
  const latestTat = nowUs + limit.burstSize * emissionIntervalUs(limit);
  return Math.ceil(latestTat / 1_000_000) + BUCKET_EXPIRY_MARGIN_SECONDS;
}

/**
 * The most requests a bucket may admit over a span of `spanUs` microseconds, starting full:
 * the burst plus one token per refill interval. The yardstick of the tests and the benchmark.
 *
 * @example allowedIn({ requestsPerSecond: 10, burstSize: 5 }, 1_000_000) // 15
 */
export function allowedIn(limit: BucketLimit, spanUs: number): number {
  return limit.burstSize + Math.floor(Math.max(0, spanUs) / emissionIntervalUs(limit));
}

/**
 * Seconds of a policy's window as the RateLimit-Policy field states it: the time an empty bucket
 * takes to fill up again, rounded up (at least 1).
 */
export function windowSeconds(limit: BucketLimit): number {
  return Math.max(1, Math.ceil((limit.burstSize * emissionIntervalUs(limit)) / 1_000_000));
}
