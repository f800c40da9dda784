import { ConcurrencyLimiterUnavailableError, TenantConcurrencyExceededError } from '../domain/concurrency/errors';
import { inFlightKey, MAX_LEASE_MS, type OutboundScope } from '../domain/concurrency/leases';
import { DependencyUnavailableError } from '../domain/errors';
import { type Clock, nowMs } from '../ports/clock';
import type { ConcurrencyLimiter } from '../ports/concurrency-leases';

/** What {@link OutboundBudget.acquire} decided. */
export type BudgetDecision =
  | { readonly admitted: true; readonly release: () => Promise<void> }
  | {
      readonly admitted: false;
      readonly maxInFlight: number;
      /** Whole seconds, at least 1, at most {@link MAX_RETRY_AFTER_SECONDS}. */
      readonly retryAfterSeconds: number;
    };

/** Options of {@link OutboundBudget}. */
export type OutboundBudgetOptions = {
  scope: OutboundScope;
  /** Calls one tenant may have in flight in this scope (MESH_ / WEBHOOK_MAX_IN_FLIGHT_PER_TENANT), at least 1. */
  maxInFlight: number;
  /** Told when a release failed; the lease then frees itself at expiry. */
  onReleaseError?: (error: unknown) => void;
};

/**
 * Longest Retry-After a refusal states, seconds. A slot frees as soon as one of the tenant's calls
 * ends, usually long before its lease expires, so the wait is a short hint, not the lease's end.
 */
export const MAX_RETRY_AFTER_SECONDS = 5;

/**
 * One scope's per-tenant budget of in-flight outbound calls, on a {@link ConcurrencyLimiter}
 * shared by every Lambda instance: one lease per call, taken before the call goes out and given
 * back once its answer is read.
 *
 * Fails closed: when the limiter's store cannot be reached, `acquire` (and `run`) throw
 * {@link ConcurrencyLimiterUnavailableError} (503 with Retry-After) and the call is not made.
 *
 * @example
 * const budget = new OutboundBudget({ limiter, clock }, { scope: 'mesh', maxInFlight: 50 });
 * const answer = await budget.run('acme', 34_000, () => callUpstream()); // or TenantConcurrencyExceededError
 */
export class OutboundBudget {
  constructor(
    private readonly deps: { limiter: ConcurrencyLimiter; clock: Pick<Clock, 'now'> },
    private readonly options: OutboundBudgetOptions,
  ) {}

  /** Calls one tenant may have in flight in this scope. */
  get maxInFlight(): number {
    return this.options.maxInFlight;
  }

  /**
   * Takes a slot of `tenant`'s budget for `leaseMs` (the call's timeout and a margin: a holder that
   * never releases frees the slot then).
   *
   * @param leaseMs - milliseconds, capped at `MAX_LEASE_MS`
   * @returns admitted with its `release` (never throws; call it in `finally`), or refused with the seconds to wait
   * @throws {ConcurrencyLimiterUnavailableError} when the limiter's store fails: the call must not be made
   */
  async acquire(tenant: string, leaseMs: number): Promise<BudgetDecision> {
    const { scope, maxInFlight } = this.options;
    const key = inFlightKey(scope, tenant);
    let outcome: Awaited<ReturnType<ConcurrencyLimiter['acquire']>>;
    try {
      outcome = await this.deps.limiter.acquire(
        key,
        maxInFlight,
        Math.min(leaseMs, MAX_LEASE_MS),
        nowMs(this.deps.clock),
      );
    } catch (error) {
      const retryAfter = error instanceof DependencyUnavailableError ? error.retryAfterSeconds : 1;
      const reason = error instanceof Error ? error.message : String(error);
      throw new ConcurrencyLimiterUnavailableError(
        `The concurrency limiter's store is unavailable (${reason}); the call was not made`,
        retryAfter,
        { cause: error },
      );
    }
    if (!outcome.acquired) {
      const retryAfterSeconds = Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil(outcome.retryAfterMs / 1000)));
      return { admitted: false, maxInFlight, retryAfterSeconds };
    }
    const { leaseId } = outcome;
    return {
      admitted: true,
      release: () =>
        this.deps.limiter.release(key, leaseId).catch((error: unknown) => this.options.onReleaseError?.(error)),
    };
  }

  /**
   * Runs `call` holding a slot of `tenant`'s budget, released when it settles (answered or thrown).
   *
   * @throws {TenantConcurrencyExceededError} 429 with Retry-After when the tenant's slots are all taken (`call` is not run)
   * @throws {ConcurrencyLimiterUnavailableError} 503 when the limiter's store fails (`call` is not run)
   * @throws whatever `call` throws
   */
  async run<T>(tenant: string, leaseMs: number, call: () => Promise<T>): Promise<T> {
    const decision = await this.acquire(tenant, leaseMs);
    if (!decision.admitted) {
      throw new TenantConcurrencyExceededError(this.options.scope, decision.maxInFlight, decision.retryAfterSeconds);
    }
    try {
      return await call();
    } finally {
      await decision.release();
    }
  }
}
