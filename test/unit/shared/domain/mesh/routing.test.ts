import { describe, expect, it } from 'vitest';
import {
  candidateWeights,
  type RouteRequest,
  selectRule,
  validateSplits,
  weightedRules,
} from '../../../../../shared/domain/mesh/routing';
import { type RoutingRule, RoutingRuleSchema } from '../../../../../shared/domain/mesh/routing-rule';
import type { InstanceStatus } from '../../../../../shared/domain/mesh/service-instance';
import { pickWeighted } from '../../../../../shared/domain/mesh/weighted-selection';

function rule(fields: Record<string, unknown> & { id: string }): RoutingRule {
  return RoutingRuleSchema.parse({ sourceService: '*', targetService: 'worker', ...fields });
}

function instance(id: string, version: string, weight = 100, status: InstanceStatus = 'healthy') {
  return { id, version, weight, status };
}

const call: RouteRequest = {
  sourceService: 'gateway',
  targetService: 'worker',
  method: 'POST',
  path: '/jobs/42?verbose=1',
  headers: { 'X-Canary': 'yes', Authorization: 'Bearer abc' },
};

/** Effective weights by instance id. */
function weightsOf(result: ReturnType<typeof candidateWeights>): Record<string, number> {
  return Object.fromEntries(result.map((c) => [c.instance.id, c.weight]));
}

