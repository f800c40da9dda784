import type { Owner } from '../domain/auth/owner';
import { RevisionMismatchError } from '../domain/errors';
import type { ExpectedRevision } from '../domain/expected-revision';
import type { RoutingRule } from '../domain/mesh/routing-rule';
import type { ServiceInstance } from '../domain/mesh/service-instance';
import { QuotaExceededError } from '../domain/quotas/errors';
import { metadataBytes, type QuotaLimits, type QuotaSlot } from '../domain/quotas/quota';
import type { QuotaCounter } from '../ports/quota-counter';
import type { RoutingRuleRepository, ServiceRegistry } from '../ports/service-mesh';
import { releaseSlots, withSlots } from './quotas';

/** The quota counters of the mesh table and the values they are held to. */
export type MeshQuotaDeps = { quotas: QuotaCounter; limits: QuotaLimits };

type Registration = Parameters<ServiceRegistry['register']>[0];
type Registered = { instance: ServiceInstance; created: boolean };

const serviceSlot = (limits: QuotaLimits, tenant: string, service: string): QuotaSlot => ({
  quota: 'instancesPerService',
  scope: { tenant, service },
  limit: limits.instancesPerService,
});

/** The slots one instance holds: one of its tenant's, one of its tenant's service's. */
export function instanceSlots(limits: QuotaLimits, tenant: string, service: string): QuotaSlot[] {
  return [
    { quota: 'instancesPerTenant', scope: { tenant }, limit: limits.instancesPerTenant },
    serviceSlot(limits, tenant, service),
  ];
}

/**
 * Refuses metadata whose JSON is larger than the `instanceMetadataBytes` quota (UTF-8 bytes).
 *
 * @throws {QuotaExceededError} 409 with the pointer `/metadata`, naming the quota and its value
 */
export function checkMetadataSize(limits: QuotaLimits, metadata: Readonly<Record<string, string>>): void {
  const size = metadataBytes(metadata);
  if (size <= limits.instanceMetadataBytes) return;
  throw new QuotaExceededError(
    'instanceMetadataBytes',
    limits.instanceMetadataBytes,
    [
      {
        pointer: '/metadata',
        message: `is ${size} bytes of JSON; at most ${limits.instanceMetadataBytes} are allowed`,
      },
    ],
    `The instance metadata is ${size} bytes of JSON; the quota instanceMetadataBytes allows ${limits.instanceMetadataBytes}`,
  );
}

/**
 * Registers an instance holding its quota slots: a new instance takes one slot of its tenant's
 * `instancesPerTenant` and one of its service's `instancesPerService` before it is written; a
 * re-registration (heartbeat) of the tenant's own instance takes none — its write is made
 * conditional on the instance still existing, so it can never create one uncounted — and moving
 * it to another service name moves the service slot. A quota at its value therefore refuses new
 * instances but never a heartbeat.
 *
 * @throws {QuotaExceededError} 409 when a new instance finds a quota full
 * @throws everything `ServiceRegistry.register` throws
 */
export async function registerCounted(
  deps: MeshQuotaDeps & { registry: ServiceRegistry },
  registration: Registration,
  owner: Owner,
  now: string,
  expected: ExpectedRevision,
): Promise<Registered> {
  const existing = expected.kind === 'must-not-exist' ? undefined : await deps.registry.get(registration.id);
  if (existing !== undefined && existing.owner?.tenant === owner.tenant) {
    const replaced = await replaceCounted(deps, existing, registration, owner, now, expected);
    if (replaced) return replaced;
  }
  return withSlots(
    deps.quotas,
    instanceSlots(deps.limits, owner.tenant, registration.name),
    () => deps.registry.register(registration, owner, now, expected),
    (result) => result.created,
  );
}

/** A re-registration that must find the instance; undefined when it was removed since it was read. */
async function replaceCounted(
  deps: MeshQuotaDeps & { registry: ServiceRegistry },
  existing: ServiceInstance,
  registration: Registration,
  owner: Owner,
  now: string,
  expected: ExpectedRevision,
): Promise<Registered | undefined> {
  const mustExist: ExpectedRevision = expected.kind === 'unconditional' ? { kind: 'any-existing' } : expected;
  const moved = existing.name !== registration.name;
  const slots = moved ? [serviceSlot(deps.limits, owner.tenant, registration.name)] : [];
  try {
    const result = await withSlots(
      deps.quotas,
      slots,
      () => deps.registry.register(registration, owner, now, mustExist),
      () => true,
    );
    if (moved) await deps.quotas.release(serviceSlot(deps.limits, owner.tenant, existing.name));
    return result;
  } catch (error) {
    if (error instanceof RevisionMismatchError && expected.kind === 'unconditional') return undefined;
    throw error;
  }
}

/** Gives back the slots a removed instance held (its owner's tenant and service). */
export async function releaseInstance(deps: MeshQuotaDeps, removed: ServiceInstance): Promise<void> {
  const tenant = removed.owner?.tenant;
  if (tenant) await releaseSlots(deps.quotas, instanceSlots(deps.limits, tenant, removed.name));
}

/** The slot one routing rule holds. */
const ruleSlot = (limits: QuotaLimits, tenant: string): QuotaSlot => ({
  quota: 'routingRulesPerTenant',
  scope: { tenant },
  limit: limits.routingRulesPerTenant,
});

/**
 * Stores a routing rule holding a slot of the tenant's `routingRulesPerTenant`: replacing one of
 * the tenant's rules takes none (a write conditional on the rule existing), a new one takes one
 * before it is written.
 *
 * @returns whether the rule was created
 * @throws {QuotaExceededError} 409 when a new rule finds the quota full
 */
export async function putRuleCounted(
  deps: MeshQuotaDeps & { rules: RoutingRuleRepository },
  rule: RoutingRule,
  owner: Owner,
): Promise<{ created: boolean }> {
  if ((await deps.rules.get(owner.tenant, rule.id)) && (await deps.rules.replace(rule, owner))) {
    return { created: false };
  }
  return withSlots(
    deps.quotas,
    [ruleSlot(deps.limits, owner.tenant)],
    () => deps.rules.put(rule, owner),
    (result) => result.created,
  );
}

/**
 * Deletes one of the tenant's rules and gives its slot back.
 *
 * @returns false when the tenant has no rule under the id
 */
export async function deleteRuleCounted(
  deps: MeshQuotaDeps & { rules: RoutingRuleRepository },
  tenant: string,
  id: string,
): Promise<boolean> {
  if (!(await deps.rules.delete(tenant, id))) return false;
  await deps.quotas.release(ruleSlot(deps.limits, tenant));
  return true;
}
