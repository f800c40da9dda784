import { describe, expect, it } from 'vitest';
import { compileEventPattern, type EventPattern } from '../../../../../shared/domain/events/event-pattern';
import type { IntegrationEvent } from '../../../../../shared/domain/events/integration-event';
import { rulePattern, toEventBridgeEvent } from '../../../../../shared/domain/events/subscription';
import {
  isReservedSource,
  physicalName,
  TENANT_METADATA_KEY,
  tenantOf,
  withTenant,
} from '../../../../../shared/domain/events/tenancy';

const event: IntegrationEvent = {
  id: 'evt-1',
  type: 'order.created',
  version: '1.0.0',
  source: 'shop.orders',
  timestamp: Date.parse('2026-11-30T10:00:00Z'),
  payload: { total: 120 },
  metadata: { traceparent: 't', [TENANT_METADATA_KEY]: 'forged' },
};

describe('tenancy', () => {
  describe('withTenant / tenantOf', () => {
    it('sets the tenant, replacing a claimed one and keeping the other metadata, without changing the input', () => {
      // Act
      const stamped = withTenant(event, 'acme');

      // Assess
      expect(stamped.metadata).toEqual({ traceparent: 't', [TENANT_METADATA_KEY]: 'acme' });
      expect(tenantOf(stamped)).toBe('acme');
      expect(event.metadata[TENANT_METADATA_KEY]).toBe('forged');
      expect(tenantOf({ metadata: {} })).toBeUndefined();
    });
  });

  describe('isReservedSource', () => {
    it('reserves aif and aif.* in any case, and nothing that merely starts with the letters', () => {
      expect(['aif', 'aif.errors', 'AIF.mesh', 'Aif.x.y'].map(isReservedSource)).toEqual([true, true, true, true]);
      expect(['aifshop', 'shop.aif', 'aif-errors', 'test', 'aif:errors'].map(isReservedSource)).toEqual([
        false,
        false,
        false,
        false,
        false,
      ]);
    });
  });

  describe('physicalName', () => {
    it('is stable, per tenant, and within the limit however long the name', () => {
      // Act
      const acme = physicalName('p-', 'acme', 'orders');
      const long = physicalName('aif-dev-sub-', 'acme', 'n'.repeat(100));

      // Assess
      expect(physicalName('p-', 'acme', 'orders')).toBe(acme);
      expect(physicalName('p-', 'globex', 'orders')).not.toBe(acme);
      expect(acme).toMatch(/^p-orders-[0-9a-f]{16}$/);
      expect(long).toHaveLength(64);
      expect(() => physicalName('x'.repeat(48), 'acme', 'orders')).toThrow(RangeError);
    });
  });

  describe('rulePattern', () => {
    it("matches only the owner's tenant's events, with or without a filter", () => {
      // Prepare
      const owner = { tenant: 'acme', principal: 'p' };
      const unfiltered = compileEventPattern(rulePattern({ eventType: 'order.created', owner }) as EventPattern);
      const filtered = compileEventPattern(
        rulePattern({ eventType: 'order.created', filter: { total: [{ exists: true }] }, owner }) as EventPattern,
      );

      // Act
      const shaped = (tenant?: string) =>
        toEventBridgeEvent(tenant ? withTenant(event, tenant) : { ...event, metadata: {} });

      // Assess
      expect([unfiltered(shaped('acme')), filtered(shaped('acme'))]).toEqual([true, true]);
      expect([unfiltered(shaped('globex')), filtered(shaped('globex'))]).toEqual([false, false]);
      expect([unfiltered(shaped()), filtered(shaped())]).toEqual([false, false]);
    });
  });
});
