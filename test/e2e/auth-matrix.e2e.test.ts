import { exportSPKI, importJWK, type JWTPayload } from 'jose';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../functions/routes';
import { LOCAL_AUDIENCE, type LocalIssuer } from '../../local/local-issuer';
import type { LocalServer } from '../../local/server';
import { AUTH_TEST_NOW_SECONDS, algorithmConfusionToken, signToken, testKey, unsecuredToken } from '../support/jwks';
import { startAuthServer } from '../support/local-auth';

// The server's clock is fixed here, so every token time is relative to it, never to today.
const NOW = AUTH_TEST_NOW_SECONDS;
const ALL_SCOPES = [...new Set(routes.flatMap((r) => [...r.scopes]))].sort();

type Expectation = 'unauthorized' | 'forbidden' | 'passes';
type Case = {
  name: string;
  /** The Authorization header for a route needing `scopes`, or undefined for none. */
  header: (scopes: readonly string[]) => Promise<string | undefined>;
  expect: Expectation;
};
type Row = { name: string; method: string; path: string; isPublic: boolean; scopes: readonly string[]; body?: string };

/** One concrete request per route of the table: `{param}` → `x`, `{proxy+}` → `a/b`, ANY as GET, `{}` as the body of writes. */
const rows: Row[] = routes.map((route) => {
  const method = route.method === 'ANY' ? 'GET' : route.method;
  return {
    name: `${route.method} ${route.path}`,
    method,
    path: route.path.replace(/\{proxy\+\}/g, 'a/b').replace(/\{[^}]+\}/g, 'x'),
    isPublic: 'public' in route && route.public,
    scopes: route.scopes,
    ...((method === 'POST' || method === 'PUT') && { body: '{}' }),
  };
});

