import type { ContractDocument, EndpointSpec } from '../contracts/contract';
import { compilePathTemplate, matchPath, type PathTemplate } from '../path-template';
import type { BucketLimit } from './token-bucket';

/** The rate limit one endpoint of a contract declares, and which endpoint it is (`GET /orders/{id}`). */
export type EndpointRateLimit = {
  /** `<METHOD> <path template>`, as the contract declares it: the bucket's name. */
  endpoint: string;
  limit: BucketLimit;
  /** The header the contract wants the delay in, besides `Retry-After` (the seed's `retryAfterHeader`). */
  retryAfterHeader: string;
};

/**
 * The endpoint rate limits of a contract version (the seed's `RateLimitSpec` per endpoint), looked
 * up by a routed call's method and path. A call is limited by the endpoint it resolves to — the
 * most specific template of its method, as validation resolves it — so a limited `/orders/{id}`
 * does not catch `/orders/mine` when that endpoint is declared without a limit.
 *
 * @example
 * const limits = ContractRateLimits.of(contract);
 * limits?.limitFor('GET', '/orders/42') // { endpoint: 'GET /orders/{id}', limit: { requestsPerSecond: 5, burstSize: 10 }, retryAfterHeader: 'Retry-After' }
 */
export class ContractRateLimits {
  private readonly byMethod = new Map<string, { templates: PathTemplate[]; endpoints: EndpointSpec[] }>();

  private constructor(endpoints: readonly EndpointSpec[]) {
    for (const endpoint of endpoints) {
      let entry = this.byMethod.get(endpoint.method);
      if (!entry) {
        entry = { templates: [], endpoints: [] };
        this.byMethod.set(endpoint.method, entry);
      }
      entry.templates.push(compilePathTemplate(endpoint.path));
      entry.endpoints.push(endpoint);
    }
  }

  /** The contract's limits; undefined when no endpoint declares one (nothing to look up per call). */
  static of(contract: Pick<ContractDocument, 'endpoints'>): ContractRateLimits | undefined {
    return contract.endpoints.some((e) => e.rateLimit) ? new ContractRateLimits(contract.endpoints) : undefined;
  }

  /** The limit of the endpoint `method` and `path` resolve to, or undefined (no endpoint, or one without a limit). */
  limitFor(method: string, path: string): EndpointRateLimit | undefined {
    const entry = this.byMethod.get(method.toUpperCase());
    const match = entry && matchPath(entry.templates, path);
    const endpoint = match && entry.endpoints[match.index];
    if (!endpoint?.rateLimit) return undefined;
    const { requestsPerSecond, burstSize, retryAfterHeader } = endpoint.rateLimit;
    return {
      endpoint: `${endpoint.method} ${endpoint.path}`,
      limit: { requestsPerSecond, burstSize },
      retryAfterHeader,
    };
  }
}
