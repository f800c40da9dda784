import { describe, expect, it } from 'vitest';
import { type RoutingRule, RoutingRuleSchema } from '../../../../../shared/domain/mesh/routing-rule';
import type { InstanceStatus, ServiceInstance } from '../../../../../shared/domain/mesh/service-instance';
import { buildTopology } from '../../../../../shared/domain/mesh/topology';

function instance(id: string, name: string, version: string, status: InstanceStatus = 'healthy', weight = 100) {
  const at = '2025-01-01T00:00:00.000Z';
  return {
    id,
    name,
    version,
    status,
    weight,
    endpoint: `http://${id}.internal:8080`,
    healthEndpoint: `http://${id}.internal:8080/health`,
    metadata: {},
    owner: { tenant: 'acme', principal: 'agent-1' },
    revision: 1,
    registeredAt: at,
    lastHeartbeatAt: at,
  } satisfies ServiceInstance;
}

function rule(fields: Record<string, unknown> & { id: string; sourceService: string; targetService: string }) {
  return RoutingRuleSchema.parse(fields) satisfies RoutingRule;
}

describe('topology', () => {
  describe('buildTopology', () => {
    it("gives the seed's example: two services, one connection", () => {
      // Prepare
      const instances = [
        instance('gateway-1', 'gateway', '1.0.0'),
        instance('worker-1', 'worker', '1.0.0'),
        instance('worker-2', 'worker', '1.0.0', 'unhealthy'),
      ];

      // Act
      const topology = buildTopology(instances, [
        rule({ id: 'rule-1', sourceService: 'gateway', targetService: 'worker' }),
      ]);

      // Assess
      expect(topology).toEqual({
        services: [
          { name: 'gateway', versions: ['1.0.0'], instanceCount: 1, healthyCount: 1 },
          { name: 'worker', versions: ['1.0.0'], instanceCount: 2, healthyCount: 1 },
        ],
        connections: [{ source: 'gateway', target: 'worker', weight: 100, ruleId: 'rule-1' }],
      });
    });

    it('lists distinct versions by semver precedence, not string order', () => {
      // Prepare
      const instances = ['1.10.0', '1.2.0', '1.2.0', '1.10.0-rc.1', '1.2.0+build.7'].map((v, i) =>
        instance(`w${i}`, 'worker', v),
      );

      // Act
      const topology = buildTopology(instances, []);

      // Assess
      expect(topology.services[0]?.versions).toEqual(['1.2.0', '1.2.0+build.7', '1.10.0-rc.1', '1.10.0']);
      expect(topology.services[0]?.instanceCount).toBe(5);
    });

    it('adds services that rules name but have no instances, except "*"', () => {
      // Prepare
      const rules = [rule({ id: 'r', sourceService: '*', targetService: 'ghost' })];

      // Act
      const topology = buildTopology([], rules);

      // Assess
      expect(topology.services).toEqual([{ name: 'ghost', versions: [], instanceCount: 0, healthyCount: 0 }]);
      expect(topology.connections).toEqual([{ source: '*', target: 'ghost', weight: 0, ruleId: 'r' }]);
    });

    it('weighs a connection by what its rule can route to now', () => {
      // Prepare
      const instances = [
        instance('w1', 'worker', '1.0.0', 'healthy', 100),
        instance('w2', 'worker', '1.1.0', 'healthy', 300),
        instance('w3', 'worker', '2.0.0', 'unhealthy'),
      ];
      const rules = [
        rule({ id: 'plain', sourceService: 'a', targetService: 'worker' }),
        rule({
          id: 'canary',
          sourceService: 'b',
          targetService: 'worker',
          splits: [
            { versions: '1.x', weight: 90 },
            { versions: '2.x', weight: 10 },
          ],
        }),
      ];

      // Act
      const { connections } = buildTopology(instances, rules);

      // Assess
      expect(connections.map((c) => [c.ruleId, c.weight])).toEqual([
        ['plain', 400],
        ['canary', 90],
      ]);
    });

    it('is the same whatever order instances and rules come in', () => {
      // Prepare
      const instances = [
        instance('z1', 'zeta', '1.0.0'),
        instance('a1', 'alpha', '2.0.0', 'degraded'),
        instance('a2', 'alpha', '1.0.0'),
        instance('B1', 'Beta', '1.0.0'),
      ];
      const rules = [
        rule({ id: 'r2', sourceService: 'zeta', targetService: 'alpha' }),
        rule({ id: 'r1', sourceService: 'zeta', targetService: 'alpha' }),
        rule({ id: 'r0', sourceService: 'alpha', targetService: 'zeta' }),
        rule({ id: 'r3', sourceService: '*', targetService: 'zeta' }),
      ];

      // Act
      const forwards = buildTopology(instances, rules);
      const backwards = buildTopology([...instances].reverse(), [...rules].reverse());

      // Assess
      expect(backwards).toEqual(forwards);
      expect(forwards.services.map((s) => s.name)).toEqual(['Beta', 'alpha', 'zeta']);
      expect(forwards.services[1]).toEqual({
        name: 'alpha',
        versions: ['1.0.0', '2.0.0'],
        instanceCount: 2,
        healthyCount: 1,
      });
      expect(forwards.connections.map((c) => c.ruleId)).toEqual(['r3', 'r0', 'r1', 'r2']);
    });

    it('answers an empty graph for an empty mesh', () => {
      // Act / Assess
      expect(buildTopology([], [])).toEqual({ services: [], connections: [] });
    });
  });
});
