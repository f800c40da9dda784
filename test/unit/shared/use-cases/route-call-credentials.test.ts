import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretsManagerSecretStore } from '../../../../shared/adapters/secrets-manager/secrets-manager-secret-store';
import type { Owner } from '../../../../shared/domain/auth/owner';
import { UpstreamFailedError } from '../../../../shared/domain/errors';
import { RoutingRuleSchema } from '../../../../shared/domain/mesh/routing-rule';
import type { ServiceInstance } from '../../../../shared/domain/mesh/service-instance';
import type { UpstreamCredential } from '../../../../shared/domain/mesh/upstream-credential';
import type { HttpRequest } from '../../../../shared/ports/http-client';
import { MeshRouter, type RoutedCall } from '../../../../shared/use-cases/route-call';
import { UpstreamCredentialInjector } from '../../../../shared/use-cases/upstream-credentials';
import { recordingClock } from '../../../support/clock';
import { plainRouterDeps } from '../../../support/mesh-router';
import { rejectionOf } from '../../../support/rejection';

const ACME: Owner = { tenant: 'acme', principal: 'gateway' };
const SECRET = 'aif/test/mesh/acme/orders';
const secretsManager = mockClient(SecretsManagerClient);

const ordersInstance: ServiceInstance = {
  id: 'o-1',
  name: 'orders',
  version: '1.0.0',
  endpoint: 'https://o-1.example.com/',
  healthEndpoint: 'https://o-1.example.com/health',
  metadata: {},
  weight: 100,
  status: 'healthy',
  owner: ACME,
  revision: 1,
  registeredAt: '2026-11-30T10:00:00.000Z',
  lastHeartbeatAt: '2026-11-30T10:00:00.000Z',
};

/** A router over ACME's `orders`, whose upstream credential is `references.orders`, and a rule adding `x-rule`. */
function harness(references: Record<string, UpstreamCredential>) {
  const requests: HttpRequest[] = [];
  const clock = recordingClock(Date.parse('2026-11-30T10:00:00Z'));
  const secrets = new SecretsManagerSecretStore(new SecretsManagerClient({ region: 'us-east-1' }), {
    maxAgeSeconds: 300,
  });
  const rule = RoutingRuleSchema.parse({
    id: 'r',
    sourceService: '*',
    targetService: 'orders',
    headersToAdd: { 'x-rule': 'yes' },
  });
  const router = new MeshRouter({
    claims: { ownerOf: async () => ACME },
    registry: { listByName: async () => [ordersInstance] },
    rules: { list: async () => [{ ...rule, owner: ACME }] },
    ...plainRouterDeps(clock, requests),
    credentials: new UpstreamCredentialInjector({
      credentials: {
        get: async (_tenant, service) => {
          const credential = references[service];
          return credential && { credential, owner: ACME };
        },
      },
      secrets,
      cacheTtlMs: 2_000,
      nowMs: () => clock.now().getTime(),
    }),
  });
  return { router, requests };
}

const call: RoutedCall = {
  caller: ACME,
  service: 'orders',
  method: 'GET',
  path: '/orders/1',
  query: '',
  headers: { authorization: 'Bearer caller-token', 'x-api-key': 'caller-key' },
  trace: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' },
};

describe('MeshRouter with upstream credentials (Secrets Manager mocked)', () => {
  afterEach(() => {
    secretsManager.reset();
  });

  describe('route', () => {
    it("sends the service's secret in its header instead of the caller's credentials, reading the secret once", async () => {
      // Prepare
      secretsManager.on(GetSecretValueCommand, { SecretId: SECRET }).resolves({ SecretString: 'upstream-key-1' });
      const { router, requests } = harness({ orders: { secretName: SECRET, header: 'x-api-key' } });

      // Act
      await router.route(call);
      await router.route(call);

      // Assess
      expect(requests).toHaveLength(2);
      for (const request of requests) {
        expect(request.headers?.['x-api-key']).toBe('upstream-key-1');
        expect(request.headers?.authorization).toBeUndefined();
        expect(request.headers?.['x-rule']).toBe('yes');
      }
      expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    });

    it('sends no credential at all for a service without a reference', async () => {
      // Prepare
      const { router, requests } = harness({});

      // Act
      await router.route(call);

      // Assess
      expect(requests[0]?.headers?.authorization).toBeUndefined();
      expect(requests[0]?.headers?.['x-api-key']).toBeUndefined();
      expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    });

    it('fails with 502 and calls no instance when the secret cannot be read', async () => {
      // Prepare
      secretsManager
        .on(GetSecretValueCommand)
        .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
      const { router, requests } = harness({ orders: { secretName: SECRET, header: 'authorization' } });

      // Act
      const error = await rejectionOf<UpstreamFailedError>(router.route(call));

      // Assess
      expect(error).toBeInstanceOf(UpstreamFailedError);
      expect(requests).toEqual([]);
    });
  });
});
