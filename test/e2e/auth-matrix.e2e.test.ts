import { exportSPKI, importJWK, type JWTPayload } from 'jose';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../functions/routes';
import { LOCAL_AUDIENCE, type LocalIssuer } from '../../local/local-issuer';
import type { LocalServer } from '../../local/server';
import type { AuditRecord } from '../../shared/domain/audit/audit-record';
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
type Row = {
  name: string;
  method: string;
  path: string;
  isPublic: boolean;
  scopes: readonly string[];
  /** A state-changing route (not GET, not `readOnly`): every answer is audited. */
  audited: boolean;
  body?: string;
};

/** One concrete request per route of the table: `{param}` → `x`, `{proxy+}` → `a/b`, ANY as GET, `{}` as the body of writes. */
const rows: Row[] = routes.map((route) => {
  const method = route.method === 'ANY' ? 'GET' : route.method;
  return {
    name: `${route.method} ${route.path}`,
    method,
    path: route.path.replace(/\{proxy\+\}/g, 'a/b').replace(/\{[^}]+\}/g, 'x'),
    isPublic: 'public' in route && route.public,
    scopes: route.scopes,
    audited: method !== 'GET' && !('readOnly' in route && route.readOnly),
    ...((method === 'POST' || method === 'PUT') && { body: '{}' }),
  };
});

/**
 * Everything the process writes to stdout and stderr from now on (the local runner's Powertools
 * logs, the SDK's warnings, console output), kept instead of printed.
 */
function captureOutput(): { text: () => string; restore: () => void } {
  const chunks: string[] = [];
  const originals = { out: process.stdout.write, err: process.stderr.write };
  const keep = (chunk: unknown, ...rest: unknown[]) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    done?.();
    return true;
  };
  process.stdout.write = keep as typeof process.stdout.write;
  process.stderr.write = keep as typeof process.stderr.write;
  return {
    text: () => chunks.join(''),
    restore: () => {
      process.stdout.write = originals.out;
      process.stderr.write = originals.err;
    },
  };
}