describe('mesh routing', () => {
  describe('selectRule', () => {
    it('picks the highest-priority matching rule', () => {
      // Prepare
      const rules = [
        rule({ id: 'low', priority: 1 }),
        rule({ id: 'high', priority: 9 }),
        rule({ id: 'mid', priority: 5 }),
      ];

      // Act
      const selected = selectRule(rules, call);

      // Assess
      expect(selected?.id).toBe('high');
    });

    it('breaks priority ties by the smaller id, whatever the order of the rules', () => {
      // Prepare
      const rules = [rule({ id: 'b-rule' }), rule({ id: 'a-rule' }), rule({ id: 'c-rule' })];

      // Act
      const forwards = selectRule(rules, call);
      const backwards = selectRule([...rules].reverse(), call);

      // Assess
      expect(forwards?.id).toBe('a-rule');
      expect(backwards?.id).toBe('a-rule');
    });

    it('matches the source service or any source with "*"; callers outside the mesh only "*"', () => {
      // Prepare
      const rules = [rule({ id: 'from-gateway', sourceService: 'gateway', priority: 5 }), rule({ id: 'anyone' })];

      // Act
      const fromGateway = selectRule(rules, call);
      const fromBilling = selectRule(rules, { ...call, sourceService: 'billing' });
      const fromOutside = selectRule(rules, { ...call, sourceService: undefined });

      // Assess
      expect(fromGateway?.id).toBe('from-gateway');
      expect(fromBilling?.id).toBe('anyone');
      expect(fromOutside?.id).toBe('anyone');
    });

    it('answers undefined when no rule targets the service or none matches', () => {
      // Prepare
      const rules = [
        rule({ id: 'other', targetService: 'billing' }),
        rule({ id: 'get-only', match: { methods: ['GET'] } }),
      ];

      // Act
      const selected = selectRule(rules, call);

      // Assess
      expect(selected).toBeUndefined();
    });

    it('matches methods in any case, the path prefix without the query, and header names in any case', () => {
      // Prepare
      const strict = rule({
        id: 'strict',
        match: {
          methods: ['POST', 'PUT'],
          pathPrefix: '/jobs/',
          headers: {
            'x-canary': { equals: 'yes' },
            AUTHORIZATION: { prefix: 'Bearer ' },
            'x-debug': { present: false },
          },
        },
      });

      // Act
      const matched = selectRule([strict], { ...call, method: 'post' });
      const wrongPath = selectRule([strict], { ...call, path: '/jobsx/1' });
      const valueCase = selectRule([strict], { ...call, headers: { ...call.headers, 'X-Canary': 'YES' } });
      const debugSet = selectRule([strict], { ...call, headers: { ...call.headers, 'X-Debug': '1' } });
      const queryOnly = selectRule([rule({ id: 'q', match: { pathPrefix: '/jobs/42?' } })], call);

      // Assess
      expect(matched?.id).toBe('strict');
      expect(wrongPath).toBeUndefined();
      expect(valueCase).toBeUndefined();
      expect(debugSet).toBeUndefined();
      expect(queryOnly).toBeUndefined();
    });

    it('treats pathPrefix as a plain string prefix, as Envoy does', () => {
      // Prepare
      const orders = rule({ id: 'orders', match: { pathPrefix: '/orders' } });

      // Act
      const sibling = selectRule([orders], { ...call, path: '/orders-v2/1' });

      // Assess
      expect(sibling?.id).toBe('orders');
    });

    it('requires a header with present: true and ignores headers whose value is undefined', () => {
      // Prepare
      const tenant = rule({ id: 'tenant', match: { headers: { 'x-tenant': { present: true } } } });

      // Act
      const absent = selectRule([tenant], call);
      const undefinedValue = selectRule([tenant], { ...call, headers: { 'x-tenant': undefined } });
      const present = selectRule([tenant], { ...call, headers: { 'X-Tenant': '' } });

      // Assess
      expect(absent).toBeUndefined();
      expect(undefinedValue).toBeUndefined();
      expect(present?.id).toBe('tenant');
    });
  });

  describe('candidateWeights', () => {
    it('uses instance weights without a rule, sorted by instance id', () => {
      // Act
      const result = candidateWeights([instance('b', '1.0.0', 300), instance('a', '1.0.0', 100)]);

      // Assess
      expect(result.map((c) => [c.instance.id, c.weight])).toEqual([
        ['a', 100],
        ['b', 300],
      ]);
    });

    it('routes to new (unknown) instances beside healthy ones, and gives unhealthy and drained ones nothing', () => {
      // Act
      const result = candidateWeights([
        instance('up', '1.0.0'),
        instance('drained', '1.0.0', 0),
        instance('down', '1.0.0', 100, 'unhealthy'),
        instance('new', '1.0.0', 100, 'unknown'),
      ]);

      // Assess
      expect(weightsOf(result)).toEqual({ up: 100, drained: 0, down: 0, new: 100 });
    });

    it('uses degraded instances only when no healthy instance can take traffic', () => {
      // Prepare
      const degraded = instance('slow', '1.0.0', 100, 'degraded');

      // Act
      const withHealthy = candidateWeights([instance('up', '1.0.0'), degraded]);
      const healthyDrained = candidateWeights([instance('up', '1.0.0', 0), degraded]);
      const onlyDegraded = candidateWeights([degraded, instance('down', '1.0.0', 100, 'unhealthy')]);

      // Assess
      expect(weightsOf(withHealthy)).toEqual({ up: 100, slow: 0 });
      expect(weightsOf(healthyDrained)).toEqual({ up: 0, slow: 100 });
      expect(weightsOf(onlyDegraded)).toEqual({ slow: 100, down: 0 });
    });

    it('shares each split among its matching instances in proportion to their weights', () => {
      // Prepare
      const canary = rule({
        id: 'canary',
        splits: [
          { versions: '1.x', weight: 90 },
          { versions: '2.x', weight: 10 },
        ],
      });

      // Act
      const result = candidateWeights(
        [instance('a', '1.0.0', 100), instance('b', '1.1.0', 300), instance('c', '2.0.0', 50), instance('d', '3.0.0')],
        canary,
      );

      // Assess
      expect(weightsOf(result)).toEqual({ a: 22.5, b: 67.5, c: 10, d: 0 });
    });

    it('includes prerelease versions in ranges that allow them', () => {
      // Prepare
      const next = rule({ id: 'next', splits: [{ versions: '>=2.0.0-0', weight: 1 }] });

      // Act
      const result = candidateWeights([instance('rc', '2.1.0-rc.1'), instance('old', '1.9.0')], next);

      // Assess
      expect(weightsOf(result)).toEqual({ rc: 1, old: 0 });
    });

    it('sends a split with no instance up to the other splits', () => {
      // Prepare
      const canary = rule({
        id: 'canary',
        splits: [
          { versions: '1.x', weight: 90 },
          { versions: '2.x', weight: 10 },
        ],
      });

      // Act
      const result = candidateWeights(
        [instance('a', '1.0.0'), instance('c', '2.0.0', 100, 'unhealthy'), instance('e', '2.0.0', 0)],
        canary,
      );

      // Assess
      expect(weightsOf(result)).toEqual({ a: 90, c: 0, e: 0 });
    });

    it('gives an instance matching overlapping splits the sum of its shares', () => {
      // Prepare
      const overlapping = rule({
        id: 'o',
        splits: [
          { versions: '>=1.0.0', weight: 50 },
          { versions: '2.x', weight: 50 },
        ],
      });

      // Act
      const result = candidateWeights([instance('one', '1.0.0'), instance('two', '2.0.0')], overlapping);

      // Assess
      expect(weightsOf(result)).toEqual({ one: 25, two: 75 });
    });

    it('falls back to degraded instances when no healthy one matches a split', () => {
      // Prepare
      const v2 = rule({ id: 'v2', splits: [{ versions: '2.x', weight: 1 }] });

      // Act
      const result = candidateWeights([instance('h1', '1.0.0'), instance('d2', '2.0.0', 100, 'degraded')], v2);

      // Assess
      expect(weightsOf(result)).toEqual({ h1: 0, d2: 1 });
    });

    it('answers all zeros when nothing can be routed to, and pickWeighted then finds none', () => {
      // Prepare
      const v3 = rule({ id: 'v3', splits: [{ versions: '3.x', weight: 1 }] });

      // Act
      const result = candidateWeights([instance('h1', '1.0.0'), instance('h2', '2.0.0', 100, 'degraded')], v3);
      const picked = pickWeighted(
        result,
        (c) => c.weight,
        () => 0.5,
      );

      // Assess
      expect(result.every((c) => c.weight === 0)).toBe(true);
      expect(picked).toBeUndefined();
    });

    it('gives zero-weight splits nothing', () => {
      // Prepare
      const paused = rule({
        id: 'p',
        splits: [
          { versions: '1.x', weight: 1 },
          { versions: '2.x', weight: 0 },
        ],
      });

      // Act
      const result = candidateWeights([instance('one', '1.0.0'), instance('two', '2.0.0')], paused);

      // Assess
      expect(weightsOf(result)).toEqual({ one: 1, two: 0 });
    });
  });

  describe('validateSplits', () => {
    it('accepts a rule without splits and valid splits with some weight', () => {
      // Act / Assess
      expect(validateSplits(rule({ id: 'plain' }))).toEqual([]);
      expect(
        validateSplits({
          splits: [
            { versions: '^1.2.0', weight: 0 },
            { versions: '>=2.0.0-0', weight: 5 },
          ],
        }),
      ).toEqual([]);
    });

    it('rejects splits whose weights are all 0', () => {
      // Act
      const problems = validateSplits({
        splits: [
          { versions: '1.x', weight: 0 },
          { versions: '2.x', weight: 0 },
        ],
      });

      // Assess
      expect(problems).toEqual([expect.objectContaining({ pointer: '/splits', keyword: 'split-weights' })]);
    });

    it('rejects a range that is not a semver range, pointing at it', () => {
      // Act
      const problems = validateSplits({
        splits: [
          { versions: '1.x', weight: 1 },
          { versions: 'latest', weight: 1 },
        ],
      });

      // Assess
      expect(problems).toEqual([expect.objectContaining({ pointer: '/splits/1/versions', keyword: 'semver-range' })]);
      expect(problems[0]?.message).toContain('latest');
    });

    it('reports every problem at once', () => {
      // Act
      const problems = validateSplits({
        splits: [
          { versions: '>=>1', weight: 0 },
          { versions: 'x.y.z.w', weight: 0 },
        ],
      });

      // Assess
      expect(problems.map((p) => p.pointer)).toEqual(['/splits/0/versions', '/splits/1/versions', '/splits']);
    });
  });

  describe('weightedRules', () => {
    it("gathers the weighted rules of the selected rule's source and priority whose conditions hold, any target", () => {
      // Prepare
      const rules = [
        rule({ id: 'w1', sourceService: 'gateway', weight: 3 }),
        rule({ id: 'w2', sourceService: 'gateway', targetService: 'worker-next', weight: 1 }),
        rule({ id: 'other-source', sourceService: 'billing', targetService: 'worker-next', weight: 1 }),
        rule({ id: 'unweighted', sourceService: 'gateway', targetService: 'worker-next' }),
        rule({ id: 'get-only', sourceService: 'gateway', targetService: 'x', weight: 1, match: { methods: ['GET'] } }),
        rule({ id: 'higher', sourceService: 'gateway', targetService: 'y', weight: 1, priority: 5 }),
      ];
      const selected = selectRule(rules.slice(0, 5), call) as RoutingRule;

      // Act
      const split = weightedRules(rules, selected, call);

      // Assess
      expect(selected.id).toBe('w1');
      expect(split.map((r) => r.id)).toEqual(['w1', 'w2']);
    });

    it('returns the selected rule alone when it carries no weight', () => {
      // Prepare
      const rules = [rule({ id: 'plain' }), rule({ id: 'w', targetService: 'worker-next', weight: 1 })];

      // Act
      const split = weightedRules(rules, rules[0] as RoutingRule, call);

      // Assess
      expect(split.map((r) => r.id)).toEqual(['plain']);
    });
  });
});