describe('local runner with --auth jwt (local issuer)', () => {
  let server: LocalServer;
  let issuer: LocalIssuer;
  let cases: Case[];

  beforeAll(async () => {
    server = await startAuthServer();
    if (server.auth.mode !== 'jwt' || !server.auth.localIssuer) throw new Error('expected the local issuer');
    issuer = server.auth.localIssuer;
    const claims = (scopes: readonly string[], extra: JWTPayload = {}): JWTPayload => ({
      iss: issuer.issuer,
      aud: LOCAL_AUDIENCE,
      sub: 'agent-1',
      tenant: 't1',
      scope: scopes.join(' '),
      iat: NOW - 60,
      exp: NOW + 3600,
      ...extra,
    });
    // Tokens are built once per distinct scope set and case, then shared by every route.
    const memo = new Map<string, Promise<string>>();
    const once = (key: string, make: () => Promise<string>) => {
      if (!memo.has(key)) memo.set(key, make());
      return memo.get(key) as Promise<string>;
    };
    const bearer = (key: string, make: () => Promise<string>) => async () => `Bearer ${await once(key, make)}`;
    const published = issuer.jwks().keys[0];
    const publicPem = await exportSPKI(
      (await importJWK(published as object, 'RS256')) as Parameters<typeof exportSPKI>[0],
    );
    const foreign = await testKey(published?.kid as string); // the same kid, another JWKS's key
    const stranger = await testKey('unknown-kid');
    const others = (scopes: readonly string[]) => ALL_SCOPES.filter((s) => !scopes.includes(s));
    cases = [
      { name: 'no Authorization header', header: async () => undefined, expect: 'unauthorized' },
      { name: 'a malformed Bearer token', header: async () => 'Bearer not.a.jwt', expect: 'unauthorized' },
      { name: 'Basic credentials', header: async () => 'Basic YWdlbnQ6c2VjcmV0', expect: 'unauthorized' },
      {
        name: 'a token expired beyond the tolerance',
        header: bearer('expired', () => issuer.sign(claims(ALL_SCOPES, { iat: NOW - 7200, exp: NOW - 120 }))),
        expect: 'unauthorized',
      },
      {
        name: 'a token whose nbf is in the future',
        header: bearer('nbf', () => issuer.sign(claims(ALL_SCOPES, { nbf: NOW + 600 }))),
        expect: 'unauthorized',
      },
      {
        name: 'a wrong iss',
        header: bearer('iss', () => issuer.sign(claims(ALL_SCOPES, { iss: 'https://issuer.example' }))),
        expect: 'unauthorized',
      },
      {
        name: 'a wrong aud',
        header: bearer('aud', () => issuer.sign(claims(ALL_SCOPES, { aud: 'someone-else' }))),
        expect: 'unauthorized',
      },
      {
        name: 'no aud',
        header: bearer('no-aud', () => issuer.sign(claims(ALL_SCOPES, { aud: undefined }))),
        expect: 'unauthorized',
      },
      {
        name: "every scope but the route's",
        header: (scopes) => bearer(`others:${scopes.join(' ')}`, () => issuer.sign(claims(others(scopes))))(),
        expect: 'forbidden',
      },
      {
        name: 'alg none',
        header: bearer('none', async () => unsecuredToken(claims(ALL_SCOPES))),
        expect: 'unauthorized',
      },
      {
        name: 'HS256 signed with the RSA public key',
        header: bearer('confusion', () =>
          algorithmConfusionToken({ ...foreign, kid: published?.kid as string, publicPem }, claims(ALL_SCOPES)),
        ),
        expect: 'unauthorized',
      },
      {
        name: 'an unknown kid',
        header: bearer('kid', () => issuer.sign(claims(ALL_SCOPES), { kid: 'no-such-key' })),
        expect: 'unauthorized',
      },
      {
        name: 'a key from a foreign JWKS',
        header: bearer('foreign', () => signToken(stranger, claims(ALL_SCOPES))),
        expect: 'unauthorized',
      },
      {
        name: 'a foreign key under the local kid',
        header: bearer('foreign-kid', () => signToken(foreign, claims(ALL_SCOPES))),
        expect: 'unauthorized',
      },
      { name: 'a good token', header: bearer('good', () => issuer.sign(claims(ALL_SCOPES))), expect: 'passes' },
    ];
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers every route of the table × every credential case as API Gateway with the authorizer would', async () => {
    // Prepare
    const limit = pLimit(16);
    const unknownPath: Row = {
      name: 'the unknown-path fallback',
      method: 'GET',
      path: '/v1/no-such-route',
      isPublic: false,
      scopes: [],
    };
    const plan = [...rows, unknownPath].flatMap((row) => cases.map((c) => ({ row, c })));
    const started = performance.now();
    const jwksBefore = issuer.jwksServed;

    // Act
    const answers = await Promise.all(
      plan.map(({ row, c }) =>
        limit(async () => {
          const authorization = await c.header(row.scopes);
          const response = await fetch(`${server.url}${row.path}`, {
            method: row.method,
            headers: {
              ...(authorization !== undefined && { authorization }),
              ...(row.body !== undefined && { 'content-type': 'application/json' }),
            },
            ...(row.body !== undefined && { body: row.body }),
          });
          const body = await response.text();
          return {
            row,
            c,
            status: response.status,
            contentType: response.headers.get('content-type'),
            challenge: response.headers.get('www-authenticate'),
            body,
          };
        }),
      ),
    );
    const elapsedMs = performance.now() - started;

    // Assess
    const wrong = answers.filter(({ row, c, status, contentType, challenge }) => {
      if (row.isPublic) return status !== 200;
      // The policy of any valid token, whatever its scopes, admits the fallback (unknownPaths): it
      // reaches the system function's 404.
      if (row === unknownPath && c.expect !== 'unauthorized') return status !== 404;
      const expected = c.expect;
      if (expected === 'unauthorized')
        return (
          status !== 401 || contentType !== 'application/problem+json' || challenge !== 'Bearer error="invalid_token"'
        );
      if (expected === 'forbidden') return status !== 403 || contentType !== 'application/problem+json';
      return status === 401 || status === 403 || (status >= 500 && status !== 503);
    });
    expect(
      wrong.map(({ row, c, status, body }) => `${row.name} with ${c.name}: ${status} ${body.slice(0, 160)}`),
    ).toEqual([]);
    expect(plan.length).toBe((routes.length + 1) * 15);
    // Unknown kids refetch the JWKS at most once per 30 s cooldown (plus the first fetch).
    expect(issuer.jwksServed - jwksBefore).toBeLessThanOrEqual(1 + Math.ceil(elapsedMs / 30_000));
  });
});
