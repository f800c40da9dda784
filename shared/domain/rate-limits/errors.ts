import { DependencyUnavailableError, DomainError } from '../errors';
import type { BucketLimit } from './token-bucket';

/** What a refusal tells the client: which limit, its shape, and when to come back. */
export type RateLimitRefusal = {
  /**
   * The policy's name as the RateLimit fields state it: the route's operation id (`routeCall`), or
   * `contract:<service>` for a contract's endpoint limit.
   */
  policy: string;
  limit: BucketLimit;
  /** Whole seconds until one request would be admitted (at least 1). */
  retryAfterSeconds: number;
  /** Whole seconds until the bucket is full again. */
  resetSeconds: number;
  /**
   * The header that carries `retryAfterSeconds` besides `Retry-After`: a contract's
   * `retryAfterHeader` (the seed's RateLimitSpec). @default 'Retry-After' (only that one)
   */
  retryAfterHeader?: string;
};

/**
 * A rate limit refuses the request (429 Too Many Requests, RFC 6585 §4; type
 * `urn:aif:problem:rate-limited`): the caller's tenant has used the tokens of its bucket for this
 * operation — or, on the mesh route, the target service's contract declares a `rateLimit` for the
 * endpoint — and the answer says when one is back (`Retry-After`, the RateLimit fields). Nothing
 * of the request was done.
 *
 * @example throw new RateLimitedError('Rate limit of publishEvents exceeded', { policy: 'publishEvents', limit, retryAfterSeconds: 1, resetSeconds: 2 })
 */
export class RateLimitedError extends DomainError {
  readonly code: string = 'rate-limited';
  readonly title: string = 'Too many requests';

  constructor(
    message: string,
    readonly refusal: RateLimitRefusal,
  ) {
    super(message, [], {
      extensions: {
        rateLimit: {
          policy: refusal.policy,
          requestsPerSecond: refusal.limit.requestsPerSecond,
          burstSize: refusal.limit.burstSize,
        },
        retryAfterSeconds: refusal.retryAfterSeconds,
      },
    });
  }
}

/**
 * The rate limiter's store cannot be read or written, so nobody can tell whether the request is
 * within its limit: it is refused (fail closed — unlike Kong's `fault_tolerant`), 503 with
 * `Retry-After`, type `urn:aif:problem:rate-limiter-unavailable`. Nothing of the request was done.
 */
export class RateLimiterUnavailableError extends DependencyUnavailableError {
  override readonly code: string = 'rate-limiter-unavailable';
  override readonly title: string = 'The rate limiter is unavailable, so the request was not admitted';
}
