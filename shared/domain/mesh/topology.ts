/**
 * The service graph the mesh API shows (`GET /v1/mesh/topology`): the seed's `ServiceTopology`,
 * derived from the registered instances and the routing rules, with no I/O.
 */
import semver from 'semver';
import { candidateWeights } from './routing';
import type { RoutingRule } from './routing-rule';
import type { ServiceInstance } from './service-instance';

/** One service (a node of the graph). */
export type TopologyService = {
  name: string;
  /** Distinct versions of its registered instances, lowest first by semver precedence. */
  versions: string[];
  instanceCount: number;
  /** Instances whose status is `healthy`. */
  healthyCount: number;
};

/** One routing rule as an edge from the calling service to the target service. */
export type TopologyConnection = {
  /** The calling service, or `*` for any caller (clients outside the mesh included). */
  source: string;
  target: string;
  /**
   * How much traffic the rule can route right now: the sum of the target's effective weights
   * under the rule (`candidateWeights`) — in split units when the rule has splits (e.g. 100 for a
   * 90/10 split whose versions both have instances up, 90 when the canary has none), in instance
   * weight units otherwise. 0 means the rule routes nowhere (the router answers 503).
   */
  weight: number;
  ruleId: string;
};

/** The seed's ServiceTopology, with versions per service and the rule behind each connection. */
export type ServiceTopology = {
  services: TopologyService[];
  connections: TopologyConnection[];
};

/**
 * Builds the service graph.
 *
 * Services: one per name among the instances, plus every service a rule names (as source or
 * target, `*` excepted) with no instances — so each connection's ends are nodes and a rule
 * pointing at a service with nothing registered shows as a 0-instance service. Sorted by name.
 * Connections: one per rule, sorted by source, target, then rule id. Names and ids compare by code
 * unit (not locale), so the output is the same on every machine for the same input, whatever
 * order the store listed things in.
 *
 * @param instances - every registered instance
 * @param rules - every routing rule
 * @returns the topology; counts are integers ≥ 0, `healthyCount ≤ instanceCount`
 * @example
 * buildTopology([gateway1, worker1, worker2], [gatewayToWorker]);
 * // { services: [{ name: 'gateway', versions: ['1.0.0'], instanceCount: 1, healthyCount: 1 },
 * //              { name: 'worker', versions: ['1.0.0', '2.0.0'], instanceCount: 2, healthyCount: 1 }],
 * //   connections: [{ source: 'gateway', target: 'worker', weight: 100, ruleId: 'rule-1' }] }
 */
export function buildTopology(instances: readonly ServiceInstance[], rules: readonly RoutingRule[]): ServiceTopology {
  const byName = new Map<string, ServiceInstance[]>();
  for (const instance of instances) {
    const group = byName.get(instance.name);
    if (group) group.push(instance);
    else byName.set(instance.name, [instance]);
  }
  const names = new Set(byName.keys());
  for (const rule of rules) {
    names.add(rule.targetService);
    if (rule.sourceService !== '*') names.add(rule.sourceService);
  }

  const services = [...names].sort(byCodeUnit).map((name): TopologyService => {
    const group = byName.get(name) ?? [];
    return {
      name,
      versions: [...new Set(group.map((i) => i.version))].sort(bySemver),
      instanceCount: group.length,
      healthyCount: group.filter((i) => i.status === 'healthy').length,
    };
  });

  const connections = rules
    .map(
      (rule): TopologyConnection => ({
        source: rule.sourceService,
        target: rule.targetService,
        weight: candidateWeights(byName.get(rule.targetService) ?? [], rule).reduce((sum, c) => sum + c.weight, 0),
        ruleId: rule.id,
      }),
    )
    .sort((a, b) => byCodeUnit(a.source, b.source) || byCodeUnit(a.target, b.target) || byCodeUnit(a.ruleId, b.ruleId));

  return { services, connections };
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Semver precedence, build metadata last (`compareBuild`); anything unparsable after, by code unit. */
function bySemver(a: string, b: string): number {
  const validA = semver.valid(a) !== null;
  const validB = semver.valid(b) !== null;
  if (validA && validB) return semver.compareBuild(a, b) || byCodeUnit(a, b);
  if (validA !== validB) return validA ? -1 : 1;
  return byCodeUnit(a, b);
}
