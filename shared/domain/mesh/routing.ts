/**
 * Routing decisions of the mesh router, as pure functions: which rule applies to a call
 * ({@link selectRule}), which rules share it by weight ({@link weightedRules}), how much traffic each instance of the target should get under it
 * ({@link candidateWeights}, fed to `pickWeighted`), and whether a rule's splits can route at all
 * ({@link validateSplits}, checked when the rule is stored).
 *
 * Matching follows Envoy's route match and Istio's HTTPMatchRequest: every condition given must
 * hold (methods, a plain string path prefix, header conditions with case-insensitive names per
 * RFC 9110 §5.1). Traffic splitting follows Istio's weighted destinations: a split's weight is
 * the share of traffic its versions get, shared again among its instances by their own weights.
 */
import semver from 'semver';
import type { FieldProblem } from '../errors';
import type { RoutingRule } from './routing-rule';
import type { InstanceStatus, ServiceInstance } from './service-instance';

/**
 * What a rule is matched against: one call through the router.
 *
 * - `sourceService` - the calling service's name, or undefined for a client outside the mesh
 *   (only rules with `sourceService: '*'` match it);
 * - `targetService` - the service named in `/mesh/{service}/…`;
 * - `method` - the HTTP method, any case;
 * - `path` - the path forwarded to the instance; a query string or fragment is ignored;
 * - `headers` - the request headers, names in any case.
 */
export type RouteRequest = {
  sourceService?: string;
  targetService: string;
  method: string;
  path: string;
  headers: Readonly<Record<string, string | undefined>>;
};

/**
 * Whether one rule applies to a call: same target, source `*` or the caller, and every condition
 * in `match` holds — the method is listed (when `methods` is given), the path starts with
 * `pathPrefix` (a plain string prefix, as Envoy's `prefix`: `/orders` also matches `/orders-v2`;
 * write `/orders/` to match a segment), and each header condition holds (`equals`: the exact
 * value, case-sensitive; `prefix`: the value starts with it; `present: true/false`: the header is
 * there / absent).
 *
 * @param rule - a validated routing rule
 * @param request - the call
 * @returns true when the rule applies
 * @example ruleMatches(rule, { targetService: 'worker', method: 'GET', path: '/jobs', headers: {} })
 */
export function ruleMatches(rule: RoutingRule, request: RouteRequest): boolean {
  if (rule.targetService !== request.targetService) return false;
  if (rule.sourceService !== '*' && rule.sourceService !== request.sourceService) return false;
  const { methods, pathPrefix, headers } = rule.match;
  if (methods && !(methods as readonly string[]).includes(request.method.toUpperCase())) return false;
  if (pathPrefix !== undefined && !pathOf(request.path).startsWith(pathPrefix)) return false;
  if (headers) {
    const values = lowerCaseHeaders(request.headers);
    for (const [name, condition] of Object.entries(headers)) {
      const value = values.get(name.toLowerCase());
      if ('present' in condition) {
        if ((value !== undefined) !== condition.present) return false;
      } else if ('equals' in condition) {
        if (value !== condition.equals) return false;
      } else if (value === undefined || !value.startsWith(condition.prefix)) {
        return false;
      }
    }
  }
  return true;
}

/**
 * The rule that routes a call: among the rules that match ({@link ruleMatches}), the one with the
 * highest `priority`; equal priorities are broken by the smaller `id` (code-unit order), so the
 * choice never depends on the order rules were stored or listed in.
 *
 * @param rules - every rule (or those of the target service), any order
 * @param request - the call
 * @returns the applicable rule, or undefined when none matches (route by instance weights alone)
 * @example
 * const rule = selectRule(await rules.list(), { sourceService: 'gateway', targetService: 'worker',
 *   method: 'POST', path: '/jobs', headers: { 'x-canary': '1' } });
 */
export function selectRule(rules: readonly RoutingRule[], request: RouteRequest): RoutingRule | undefined {
  let best: RoutingRule | undefined;
  for (const rule of rules) {
    if (!ruleMatches(rule, request)) continue;
    if (best === undefined || rule.priority > best.priority || (rule.priority === best.priority && rule.id < best.id)) {
      best = rule;
    }
  }
  return best;
}

/**
 * The rules a call's traffic is split between by rule `weight` (the seed's RoutingRule.weight,
 * drawn as its `selectInstance` draws rules): when the selected rule ({@link selectRule}) carries
 * a weight, every weighted rule of the same `sourceService` and `priority` whose conditions hold
 * for the call — whatever its target service — shares the call, each in proportion to its weight,
 * and the call goes to the drawn rule's `targetService` under that rule. So `gateway → orders`
 * (weight 90) and `gateway → orders-next` (weight 10) send a tenth of gateway's calls to
 * `/mesh/orders/…` to `orders-next`. Without a weight on the selected rule, the split is that rule alone.
 *
 * @param rules - every rule, any order
 * @param selected - the rule selectRule chose for the call
 * @param request - the call
 * @returns the rules to draw from by `weight`, sorted by id (reproducible draws); the selected rule is always among them
 * @example
 * const split = weightedRules(rules, rule, request);
 * const drawn = pickWeighted(split, (r) => r.weight ?? 0, Math.random) ?? rule;
 */
