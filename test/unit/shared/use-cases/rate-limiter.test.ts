import { describe, expect, it } from 'vitest';
import { DependencyUnavailableError } from '../../../../shared/domain/errors';
import { RateLimitedError, RateLimiterUnavailableError } from '../../../../shared/domain/rate-limits/errors';
import { allowedIn, type BucketLimit } from '../../../../shared/domain/rate-limits/token-bucket';
import {
  contractBucketKey,
  RateLimiter,
  rateLimitedError,
  routeBucketKey,
} from '../../../../shared/use-cases/rate-limiter';
import { recordingClock } from '../../../support/clock';
import { memoryBucketStore } from '../../../support/rate-limits';
import { rejectionOf } from '../../../support/rejection';

const T0 = Date.parse('2026-11-30T10:00:00Z');
const limit: BucketLimit = { requestsPerSecond: 10, burstSize: 5 };
const KEY = routeBucketKey('acme', 'publishEvents');

describe('RateLimiter', () => {
  it('admits the burst with one conditional write each, then refuses with Retry-After in whole seconds', async () => {
    // Prepare
    const store = memoryBucketStore();
    const limiter = new RateLimiter({ store, clock: recordingClock(T0) });

    // Act
    const decisions = [];
    for (let i = 0; i < 6; i++) decisions.push(await limiter.take(KEY, limit));

    // Assess
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, true, false]);
    expect(decisions.map((d) => d.remaining)).toEqual([4, 3, 2, 1, 0, 0]);
    expect(decisions[5]).toEqual({ allowed: false, limit, remaining: 0, resetSeconds: 1, retryAfterSeconds: 1 });
    // The refusal came from the state this instance had seen: no write for it.
    expect(store.writes).toBe(5);
  });

  it('refills from elapsed time', async () => {
    // Prepare
    const clock = recordingClock(T0);
    const limiter = new RateLimiter({ store: memoryBucketStore(), clock });
    for (let i = 0; i < 5; i++) await limiter.take(KEY, limit);

    // Act
    const refused = await limiter.take(KEY, limit);
    clock.advance(250);
    const after = [await limiter.take(KEY, limit), await limiter.take(KEY, limit), await limiter.take(KEY, limit)];

    // Assess
    expect(refused.allowed).toBe(false);
    expect(after.map((d) => d.allowed)).toEqual([true, true, false]);
  });

  it('keeps tenants and operations apart', async () => {
    // Prepare
    const limiter = new RateLimiter({ store: memoryBucketStore(), clock: recordingClock(T0) });
    const one = { requestsPerSecond: 1, burstSize: 1 };

    // Act
    const results = [
      await limiter.take(routeBucketKey('acme', 'publishEvents'), one),
      await limiter.take(routeBucketKey('acme', 'publishEvents'), one),
      await limiter.take(routeBucketKey('globex', 'publishEvents'), one),
      await limiter.take(routeBucketKey('acme', 'startReplay'), one),
    ];

    // Assess
    expect(results.map((d) => d.allowed)).toEqual([true, false, true, true]);
  });

  it('writes once more when its guess of the phase is stale, and refuses on what the store answers', async () => {
    // Prepare: instance A empties the bucket; instance B has seen the bucket full a second ago
    const clock = recordingClock(T0);
    const store = memoryBucketStore();
    const a = new RateLimiter({ store, clock });
    const b = new RateLimiter({ store, clock });
    await b.take(KEY, limit);
    clock.advance(1000);
    for (let i = 0; i < 5; i++) await a.take(KEY, limit);
    const writesBefore = store.writes;

    // Act: B guesses "full" (its state has passed), the store says empty
    const refused = await b.take(KEY, limit);

    // Assess
    expect(refused.allowed).toBe(false);
    expect(store.writes - writesBefore).toBe(1);
  });

  it('never admits more than the bucket holds across instances taking concurrently', async () => {
    // Prepare: 5 limiter instances on one store, 40 concurrent takes each, at one instant
    const clock = recordingClock(T0);
    const store = memoryBucketStore();
    const instances = Array.from({ length: 5 }, () => new RateLimiter({ store, clock }));

    // Act
    const decisions = await Promise.all(
      instances.flatMap((limiter) => Array.from({ length: 40 }, () => limiter.take(KEY, limit))),
    );

    // Assess
    expect(decisions.filter((d) => d.allowed)).toHaveLength(allowedIn(limit, 0));
    expect(store.applied).toBe(5);
  });

  it('fails closed: a store failure is RateLimiterUnavailableError (503) with the store’s Retry-After', async () => {
    // Prepare
    const limiter = new RateLimiter({
      store: {
        apply: async () => {
          throw new DependencyUnavailableError('DynamoDB table aif-ratelimits is unavailable (ThrottlingException)', 3);
        },
      },
      clock: recordingClock(T0),
    });
    const broken = new RateLimiter({
      store: {
        apply: async () => {
          throw new TypeError('fetch failed');
        },
      },
      clock: recordingClock(T0),
    });

    // Act
    const throttled = await rejectionOf<RateLimiterUnavailableError>(limiter.take(KEY, limit));
    const failed = await rejectionOf<RateLimiterUnavailableError>(broken.take(KEY, limit));

    // Assess
    expect(throttled).toBeInstanceOf(RateLimiterUnavailableError);
    expect(throttled.retryAfterSeconds).toBe(3);
    expect(throttled.code).toBe('rate-limiter-unavailable');
    expect(failed).toBeInstanceOf(RateLimiterUnavailableError);
    expect(failed.retryAfterSeconds).toBe(1);
    expect(failed.message).toContain('fetch failed');
  });

  it('forgets the oldest buckets beyond maxRemembered (a guess, never a decision: the store decides)', async () => {
    // Prepare
    const store = memoryBucketStore();
    const limiter = new RateLimiter({ store, clock: recordingClock(T0) }, { maxRemembered: 2 });
    const one = { requestsPerSecond: 1, burstSize: 1 };
    for (const tenant of ['a', 'b', 'c']) await limiter.take(routeBucketKey(tenant, 'x'), one);
    const writes = store.writes;

    // Act: "a" was forgotten, so its refusal needs the store; "c" is remembered
    const a = await limiter.take(routeBucketKey('a', 'x'), one);
    const c = await limiter.take(routeBucketKey('c', 'x'), one);

    // Assess
    expect([a.allowed, c.allowed]).toEqual([false, false]);
    expect(store.writes - writes).toBe(1);
  });

  it('names buckets by tenant and operation, or by tenant, service and endpoint, tenants percent-encoded', () => {
    // Act / Assess
    expect(routeBucketKey('acme', 'publishEvents')).toBe('ROUTE#acme#publishEvents');
    expect(routeBucketKey('a#b', 'routeCall')).toBe('ROUTE#a%23b#routeCall');
    expect(contractBucketKey('acme', 'orders', 'GET /orders/{id}')).toBe(
      'CONTRACT#acme#orders#GET%20%2Forders%2F%7Bid%7D',
    );
  });

  it('turns a refusal into the 429 error with the policy and the contract’s header', () => {
    // Act
    const error = rateLimitedError(
      'contract:orders',
      { allowed: false, limit, remaining: 0, resetSeconds: 2, retryAfterSeconds: 1 },
      'limited',
      'X-Retry-In',
    );

    // Assess
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error.refusal).toEqual({
      policy: 'contract:orders',
      limit,
      retryAfterSeconds: 1,
      resetSeconds: 2,
      retryAfterHeader: 'X-Retry-In',
    });
    expect(error.extensions).toEqual({
      rateLimit: { policy: 'contract:orders', requestsPerSecond: 10, burstSize: 5 },
      retryAfterSeconds: 1,
    });
  });
});
