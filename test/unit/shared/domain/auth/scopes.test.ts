import { describe, expect, it } from 'vitest';
import { mayCall, missingScopes } from '../../../../../shared/domain/auth/scopes';

const route = { method: 'PUT', path: '/v1/error-policies/{key}', scopes: ['errors:write', 'errors:admin'] };

describe('scopes', () => {
  describe('missingScopes', () => {
    it('lists every scope of the route the caller lacks', () => {
      // Act / Assess
      expect(missingScopes(route, ['errors:write', 'mesh:read'])).toEqual(['errors:admin']);
    });

    it('returns nothing when the caller holds every scope', () => {
      // Act / Assess
      expect(missingScopes(route, ['errors:admin', 'errors:write'])).toEqual([]);
    });

    it('compares scopes exactly, case included', () => {
      // Act / Assess
      expect(missingScopes(route, ['Errors:Write', 'errors:admin '])).toEqual(['errors:write', 'errors:admin']);
    });

    it('asks nothing of a public route', () => {
      // Act / Assess
      expect(missingScopes({ ...route, public: true }, [])).toEqual([]);
    });
  });

  describe('mayCall', () => {
    it('admits a caller with every scope and refuses one with some', () => {
      // Act / Assess
      expect(mayCall(route, ['errors:write', 'errors:admin'])).toBe(true);
      expect(mayCall(route, ['errors:write'])).toBe(false);
    });
  });
});
