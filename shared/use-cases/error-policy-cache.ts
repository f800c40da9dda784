import type { PolicyOverrides } from '../domain/resilience/policy';
import type { Clock } from '../ports/clock';
import type { ErrorPolicyRepository } from '../ports/error-policy-repository';

/** How long a Lambda instance trusts its copy of the stored policies, milliseconds. */
export const DEFAULT_POLICY_CACHE_TTL_MS = 30_000;

/** Wait after a failed refresh before the next attempt, milliseconds. */
const REFRESH_RETRY_MS = 1_000;

/**
 * The operator-stored error policies as one Lambda instance sees them: loaded from the repository
 * at most once per `ttlMs` (concurrent callers share one load), invalidated by this instance's own
 * writes. A change made through another instance takes effect here within `ttlMs`.
 *
 * When a refresh fails, the last loaded copy keeps serving (stale policies beat no decision) and
 * `onRefreshError` is told; with no copy at all the built-in policies apply until a load succeeds.
 *
 * @example
 * const cache = new ErrorPolicyCache(repository, systemClock);
 * resolvePolicy(await cache.overrides(), error);
 */
export class ErrorPolicyCache {
  private loaded: PolicyOverrides = new Map();
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<PolicyOverrides> | undefined;

  constructor(
    private readonly repository: ErrorPolicyRepository,
    private readonly clock: Clock,
    private readonly options: { ttlMs?: number; onRefreshError?: (error: unknown) => void } = {},
  ) {}

  /** The stored policies by key, refreshed when older than the TTL. Never throws. */
  async overrides(): Promise<PolicyOverrides> {
    if (this.clock.now().getTime() - this.loadedAt < (this.options.ttlMs ?? DEFAULT_POLICY_CACHE_TTL_MS)) {
      return this.loaded;
    }
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  /** The last loaded policies without waiting (empty before the first load). */
  snapshot(): PolicyOverrides {
    return this.loaded;
  }

  /**
   * The last loaded policies without waiting, starting a background refresh when they are older
   * than the TTL: for synchronous callers such as the AWS SDK retry strategy. The refresh never
   * rejects (failures go to `onRefreshError`).
   */
  current(): PolicyOverrides {
    void this.overrides();
    return this.loaded;
  }

  /** Forgets the loaded copy, so the next `overrides()` reads the repository. */
  invalidate(): void {
    this.loadedAt = Number.NEGATIVE_INFINITY;
  }

  private async load(): Promise<PolicyOverrides> {
    try {
      const stored = await this.repository.list();
      this.loaded = new Map(stored.map((s) => [s.key, s.policy]));
      this.loadedAt = this.clock.now().getTime();
    } catch (error) {
      // Try again in a second rather than on every call while storage is failing.
      const ttlMs = this.options.ttlMs ?? DEFAULT_POLICY_CACHE_TTL_MS;
      this.loadedAt = this.clock.now().getTime() - ttlMs + Math.min(ttlMs, REFRESH_RETRY_MS);
      this.options.onRefreshError?.(error);
    }
    return this.loaded;
  }
}
