import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EchoService, startEchoService } from '../../../../local/echo-service';
import {
  BlockedAddressError,
  type ResolveHost,
  SafeHttpClient,
} from '../../../../shared/adapters/http/safe-http-client';
import { DEFAULT_BREAKER_CONFIG } from '../../../../shared/domain/mesh/circuit-breaker';
import type { ServiceInstance } from '../../../../shared/domain/mesh/service-instance';
import type { OutboundAddressRules } from '../../../../shared/domain/net/outbound-address-rules';
import { systemClock } from '../../../../shared/ports/clock';
import type { BreakerStore, ServiceRegistry } from '../../../../shared/ports/service-mesh';
import { ErrorPolicyCache } from '../../../../shared/use-cases/error-policy-cache';
import { MeshRouter } from '../../../../shared/use-cases/route-call';
import { registerInstance } from '../../../../shared/use-cases/service-mesh';
import { fixedClock } from '../../../support/clock';
import { memoryQuotaCounter, TEST_QUOTA_LIMITS } from '../../../support/quotas';
import { rejectionOf } from '../../../support/rejection';

/** A resolver that answers from a fixed table and records every name it was asked for. */
function fixedResolver(table: Record<string, string>): ResolveHost & { asked: string[] } {
  const asked: string[] = [];
  const resolve = async (hostname: string): Promise<readonly LookupAddress[]> => {
    asked.push(hostname);
    const address = table[hostname];
    if (address === undefined)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return [{ address, family: address.includes(':') ? 6 : 4 }];
  };
  return Object.assign(resolve, { asked });
}

/** The caller of the calls and registrations, holding the mesh scopes. */
const CALLER = { tenant: 'acme', principal: 'agent-1' };
const CALLER_PRINCIPAL = { ...CALLER, scopes: ['mesh:write'], expiresAt: Number.POSITIVE_INFINITY };
/** Every name is free to claim. */
const claims = { claim: async () => ({ claimed: true }), ownerOf: async () => CALLER };

/** A registry in memory that records what it was asked to store. */
function memoryRegistry(): ServiceRegistry & { stored: string[] } {
  const stored: string[] = [];
  const instances = new Map<string, ServiceInstance>();
  return {
    stored,
    register: async (input, owner, now) => {
      stored.push(input.id);
      const created = !instances.has(input.id);
      const instance: ServiceInstance = {
        ...input,
        owner,
        revision: (instances.get(input.id)?.revision ?? 0) + 1,
        registeredAt: instances.get(input.id)?.registeredAt ?? now,
        lastHeartbeatAt: now,
      };
      instances.set(input.id, instance);
      return { instance, created };
    },
    get: async (id) => instances.get(id),
    listByName: async (_tenant, name) => [...instances.values()].filter((i) => i.name === name),
    listByTenant: async () => [...instances.values()],
    list: async () => [...instances.values()],
    deregister: async (id) => instances.delete(id),
    remove: async (id) => {
      const removed = instances.get(id);
      instances.delete(id);
      return removed;
    },
    recordHealth: async (id, check) => {
      const instance = instances.get(id);
      if (!instance) return undefined;
      instances.set(id, { ...instance, status: check.status, lastHealthCheck: check });
      return instance.status;
    },
  };
}

const clock = fixedClock('2026-11-30T10:00:00Z');

/** A registration body whose endpoint and health endpoint are on `base`. */
const registration = (base: string) => ({
  id: 'orders-1',
  name: 'orders',
  version: '1.0.0',
  endpoint: base,
  healthEndpoint: `${base}/health`,
});

