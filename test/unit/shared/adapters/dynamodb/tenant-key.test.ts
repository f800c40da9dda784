import { describe, expect, it } from 'vitest';
import { tenantOfSegment, tenantSegment } from '../../../../../shared/adapters/dynamodb/tenant-key';

describe('tenantSegment', () => {
  it('encodes the key separator, so no tenant can forge another tenant’s key', () => {
    // Act
    const forged = `CONTRACT#${tenantSegment('a#CONTRACT#b')}#x`;
    const honest = `CONTRACT#${tenantSegment('a')}#CONTRACT#b#x`;

    // Assess
    expect(tenantSegment('a#CONTRACT#b')).not.toContain('#');
    expect(forged).not.toBe(honest);
  });

  it('round-trips any tenant string', () => {
    for (const tenant of ['acme', 'a#b', 'ü/ß %', 'arn:aws:iam::123456789012:role/agent']) {
      expect(tenantOfSegment(tenantSegment(tenant))).toBe(tenant);
    }
  });

  it('refuses an empty tenant', () => {
    expect(() => tenantSegment('')).toThrow(/non-empty tenant/);
  });
});
