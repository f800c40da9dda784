import { describe, expect, it } from 'vitest';
import { functionManifest, httpFunctionNames } from '../../../functions/manifest';
import { checkedRateLimits, holdsRateLimitsTable, rateLimitsInForce } from '../../../functions/rate-limits';
import { routes } from '../../../functions/routes';
import { rateLimitsTable } from '../../../shared/adapters/dynamodb/table-definitions';
import { loadConfig } from '../../../shared/config';

describe('rate limits of the route table', () => {
  it('limits the mesh route, publishing, replays, subscriptions, registrations and contracts by default', () => {
    // Act
    const limits = rateLimitsInForce();

    // Assess
    expect(Object.keys(limits).sort()).toEqual(
      [
        'createSubscription',
        'publishEvents',
        'registerContract',
        'registerInstance',
        'registerTransformer',
        'routeCall',
        'startReplay',
        'transform',
      ].sort(),
    );
    expect(limits.routeCall).toEqual({ requestsPerSecond: 50, burstSize: 100 });
  });

  it('gives the RateLimits table (read-write) to exactly the functions serving limited routes, and only them', () => {
    // Act
    const serving = new Set(routes.filter((r) => 'rateLimit' in r).map((r) => r.function));
    const holding = httpFunctionNames.filter((name) => holdsRateLimitsTable(name));

    // Assess
    expect(new Set(holding)).toEqual(serving);
    expect(functionManifest.mesh.tables).toMatchObject({ Contracts: 'read', [rateLimitsTable.id]: 'readWrite' });
  });

  it('applies RATE_LIMITS over the defaults: another shape, off, or a limit on another route of those functions', () => {
    // Prepare
    const config = loadConfig([], { RATE_LIMITS: 'routeCall=200/400, startReplay=off,getEvent=2.5/5' });

    // Act
    const limits = rateLimitsInForce(checkedRateLimits(config.RATE_LIMITS));

    // Assess
    expect(limits.routeCall).toEqual({ requestsPerSecond: 200, burstSize: 400 });
    expect(limits.startReplay).toBeUndefined();
    expect(limits.getEvent).toEqual({ requestsPerSecond: 2.5, burstSize: 5 });
  });

  it('refuses malformed RATE_LIMITS entries, unknown operations and routes of functions without the table', () => {
    // Act / Assess
    expect(() => loadConfig([], { RATE_LIMITS: 'routeCall=fast' })).toThrow(/RATE_LIMITS: entry "routeCall=fast"/);
    expect(() => loadConfig([], { RATE_LIMITS: 'routeCall=0/5' })).toThrow(/RATE_LIMITS/);
    expect(() => loadConfig([], { RATE_LIMITS: 'routeCall=5/0.5' })).toThrow(/RATE_LIMITS/);
    expect(() => checkedRateLimits({ nope: 'off' })).toThrow('"nope" is no operation of the route table');
    expect(() => checkedRateLimits({ reportError: { requestsPerSecond: 1, burstSize: 1 } })).toThrow(
      '"reportError" is served by the errors function, which has no RateLimits table',
    );
  });

  it('defaults to rate limiting on, with no overrides', () => {
    // Act
    const config = loadConfig([], {});

    // Assess
    expect(config.RATE_LIMITING).toBe('on');
    expect(config.RATE_LIMITS).toEqual({});
  });
});
