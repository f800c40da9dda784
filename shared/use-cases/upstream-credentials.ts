import { type Owner, ownerOf } from '../domain/auth/owner';
import type { Principal } from '../domain/auth/principal';
import { issueProblems, NotFoundError, ValidationError } from '../domain/errors';
import {
  secretNameProblem,
  type UpstreamCredential,
  UpstreamCredentialSchema,
} from '../domain/mesh/upstream-credential';
import type { Clock } from '../ports/clock';
import type { ServiceClaims } from '../ports/service-mesh';
import type { SecretStore, UpstreamCredentialRepository } from '../ports/upstream-credentials';
import { TtlCache, tenantKey } from './ttl-cache';

/** A service's upstream credential reference as the API answers it (never the secret's value). */
export type UpstreamCredentialView = { service: string } & UpstreamCredential & { owner: Owner };

/**
 * The upstream credential reference of one of the caller's tenant's services.
 *
 * @throws {NotFoundError} 404 when the tenant stored none for the service (another tenant's reads alike)
 */
export async function getUpstreamCredential(
  deps: { credentials: Pick<UpstreamCredentialRepository, 'get'> },
  caller: Principal,
  service: string,
): Promise<UpstreamCredentialView> {
  const stored = await deps.credentials.get(caller.tenant, service);
  if (!stored) throw new NotFoundError(`No upstream credential is set for ${service}`);
  return { service, ...stored.credential, owner: stored.owner };
}

/**
 * Sets where the router finds a service's outbound credential: a Secrets Manager secret under
 * `<MESH_SECRET_PREFIX><tenant>/` and the header it goes in. The service name is claimed for the
 * caller's tenant first (or found to be its), as for breaker settings. Routers pick it up within
 * their cache TTL; the secret itself is read only when a call is routed.
 *
 * @param secretPrefix - MESH_SECRET_PREFIX
 * @throws {ValidationError} 422 naming every problem (a name outside the tenant's prefix at `/secretName`)
 * @throws {NotOwnerError} 403 when another tenant holds the service name
 */
export async function putUpstreamCredential(
  deps: {
    credentials: Pick<UpstreamCredentialRepository, 'put'>;
    claims: Pick<ServiceClaims, 'claim'>;
    clock: Clock;
    secretPrefix: string;
  },
  caller: Principal,
  service: string,
  body: unknown,
): Promise<UpstreamCredentialView> {
  const parsed = UpstreamCredentialSchema.safeParse(body);
  const problems = parsed.success ? [] : issueProblems(parsed.error.issues);
  const raw = (typeof body === 'object' && body !== null ? body : {}) as { secretName?: unknown };
  if (typeof raw.secretName === 'string') {
    const problem = secretNameProblem(raw.secretName, deps.secretPrefix, caller.tenant);
    if (problem && !problems.some((p) => p.pointer === '/secretName')) problems.push(problem);
  }
  if (!parsed.success || problems.length > 0) {
    throw new ValidationError(`The upstream credential has ${problems.length} problem(s)`, problems);
  }
  const owner = ownerOf(caller);
  await deps.claims.claim(service, owner, deps.clock.now().toISOString());
  await deps.credentials.put(service, parsed.data, owner);
  return { service, ...parsed.data, owner };
}

/**
 * Removes a service's upstream credential reference: routed calls then carry none.
 *
 * @throws {NotFoundError} 404 when the tenant stored none for the service
 */
export async function deleteUpstreamCredential(
  deps: { credentials: Pick<UpstreamCredentialRepository, 'delete'> },
  caller: Principal,
  service: string,
): Promise<void> {
  if (!(await deps.credentials.delete(caller.tenant, service))) {
    throw new NotFoundError(`No upstream credential is set for ${service}`);
  }
}

/**
 * What the router asks for each call: the header a service's instances get, with the secret's value.
 * References are cached per (tenant, service) for `cacheTtlMs`; values are cached by the secret store
 * (Powertools `maxAge` in AWS).
 *
 * @example const header = await injector.headerFor('acme', 'orders'); // { name: 'authorization', value: 'Bearer …' }
 */
export class UpstreamCredentialInjector {
  private readonly references: TtlCache<UpstreamCredential | undefined>;

  /**
   * @param deps - the references, the secrets, how long a reference is trusted (ms) and the time source
   */
  constructor(
    private readonly deps: {
      credentials: Pick<UpstreamCredentialRepository, 'get'>;
      secrets: SecretStore;
      cacheTtlMs: number;
      nowMs: () => number;
    },
  ) {
    this.references = new TtlCache(deps.cacheTtlMs, deps.nowMs);
  }

  /**
   * The credential header for calls to the tenant's service, or undefined when it has none.
   *
   * @throws {UpstreamFailedError} 502 when the referenced secret cannot be read
   * @throws {DependencyUnavailableError} 503 when the reference store or the secret store is unavailable
   */
  async headerFor(tenant: string, service: string): Promise<{ name: string; value: string } | undefined> {
    const reference = await this.references.get(
      tenantKey(tenant, service),
      async () => (await this.deps.credentials.get(tenant, service))?.credential,
    );
    if (!reference) return undefined;
    return { name: reference.header, value: await this.deps.secrets.getSecret(reference.secretName) };
  }
}
