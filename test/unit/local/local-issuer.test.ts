import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCAL_AUDIENCE, LOCAL_ISSUER_KEY_FILE, LocalIssuer } from '../../../local/local-issuer';
import { fixedClock } from '../../support/clock';
import { AUTH_TEST_NOW_SECONDS } from '../../support/jwks';

const NOW_MS = AUTH_TEST_NOW_SECONDS * 1000;
const ISSUER = 'http://localhost:3000';
const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('LocalIssuer', () => {
  describe('issue', () => {
    it('mints an RS256 access token its JWKS verifies, with iss, aud, scope, tenant and exp = iat + ttl', async () => {
      // Prepare
      const issuer = await LocalIssuer.create(ISSUER, fixedClock(NOW_MS));

      // Act
      const token = await issuer.issue({ scopes: ['mesh:read', 'mesh:write'], tenant: 't1', ttlSeconds: 300 });

      // Assess
      const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(issuer.jwks()), {
        issuer: ISSUER,
        audience: LOCAL_AUDIENCE,
        currentDate: new Date(NOW_MS),
      });
      expect(protectedHeader.alg).toBe('RS256');
      expect(payload).toMatchObject({ scope: 'mesh:read mesh:write', tenant: 't1', iat: AUTH_TEST_NOW_SECONDS });
      expect(payload.exp).toBe(AUTH_TEST_NOW_SECONDS + 300);
    });

    it.each([0, 86_401, 1.5])('rejects a ttl of %s seconds', async (ttlSeconds) => {
      const issuer = await LocalIssuer.create(ISSUER, fixedClock(NOW_MS));
      await expect(issuer.issue({ scopes: [], ttlSeconds })).rejects.toThrow(RangeError);
    });
  });

  describe('create', () => {
    it('publishes only the public key', async () => {
      const issuer = await LocalIssuer.create(ISSUER, fixedClock(NOW_MS));
      const [key] = issuer.jwks().keys;
      expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
      expect(Object.keys(key ?? {}).filter((k) => ['d', 'p', 'q', 'dp', 'dq', 'qi'].includes(k))).toEqual([]);
    });

    it('keeps the key in the data folder (mode 0600), so a restart verifies earlier tokens', async () => {
      // Prepare
      const dir = await mkdtemp(join(tmpdir(), 'aif-issuer-'));
      dirs.push(dir);
      const first = await LocalIssuer.create(ISSUER, fixedClock(NOW_MS), dir);
      const token = await first.issue({ scopes: ['events:read'], ttlSeconds: 600 });

      // Act
      const second = await LocalIssuer.create(ISSUER, fixedClock(NOW_MS), dir);

      // Assess
      expect(second.jwks()).toEqual(first.jwks());
      await expect(
        jwtVerify(token, createLocalJWKSet(second.jwks()), { currentDate: new Date(NOW_MS) }),
      ).resolves.toBeDefined();
      expect((await stat(join(dir, LOCAL_ISSUER_KEY_FILE))).mode & 0o777).toBe(0o600);
    });
  });
});
