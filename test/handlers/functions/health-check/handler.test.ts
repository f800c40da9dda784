import type { Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { createHealthCheckHandler } from '../../../../functions/health-check/app';
import { healthCheckDeps } from '../../../../functions/health-check/wiring';
import type { ServiceInstance } from '../../../../shared/domain/mesh/service-instance';
import type { EventPublisher } from '../../../../shared/ports/event-publisher';
import { recordingClock } from '../../../support/clock';
import { lambdaContext } from '../../../support/events';
import { HANDLER_TEST_NOW_MS, testFunctionBase } from '../../../support/handler-env';

const events: EventPublisher = { publish: async (list) => list.map((e) => ({ id: e.id, status: 'published' })) };

const instance = (id: string): ServiceInstance => ({
  id,
  name: 'orders',
  version: '1.0.0',
  endpoint: `https://${id}.example.test/`,
  healthEndpoint: `https://${id}.example.test/health`,
  metadata: {},
  weight: 100,
  status: 'healthy',
  owner: { tenant: 'tenant-a', principal: 'agent-a' },
  revision: 1,
  registeredAt: new Date(HANDLER_TEST_NOW_MS).toISOString(),
  lastHeartbeatAt: new Date(HANDLER_TEST_NOW_MS).toISOString(),
  lastHealthCheck: { at: new Date(HANDLER_TEST_NOW_MS).toISOString(), status: 'healthy' },
});

/** The function on its wiring, with the registry and the health endpoints in memory. */
function healthCheckFunction(env: NodeJS.ProcessEnv, instances: ServiceInstance[]) {
  const clock = recordingClock(HANDLER_TEST_NOW_MS);
  const base = testFunctionBase('health-check', { env, clock });
  const addMetric = vi.spyOn(base.observability.metrics, 'addMetric');
  const addDimension = vi.spyOn(base.observability.metrics, 'addDimension');
  const deps = healthCheckDeps(base, { events });
  const handler = createHealthCheckHandler(
    {
      ...deps,
      registry: { list: async () => instances, recordHealth: async () => 'healthy', remove: async () => undefined },
      http: { request: async () => ({ status: 200, headers: {}, body: Buffer.alloc(0) }) },
    },
    base,
  );
  return { deps, handler, clock, addMetric, addDimension };
}

const withRemaining = (ms: number): Context => ({ ...lambdaContext, getRemainingTimeInMillis: () => ms });

describe('health-check function', () => {
  describe('configuration', () => {
    it('reads HEALTH_CHECK_MAX_PER_RUN and HEALTH_CHECK_SPREAD_MS (milliseconds)', () => {
      // Act
      const { deps } = healthCheckFunction({ HEALTH_CHECK_MAX_PER_RUN: '2', HEALTH_CHECK_SPREAD_MS: '30000' }, []);

      // Assess
      expect([deps.maxChecksPerRun, deps.spreadMs]).toEqual([2, 30_000]);
    });

    it('checks 500 instances a run, all at once, when the variables are absent', () => {
      // Act
      const { deps } = healthCheckFunction({}, []);

      // Assess
      expect([deps.maxChecksPerRun, deps.spreadMs]).toEqual([500, 0]);
    });

    it.each([
      ['HEALTH_CHECK_MAX_PER_RUN', '0'],
      ['HEALTH_CHECK_MAX_PER_RUN', '10001'],
      ['HEALTH_CHECK_MAX_PER_RUN', 'many'],
      ['HEALTH_CHECK_SPREAD_MS', '-1'],
      ['HEALTH_CHECK_SPREAD_MS', '900001'],
    ])('rejects %s=%s naming the setting', (name, value) => {
      // Act
      const build = () => healthCheckFunction({ [name]: value }, []);

      // Assess
      expect(build).toThrow(name);
    });
  });

  describe('scheduled run', () => {
    it('checks up to the cap and counts the deferred instances (DeferredInstances, no extra dimension)', async () => {
      // Prepare
      const instances = ['a', 'b', 'c', 'd', 'e'].map(instance);
      const { handler, addMetric, addDimension } = healthCheckFunction({ HEALTH_CHECK_MAX_PER_RUN: '3' }, instances);

      // Act
      const report = await handler({}, lambdaContext);

      // Assess
      expect([report.checked, report.deferred]).toEqual([3, 2]);
      expect(addMetric).toHaveBeenCalledWith('InstancesChecked', 'Count', 3);
      expect(addMetric).toHaveBeenCalledWith('DeferredInstances', 'Count', 2);
      expect(addDimension).not.toHaveBeenCalled();
    });

    it('spreads the starts over HEALTH_CHECK_SPREAD_MS', async () => {
      // Prepare
      const { handler, clock } = healthCheckFunction(
        { HEALTH_CHECK_SPREAD_MS: '30000' },
        ['a', 'b', 'c'].map(instance),
      );

      // Act
      await handler({}, withRemaining(60_000));

      // Assess
      expect(clock.sleeps).toEqual([10_000, 10_000]);
    });

    it('shortens the window to what the invocation has left less 15 s', async () => {
      // Prepare: a 45 s window, but only 27 s left: 12 s
      const { handler, clock } = healthCheckFunction(
        { HEALTH_CHECK_SPREAD_MS: '45000' },
        ['a', 'b', 'c'].map(instance),
      );

      // Act
      await handler({}, withRemaining(27_000));

      // Assess
      expect(clock.sleeps).toEqual([4_000, 4_000]);
    });
  });
});