export function weightedRules(
  rules: readonly RoutingRule[],
  selected: RoutingRule,
  request: RouteRequest,
): RoutingRule[] {
  if (selected.weight === undefined) return [selected];
  return rules
    .filter(
      (rule) =>
        rule === selected ||
        (rule.weight !== undefined &&
          rule.sourceService === selected.sourceService &&
          rule.priority === selected.priority &&
          ruleMatches(rule, { ...request, targetService: rule.targetService })),
    )
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The instance fields routing reads. */
export type RoutableInstance = Pick<ServiceInstance, 'id' | 'version' | 'weight' | 'status'>;

/** An instance with the share of traffic it gets: relative, ≥ 0, 0 = never picked. */
export type WeightedInstance<I extends RoutableInstance = ServiceInstance> = { instance: I; weight: number };

/**
 * Statuses in the order they are tried: `healthy` instances and `unknown` ones (registered, not
 * checked yet — a new instance takes traffic at once, and its circuit breaker guards the callers
 * until the first health check); `degraded` instances only when none of those can take any (none
 * exist, all are drained to weight 0, or none matches a split with weight) — a degraded answer
 * beats a 503, but never dilutes healthy capacity. `unhealthy` instances never get traffic.
 */
export const ROUTABLE_STATUS_TIERS: readonly (readonly InstanceStatus[])[] = [['healthy', 'unknown'], ['degraded']];

/**
 * The effective weight of every instance of the target service under a rule, ready for
 * `pickWeighted(result, (c) => c.weight, random, tried)`.
 *
 * 1. Only one status tier carries traffic: the healthy instances, or — when they can carry none —
 *    the degraded ones ({@link ROUTABLE_STATUS_TIERS}); every other instance gets 0.
 * 2. Without splits, an instance's effective weight is its own `weight` (0 drains it).
 * 3. With splits, each split's weight is shared among the tier's instances whose version satisfies
 *    its range (`semver.satisfies(version, range, { includePrerelease: true })`, so `>=2.0.0-0`
 *    catches `2.1.0-rc.1`) in proportion to their own weights:
 *    effective = split.weight × instance.weight / Σ weight of that split's matching instances.
 *    An instance matching no split gets 0; one matching several gets the sum of its shares. A
 *    split with no instance to carry it is left out, so its traffic goes to the other splits
 *    (a 90/10 canary with no canary instance up sends everything to the stable version).
 *
 * @param instances - the target service's instances, any order
 * @param rule - the selected rule, if any (only `splits` is read)
 * @returns one entry per instance, sorted by instance id (reproducible draws); weights are relative
 *   (split units with splits, instance units without) and all 0 when nothing can be routed to
 * @example
 * // splits 90 → "1.x", 10 → "2.x"; instances a@1.0.0 (100), b@1.1.0 (300), c@2.0.0 (50), all healthy
 * candidateWeights([a, b, c], rule).map((c) => c.weight) // [22.5, 67.5, 10]
 */
export function candidateWeights<I extends RoutableInstance>(
  instances: readonly I[],
  rule?: Pick<RoutingRule, 'splits'>,
): WeightedInstance<I>[] {
  const sorted = [...instances].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const tier of ROUTABLE_STATUS_TIERS) {
    const weights = tierWeights(
      sorted.filter((i) => tier.includes(i.status)),
      rule?.splits,
    );
    let total = 0;
    for (const weight of weights.values()) total += weight;
    if (total > 0) return sorted.map((instance) => ({ instance, weight: weights.get(instance) ?? 0 }));
  }
  return sorted.map((instance) => ({ instance, weight: 0 }));
}

/**
 * The problems that make a rule's splits unable to route: a range that is not a valid semver
 * range (`semver.validRange` answers null), or every split weight 0 (no traffic could go anywhere —
 * refused when the rule is stored rather than answered 503 on every call). A rule without splits
 * has none. Empty and out-of-range fields are the schema's business (RoutingRuleSchema).
 *
 * @param rule - a rule that passed RoutingRuleSchema (only `splits` is read)
 * @returns field problems with JSON pointers into the rule (`/splits`, `/splits/1/versions`); empty when fine
 * @example
 * validateSplits({ splits: [{ versions: '1.x', weight: 0 }, { versions: 'two', weight: 0 }] });
 * // [{ pointer: '/splits/1/versions', … }, { pointer: '/splits', … }]
 */
export function validateSplits(rule: Pick<RoutingRule, 'splits'>): FieldProblem[] {
  const splits = rule.splits ?? [];
  const problems: FieldProblem[] = [];
  splits.forEach((split, index) => {
    if (semver.validRange(split.versions) === null) {
      problems.push({
        pointer: `/splits/${index}/versions`,
        message: `"${split.versions}" is not a semver range (e.g. "1.x", "^1.2.0", ">=2.0.0-0")`,
        keyword: 'semver-range',
      });
    }
  });
  if (splits.length > 0 && splits.every((split) => split.weight === 0)) {
    problems.push({
      pointer: '/splits',
      message: 'at least one split must have a weight above 0, or no call could be routed',
      keyword: 'split-weights',
    });
  }
  return problems;
}

/** Effective weights within one status tier (see candidateWeights). */
function tierWeights<I extends RoutableInstance>(tier: readonly I[], splits: RoutingRule['splits']): Map<I, number> {
  const weights = new Map<I, number>();
  if (!splits) {
    for (const instance of tier) weights.set(instance, instance.weight);
    return weights;
  }
  for (const split of splits) {
    if (split.weight === 0) continue;
    const matching = tier.filter((i) => semver.satisfies(i.version, split.versions, { includePrerelease: true }));
    let total = 0;
    for (const instance of matching) total += instance.weight;
    if (total === 0) continue;
    for (const instance of matching) {
      weights.set(instance, (weights.get(instance) ?? 0) + (split.weight * instance.weight) / total);
    }
  }
  return weights;
}

/** The path without its query string or fragment. */
function pathOf(path: string): string {
  const end = path.search(/[?#]/);
  return end === -1 ? path : path.slice(0, end);
}

function lowerCaseHeaders(headers: RouteRequest['headers']): Map<string, string> {
  const values = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    if (value !== undefined && !values.has(key)) values.set(key, value);
  }
  return values;
}
