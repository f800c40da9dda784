import { holdsScope, type Owner, ownerOf, requireScope } from '../domain/auth/owner';
import type { Principal } from '../domain/auth/principal';
import { type FieldProblem, issueProblems, NotFoundError, ValidationError } from '../domain/errors';
import { type ExpectedRevision, UNCONDITIONAL } from '../domain/expected-revision';
import { type BreakerConfig, BreakerConfigSchema, type BreakerState } from '../domain/mesh/circuit-breaker';
import { validateSplits } from '../domain/mesh/routing';
import { type RoutingRule, RoutingRuleSchema } from '../domain/mesh/routing-rule';
import { type ServiceInstance, ServiceInstanceInputSchema } from '../domain/mesh/service-instance';
import { buildTopology } from '../domain/mesh/topology';
import { checkTargetUrl, type OutboundAddressRules } from '../domain/net/outbound-address-rules';
import type { WriteOutcome } from '../domain/write-outcome';
import type { Clock } from '../ports/clock';
import type { Page, PageRequest } from '../ports/contract-repository';
import type {
  BreakerConfigRepository,
  BreakerPages,
  BreakerStore,
  InstancePages,
  RoutingRuleRepository,
  ServiceClaims,
  ServiceRegistry,
  StoredRoutingRule,
} from '../ports/service-mesh';
import {
  checkMetadataSize,
  deleteRuleCounted,
  type MeshQuotaDeps,
  putRuleCounted,
  registerCounted,
  releaseInstance,
} from './mesh-quotas';

/** The scope that lets a caller claim an instance status, and act on any instance of its tenant. */
export const MESH_ADMIN_SCOPE = 'mesh:admin';

/** What the mesh's management operations need. */
export type MeshDeps = {
  /** Who holds each service name (the first tenant to register an instance, rule or settings for it). */
  claims: ServiceClaims;
  registry: ServiceRegistry & InstancePages;
  rules: RoutingRuleRepository;
  breakers: BreakerStore & BreakerPages;
  clock: Clock;
  /** Which endpoint hosts are allowed (SSRF; local mode allows loopback). */
  outboundRules: OutboundAddressRules;
} & MeshQuotaDeps;

/**
 * Registers an instance, or re-registers it (a heartbeat: same id, fields replaced, revision + 1),
 * as `caller`'s. Endpoints must be http(s) and pass the SSRF rules — checked here and again when
 * dialled. The seed's `lastHealthCheck` (any value) is accepted and ignored — the health checks own
 * it — with a warning `{pointer: '/lastHealthCheck', message}` in `warnings`.
 *
 * Ownership, in this order, each one conditional write: the service name is claimed for the
 * caller's tenant (or already is), then the instance is written only if its id is free or the
 * caller's own (tenant and principal). A `status` other than `unknown` is a claim about health,
 * which the health checks otherwise own: it needs `mesh:admin`.
 *
 * @param caller - who registers: recorded as the owner, never taken from the body
 * @param body - the request body, unvalidated
 * @param expected - what must be stored for the write to happen (unconditional by default)
 * @throws {ValidationError} naming every problem (schema, endpoint and health endpoint policy)
 * @throws {AuthorizationError} 403 insufficient_scope naming `mesh:admin` for a status claim without it
 * @throws {NotOwnerError} 403 when another tenant holds the service name
 * @throws {InstanceOwnedError} 409 when another principal registered the instance id
 * @throws {RevisionMismatchError} when the revision does not hold
 * @throws {QuotaExceededError} 409 when the metadata's JSON exceeds `instanceMetadataBytes`, or a
 *   new instance finds `instancesPerTenant` or `instancesPerService` full (see `registerCounted`)
 */
