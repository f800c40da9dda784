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
import type {
  BreakerConfigRepository,
  BreakerStore,
  RoutingRuleRepository,
  ServiceRegistry,
} from '../ports/service-mesh';

/** What the mesh's management operations need. */
export type MeshDeps = {
  registry: ServiceRegistry;
  rules: RoutingRuleRepository;
  breakers: BreakerStore;
  clock: Clock;
  /** Which endpoint hosts are allowed (SSRF; local mode allows loopback). */
  outboundRules: OutboundAddressRules;
};

/**
 * Registers an instance, or re-registers it (a heartbeat: same id, fields replaced, revision + 1).
 * Endpoints must be http(s) and pass the SSRF rules — checked here and again when dialled. The
 * seed's `lastHealthCheck` (any value) is accepted and ignored — the health checks own it — with a
 * warning `{pointer: '/lastHealthCheck', message}` in `warnings`.
 *
 * @param body - the request body, unvalidated
 * @param expected - what must be stored for the write to happen (unconditional by default)
 * @throws {ValidationError} naming every problem (schema, endpoint and health endpoint policy)
 * @throws {RevisionMismatchError} when the revision does not hold
 */
export async function registerInstance(
  deps: Pick<MeshDeps, 'registry' | 'clock' | 'outboundRules'>,
  body: unknown,
  expected: ExpectedRevision = UNCONDITIONAL,
): Promise<{
  instance: ServiceInstance;
  outcome: Extract<WriteOutcome, 'created' | 'replaced'>;
  warnings: FieldProblem[];
}> {
  const parsed = ServiceInstanceInputSchema.safeParse(body);
  const problems: FieldProblem[] = parsed.success ? [] : issueProblems(parsed.error.issues);
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
  const { instance, created } = await deps.registry.register(registration, deps.clock.now().toISOString(), expected);
  return { instance, outcome: created ? 'created' : 'replaced', warnings };
}

/**
 * Removes an instance, only if `expected` holds for it.
 *
 * @throws {NotFoundError} when there is none
 * @throws {RevisionMismatchError} when the revision does not hold
 */
export async function deregisterInstance(
  deps: Pick<MeshDeps, 'registry'>,
  id: string,
  expected: ExpectedRevision = UNCONDITIONAL,
): Promise<void> {
  if (!(await deps.registry.deregister(id, expected))) throw new NotFoundError(`No instance ${id}`);
}

/**
 * Creates or replaces a routing rule. Splits must route somewhere: at least one weight above 0 and
 * valid semver ranges (a rule that routes nowhere is refused, never a division by zero); likewise a
 * rule of `weight` 0 needs another weighted rule of its source above 0. The seed's `timeout`
 * (milliseconds) is stored as `timeoutMs`.
 *
 * @throws {ValidationError} naming every problem
 */
export async function putRoutingRule(
  deps: Pick<MeshDeps, 'rules'>,
  body: unknown,
): Promise<{ rule: RoutingRule; outcome: Extract<WriteOutcome, 'created' | 'replaced'> }> {
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
  if (parsed.success && parsed.data.weight === 0) problems.push(...(await zeroWeightSplit(deps, parsed.data)));
  if (!parsed.success || problems.length > 0) {
    throw new ValidationError(`The routing rule has ${problems.length} problem(s)`, problems);
  }
  const { created } = await deps.rules.put(parsed.data);
  return { rule: parsed.data, outcome: created ? 'created' : 'replaced' };
}

/**
 * A rule of weight 0 routes only if another weighted rule of its source (other than the one it
 * replaces) has weight above 0: all-zero weights would route nowhere, as all-zero splits would.
 */
async function zeroWeightSplit(deps: Pick<MeshDeps, 'rules'>, rule: RoutingRule): Promise<FieldProblem[]> {
  const others = (await deps.rules.list()).filter(
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
 * Deletes a routing rule.
 *
 * @throws {NotFoundError} when there is none
 */
export async function deleteRoutingRule(deps: Pick<MeshDeps, 'rules'>, id: string): Promise<void> {
  if (!(await deps.rules.delete(id))) throw new NotFoundError(`No routing rule ${id}`);
}

/** The seed's ServiceTopology: services with instance and healthy counts, connections from rules. */
export async function getTopology(deps: Pick<MeshDeps, 'registry' | 'rules'>) {
  const [instances, rules] = await Promise.all([deps.registry.list(), deps.rules.list()]);
  return buildTopology(instances, rules);
}

/** Every breaker's shared state, with the instance and service it guards. */
export async function listBreakers(
  deps: Pick<MeshDeps, 'registry' | 'breakers'>,
): Promise<Array<BreakerState & { service?: string }>> {
  const [states, instances] = await Promise.all([deps.breakers.list(), deps.registry.list()]);
  const serviceOf = new Map(instances.map((i) => [i.id, i.name]));
  return states.map((s) => ({ ...s, ...(serviceOf.has(s.instanceId) && { service: serviceOf.get(s.instanceId) }) }));
}

/**
 * A service's circuit-breaker settings: stored ones, else the deployment's defaults.
 *
 * @returns the settings and whether they were stored for this service
 */
export async function getBreakerConfig(
  deps: { breakerConfigs: Pick<BreakerConfigRepository, 'getConfig'>; defaults: BreakerConfig },
  service: string,
): Promise<{ service: string; config: BreakerConfig; origin: 'service' | 'default' }> {
  const stored = await deps.breakerConfigs.getConfig(service);
  return { service, config: stored ?? deps.defaults, origin: stored ? 'service' : 'default' };
}

/**
 * Stores a service's circuit-breaker settings (omitted members take the defaults: threshold 5,
 * reset 30 s, 3 half-open probes, 60 s permit lease). Routers pick them up within their cache TTL.
 *
 * @throws {ValidationError} naming every problem
 */
export async function putBreakerConfig(
  deps: { breakerConfigs: Pick<BreakerConfigRepository, 'putConfig'> },
  service: string,
  body: unknown,
): Promise<{ service: string; config: BreakerConfig; origin: 'service' }> {
  const parsed = BreakerConfigSchema.safeParse(body);
  if (!parsed.success) {
    const problems = issueProblems(parsed.error.issues);
    throw new ValidationError(`The breaker settings have ${problems.length} problem(s)`, problems);
  }
  await deps.breakerConfigs.putConfig(service, parsed.data);
  return { service, config: parsed.data, origin: 'service' };
}
