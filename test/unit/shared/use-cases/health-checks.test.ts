import { afterEach, describe, expect, it, vi } from 'vitest';
import type { IntegrationEvent } from '../../../../shared/domain/events/integration-event';
import type { InstanceStatus, ServiceInstance } from '../../../../shared/domain/mesh/service-instance';
import { DEFAULT_QUOTA_LIMITS, type QuotaSlot } from '../../../../shared/domain/quotas/quota';
import type { Clock } from '../../../../shared/ports/clock';
import type { HttpRequest } from '../../../../shared/ports/http-client';
import {
  type HealthCheckDeps,
  runHealthChecks,
  STATUS_CHANGED_EVENT_TYPE,
} from '../../../../shared/use-cases/health-checks';
import { recordingClock } from '../../../support/clock';

const START = Date.parse('2026-11-30T10:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** An instance last seen (heartbeat) at START, last checked `checkedAgoMs` before START (never when undefined). */
function instance(id: string, checkedAgoMs?: number, status: InstanceStatus = 'healthy'): ServiceInstance {
  return {
    id,
    name: 'orders',
    version: '1.0.0',
    endpoint: `https://${id}.example.test/`,
    healthEndpoint: `https://${id}.example.test/health`,
    metadata: {},
    weight: 100,
    status,
    owner: { tenant: 'tenant-a', principal: 'agent-a' },
    revision: 1,
    registeredAt: iso(START - 3_600_000),
    lastHeartbeatAt: iso(START),
    ...(checkedAgoMs !== undefined && { lastHealthCheck: { at: iso(START - checkedAgoMs), status } }),
  };
}

/** A registry in memory: `recordHealth` writes the check, as the DynamoDB registry does. */
function memoryRegistry(instances: ServiceInstance[]) {
  const byId = new Map(instances.map((i) => [i.id, structuredClone(i)]));
  return {
    byId,
    list: async () => [...byId.values()].map((i) => structuredClone(i)),
    recordHealth: async (id: string, check: NonNullable<ServiceInstance['lastHealthCheck']>) => {
      const stored = byId.get(id);
      if (!stored) return undefined;
      const before = stored.lastHealthCheck?.status ?? stored.status;
      byId.set(id, { ...stored, status: check.status, lastHealthCheck: check });
      return before;
    },
    remove: async (id: string) => {
      const stored = byId.get(id);
      byId.delete(id);
      return stored;
    },
  };
}

/** The id of the instance a health request is for (`https://<id>.example.test/health`). */
const idOf = (request: HttpRequest) => new URL(request.url).hostname.split('.')[0]!;

function healthDeps(
  instances: ServiceInstance[],
  options: { clock?: Clock; answer?: (request: HttpRequest) => Promise<number> } & Partial<HealthCheckDeps> = {},
) {
  const { clock = recordingClock(START), answer = async () => 200, ...rest } = options;
  const registry = memoryRegistry(instances);
  const requests: Array<{ id: string; atMs: number }> = [];
  const published: IntegrationEvent[] = [];
  const released: QuotaSlot[] = [];
  const deps: HealthCheckDeps = {
    registry,
    quotas: { acquire: async () => true, release: async (slot) => void released.push(slot) },
    limits: DEFAULT_QUOTA_LIMITS,
    http: {
      request: async (request) => {
        requests.push({ id: idOf(request), atMs: clock.now().getTime() });
        return { status: await answer(request), headers: {}, body: Buffer.alloc(0) };
      },
    },
    events: {
      publish: async (events) => {
        published.push(...events);
        return events.map((e) => ({ id: e.id, status: 'published' as const }));
      },
    },
    clock,
    ...rest,
  };
  return { deps, registry, requests, published, released };
}

describe('runHealthChecks', () => {
  describe('maxChecksPerRun', () => {
    it('checks the least recently checked first: never checked, then the oldest lastHealthCheck', async () => {
      // Prepare
      const instances = [
        instance('recent', 1_000),
        instance('oldest', 300_000),
        instance('never-b'),
        instance('middle', 60_000),
        instance('never-a'),
      ];
      const { deps, requests } = healthDeps(instances, { maxChecksPerRun: 3, concurrency: 1 });

      // Act
      const report = await runHealthChecks(deps);

      // Assess
      expect(requests.map((r) => r.id)).toEqual(['never-a', 'never-b', 'oldest']);
      expect(report.checked).toBe(3);
      expect(report.deferred).toBe(2);
    });

    it('covers every instance over successive runs, each run deferring the rest', async () => {
      // Prepare
      const clock = recordingClock(START);
      const instances = ['a', 'b', 'c', 'd', 'e'].map((id, i) => instance(id, 10_000 * (i + 1)));
      const { deps, requests } = healthDeps(instances, { clock, maxChecksPerRun: 2, concurrency: 1 });

      // Act
      const reports = [];
      for (let run = 0; run < 3; run += 1) {
        reports.push(await runHealthChecks(deps));
        clock.advance(60_000);
      }

      // Assess: oldest first (e, d), then (c, b), then a and one of the first run's (checked at the same instant: by id)
      expect(requests.map((r) => r.id)).toEqual(['e', 'd', 'c', 'b', 'a', 'd']);
      expect(reports.map((r) => [r.checked, r.deferred])).toEqual([
        [2, 3],
        [2, 3],
        [2, 3],
      ]);
    });

    it('checks every instance and defers none when they fit in one run', async () => {
      // Prepare
      const { deps, requests } = healthDeps([instance('a'), instance('b', 5_000)]);

      // Act
      const report = await runHealthChecks(deps);

      // Assess
      expect(requests).toHaveLength(2);
      expect(report.deferred).toBe(0);
    });
  });

  describe('spreadMs', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    /** The clock a deployed function has, on vitest's fake Date and setTimeout. */
    const timerClock = (): Clock => ({
      now: () => new Date(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    });

    it('starts check i of n at i × spreadMs / n: 4 checks over 4 000 ms at 0, 1 000, 2 000, 3 000 ms', async () => {
      // Prepare
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: START });
      const instances = ['a', 'b', 'c', 'd'].map((id, i) => instance(id, 40_000 - i * 1_000));
      const { deps, requests } = healthDeps(instances, { clock: timerClock(), spreadMs: 4_000 });

      // Act
      const run = runHealthChecks(deps);
      await vi.advanceTimersByTimeAsync(999);
      const startedBy999 = requests.length;
      await vi.advanceTimersByTimeAsync(4_000);
      const report = await run;

      // Assess
      expect(startedBy999).toBe(1);
      expect(requests.map((r) => [r.id, r.atMs - START])).toEqual([
        ['a', 0],
        ['b', 1_000],
        ['c', 2_000],
        ['d', 3_000],
      ]);
      expect(report.checked).toBe(4);
    });

    it('defers a check the concurrency holds back past the end of the window', async () => {
      // Prepare: one at a time, each answer taking 3 s; the second is due at 1 s but free only at 3 s
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: START });
      const slowAnswer = () => new Promise<number>((resolve) => setTimeout(() => resolve(200), 3_000));
      const { deps, requests } = healthDeps([instance('a'), instance('b')], {
        clock: timerClock(),
        answer: slowAnswer,
        concurrency: 1,
        spreadMs: 2_000,
      });

      // Act
      const run = runHealthChecks(deps);
      await vi.advanceTimersByTimeAsync(10_000);
      const report = await run;

      // Assess
      expect(requests.map((r) => r.id)).toEqual(['a']);
      expect([report.checked, report.deferred]).toEqual([1, 1]);
    });

    it('starts no further check once its signal aborts, counting the rest as deferred', async () => {
      // Prepare
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: START });
      const stop = new AbortController();
      const instances = ['a', 'b', 'c', 'd'].map((id) => instance(id));
      const { deps, requests } = healthDeps(instances, { clock: timerClock(), spreadMs: 40_000, signal: stop.signal });

      // Act: a and b start (0 s, 10 s); the run is stopped at 15 s, before c is due
      const run = runHealthChecks(deps);
      await vi.advanceTimersByTimeAsync(15_000);
      stop.abort();
      const report = await run;

      // Assess
      expect(requests.map((r) => r.id)).toEqual(['a', 'b']);
      expect([report.checked, report.deferred]).toEqual([2, 2]);
    });

    it('starts every check at once without a spread window', async () => {
      // Prepare
      const clock = recordingClock(START);
      const { deps, requests } = healthDeps([instance('a'), instance('b'), instance('c')], { clock });

      // Act
      await runHealthChecks(deps);

      // Assess
      expect(clock.sleeps).toEqual([]);
      expect(requests.map((r) => r.atMs)).toEqual([START, START, START]);
    });

    it('sleeps through the clock it is given, measured from the run start', async () => {
      // Prepare
      const clock = recordingClock(START);
      const instances = ['a', 'b', 'c'].map((id) => instance(id));
      const { deps } = healthDeps(instances, { clock, spreadMs: 45_000, concurrency: 1 });

      // Act
      await runHealthChecks(deps);

      // Assess
      expect(clock.sleeps).toEqual([15_000, 15_000]);
    });
  });

  describe('status changes and stale instances', () => {
    it('publishes the status changes of the checked instances for their tenant, and leaves deferred ones untouched', async () => {
      // Prepare: `down` was healthy and now answers 503; `later` is the most recently checked
      const { deps, published, registry } = healthDeps([instance('down', 120_000), instance('later', 1_000)], {
        answer: async (request) => (idOf(request) === 'down' ? 503 : 200),
        maxChecksPerRun: 1,
      });

      // Act
      const report = await runHealthChecks(deps);

      // Assess
      expect(report.changed).toEqual([{ id: 'down', service: 'orders', from: 'healthy', to: 'degraded' }]);
      expect(published).toHaveLength(1);
      expect(published[0]).toMatchObject({
        type: STATUS_CHANGED_EVENT_TYPE,
        payload: { instanceId: 'down', from: 'healthy', to: 'degraded', httpStatus: 503 },
      });
      expect(JSON.stringify(published[0])).toContain('tenant-a');
      expect(registry.byId.get('later')!.lastHealthCheck!.at).toBe(iso(START - 1_000));
    });

    it('deregisters a stale instance and releases its quota slots', async () => {
      // Prepare: no heartbeat and no healthy check for an hour, and it still fails
      const stale = { ...instance('gone', 3_600_000, 'unhealthy'), lastHeartbeatAt: iso(START - 3_600_000) };
      const { deps, registry, released } = healthDeps([stale], {
        answer: async () => 500,
        deregisterStale: true,
      });

      // Act
      const report = await runHealthChecks(deps);

      // Assess
      expect(report.stale).toEqual(['gone']);
      expect(report.deregistered).toEqual(['gone']);
      expect(registry.byId.has('gone')).toBe(false);
      expect(released.map((slot) => slot.quota)).toEqual(['instancesPerTenant', 'instancesPerService']);
    });
  });
});