export async function registerInstance(
  deps: Pick<MeshDeps, 'claims' | 'clock' | 'outboundRules' | 'quotas' | 'limits'> & { registry: ServiceRegistry },
  caller: Principal,
  body: unknown,
  expected: ExpectedRevision = UNCONDITIONAL,
): Promise<{
  instance: ServiceInstance;
  outcome: Extract<WriteOutcome, 'created' | 'replaced'>;
  warnings: FieldProblem[];
}> {
  const parsed = ServiceInstanceInputSchema.safeParse(body);
  const problems: FieldProblem[] = parsed.success ? [] : issueProblems(parsed.error.issues).map(seedFieldHint);
  const raw = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  for (const field of ['endpoint', 'healthEndpoint'] as const) {
    if (typeof raw[field] !== 'string') continue;
    const checked = checkTargetUrl(raw[field] as string, deps.outboundRules);
    if (!checked.ok) problems.push({ pointer: `/${field}`, message: checked.reason, keyword: 'ssrf' });
  }
  if (!parsed.success || problems.length > 0) {
    throw new ValidationError(`The registration has ${problems.length} problem(s)`, problems);
  }
  const { lastHealthCheck, ...registration } = parsed.data;
  checkMetadataSize(deps.limits, registration.metadata);
  if (registration.status !== 'unknown') {
    requireScope(caller, MESH_ADMIN_SCOPE, `Claiming the status "${registration.status}"`);
  }
  const warnings: FieldProblem[] =
    lastHealthCheck === undefined
      ? []
      : [
          {
            pointer: '/lastHealthCheck',
            message: 'is set by the health checks; the value sent is ignored',
            keyword: 'server-owned',
          },
        ];
  const now = deps.clock.now().toISOString();
  const owner = ownerOf(caller);
  await deps.claims.claim(registration.name, owner, now);
  const { instance, created } = await registerCounted(deps, registration, owner, now, expected);
  return { instance, outcome: created ? 'created' : 'replaced', warnings };
}

/**
 * The seed's DataTarget carries `format` beside `supportedFormats`: a registration sending it is told
 * where its formats go instead of only "is not a member".
 */
function seedFieldHint(problem: FieldProblem): FieldProblem {
  return problem.pointer === '/format' && problem.keyword === 'unrecognized_keys'
    ? {
        ...problem,
        message:
          'is not a registration field: list the media types the instance reads and writes in supportedFormats, preferred first',
      }
    : problem;
}

/**
 * Removes one of the caller's tenant's instances, only if `expected` holds for it. Only the
 * principal that registered it may — or a holder of `mesh:admin` — so nobody can free another
 * principal's id to re-register it at their own endpoint.
 *
 * @throws {NotFoundError} when there is none, or it is another tenant's (the same answer)
 * @throws {InstanceOwnedError} 409 when another principal of the tenant registered it (without `mesh:admin`)
 * @throws {RevisionMismatchError} when the revision does not hold
 */
export async function deregisterInstance(
  deps: Pick<MeshDeps, 'quotas' | 'limits'> & { registry: ServiceRegistry },
  caller: Principal,
  id: string,
  expected: ExpectedRevision = UNCONDITIONAL,
): Promise<void> {
  const by = holdsScope(caller, MESH_ADMIN_SCOPE)
    ? { tenant: caller.tenant }
    : { tenant: caller.tenant, principal: caller.principal };
  const removed = await deps.registry.remove(id, expected, by);
  if (!removed) throw new NotFoundError(`No instance ${id}`);
  await releaseInstance(deps, removed);
}

/**
 * One page of the caller's tenant's instances in id order; with `service`, of that service only.
 *
 * @throws {MalformedInputError} 400 for a cursor not issued for this listing (another tenant's included)
 */
export async function listInstances(
  deps: Pick<MeshDeps, 'registry'>,
  caller: Principal,
  page: PageRequest,
  service?: string,
): Promise<Page<ServiceInstance>> {
  return deps.registry.page(caller.tenant, page, service);
}

