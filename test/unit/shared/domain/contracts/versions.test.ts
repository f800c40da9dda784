import { describe, expect, it } from 'vitest';
import { SemverSchema } from '../../../../../shared/domain/contracts/contract';
import {
  normalizeVersion,
  resolveLatest,
  sortByPrecedenceDescending,
} from '../../../../../shared/domain/contracts/versions';

const entry = (version: string, deprecated = false) => ({ version, deprecated });

describe('versions', () => {
  describe('sortByPrecedenceDescending', () => {
    it('orders by semver precedence, not string order', () => {
      expect(sortByPrecedenceDescending(['1.9.0', '1.10.0', '1.2.0', '10.0.0', '2.0.0'])).toEqual([
        '10.0.0',
        '2.0.0',
        '1.10.0',
        '1.9.0',
        '1.2.0',
      ]);
    });

    it('puts a prerelease before its release and orders prerelease identifiers numerically', () => {
      expect(sortByPrecedenceDescending(['1.0.0', '1.0.0-rc.10', '1.0.0-rc.2', '1.0.0-alpha', '1.0.0-beta'])).toEqual([
        '1.0.0',
        '1.0.0-rc.10',
        '1.0.0-rc.2',
        '1.0.0-beta',
        '1.0.0-alpha',
      ]);
    });
  });

  describe('resolveLatest', () => {
    it('picks 1.10.0 over 1.9.0', () => {
      expect(resolveLatest([entry('1.9.0'), entry('1.10.0')])?.version).toBe('1.10.0');
    });

    it('skips prereleases unless asked for them', () => {
      const versions = [entry('1.0.0'), entry('2.0.0-beta.1')];
      expect(resolveLatest(versions)?.version).toBe('1.0.0');
      expect(resolveLatest(versions, true)?.version).toBe('2.0.0-beta.1');
    });

    it('skips deprecated versions', () => {
      expect(resolveLatest([entry('1.0.0'), entry('1.1.0', true)])?.version).toBe('1.0.0');
    });

    it('returns undefined when only prereleases and deprecated versions exist', () => {
      expect(resolveLatest([entry('1.0.0-rc.1'), entry('0.9.0', true)])).toBeUndefined();
    });
  });

  describe('normalizeVersion', () => {
    it('reads a version as registration stores it', () => {
      expect(normalizeVersion(' v1.2.3+build.5 ')).toBe('1.2.3');
      expect(normalizeVersion('=1.0.0-rc.1')).toBe('1.0.0-rc.1');
      expect(normalizeVersion('latest')).toBe('latest');
    });
  });

  describe('SemverSchema', () => {
    it('drops build metadata, which takes no part in precedence', () => {
      expect(SemverSchema.parse('1.2.3+build.7')).toBe('1.2.3');
    });

    it('rejects a version that is not semver', () => {
      const result = SemverSchema.safeParse('1.0');
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.message).toBe('"1.0" is not a semantic version (MAJOR.MINOR.PATCH[-prerelease])');
    });
  });
});
