import { describe, expect, it } from 'vitest';
import { DynamoDbBreakerStore } from '../../../../../shared/adapters/dynamodb/breaker-store';
import { DynamoDbServiceClaims } from '../../../../../shared/adapters/dynamodb/service-claims';
import { DynamoDbServiceRegistry } from '../../../../../shared/adapters/dynamodb/service-registry';
import { meshTable } from '../../../../../shared/adapters/dynamodb/table-definitions';
import { NotOwnerError } from '../../../../../shared/domain/auth/errors';
import type { Principal } from '../../../../../shared/domain/auth/principal';
import { RevisionMismatchError, ValidationError } from '../../../../../shared/domain/errors';
import { DEFAULT_BREAKER_CONFIG } from '../../../../../shared/domain/mesh/circuit-breaker';
import { getBreakerConfig, putBreakerConfig } from '../../../../../shared/use-cases/service-mesh';
import { recordingClock } from '../../../../support/clock';
import { freshTable } from '../../../../support/dynamodb';
import { rejectionOf } from '../../../../support/rejection';

/** A caller of `tenant` holding the mesh scopes. */
const callerOf = (tenant: string, principal: string): Principal => ({
  tenant,
  principal,
  scopes: ['mesh:read', 'mesh:write', 'mesh:admin'],
  expiresAt: Number.POSITIVE_INFINITY,
});
const A = callerOf('acme', 'agent-a');
const B = callerOf('globex', 'agent-b');

describe('per-service breaker settings (dynalite)', () => {
  async function subject() {
    const { client, tableName } = await freshTable(meshTable);
    const breakerConfigs = new DynamoDbBreakerStore(client, tableName);
    const claims = new DynamoDbServiceClaims(client, tableName);
    const clock = recordingClock(Date.parse('2026-11-30T10:00:00Z'));
    return { breakerConfigs, deps: { breakerConfigs, claims, clock, defaults: DEFAULT_BREAKER_CONFIG } };
  }

  it('answers the defaults until settings are stored, fills omitted members, and refuses bad ones', async () => {
    // Prepare
    const { breakerConfigs, deps } = await subject();

    // Act
    const before = await getBreakerConfig(deps, A, 'orders');
    await putBreakerConfig(deps, A, 'orders', { failureThreshold: 2 });
    const after = await getBreakerConfig(deps, A, 'orders');
    const invalid = await rejectionOf<ValidationError>(
      putBreakerConfig(deps, A, 'orders', { failureThreshold: 0, halfOpenRequests: 'three', extra: 1 }),
    );

    // Assess
    expect(before).toEqual({ service: 'orders', config: DEFAULT_BREAKER_CONFIG, origin: 'default' });
    expect(after).toEqual({
      service: 'orders',
      config: { ...DEFAULT_BREAKER_CONFIG, failureThreshold: 2 },
      origin: 'service',
      owner: { tenant: 'acme', principal: 'agent-a' },
    });
    expect(invalid).toBeInstanceOf(ValidationError);
    expect(invalid.problems.map((p) => p.pointer).sort()).toEqual(['/extra', '/failureThreshold', '/halfOpenRequests']);
    expect(await breakerConfigs.list(A.tenant)).toEqual([]);
  });

  it("claims the service for the first tenant: another tenant's put is 403 and its read shows the defaults", async () => {
    // Prepare
    const { deps } = await subject();
    await putBreakerConfig(deps, A, 'orders', { failureThreshold: 2 });

    // Act
    const refused = await rejectionOf<NotOwnerError>(putBreakerConfig(deps, B, 'orders', { failureThreshold: 9 }));
    const seenByB = await getBreakerConfig(deps, B, 'orders');
    const seenByA = await getBreakerConfig(deps, A, 'orders');

    // Assess
    expect(refused).toBeInstanceOf(NotOwnerError);
    expect(refused.message).toContain('"orders"');
    expect(seenByB).toEqual({ service: 'orders', config: DEFAULT_BREAKER_CONFIG, origin: 'default' });
    expect(seenByA.config.failureThreshold).toBe(2);
  });
});

describe('DynamoDbServiceRegistry.deregister with If-Match (dynalite)', () => {
  it('deletes only at an expected revision, and answers 412 otherwise', async () => {
    // Prepare
    const { client, tableName } = await freshTable(meshTable);
    const registry = new DynamoDbServiceRegistry(client, tableName);
    const instance = {
      id: 'orders-a',
      name: 'orders',
      version: '1.0.0',
      endpoint: 'http://10.0.0.1',
      healthEndpoint: 'http://10.0.0.1/health',
      metadata: {},
      weight: 1,
      status: 'unknown' as const,
    };
    await registry.register(instance, A, '2026-11-30T10:00:00.000Z');
    await registry.register(instance, A, '2026-11-30T10:01:00.000Z');

    // Act
    const stale = await rejectionOf<RevisionMismatchError>(
      registry.deregister('orders-a', { kind: 'one-of', revisions: [1] }),
    );
    const removed = await registry.deregister('orders-a', { kind: 'one-of', revisions: [2, 3] });

    // Assess
    expect(stale).toBeInstanceOf(RevisionMismatchError);
    expect(removed).toBe(true);
    expect(await registry.get('orders-a')).toBeUndefined();
  });
});