/**
 * Creates or replaces one of the caller's tenant's routing rules (rule ids are per tenant), after
 * claiming its `targetService` for the tenant (or finding it the tenant's). Splits must route somewhere: at least one weight above 0 and
 * valid semver ranges (a rule that routes nowhere is refused, never a division by zero); likewise a
 * rule of `weight` 0 needs another weighted rule of its source above 0. The seed's `timeout`
 * (milliseconds) is stored as `timeoutMs`.
 *
 * @throws {ValidationError} naming every problem
 * @throws {NotOwnerError} 403 when another tenant holds the target service's name
 * @throws {QuotaExceededError} 409 when a new rule finds `routingRulesPerTenant` full
 */
export async function putRoutingRule(
  deps: Pick<MeshDeps, 'rules' | 'claims' | 'clock' | 'quotas' | 'limits'>,
  caller: Principal,
  body: unknown,
): Promise<{ rule: StoredRoutingRule; outcome: Extract<WriteOutcome, 'created' | 'replaced'> }> {
  const parsed = RoutingRuleSchema.safeParse(body);
  const problems: FieldProblem[] = parsed.success ? [] : issueProblems(parsed.error.issues);
  // Ranges and the all-zero rule are checked on whatever splits are well-formed, even when other
  // members failed, so one answer names every problem.
  const rawSplits = (body as { splits?: unknown } | null)?.splits;
  if (Array.isArray(rawSplits)) {
    const wellFormed = rawSplits.filter(
      (split): split is { versions: string; weight: number } =>
        typeof split?.versions === 'string' && typeof split?.weight === 'number' && split.weight >= 0,
    );
    if (wellFormed.length === rawSplits.length || parsed.success) {
      const seen = new Set(problems.map((p) => p.pointer));
      for (const problem of validateSplits({ splits: wellFormed } as RoutingRule)) {
        if (!seen.has(problem.pointer)) problems.push(problem);
      }
    } else {
      for (const problem of validateSplits({
        splits: rawSplits.map((split) => ({
          weight: 0,
          ...split,
          versions: typeof split?.versions === 'string' ? split.versions : '*',
        })),
      } as RoutingRule)) {
        if (problem.keyword !== 'split-weights' && !problems.some((p) => p.pointer === problem.pointer))
          problems.push(problem);
      }
    }
  }
  if (parsed.success && parsed.data.weight === 0)
    problems.push(...(await zeroWeightSplit(deps, caller.tenant, parsed.data)));
  if (!parsed.success || problems.length > 0) {
    throw new ValidationError(`The routing rule has ${problems.length} problem(s)`, problems);
  }
  const owner = ownerOf(caller);
  await deps.claims.claim(parsed.data.targetService, owner, deps.clock.now().toISOString());
  const { created } = await putRuleCounted(deps, parsed.data, owner);
  return { rule: { ...parsed.data, owner }, outcome: created ? 'created' : 'replaced' };
}

/**
 * A rule of weight 0 routes only if another weighted rule of its source (other than the one it
 * replaces) has weight above 0: all-zero weights would route nowhere, as all-zero splits would.
 */
async function zeroWeightSplit(
  deps: Pick<MeshDeps, 'rules'>,
  tenant: string,
  rule: RoutingRule,
): Promise<FieldProblem[]> {
  const others = (await deps.rules.list(tenant)).filter(
    (other) => other.id !== rule.id && other.sourceService === rule.sourceService && (other.weight ?? 0) > 0,
  );
  if (others.length > 0) return [];
  return [
    {
      pointer: '/weight',
      message: `no other rule of ${rule.sourceService} has a weight above 0: with all weights 0 no call could be routed`,
      keyword: 'rule-weights',
    },
  ];
}

/**
 * Deletes one of the caller's tenant's routing rules.
 *
 * @throws {NotFoundError} when the tenant has none under the id (another tenant's rule is not there)
 */
