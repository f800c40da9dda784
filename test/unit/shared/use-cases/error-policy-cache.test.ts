import { describe, expect, it, vi } from 'vitest';
import { BUILT_IN_POLICIES } from '../../../../shared/domain/resilience/policy';
import type { ErrorPolicyRepository, StoredErrorPolicy } from '../../../../shared/ports/error-policy-repository';
import { ErrorPolicyCache } from '../../../../shared/use-cases/error-policy-cache';
import { recordingClock } from '../../../support/clock';

function repository(lists: Array<StoredErrorPolicy[] | Error>): ErrorPolicyRepository & { calls: number } {
  const repo = {
    calls: 0,
    list: vi.fn(async () => {
      const next = lists[Math.min(repo.calls, lists.length - 1)];
      repo.calls += 1;
      if (next instanceof Error) throw next;
      return next as StoredErrorPolicy[];
    }),
    get: vi.fn(),
    put: vi.fn(),
    delete: vi.fn(),
  };
  return repo;
}

const stored = (key: string, alertThreshold: number): StoredErrorPolicy => ({
  key,
  policy: { ...BUILT_IN_POLICIES.transient, alertThreshold },
  revision: 1,
  updatedAt: 't',
});

describe('ErrorPolicyCache', () => {
  describe('overrides', () => {
    it('loads once per TTL, shares one load between concurrent callers, and reloads after invalidate', async () => {
      // Prepare
      const clock = recordingClock(0);
      const repo = repository([[stored('HTTP_503', 1)], [stored('HTTP_503', 2)], [stored('HTTP_503', 3)]]);
      const cache = new ErrorPolicyCache(repo, clock, { ttlMs: 1_000 });

      // Act
      const [a, b] = await Promise.all([cache.overrides(), cache.overrides()]);
      clock.advance(999);
      const cached = await cache.overrides();
      clock.advance(1);
      const refreshed = await cache.overrides();
      cache.invalidate();
      const afterInvalidate = await cache.overrides();

      // Assess
      expect(a.get('HTTP_503')?.alertThreshold).toBe(1);
      expect(b).toBe(a);
      expect(cached).toBe(a);
      expect(refreshed.get('HTTP_503')?.alertThreshold).toBe(2);
      expect(afterInvalidate.get('HTTP_503')?.alertThreshold).toBe(3);
      expect(repo.calls).toBe(3);
    });

    it('keeps serving the last copy when a refresh fails, reports it, and retries a second later', async () => {
      // Prepare
      const clock = recordingClock(0);
      const failures: unknown[] = [];
      const repo = repository([[stored('X', 5)], new Error('throttled'), [stored('X', 6)]]);
      const cache = new ErrorPolicyCache(repo, clock, { ttlMs: 10_000, onRefreshError: (e) => failures.push(e) });
      await cache.overrides();
      clock.advance(10_000);

      // Act
      const stale = await cache.overrides();
      clock.advance(500);
      const stillStale = await cache.overrides();
      clock.advance(500);
      const fresh = await cache.overrides();

      // Assess
      expect(stale.get('X')?.alertThreshold).toBe(5);
      expect(stillStale.get('X')?.alertThreshold).toBe(5);
      expect(failures).toHaveLength(1);
      expect(fresh.get('X')?.alertThreshold).toBe(6);
      expect(repo.calls).toBe(3);
    });
  });

  describe('current', () => {
    it('answers at once with what is loaded and refreshes in the background', async () => {
      // Prepare
      const repo = repository([[stored('Y', 9)]]);
      const cache = new ErrorPolicyCache(repo, recordingClock(0));

      // Act
      const first = cache.current();
      await vi.waitFor(() => expect(cache.snapshot().size).toBe(1));

      // Assess
      expect(first.size).toBe(0);
      expect(cache.current().get('Y')?.alertThreshold).toBe(9);
      expect(repo.calls).toBe(1);
    });
  });
});