describe('RoutingRuleSchema', () => {
  describe('parse', () => {
    it("accepts the seed's RoutingRule, storing timeout (milliseconds) as timeoutMs", () => {
      // Prepare
      const seed = {
        id: 'rule-1',
        sourceService: 'gateway',
        targetService: 'worker',
        weight: 1,
        timeout: 5000,
        retries: 3,
      };

      // Act
      const parsed = RoutingRuleSchema.parse(seed);

      // Assess
      expect(parsed).toMatchObject({ weight: 1, timeoutMs: 5000, retries: 3 });
      expect(parsed).not.toHaveProperty('timeout');
    });

    it('rejects timeout and timeoutMs that disagree, and a timeout out of range', () => {
      // Prepare
      const base = { id: 'r', sourceService: 'gateway', targetService: 'worker' };

      // Act
      const disagree = RoutingRuleSchema.safeParse({ ...base, timeout: 5000, timeoutMs: 6000 });
      const tooLong = RoutingRuleSchema.safeParse({ ...base, timeout: 60_000 });
      const agree = RoutingRuleSchema.safeParse({ ...base, timeout: 5000, timeoutMs: 5000 });

      // Assess
      expect(disagree.error?.issues.map((i) => i.path)).toEqual([['timeout']]);
      expect(tooLong.error?.issues.map((i) => i.path)).toEqual([['timeout']]);
      expect(agree.data?.timeoutMs).toBe(5000);
    });
  });
});
