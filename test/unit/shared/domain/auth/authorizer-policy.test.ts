import { describe, expect, it } from 'vitest';
import { routes } from '../../../../../functions/routes';
import {
  authorizerResponse,
  cacheTtlSeconds,
  globsIntersect,
  parseMethodArn,
  principalContext,
  principalFromContext,
} from '../../../../../shared/domain/auth/authorizer-policy';
import type { Principal } from '../../../../../shared/domain/auth/principal';
import { mayCall } from '../../../../../shared/domain/auth/scopes';
import { admits } from '../../../../support/iam';

const API = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod';
const METHOD_ARN = `${API}/GET/v1/contracts/petstore`;
const principalWith = (scopes: string[]): Principal => ({
  tenant: 't1',
  principal: 'agent-1',
  scopes,
  expiresAt: 1_800_000_000,
});

/** A concrete request ARN for a route: each `{param}` one segment, `{proxy+}` two. */
const concreteArns = (route: (typeof routes)[number]): string[] => {
  const path = route.path.replace(/\{[^}]+\+\}/g, 'p/q').replace(/\{[^}]+\}/g, 'x');
  const verbs =
    route.method === 'ANY' ? ['GET', 'POST', 'DELETE'] : route.method === 'GET' ? ['GET', 'HEAD'] : [route.method];
  return verbs.map((verb) => `${API}/${verb}${path}`);
};

const everyScope = [...new Set(routes.flatMap((r) => r.scopes as readonly string[]))].sort();

