import { describe, expect, it } from 'vitest';
import {
  FRAMEWORK_TENANT,
  isReservedTenant,
  ownerOf,
  tenantConcerned,
  unauthenticatedCaller,
} from '../../../../../shared/domain/auth/owner';

describe('owner', () => {
  describe('isReservedTenant', () => {
    it('reserves exactly the framework’s tenant aif', () => {
      // Act / Assess
      expect(FRAMEWORK_TENANT).toBe('aif');
      expect(isReservedTenant('aif')).toBe(true);
      expect(['AIF', 'aif.errors', 'aif ', 'default', ''].map(isReservedTenant)).toEqual([
        false,
        false,
        false,
        false,
        false,
      ]);
    });

    it('never reserves the tenant of callers when auth is off', () => {
      // Act / Assess
      expect(isReservedTenant(unauthenticatedCaller([]).tenant)).toBe(false);
    });
  });

  describe('tenantConcerned', () => {
    it('is the tenant of the object’s owner when it has one', () => {
      // Act / Assess
      expect(tenantConcerned({ tenant: 'acme', principal: 'agent-1' })).toBe('acme');
    });

    it('is the framework’s own tenant for an object without an owner', () => {
      // Act / Assess
      expect(tenantConcerned(undefined)).toBe('aif');
      expect(tenantConcerned({ tenant: '', principal: 'nobody' })).toBe('aif');
    });
  });

  describe('ownerOf', () => {
    it('keeps only tenant and principal of the caller', () => {
      // Act
      const owner = ownerOf({ tenant: 't', principal: 'p', clientId: 'c', tokenId: 'j', scopes: ['a'], expiresAt: 1 });

      // Assess
      expect(owner).toEqual({ tenant: 't', principal: 'p' });
    });
  });
});
