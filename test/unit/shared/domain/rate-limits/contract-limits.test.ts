import { describe, expect, it } from 'vitest';
import { ContractRateLimits } from '../../../../../shared/domain/rate-limits/contract-limits';
import { parsedAgentsContract } from '../../../../support/contracts';

describe('ContractRateLimits', () => {
  const contract = parsedAgentsContract({
    endpoints: [
      { path: '/orders/{id}', method: 'GET', rateLimit: { requestsPerSecond: 5, burstSize: 10 } },
      { path: '/orders/mine', method: 'GET' },
      {
        path: '/orders',
        method: 'POST',
        rateLimit: { requestsPerSecond: 1, burstSize: 2, retryAfterHeader: 'X-Retry-In' },
      },
    ],
    schemas: {},
    errorCodes: {},
  });

  it('finds the limit of the endpoint a call resolves to, with the seed’s default Retry-After header', () => {
    // Act
    const limits = ContractRateLimits.of(contract);

    // Assess
    expect(limits?.limitFor('GET', '/orders/42')).toEqual({
      endpoint: 'GET /orders/{id}',
      limit: { requestsPerSecond: 5, burstSize: 10 },
      retryAfterHeader: 'Retry-After',
    });
    expect(limits?.limitFor('post', '/orders/')).toMatchObject({
      endpoint: 'POST /orders',
      retryAfterHeader: 'X-Retry-In',
    });
  });

  it('leaves alone calls of a more specific endpoint without a limit, other methods and unknown paths', () => {
    // Act
    const limits = ContractRateLimits.of(contract);

    // Assess
    expect(limits?.limitFor('GET', '/orders/mine')).toBeUndefined();
    expect(limits?.limitFor('DELETE', '/orders/42')).toBeUndefined();
    expect(limits?.limitFor('GET', '/customers/1')).toBeUndefined();
  });

  it('is absent for a contract that limits nothing', () => {
    // Act / Assess
    expect(ContractRateLimits.of(parsedAgentsContract())).toBeUndefined();
  });
});