describe('authorizer-policy', () => {
  describe('parseMethodArn', () => {
    it('splits region, account, API, stage, method and path', () => {
      // Act / Assess
      expect(parseMethodArn(METHOD_ARN)).toEqual({
        partition: 'aws',
        region: 'eu-west-1',
        accountId: '123456789012',
        apiId: 'abc123',
        stage: 'prod',
        method: 'GET',
        resourcePath: '/v1/contracts/petstore',
      });
    });

    it.each(['', 'arn:aws:lambda:eu-west-1:1:function:f', 'arn:aws:execute-api:eu-west-1:1:abc123'])(
      'rejects %j',
      (arn) => {
        // Act / Assess
        expect(() => parseMethodArn(arn)).toThrow(/execute-api/);
      },
    );
  });

  describe('authorizerResponse', () => {
    it.each([
      [[]],
      [everyScope],
      ...everyScope.map((s) => [[s]]),
      [['mesh:read', 'mesh:call']],
      [['contracts:read', 'events:write']],
    ])('admits exactly the routes whose scopes %j holds, whichever route was called', (scopes) => {
      // Act
      const response = authorizerResponse({ principal: principalWith(scopes), routes, methodArn: METHOD_ARN });

      // Assess
      for (const route of routes) {
        for (const arn of concreteArns(route)) {
          expect(admits(response, arn), `${arn} (${route.scopes.join(' ')})`).toBe(mayCall(route, scopes));
        }
      }
    });

    it('denies explicitly a route an allowed wildcard would also match', () => {
      // Prepare: IAM's `*` spans segments, so GET …/things/* would also match …/things/x/secret.
      const table = [
        { method: 'GET', path: '/v1/things/{id}', scopes: ['things:read'] },
        { method: 'GET', path: '/v1/things/{id}/secret', scopes: ['things:admin'] },
      ];

      // Act
      const response = authorizerResponse({
        principal: principalWith(['things:read']),
        routes: table,
        methodArn: METHOD_ARN,
      });

      // Assess
      expect(response.policyDocument.Statement).toEqual([
        {
          Action: 'execute-api:Invoke',
          Effect: 'Allow',
          Resource: [`${API}/GET/v1/things/*`, `${API}/HEAD/v1/things/*`],
        },
        {
          Action: 'execute-api:Invoke',
          Effect: 'Deny',
          Resource: [`${API}/GET/v1/things/*/secret`, `${API}/HEAD/v1/things/*/secret`],
        },
      ]);
    });

    it('denies the called method when the principal may call no route', () => {
      // Act
      const response = authorizerResponse({
        principal: principalWith([]),
        routes: [{ method: 'GET', path: '/v1/x', scopes: ['x:read'] }],
        methodArn: METHOD_ARN,
      });

      // Assess
      expect(response.policyDocument.Statement).toEqual([
        { Action: 'execute-api:Invoke', Effect: 'Deny', Resource: [METHOD_ARN] },
      ]);
    });

    it.each([[[]], [everyScope], [['mesh:read']], [['contracts:read', 'events:write']]])(
      'with unknownPaths, admits %j to the fallback and still exactly to the held routes',
      (scopes) => {
        // Act
        const response = authorizerResponse({
          principal: principalWith(scopes),
          routes,
          methodArn: METHOD_ARN,
          unknownPaths: true,
        });

        // Assess: unknown paths and wrong methods reach the fallback router (404 / 405)…
        for (const arn of ['GET/v1/nothing', 'POST/v1/health', 'DELETE/v1', 'GET/', 'PATCH/v1/x/y/z']) {
          expect(admits(response, `${API}/${arn}`), arn).toBe(true);
        }
        // …and no route is admitted beyond its scopes.
        for (const route of routes) {
          for (const arn of concreteArns(route)) {
            expect(admits(response, arn), `${arn} (${route.scopes.join(' ')})`).toBe(mayCall(route, scopes));
          }
        }
      },
    );

    it('with unknownPaths, stays under 8 KiB of JSON when every route is denied', () => {
      // Act
      const bytes = JSON.stringify(
        authorizerResponse({ principal: principalWith([]), routes, methodArn: METHOD_ARN, unknownPaths: true }),
      ).length;

      // Assess
      expect(bytes).toBeLessThan(8192);
    });

    it('carries the principal as string-only context and principalId', () => {
      // Act
      const response = authorizerResponse({
        principal: { ...principalWith(['a', 'b']), clientId: 'c1', tokenId: 'j1' },
        routes,
        methodArn: METHOD_ARN,
      });

      // Assess
      expect(response.principalId).toBe('agent-1');
      expect(response.context).toEqual({
        tenant: 't1',
        principal: 'agent-1',
        clientId: 'c1',
        tokenId: 'j1',
        scopes: 'a b',
        expiresAt: '1800000000',
      });
    });

    it('meters the request under the client id (usage plans), or the subject when the token has no client', () => {
      // Act
      const withClient = authorizerResponse({
        principal: { ...principalWith([]), clientId: '4f1b2c3d4e5f6a7b8c9d0e1f2a' },
        routes,
        methodArn: METHOD_ARN,
      });
      const withoutClient = authorizerResponse({ principal: principalWith([]), routes, methodArn: METHOD_ARN });

      // Assess
      expect(withClient.usageIdentifierKey).toBe('4f1b2c3d4e5f6a7b8c9d0e1f2a');
      expect(withoutClient.usageIdentifierKey).toBe('agent-1');
    });

    it('stays small with every scope of the route table: under 8 KiB of JSON', () => {
      // Act
      const bytes = JSON.stringify(
        authorizerResponse({ principal: principalWith(everyScope), routes, methodArn: METHOD_ARN }),
      ).length;

      // Assess
      expect(bytes).toBeLessThan(8192);
    });
  });

  describe('principalFromContext', () => {
    it('reads back what principalContext wrote, with API Gateway’s own members beside it', () => {
      // Prepare
      const principal: Principal = { ...principalWith(['mesh:read']), clientId: 'c1' };

      // Act
      const read = principalFromContext({
        ...principalContext(principal),
        principalId: 'agent-1',
        integrationLatency: 12,
      });

      // Assess
      expect(read).toEqual(principal);
    });

    it.each([
      ['null', null],
      ['an empty context', {}],
      ['a context without tenant', { principal: 'p', scopes: '', expiresAt: '1' }],
      ['a non-numeric expiry', { tenant: 't', principal: 'p', scopes: '', expiresAt: 'soon' }],
      ["the framework's reserved tenant", { tenant: 'aif', principal: 'p', scopes: 'mesh:read', expiresAt: '1' }],
    ])('returns undefined for %s', (_name, context) => {
      // Act / Assess
      expect(principalFromContext(context)).toBeUndefined();
    });
  });

  describe('cacheTtlSeconds', () => {
    const nowMs = 1_800_000_000_000;

    it('is the configured TTL while the token lives longer', () => {
      // Act / Assess
      expect(cacheTtlSeconds({ expiresAt: 1_800_000_000 + 3600 }, nowMs, 300)).toBe(300);
    });

    it('is the remaining lifetime, rounded down, when that is shorter', () => {
      // Act / Assess
      expect(cacheTtlSeconds({ expiresAt: 1_800_000_000 + 120 }, nowMs + 500, 300)).toBe(119);
    });

    it('is 0 for a token already expired (accepted within the clock tolerance)', () => {
      // Act / Assess
      expect(cacheTtlSeconds({ expiresAt: 1_800_000_000 - 10 }, nowMs, 300)).toBe(0);
    });
  });

  describe('globsIntersect', () => {
    it.each([
      ['GET/v1/a/*', 'GET/v1/a/x/b', true],
      ['GET/v1/a/*', 'GET/v1/a/*/b', true],
      ['*/v1/mesh/*/*', 'GET/v1/services/*', true],
      ['GET/v1/a', 'GET/v1/a/*', false],
      ['GET/v1/a/*', 'POST/v1/a/*', false],
      ['GET/v1/a/*/x', 'GET/v1/a/*/y', false],
    ])('%s and %s: %s', (a, b, expected) => {
      // Act / Assess
      expect(globsIntersect(a, b)).toBe(expected);
      expect(globsIntersect(b, a)).toBe(expected);
    });
  });
});