describe('local runner with --auth jwt (local issuer)', () => {
  let server: LocalServer;
  let issuer: LocalIssuer;
  let cases: Case[];
  let output: ReturnType<typeof captureOutput>;
  let admin: string;
  /** Every answer of the matrix and of the audit checks: its status and the request id of a problem. */
  const answered: Array<{ row: Row; status: number; requestId?: string }> = [];

  beforeAll(async () => {
    // The audit trail's log lines are asserted below: this file's loggers log (test/setup.ts silences them elsewhere).
    process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
    output = captureOutput();
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
    admin = await issuer.sign(claims(['audit:admin']));
  });
  afterAll(async () => {
    await server?.close();
    output?.restore();
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
      audited: false,
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
          answered.push({ row, status: response.status, ...requestIdOf(body) });
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

  it('answers GET /v1/audit to a holder of audit:admin only', async () => {
    // Prepare
    const reader = await issuer.sign({
      iss: issuer.issuer,
      aud: LOCAL_AUDIENCE,
      sub: 'agent-2',
      tenant: 't1',
      scope: ALL_SCOPES.filter((s) => s !== 'audit:admin').join(' '),
      iat: NOW - 60,
      exp: NOW + 3600,
    });
    const row: Row = {
      name: 'GET /v1/audit',
      method: 'GET',
      path: '/v1/audit',
      isPublic: false,
      scopes: [],
      audited: false,
    };

    // Act
    const allowed = await fetch(`${server.url}/v1/audit?limit=5&outcome=denied`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    const refused = await fetch(`${server.url}/v1/audit`, { headers: { authorization: `Bearer ${reader}` } });
    const refusedBody = await refused.text();
    answered.push({ row, status: refused.status, ...requestIdOf(refusedBody) });

    // Assess
    expect(allowed.status).toBe(200);
    const page = (await allowed.json()) as { items: AuditRecord[]; nextCursor?: string };
    // Limit applies before the outcome filter (DynamoDB Query): at most 5 of them.
    expect(page.items.length).toBeGreaterThan(0);
    expect(page.items.length).toBeLessThanOrEqual(5);
    expect(page.items.every((r) => r.outcome === 'denied')).toBe(true);
    expect(typeof page.nextCursor).toBe('string');
    expect(refused.status).toBe(403);
  });

  it('recorded exactly one audit record per denial and per state-changing call, and logged no token or secret', async () => {
    // Prepare: a subscription whose answer carries its signing secret (whsec_…), shown once.
    const created = await fetch(`${server.url}/v1/subscriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: subscriptionBody,
    });
    const good = await issuer.sign({
      iss: issuer.issuer,
      aud: LOCAL_AUDIENCE,
      sub: 'agent-1',
      tenant: 't1',
      scope: ALL_SCOPES.join(' '),
      iat: NOW - 60,
      exp: NOW + 3600,
    });
    const subscribed = await fetch(`${server.url}/v1/subscriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${good}`, 'content-type': 'application/json' },
      body: subscriptionBody,
    });
    expect(created.status).toBe(403);
    answered.push({ row: subscriptionRow, status: created.status, ...requestIdOf(await created.text()) });
    expect(subscribed.status).toBe(201);
    expect(await subscribed.text()).toContain('whsec_');
    answered.push({ row: subscriptionRow, status: subscribed.status });

    // Act: every record of the run, through the API.
    const records: AuditRecord[] = [];
    let cursor: string | undefined;
    do {
      const query = `limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const response = await fetch(`${server.url}/v1/audit?${query}`, {
        headers: { authorization: `Bearer ${admin}` },
      });
      expect(response.status).toBe(200);
      const page = (await response.json()) as { items: AuditRecord[]; nextCursor?: string };
      records.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);

    // Assess
    const denials = answered.filter((a) => a.status === 401 || a.status === 403);
    const perRequest = new Map<string, AuditRecord[]>();
    for (const record of records)
      perRequest.set(record.requestId, [...(perRequest.get(record.requestId) ?? []), record]);
    const unrecorded = denials.filter(
      (d) =>
        d.requestId === undefined ||
        perRequest.get(d.requestId)?.length !== 1 ||
        perRequest.get(d.requestId)?.[0]?.status !== d.status ||
        perRequest.get(d.requestId)?.[0]?.outcome !== 'denied',
    );
    expect(unrecorded.map((d) => `${d.row.name}: ${d.status} ${d.requestId}`)).toEqual([]);
    const stateChanges = answered.filter((a) => a.row.audited && a.status !== 401 && a.status !== 403);
    expect(records).toHaveLength(denials.length + stateChanges.length);
    const logged = output.text();
    expect(logged).toContain('Audit record');
    expect(logged).not.toContain('eyJ');
    expect(logged).not.toContain('whsec_');
    expect(JSON.stringify(records)).not.toMatch(/eyJ|whsec_/);
  });
});

// The request body carries a webhook secret (whsec_…), which the answer shows once.
const subscriptionBody = JSON.stringify({
  id: 'audited-orders',
  eventType: 'order.created',
  target: {
    type: 'webhook',
    url: 'http://localhost:4000/ok',
    secret: `whsec_${Buffer.alloc(24, 7).toString('base64')}`,
  },
});

const subscriptionRow: Row = {
  name: 'POST /v1/subscriptions (a real subscription)',
  method: 'POST',
  path: '/v1/subscriptions',
  isPublic: false,
  scopes: ['subscriptions:write'],
  audited: true,
};

/** The request id of a problem+json answer (gateway's or function's), if the body is one. */
function requestIdOf(body: string): { requestId?: string } {
  try {
    const { requestId } = JSON.parse(body) as { requestId?: unknown };
    return typeof requestId === 'string' ? { requestId } : {};
  } catch {
    return {};
  }
}