describe('service mesh SSRF defences', () => {
  describe('SafeHttpClient: connect-time check', () => {
    it('refuses a host name that resolves to a private address, without connecting', async () => {
      // Prepare: local mode (loopback allowed), private ranges refused
      const resolveHost = fixedResolver({ 'orders.internal': '10.0.0.5' });
      const client = new SafeHttpClient({ allowLoopback: true }, { resolveHost });

      // Act
      const error = await rejectionOf<BlockedAddressError>(
        client.request({ method: 'GET', url: 'http://orders.internal:8080/orders/1', headers: {}, timeoutMs: 2_000 }),
      );
      client.close();

      // Assess
      expect(error).toBeInstanceOf(BlockedAddressError);
      expect(error).toMatchObject({
        code: 'ERR_SSRF_BLOCKED',
        hostname: 'orders.internal',
        address: '10.0.0.5',
        range: 'private',
      });
      expect(resolveHost.asked).toEqual(['orders.internal']);
    });

    it('dials a name that resolves to an allowed address: the refusal above is the policy at work', async () => {
      // Prepare: the allowed address is one nothing listens on, so the dial itself fails
      const resolveHost = fixedResolver({ 'orders.internal': '127.0.0.1' });
      const client = new SafeHttpClient({ allowLoopback: true }, { resolveHost });

      // Act
      const error = await rejectionOf<NodeJS.ErrnoException>(
        client.request({ method: 'GET', url: 'http://orders.internal:1/', headers: {}, timeoutMs: 2_000 }),
      );
      client.close();

      // Assess
      expect(error).not.toBeInstanceOf(BlockedAddressError);
      expect(error.code).toBe('ECONNREFUSED');
    });
  });

  describe('MeshRouter over SafeHttpClient', () => {
    let echo: EchoService;
    beforeAll(async () => {
      echo = await startEchoService(0, 'orders-good');
    });
    afterAll(async () => {
      await echo.close();
    });

    it('never dials an instance whose name resolves to a private address, and answers from another instance', async () => {
      // Prepare
      const port = new URL(echo.url).port;
      const resolveHost = fixedResolver({ 'evil.internal': '10.0.0.5', 'good.internal': '127.0.0.1' });
      const http = new SafeHttpClient({ allowLoopback: true }, { resolveHost });
      const instance = (id: string, host: string): ServiceInstance => ({
        id,
        name: 'orders',
        version: '1.0.0',
        endpoint: `http://${host}:${port}`,
        healthEndpoint: `http://${host}:${port}/health`,
        metadata: {},
        weight: 100,
        status: 'healthy',
        owner: CALLER,
        revision: 1,
        registeredAt: '2026-11-30T10:00:00.000Z',
        lastHeartbeatAt: '2026-11-30T10:00:00.000Z',
      });
      const breakers: BreakerStore = {
        get: async () => undefined,
        compareAndSet: async () => true,
        list: async () => [],
      };
      const router = new MeshRouter({
        claims: { ownerOf: async () => CALLER },
        registry: {
          listByName: async () => [instance('a-evil', 'evil.internal'), instance('b-good', 'good.internal')],
        },
        rules: { list: async () => [] },
        breakers,
        http,
        policyCache: new ErrorPolicyCache(
          {
            list: async () => [],
            get: async () => undefined,
            put: async () => ({}) as never,
            delete: async () => false,
          },
          systemClock,
        ),
        clock,
        breakerConfig: DEFAULT_BREAKER_CONFIG,
        cacheTtlMs: 2_000,
        // Always the first candidate: the one whose name resolves to 10.0.0.5.
        random: () => 0,
      });

      // Act
      const answer = await router
        .route({
          caller: CALLER,
          service: 'orders',
          method: 'GET',
          path: '/orders/1',
          query: '',
          headers: {},
          trace: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' },
        })
        .catch((error: unknown) => error);
      http.close();

      // Assess
      expect(resolveHost.asked[0]).toBe('evil.internal');
      expect(answer).toMatchObject({ status: 200, instanceId: 'b-good' });
    });
  });

  describe('registerInstance', () => {
    it.each<[string, string, OutboundAddressRules]>([
      [
        'the instance metadata address, even with private and loopback allowed',
        'http://169.254.169.254',
        {
          allowLoopback: true,
          allowPrivate: true,
        },
      ],
      ['the ECS credentials address', 'http://169.254.170.2', { allowPrivate: true }],
      ['127.0.0.1 when loopback is not allowed', 'http://127.0.0.1:8080', {}],
      ['localhost when loopback is not allowed', 'http://localhost:8080', {}],
      ['[::1] when loopback is not allowed', 'http://[::1]:8080', {}],
      ['an fd00::/8 address when private ranges are not allowed', 'http://[fd00::1]:8080', {}],
      ['another fd00::/8 address', 'http://[fd12:3456::7]:8080', { allowLoopback: true }],
      ['IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]:8080', {}],
      ['a 10/8 address in octal', 'http://012.0.0.5:8080', {}],
    ])('refuses %s, naming both endpoints, without storing', async (_name, base, outboundRules) => {
      // Prepare
      const registry = memoryRegistry();

      // Act
      const error = await rejectionOf<{ problems: Array<{ pointer: string; keyword?: string }> }>(
        registerInstance(
          { claims, registry, clock, outboundRules, quotas: memoryQuotaCounter(), limits: TEST_QUOTA_LIMITS },
          CALLER_PRINCIPAL,
          registration(base),
        ),
      );

      // Assess
      expect(error.problems.filter((p) => p.keyword === 'ssrf').map((p) => p.pointer)).toEqual([
        '/endpoint',
        '/healthEndpoint',
      ]);
      expect(registry.stored).toEqual([]);
    });

    it.each<[string, string, OutboundAddressRules]>([
      ['loopback when allowed (local mode)', 'http://127.0.0.1:8080', { allowLoopback: true }],
      ['fd00::/8 when private ranges are allowed', 'http://[fd00::1]:8080', { allowPrivate: true }],
      ['a host name (judged when it is resolved)', 'https://orders.example.com', {}],
    ])('accepts %s', async (_name, base, outboundRules) => {
      // Prepare
      const registry = memoryRegistry();

      // Act
      const { outcome } = await registerInstance(
        { claims, registry, clock, outboundRules, quotas: memoryQuotaCounter(), limits: TEST_QUOTA_LIMITS },
        CALLER_PRINCIPAL,
        registration(base),
      );

      // Assess
      expect(outcome).toBe('created');
      expect(registry.stored).toEqual(['orders-1']);
    });
  });
});
