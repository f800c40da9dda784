import { ContractNotFoundError } from '../domain/contracts/errors';
import { DependencyUnavailableError } from '../domain/errors';
import { ContractRateLimits } from '../domain/rate-limits/contract-limits';
import { RateLimiterUnavailableError } from '../domain/rate-limits/errors';
import type { ContractRepository } from '../ports/contract-repository';
import { contractBucketKey, type RateLimiter, rateLimitedError } from './rate-limiter';
import { resolveContract } from './resolve-contract';
import { TtlCache, tenantKey } from './ttl-cache';

/** Where the contracts' endpoint limits come from, and the buckets they are counted in. */
export type ContractLimitsDeps = {
  contracts: Pick<ContractRepository, 'listVersionHeaders' | 'getVersion'>;
  limiter: Pick<RateLimiter, 'take'>;
};

/**
 * The mesh router's contract rate limits (issue 11, the seed's `RateLimitSpec`): a call to a
 * service whose contract — the contract named like the service in the service owner's tenant, its
 * latest released version — declares a `rateLimit` on the endpoint the call resolves to takes a
 * token of that endpoint's bucket (shared by every Lambda instance through the RateLimits table),
 * or is refused. The parsed limits of each contract are cached per Lambda instance for `cacheTtlMs`.
 *
 * @example await new ContractLimitGate(deps, 5_000, () => Date.now()).take('acme', 'orders', 'POST', '/orders')
 */
export class ContractLimitGate {
  private readonly limits: TtlCache<ContractRateLimits | undefined>;

  /**
   * @param cacheTtlMs - how long a contract's limits are trusted, milliseconds
   * @param nowMs - the clock, epoch milliseconds
   */
  constructor(
    private readonly deps: ContractLimitsDeps,
    cacheTtlMs: number,
    nowMs: () => number,
  ) {
    this.limits = new TtlCache(cacheTtlMs, nowMs);
  }

  /**
   * Takes a token for a call of `method path` to the tenant's `service`, when its contract limits
   * that endpoint. The call is refused (429), not delayed: waiting would hold the Lambda and API
   * Gateway's 29 s for the client's retry policy to do better (the error policies treat 429 as
   * transient and honour Retry-After).
   *
   * @throws {RateLimitedError} when the endpoint's bucket is empty (with the contract's `retryAfterHeader`)
   * @throws {RateLimiterUnavailableError} when the contract or the bucket cannot be read (fail closed)
   */
  async take(tenant: string, service: string, method: string, path: string): Promise<void> {
    const contract = await this.limits.get(tenantKey(tenant, service), () => this.load(tenant, service));
    const endpoint = contract?.limitFor(method, path);
    if (!endpoint) return;
    const decision = await this.deps.limiter.take(
      contractBucketKey(tenant, service, endpoint.endpoint),
      endpoint.limit,
    );
    if (!decision.allowed) {
      throw rateLimitedError(
        `contract:${service}`,
        decision,
        `The contract of ${service} limits ${endpoint.endpoint} to ${endpoint.limit.requestsPerSecond}/s (burst ${endpoint.limit.burstSize}); retry in ${decision.retryAfterSeconds} s`,
        endpoint.retryAfterHeader,
      );
    }
  }

  /**
   * The endpoint limits of the contract named like the service in its owner's tenant (the latest
   * released version); undefined when there is no such contract or it limits nothing.
   *
   * @throws {RateLimiterUnavailableError} when the contracts cannot be read: whether a limit applies is unknown
   */
  private async load(tenant: string, service: string): Promise<ContractRateLimits | undefined> {
    try {
      return ContractRateLimits.of(
        await resolveContract({ contracts: this.deps.contracts }, { tenant, name: service }),
      );
    } catch (error) {
      if (error instanceof ContractNotFoundError) return undefined;
      const retryAfter = error instanceof DependencyUnavailableError ? error.retryAfterSeconds : 1;
      throw new RateLimiterUnavailableError(
        `The contract of ${service} could not be read to apply its rate limits; the call was not routed`,
        retryAfter,
        { cause: error },
      );
    }
  }
}
