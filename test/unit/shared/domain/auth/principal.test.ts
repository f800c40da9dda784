import { describe, expect, it } from 'vitest';
import { AuthenticationError } from '../../../../../shared/domain/auth/errors';
import { principalFromClaims, scopesOf } from '../../../../../shared/domain/auth/principal';

const EXP = 1_800_000_000;

describe('principal', () => {
  describe('scopesOf', () => {
    it('reads a space-separated scope claim, dropping empty entries and repeats', () => {
      // Act
      const scopes = scopesOf({ scope: ' mesh:read  mesh:write mesh:read ' });

      // Assess
      expect(scopes).toEqual(['mesh:read', 'mesh:write']);
    });

    it('reads an scp array when there is no scope claim', () => {
      // Act / Assess
      expect(scopesOf({ scp: ['events:read', 'events:write'] })).toEqual(['events:read', 'events:write']);
    });

    it('prefers scope over scp', () => {
      // Act / Assess
      expect(scopesOf({ scope: 'a', scp: ['b'] })).toEqual(['a']);
    });

    it('returns no scopes when the token has neither claim', () => {
      // Act / Assess
      expect(scopesOf({})).toEqual([]);
    });

    it('keeps only the scopes with the prefix, without it (Cognito resource server scopes)', () => {
      // Act
      const scopes = scopesOf({ scope: 'aif/mesh:read other/mesh:write openid aif/ aif/events:read' }, 'aif/');

      // Assess
      expect(scopes).toEqual(['mesh:read', 'events:read']);
    });

    it('applies the prefix to an scp array too', () => {
      // Act / Assess
      expect(scopesOf({ scp: ['aif/a', 'b'] }, 'aif/')).toEqual(['a']);
    });

    it.each([
      ['a scope array', { scope: ['a'] }],
      ['an scp string', { scp: 'a b' }],
      ['an scp array with a number', { scp: ['a', 1] }],
    ])('rejects %s', (_name, claims) => {
      // Act / Assess
      expect(() => scopesOf(claims)).toThrow(AuthenticationError);
    });
  });

  describe('principalFromClaims', () => {
    it('strips the scope prefix it is given', () => {
      // Act
      const principal = principalFromClaims(
        { sub: 'client-1', client_id: 'client-1', exp: EXP, scope: 'aif/contracts:read' },
        { scopePrefix: 'aif/' },
      );

      // Assess
      expect(principal.scopes).toEqual(['contracts:read']);
    });

    it('takes the tenant from the tenant claim', () => {
      // Act
      const principal = principalFromClaims({ sub: 'agent-1', tenant: 't1', exp: EXP, jti: 'j1', scope: 'a' });

      // Assess
      expect(principal).toEqual({ tenant: 't1', principal: 'agent-1', tokenId: 'j1', scopes: ['a'], expiresAt: EXP });
    });

    it('takes the tenant from a configured claim', () => {
      // Act
      const principal = principalFromClaims(
        { sub: 'agent-1', org: 'acme', tenant: 't1', exp: EXP },
        { tenantClaim: 'org' },
      );

      // Assess
      expect(principal.tenant).toBe('acme');
    });

    it('makes the principal its own tenant when the token names none', () => {
      // Act / Assess
      expect(principalFromClaims({ sub: 'agent-1', exp: EXP }).tenant).toBe('agent-1');
    });

    it('uses client_id as principal and tenant for a Cognito client-credentials token without sub', () => {
      // Act
      const principal = principalFromClaims({
        client_id: 'app-1',
        token_use: 'access',
        exp: EXP,
        scope: 'aif/mesh:read',
      });

      // Assess
      expect(principal).toEqual({
        tenant: 'app-1',
        principal: 'app-1',
        clientId: 'app-1',
        scopes: ['aif/mesh:read'],
        expiresAt: EXP,
      });
    });

    it.each([
      ['without sub or client_id', { exp: EXP }],
      ['with an empty sub and no client_id', { sub: '', exp: EXP }],
      ['with a numeric sub', { sub: 7, exp: EXP }],
      ['without exp', { sub: 'a' }],
      ['with a string exp', { sub: 'a', exp: String(EXP) }],
      ['with a non-string tenant', { sub: 'a', exp: EXP, tenant: { id: 't' } }],
      ["naming the framework's reserved tenant", { sub: 'a', exp: EXP, tenant: 'aif' }],
      ["whose subject would be the framework's reserved tenant", { sub: 'aif', exp: EXP }],
    ])('rejects claims %s', (_name, claims) => {
      // Act / Assess
      expect(() => principalFromClaims(claims)).toThrow(AuthenticationError);
    });
  });
});
