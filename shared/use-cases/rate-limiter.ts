import { DependencyUnavailableError } from '../domain/errors';
import { RateLimitedError, RateLimiterUnavailableError } from '../domain/rate-limits/errors';
import {
  admissionWrite,
  admit,
  type BucketLimit,
  type BucketState,
  type BucketWrite,
  emissionIntervalUs,
  expiresAtSeconds,
  phaseOf,
  tokensLeft,
} from '../domain/rate-limits/token-bucket';
import type { Clock } from '../ports/clock';
import type { BucketWriteOutcome, TokenBucketStore } from '../ports/token-bucket-store';

/** What one `take` decided, in whole seconds as HTTP fields carry them. */
export type RateLimitDecision =
  | { readonly allowed: true; readonly limit: BucketLimit; readonly remaining: number; readonly resetSeconds: number }
  | {
      readonly allowed: false;
      readonly limit: BucketLimit;
      readonly remaining: 0;
      readonly resetSeconds: number;
      /** At least 1: a client told 0 would come straight back. */
      readonly retryAfterSeconds: number;
    };

/** Options of {@link RateLimiter}. */
export type RateLimiterOptions = {
  /** Buckets whose last seen state one instance remembers (its guess of each bucket's phase). @default 10_000 */
  maxRemembered?: number;
};

/** Conditional writes one `take` makes at most: a phase guessed wrong costs one more, a race another. */
const MAX_WRITES_PER_TAKE = 4;

/**
 * Token buckets shared by every Lambda instance, one conditional write per admitted request.
 *
 * Each `take` decides on the state this instance last saw of the bucket (`tat` only ever moves
 * forward, so a remembered state is never fuller than the stored one): when even that state holds
 * no token, the request is refused with no write at all; otherwise the one conditional write of the
 * bucket's phase is sent ({@link admissionWrite}: set `tat` when the bucket is full, advance it by
 * one token when it is draining). The store judges the condition atomically, so concurrent Lambdas
 * never admit more than the bucket holds. A write that fails hands back the stored state, which
 * decides: refuse (no token), or the write of the other phase (the guess was stale) — at most
 * {@link MAX_WRITES_PER_TAKE} writes, after which the request is refused.
 *
 * Fails closed: when the store cannot be reached (or answers anything unexpected), `take` throws
 * {@link RateLimiterUnavailableError} (503 with Retry-After) instead of admitting the request.
 *
 * Clock skew between Lambda instances shifts "now": an instance whose clock runs δ ahead may admit
 * up to δ × requestsPerSecond requests early (Lambda clocks are NTP-synchronised to milliseconds).
 *
 * @example
 * const decision = await limiter.take(routeBucketKey('acme', 'publishEvents'), { requestsPerSecond: 20, burstSize: 40 });
 * if (!decision.allowed) throw rateLimited('publishEvents', decision);
 */
export class RateLimiter {
  /** The last state seen per bucket key, oldest first (a Map keeps insertion order). */
  private readonly seen = new Map<string, BucketState>();
  private readonly maxRemembered: number;

  constructor(
    private readonly deps: { store: TokenBucketStore; clock: Clock },
    options: RateLimiterOptions = {},
  ) {
    this.maxRemembered = options.maxRemembered ?? 10_000;
  }

  /**
   * Takes one token of the bucket under `key` shaped by `limit`.
   *
   * @returns allowed with the tokens left, or refused with the seconds until a token is back
   * @throws {RateLimiterUnavailableError} when the store fails: the request must not be admitted
   */
  async take(key: string, limit: BucketLimit): Promise<RateLimitDecision> {
    const nowUs = this.deps.clock.now().getTime() * 1000;
    let state = this.seen.get(key);
    for (let writes = 0; writes < MAX_WRITES_PER_TAKE; writes++) {
      const admission = admit(state, limit, nowUs);
      if (!admission.allowed) {
        return refused(limit, admission.retryAfterUs, admission.resetUs);
      }
      const write = admissionWrite(limit, nowUs, phaseOf(state, nowUs));
      const outcome = await this.apply(key, write, expiresAtSeconds(limit, nowUs));
      if (outcome.state) this.remember(key, outcome.state);
      else this.seen.delete(key);
      if (outcome.applied) {
        return {
          allowed: true,
          limit,
          remaining: tokensLeft(outcome.state, limit, nowUs),
          resetSeconds: Math.max(0, Math.ceil((outcome.state.tat - nowUs) / 1_000_000)),
        };
      }
      state = outcome.state;
    }
    // Writers kept overtaking this one: refusing is the answer that can never admit too many.
    return refused(limit, emissionIntervalUs(limit), emissionIntervalUs(limit));
  }

  /** The store's write; any failure of it refuses the request (fail closed). */
  private async apply(key: string, write: BucketWrite, expiresAt: number): Promise<BucketWriteOutcome> {
    try {
      return await this.deps.store.apply(key, write, expiresAt);
    } catch (error) {
      const retryAfter = error instanceof DependencyUnavailableError ? error.retryAfterSeconds : 1;
      const reason = error instanceof Error ? error.message : String(error);
      throw new RateLimiterUnavailableError(
        `The rate limiter's store is unavailable (${reason}); the request was not admitted`,
        retryAfter,
        { cause: error },
      );
    }
  }

  private remember(key: string, state: BucketState): void {
    this.seen.delete(key);
    this.seen.set(key, state);
    if (this.seen.size > this.maxRemembered) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }
}

function refused(limit: BucketLimit, retryAfterUs: number, resetUs: number): RateLimitDecision {
  return {
    allowed: false,
    limit,
    remaining: 0,
    retryAfterSeconds: Math.max(1, Math.ceil(retryAfterUs / 1_000_000)),
    resetSeconds: Math.max(1, Math.ceil(resetUs / 1_000_000)),
  };
}

/**
 * The bucket of one tenant's calls of one rate-limited route (`<tenant>` percent-encoded).
 *
 * @example routeBucketKey('acme', 'publishEvents') // 'ROUTE#acme#publishEvents'
 */
export const routeBucketKey = (tenant: string, operationId: string): string =>
  `ROUTE#${encodeURIComponent(tenant)}#${operationId}`;

/**
 * The bucket of one endpoint of a service's contract, counting every call routed to it in the
 * service owner's tenant (`<tenant>` and the endpoint percent-encoded).
 *
 * @example contractBucketKey('acme', 'orders', 'GET /orders/{id}') // 'CONTRACT#acme#orders#GET%20%2Forders%2F%7Bid%7D'
 */
export const contractBucketKey = (tenant: string, service: string, endpoint: string): string =>
  `CONTRACT#${encodeURIComponent(tenant)}#${service}#${encodeURIComponent(endpoint)}`;

/**
 * The refusal of a decision as the error the problem mapping turns into 429.
 *
 * @param policy - the policy name the RateLimit fields show (operation id, `contract:<service>`)
 * @param retryAfterHeader - a contract's own header for the delay, besides `Retry-After`
 */
export function rateLimitedError(
  policy: string,
  decision: Extract<RateLimitDecision, { allowed: false }>,
  message: string,
  retryAfterHeader?: string,
): RateLimitedError {
  return new RateLimitedError(message, {
    policy,
    limit: decision.limit,
    retryAfterSeconds: decision.retryAfterSeconds,
    resetSeconds: decision.resetSeconds,
    ...(retryAfterHeader !== undefined && { retryAfterHeader }),
  });
}
