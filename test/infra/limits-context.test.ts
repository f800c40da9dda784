import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { functionManifest } from '../../functions/manifest';
import { DEFAULT_MAX_IN_FLIGHT, readLimitsContext } from '../../infra/limits-context';
import { loadConfig } from '../../shared/config';

const STAGE = { rateLimit: 100, burstLimit: 200 };
const limitsOf = (context: Record<string, unknown>) =>
  readLimitsContext(new App({ context }).node, 'none', STAGE).maxInFlightPerTenant;

describe('readLimitsContext', () => {
  describe('outbound budgets', () => {
    it('defaults to 50 mesh calls and 10 deliveries per tenant, below each function’s reserved concurrency', () => {
      // Act
      const limits = limitsOf({});
      const config = loadConfig([], {});

      // Assess
      expect(limits).toEqual({ mesh: 50, webhook: 10 });
      expect(DEFAULT_MAX_IN_FLIGHT.mesh).toBeLessThan(functionManifest.mesh.reservedConcurrency);
      expect(DEFAULT_MAX_IN_FLIGHT.webhook).toBeLessThan(functionManifest.dispatcher.reservedConcurrency);
      expect(config.MESH_MAX_IN_FLIGHT_PER_TENANT).toBe(DEFAULT_MAX_IN_FLIGHT.mesh);
      expect(config.WEBHOOK_MAX_IN_FLIGHT_PER_TENANT).toBe(DEFAULT_MAX_IN_FLIGHT.webhook);
    });

    it('takes a whole number or off (0) from the context', () => {
      expect(limitsOf({ meshMaxInFlightPerTenant: '20', webhookMaxInFlightPerTenant: 'off' })).toEqual({
        mesh: 20,
        webhook: 0,
      });
      expect(limitsOf({ meshMaxInFlightPerTenant: 0 })).toMatchObject({ mesh: 0 });
    });

    it.each([
      [{ meshMaxInFlightPerTenant: 'many' }, /Context "meshMaxInFlightPerTenant" must be off or a whole number/],
      [{ webhookMaxInFlightPerTenant: '2.5' }, /Context "webhookMaxInFlightPerTenant" must be off or a whole number/],
      [{ meshMaxInFlightPerTenant: '100' }, /must stay below the mesh function's reserved concurrency \(100/],
      [{ webhookMaxInFlightPerTenant: '20' }, /must stay below the dispatcher function's reserved concurrency \(20/],
    ])('rejects %o', (context, message) => {
      expect(() => limitsOf(context)).toThrow(message);
    });
  });
});
