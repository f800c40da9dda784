import { describe, expect, it } from 'vitest';
import { rotatedSecrets, type SealedSecret, signingSecrets } from '../../../../../shared/domain/events/webhook-secret';

const sealed = (name: string, expiresAt?: string): SealedSecret => ({
  sealed: name,
  last4: name.slice(-4),
  digest: `d-${name}`,
  createdAt: '2026-11-01T00:00:00.000Z',
  ...(expiresAt && { expiresAt }),
});
const NOW = new Date('2026-11-30T10:00:00.000Z');

describe('webhook secrets', () => {
  describe('rotatedSecrets', () => {
    it('puts the new secret first and lets the current one sign until now + overlap', () => {
      // Act
      const next = rotatedSecrets([sealed('current')], sealed('next'), NOW, 3600);

      // Assess
      expect(next).toEqual([sealed('next'), sealed('current', '2026-11-30T11:00:00.000Z')]);
    });

    it('drops the current secret at once for an overlap of 0, and an older one still in its window', () => {
      // Act
      const immediate = rotatedSecrets([sealed('current')], sealed('next'), NOW, 0);
      const again = rotatedSecrets(
        [sealed('current'), sealed('older', '2026-11-30T12:00:00.000Z')],
        sealed('next'),
        NOW,
        60,
      );

      // Assess
      expect(immediate).toEqual([sealed('next')]);
      expect(again.map((s) => s.sealed)).toEqual(['next', 'current']);
    });
  });

  describe('signingSecrets', () => {
    it('keeps secrets without expiry and those expiring after now, never one expiring at now', () => {
      // Act
      const signing = signingSecrets(
        [sealed('a'), sealed('b', '2026-11-30T10:00:00.001Z'), sealed('c', '2026-11-30T10:00:00.000Z')],
        NOW,
      );

      // Assess
      expect(signing.map((s) => s.sealed)).toEqual(['a', 'b']);
    });
  });
});