export async function deleteRoutingRule(
  deps: Pick<MeshDeps, 'rules' | 'quotas' | 'limits'>,
  caller: Principal,
  id: string,
): Promise<void> {
  if (!(await deleteRuleCounted(deps, caller.tenant, id))) throw new NotFoundError(`No routing rule ${id}`);
}

/**
 * The seed's ServiceTopology of the caller's tenant: its services with instance and healthy
 * counts, connections from its rules. Not a list, so not paginated: it aggregates every instance
 * and rule of the tenant, which the quotas bound (`instancesPerTenant`, `routingRulesPerTenant`).
 */
export async function getTopology(deps: Pick<MeshDeps, 'registry' | 'rules'>, caller: Principal) {
  const [instances, rules] = await Promise.all([
    deps.registry.listByTenant(caller.tenant),
    deps.rules.list(caller.tenant),
  ]);
  return buildTopology(instances, rules);
}

/**
 * One page of the shared states of the caller's tenant's breakers, each with the service of the
 * instance it guards when that instance is still registered (one strongly consistent read each,
 * at most a page's worth).
 *
 * @throws {MalformedInputError} 400 for a cursor not issued for this tenant's breakers
 */
export async function listBreakers(
  deps: Pick<MeshDeps, 'registry' | 'breakers'>,
  caller: Principal,
  page: PageRequest,
): Promise<Page<BreakerState & { service?: string }>> {
  const states = await deps.breakers.page(caller.tenant, page);
  const items = await Promise.all(
    states.items.map(async (state) => {
      const instance = await deps.registry.get(state.instanceId);
      return instance?.owner?.tenant === caller.tenant ? { ...state, service: instance.name } : state;
    }),
  );
  return { items, ...(states.nextCursor && { nextCursor: states.nextCursor }) };
}

/** A service's breaker settings as the API answers them; `owner` when they were stored. */
export type BreakerConfigView = {
  service: string;
  config: BreakerConfig;
  origin: 'service' | 'default';
  owner?: Owner;
};

/**
 * The circuit-breaker settings of one of the caller's tenant's services: stored ones, else the
 * deployment's defaults. Another tenant's service reads as one without stored settings (the
 * defaults), exactly like a name nobody holds.
 *
 * @returns the settings, whether they were stored for this service, and who stored them
 */
export async function getBreakerConfig(
  deps: { breakerConfigs: Pick<BreakerConfigRepository, 'getConfig'>; defaults: BreakerConfig },
  caller: Principal,
  service: string,
): Promise<BreakerConfigView> {
  const stored = await deps.breakerConfigs.getConfig(caller.tenant, service);
  return stored
    ? { service, config: stored.config, origin: 'service', owner: stored.owner }
    : { service, config: deps.defaults, origin: 'default' };
}

/**
 * Stores a service's circuit-breaker settings (omitted members take the defaults: threshold 5,
 * reset 30 s, 3 half-open probes, 60 s permit lease) for the caller's tenant, after claiming the
 * service name for it (or finding it the tenant's). Routers pick them up within their cache TTL.
 *
 * @throws {ValidationError} naming every problem
 * @throws {NotOwnerError} 403 when another tenant holds the service name
 */
export async function putBreakerConfig(
  deps: {
    breakerConfigs: Pick<BreakerConfigRepository, 'putConfig'>;
    claims: Pick<ServiceClaims, 'claim'>;
    clock: Clock;
  },
  caller: Principal,
  service: string,
  body: unknown,
): Promise<BreakerConfigView & { origin: 'service' }> {
  const parsed = BreakerConfigSchema.safeParse(body);
  if (!parsed.success) {
    const problems = issueProblems(parsed.error.issues);
    throw new ValidationError(`The breaker settings have ${problems.length} problem(s)`, problems);
  }
  const owner = ownerOf(caller);
  await deps.claims.claim(service, owner, deps.clock.now().toISOString());
  await deps.breakerConfigs.putConfig(service, parsed.data, owner);
  return { service, config: parsed.data, origin: 'service', owner };
}
