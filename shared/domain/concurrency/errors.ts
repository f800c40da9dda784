import { DependencyUnavailableError, DomainError } from '../errors';
import type { OutboundScope } from './leases';

/**
 * The caller's tenant already has as many calls in flight in this scope as its budget allows
 * (429 Too Many Requests, RFC 6585 §4; type `urn:aif:problem:tenant-concurrency-exceeded`):
 * MESH_MAX_IN_FLIGHT_PER_TENANT for the mesh. Nothing was sent upstream; `Retry-After` (whole
 * seconds, at least 1) says when to try again — a slot frees as soon as one of the tenant's calls
 * ends.
 *
 * @example throw new TenantConcurrencyExceededError('mesh', 50, 1)
 */
export class TenantConcurrencyExceededError extends DomainError {
  readonly code: string = 'tenant-concurrency-exceeded';
  readonly title: string = "The tenant's concurrent outbound calls are at their limit";

  constructor(
    readonly scope: OutboundScope,
    readonly maxInFlight: number,
    readonly retryAfterSeconds: number,
  ) {
    super(
      `Your tenant already has ${maxInFlight} ${scope === 'mesh' ? 'mesh calls' : 'webhook deliveries'} in flight, its limit; retry in ${retryAfterSeconds} s`,
      [],
      { extensions: { concurrency: { scope, maxInFlight }, retryAfterSeconds } },
    );
  }
}

/**
 * The store of the outbound budgets (the RateLimits table) cannot be read or written, so nobody
 * can tell whether the tenant has a slot: the call is refused (fail closed, like the rate
 * limiter), 503 with `Retry-After`, type `urn:aif:problem:concurrency-limiter-unavailable`.
 * Nothing was sent upstream.
 */
export class ConcurrencyLimiterUnavailableError extends DependencyUnavailableError {
  override readonly code: string = 'concurrency-limiter-unavailable';
  override readonly title: string = 'The concurrency limiter is unavailable, so the call was not made';
}
