import { describe, expect, it } from 'vitest';
import {
  buildAuditRecord,
  isAudited,
  MAX_AUDIT_TEXT,
  outcomeOf,
  redactSecrets,
} from '../../../../../shared/domain/audit/audit-record';

const TIME = new Date('2026-11-30T10:00:00Z');
const base = {
  id: 'a1',
  time: TIME,
  requestId: 'r1',
  method: 'delete',
  path: '/v1/contracts/petstore/versions/1.0.0',
  status: 200,
  recordedBy: 'function' as const,
};

describe('audit record', () => {
  describe('isAudited', () => {
    it.each([
      ['POST', {}, 201, true],
      ['DELETE', {}, 404, true],
      ['PUT', {}, 500, true],
      ['GET', {}, 200, false],
      ['HEAD', {}, 200, false],
      ['OPTIONS', {}, 204, false],
      ['POST', { readOnly: true }, 200, false],
      ['GET', {}, 401, true],
      ['POST', { readOnly: true }, 403, true],
    ])('%s on a route %o answered %i → %s', (method, route, status, expected) => {
      expect(isAudited({ method, route, status })).toBe(expected);
    });

    it('records 401/403 of requests that matched no route, and nothing else of them', () => {
      expect(isAudited({ method: 'GET', status: 401 })).toBe(true);
      expect(isAudited({ method: 'POST', status: 404 })).toBe(false);
    });
  });

  describe('outcomeOf', () => {
    it.each([
      [200, 'allowed'],
      [204, 'allowed'],
      [304, 'allowed'],
      [401, 'denied'],
      [403, 'denied'],
      [404, 'failed'],
      [422, 'failed'],
      [503, 'failed'],
    ])('%i is %s', (status, outcome) => {
      expect(outcomeOf(status)).toBe(outcome);
    });
  });

  describe('buildAuditRecord', () => {
    it('derives the resource type from the static segments and the id from the path parameters in path order', () => {
      // Act
      const record = buildAuditRecord({
        ...base,
        route: { operationId: 'deprecateContractVersion', path: '/v1/contracts/{name}/versions/{version}' },
        pathParameters: { version: '1.0.0', name: 'petstore' },
        caller: { tenant: 't1', principal: 'agent-1', clientId: 'c1', tokenId: 'j1' },
        sourceIp: '203.0.113.9',
      });

      // Assess
      expect(record).toEqual({
        id: 'a1',
        time: '2026-11-30T10:00:00.000Z',
        requestId: 'r1',
        operationId: 'deprecateContractVersion',
        method: 'DELETE',
        tenant: 't1',
        principal: 'agent-1',
        clientId: 'c1',
        tokenId: 'j1',
        sourceIp: '203.0.113.9',
        resourceType: 'contracts/versions',
        resourceId: 'petstore/1.0.0',
        status: 200,
        outcome: 'allowed',
        recordedBy: 'function',
      });
    });

    it('leaves the mesh relay’s callee path out of the resource id', () => {
      const record = buildAuditRecord({
        ...base,
        method: 'POST',
        route: { operationId: 'routeCall', path: '/v1/mesh/{service}/{proxy+}' },
        pathParameters: { service: 'billing', proxy: 'invoices/42' },
      });

      expect(record).toMatchObject({ resourceType: 'mesh', resourceId: 'billing' });
    });

    it('takes the created id for a route without path parameters', () => {
      const record = buildAuditRecord({
        ...base,
        method: 'POST',
        route: { operationId: 'createSubscription', path: '/v1/subscriptions' },
        createdId: 'sub-1',
        status: 201,
      });

      expect(record).toMatchObject({ resourceType: 'subscriptions', resourceId: 'sub-1' });
    });

    it('records an unknown caller and no route as empty strings and `unknown`', () => {
      const record = buildAuditRecord({ ...base, status: 401, reason: 'no token' });

      expect(record).toMatchObject({ tenant: '', principal: '', operationId: '', resourceType: 'unknown' });
      expect(record.reason).toBe('no token');
    });

    it('keeps a reason for denials only', () => {
      const record = buildAuditRecord({ ...base, status: 404, reason: 'Not found' });

      expect(record.reason).toBeUndefined();
    });

    it('redacts token- and secret-shaped caller input and cuts long text', () => {
      // Act
      const record = buildAuditRecord({
        ...base,
        route: { operationId: 'deleteSubscription', path: '/v1/subscriptions/{id}' },
        pathParameters: { id: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln' },
        status: 403,
        reason: `rejected whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw and ${'x'.repeat(500)}`,
      });

      // Assess
      expect(record.resourceId).toBe('[redacted]');
      expect(record.reason?.startsWith('rejected [redacted] and x')).toBe(true);
      expect(record.reason).toHaveLength(MAX_AUDIT_TEXT);
      expect(JSON.stringify(record)).not.toMatch(/eyJ|whsec_/);
    });
  });

  describe('redactSecrets', () => {
    it('leaves ordinary text alone', () => {
      expect(redactSecrets('The access token expired')).toBe('The access token expired');
    });
  });
});
