import { describe, expect, it } from 'vitest';
import { bearerChallenge } from '../../../../../shared/domain/auth/challenge';

describe('challenge', () => {
  describe('bearerChallenge', () => {
    it('is the bare scheme when the request had no credentials (RFC 6750 §3.1)', () => {
      // Act / Assess
      expect(bearerChallenge()).toBe('Bearer');
    });

    it('names invalid_token with a description', () => {
      // Act / Assess
      expect(bearerChallenge({ error: 'invalid_token', description: 'The access token expired' })).toBe(
        'Bearer error="invalid_token", error_description="The access token expired"',
      );
    });

    it('names insufficient_scope with the space-separated scopes needed', () => {
      // Act / Assess
      expect(bearerChallenge({ error: 'insufficient_scope', scopes: ['mesh:read', 'mesh:admin'] })).toBe(
        'Bearer error="insufficient_scope", scope="mesh:read mesh:admin"',
      );
    });

    it('drops quotes and backslashes from a description so the quoted string stays well-formed', () => {
      // Act / Assess
      expect(bearerChallenge({ error: 'invalid_token', description: 'the "aud" \\ claim' })).toBe(
        'Bearer error="invalid_token", error_description="the aud  claim"',
      );
    });
  });
});
