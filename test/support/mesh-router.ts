import { DEFAULT_BREAKER_CONFIG } from '../../shared/domain/mesh/circuit-breaker';
import type { Clock } from '../../shared/ports/clock';
import type { HttpRequest } from '../../shared/ports/http-client';
import { ErrorPolicyCache } from '../../shared/use-cases/error-policy-cache';
import type { MeshRouterDeps } from '../../shared/use-cases/route-call';

/**
 * The parts of a MeshRouter's dependencies that router tests about tenancy or credentials do not
 * vary: no breaker state, an upstream that answers 200 and records each request in `requests`, no
 * error policies, default breaker settings, a 2 s cache and a random source that always picks first.
 */
export function plainRouterDeps(
  clock: Clock,
  requests: HttpRequest[],
): Pick<MeshRouterDeps, 'breakers' | 'http' | 'policyCache' | 'clock' | 'breakerConfig' | 'cacheTtlMs' | 'random'> {
  return {
    breakers: { get: async () => undefined, compareAndSet: async () => true, list: async () => [] },
    http: {
      request: async (request) => {
        requests.push(request);
        return { status: 200, headers: {}, body: Buffer.alloc(0) };
      },
    },
    policyCache: new ErrorPolicyCache(
      { list: async () => [], get: async () => undefined, put: async () => ({}) as never, delete: async () => false },
      clock,
    ),
    clock,
    breakerConfig: DEFAULT_BREAKER_CONFIG,
    cacheTtlMs: 2_000,
    random: () => 0,
  };
}
