import { describe, expect, it } from 'vitest';
import { rateLimitFields, refusalHeaders } from '../../../../shared/http/rate-limit-fields';

const limit = { requestsPerSecond: 20, burstSize: 40 };

describe('RateLimit fields', () => {
  it('states the policy (quota = burst, window = time to refill) and the state (tokens left, seconds until full)', () => {
    // Act / Assess
    expect(rateLimitFields('publishEvents', limit, 39, 1)).toEqual({
      'ratelimit-policy': '"publishEvents";q=40;w=2',
      ratelimit: '"publishEvents";r=39;t=1',
    });
    expect(rateLimitFields('a"b\\c', limit, -1, 0.2)).toEqual({
      'ratelimit-policy': '"a\\"b\\\\c";q=40;w=2',
      ratelimit: '"a\\"b\\\\c";r=0;t=1',
    });
  });

  it("answers a refusal with Retry-After, the contract's own header, and no token left", () => {
    // Act
    const headers = refusalHeaders({
      policy: 'contract:orders',
      limit,
      retryAfterSeconds: 3,
      resetSeconds: 2,
      retryAfterHeader: 'X-Orders-Retry-After',
    });

    // Assess
    expect(headers).toEqual({
      'retry-after': '3',
      'x-orders-retry-after': '3',
      'ratelimit-policy': '"contract:orders";q=40;w=2',
      ratelimit: '"contract:orders";r=0;t=2',
    });
  });

  it('ignores a contract header that is Retry-After itself, not a field name, or one the answer needs', () => {
    // Act
    const names = ['Retry-After', 'Content-Type', 'bad header', 'Set-Cookie'].map((retryAfterHeader) =>
      Object.keys(refusalHeaders({ policy: 'p', limit, retryAfterSeconds: 1, resetSeconds: 1, retryAfterHeader })),
    );

    // Assess
    for (const keys of names) expect(keys.sort()).toEqual(['ratelimit', 'ratelimit-policy', 'retry-after']);
  });
});
