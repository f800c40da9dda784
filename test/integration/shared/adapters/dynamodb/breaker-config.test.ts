import { describe, expect, it } from 'vitest';
import { DynamoDbBreakerStore } from '../../../../../shared/adapters/dynamodb/breaker-store';
import { DynamoDbServiceRegistry } from '../../../../../shared/adapters/dynamodb/service-registry';
import { meshTable } from '../../../../../shared/adapters/dynamodb/table-definitions';
import { RevisionMismatchError, ValidationError } from '../../../../../shared/domain/errors';
import { DEFAULT_BREAKER_CONFIG } from '../../../../../shared/domain/mesh/circuit-breaker';
import { getBreakerConfig, putBreakerConfig } from '../../../../../shared/use-cases/service-mesh';
import { freshTable } from '../../../../support/dynamodb';
import { rejectionOf } from '../../../../support/rejection';

describe('per-service breaker settings (dynalite)', () => {
  it('answers the defaults until settings are stored, fills omitted members, and refuses bad ones', async () => {
    // Prepare
    const { client, tableName } = await freshTable(meshTable);
    const breakerConfigs = new DynamoDbBreakerStore(client, tableName);
    const deps = { breakerConfigs, defaults: DEFAULT_BREAKER_CONFIG };

    // Act
    const before = await getBreakerConfig(deps, 'orders');
    await putBreakerConfig(deps, 'orders', { failureThreshold: 2 });
    const after = await getBreakerConfig(deps, 'orders');
    const invalid = await rejectionOf<ValidationError>(
      putBreakerConfig(deps, 'orders', { failureThreshold: 0, halfOpenRequests: 'three', extra: 1 }),
    );

    // Assess
    expect(before).toEqual({ service: 'orders', config: DEFAULT_BREAKER_CONFIG, origin: 'default' });
    expect(after).toEqual({
      service: 'orders',
      config: { ...DEFAULT_BREAKER_CONFIG, failureThreshold: 2 },
      origin: 'service',
    });
    expect(invalid).toBeInstanceOf(ValidationError);
    expect(invalid.problems.map((p) => p.pointer).sort()).toEqual(['/extra', '/failureThreshold', '/halfOpenRequests']);
    expect(await breakerConfigs.list()).toEqual([]);
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
    await registry.register(instance, '2026-11-30T10:00:00.000Z');
    await registry.register(instance, '2026-11-30T10:01:00.000Z');

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
