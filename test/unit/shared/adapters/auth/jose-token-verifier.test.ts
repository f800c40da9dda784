import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JoseTokenVerifier } from '../../../../../shared/adapters/auth/jose-token-verifier';
import { AuthenticationError } from '../../../../../shared/domain/auth/errors';
import { DependencyUnavailableError } from '../../../../../shared/domain/errors';
import { fixedClock } from '../../../../support/clock';
import {
  AUTH_TEST_NOW_SECONDS,
  algorithmConfusionToken,
  serveJwks,
  signToken,
  TEST_AUDIENCE,
  TEST_ISSUER,
  type TestKey,
  testKey,
  unsecuredToken,
} from '../../../../support/jwks';
import { rejectionOf } from '../../../../support/rejection';

const NOW = AUTH_TEST_NOW_SECONDS;
const clock = fixedClock(NOW * 1000);

let rsa: TestKey;
let ec: TestKey;
let foreign: TestKey;
let jwks: Awaited<ReturnType<typeof serveJwks>>;
let verifier: JoseTokenVerifier;

beforeAll(async () => {
  rsa = await testKey('rsa-1');
  ec = await testKey('ec-1', 'ES256');
  // Same kid as the published RSA key, but a different key: a token from someone else's issuer.
  foreign = await testKey('rsa-1');
  jwks = await serveJwks([rsa, ec]);
  verifier = new JoseTokenVerifier({ issuer: TEST_ISSUER, audience: [TEST_AUDIENCE], jwksUrl: jwks.url }, clock);
});

afterAll(async () => {
  await jwks.close();
});

describe('JoseTokenVerifier', () => {
  describe('verify', () => {
    it('returns the principal of a valid token', async () => {
      // Prepare
      const token = await signToken(rsa, {
        scope: 'mesh:read mesh:write',
        tenant: 't1',
        jti: 'tok-1',
        client_id: 'c1',
      });

      // Act
      const principal = await verifier.verify(`Bearer ${token}`);

      // Assess
      expect(principal).toEqual({
        tenant: 't1',
        principal: 'agent-1',
        clientId: 'c1',
        tokenId: 'tok-1',
        scopes: ['mesh:read', 'mesh:write'],
        expiresAt: NOW + 300,
      });
    });

    it('accepts an ES256 token and a lower-case scheme name', async () => {
      // Prepare
      const token = await signToken(ec, { scp: ['events:read'] });

      // Act
      const principal = await verifier.verify(`bearer ${token}`);

      // Assess
      expect(principal.scopes).toEqual(['events:read']);
      expect(principal.tenant).toBe('agent-1');
    });

    it('accepts a token expired less than the clock tolerance ago', async () => {
      // Prepare
      const token = await signToken(rsa, { exp: NOW - 20 });

      // Act
      const principal = await verifier.verify(`Bearer ${token}`);

      // Assess
      expect(principal.expiresAt).toBe(NOW - 20);
    });

    it.each([
      ['no header', undefined, 'Bearer'],
      ['an empty header', '', 'Bearer'],
      ['Basic credentials', 'Basic YWdlbnQ6c2VjcmV0', 'Bearer'],
      ['a Bearer header without a token', 'Bearer', 'Bearer error="invalid_token"'],
      ['a token with spaces inside', 'Bearer abc def', 'Bearer error="invalid_token"'],
      ['a token that is not a JWT', 'Bearer not-a-jwt', 'Bearer error="invalid_token"'],
    ])('rejects %s with a 401 challenge', async (_name, header, challenge) => {
      // Act
      const error = await rejectionOf<Error>(verifier.verify(header));

      // Assess
      expect(error).toBeInstanceOf(AuthenticationError);
      expect((error as AuthenticationError).challenge.startsWith(challenge)).toBe(true);
    });

    it.each<[string, () => Promise<string>]>([
      ['expired beyond the clock tolerance', () => signToken(rsa, { exp: NOW - 31 })],
      ['not valid yet (nbf in the future)', () => signToken(rsa, { nbf: NOW + 120 })],
      ['without exp', () => signToken(rsa, { exp: undefined })],
      ['from another issuer', () => signToken(rsa, { iss: 'https://evil.test' })],
      ['for another audience', () => signToken(rsa, { aud: 'someone-else' })],
      ['without aud', () => signToken(rsa, { aud: undefined })],
      [
        'unsigned (alg none)',
        async () => unsecuredToken({ iss: TEST_ISSUER, aud: TEST_AUDIENCE, sub: 'x', exp: NOW + 300 }),
      ],
      [
        'HS256-signed with the RSA public key (algorithm confusion)',
        () => algorithmConfusionToken(rsa, { iss: TEST_ISSUER, aud: TEST_AUDIENCE, sub: 'x', exp: NOW + 300 }),
      ],
      ['signed with an unknown kid', () => signToken(rsa, {}, { kid: 'unknown' })],
      ['signed with a key of a foreign JWKS under a known kid', () => signToken(foreign)],
      ['whose scope claim is not a string', () => signToken(rsa, { scope: ['mesh:read'] })],
    ])('rejects a token %s as invalid_token', async (_name, token) => {
      // Act
      const error = await rejectionOf<Error>(verifier.verify(`Bearer ${await token()}`));

      // Assess
      expect(error).toBeInstanceOf(AuthenticationError);
      expect((error as AuthenticationError).challenge).toMatch(/^Bearer error="invalid_token"/);
    });

    it('says why in the challenge: expired, not valid yet, which claim', async () => {
      // Prepare
      const expired = await signToken(rsa, { exp: NOW - 120 });
      const early = await signToken(rsa, { nbf: NOW + 120 });
      const wrongIssuer = await signToken(rsa, { iss: 'https://evil.test' });

      // Act
      const challenges = await Promise.all(
        [expired, early, wrongIssuer].map(
          async (t) => ((await rejectionOf<Error>(verifier.verify(`Bearer ${t}`))) as AuthenticationError).challenge,
        ),
      );

      // Assess
      expect(challenges).toEqual([
        'Bearer error="invalid_token", error_description="The access token expired"',
        'Bearer error="invalid_token", error_description="The access token is not valid yet"',
        `Bearer error="invalid_token", error_description="The access token's iss claim is invalid"`,
      ]);
    });

    it('fetches the JWKS at most once per cooldown however many unknown kids arrive', async () => {
      // Prepare
      const server = await serveJwks([rsa]);
      const fresh = new JoseTokenVerifier(
        { issuer: TEST_ISSUER, audience: [TEST_AUDIENCE], jwksUrl: server.url },
        clock,
      );
      await fresh.verify(`Bearer ${await signToken(rsa)}`);
      const unknown = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((kid) => signToken(rsa, {}, { kid })));

      // Act
      const errors = [];
      for (const token of unknown) errors.push(await rejectionOf<Error>(fresh.verify(`Bearer ${token}`)));
      await server.close();

      // Assess
      expect(server.fetches()).toBe(1);
      for (const error of errors) expect(error).toBeInstanceOf(AuthenticationError);
    });

    it('fails with a dependency error, never a principal, when the JWKS cannot be fetched', async () => {
      // Prepare
      const server = await serveJwks([rsa]);
      server.setStatus(503);
      const fresh = new JoseTokenVerifier(
        { issuer: TEST_ISSUER, audience: [TEST_AUDIENCE], jwksUrl: server.url },
        clock,
      );
      const unreachable = new JoseTokenVerifier(
        { issuer: TEST_ISSUER, audience: [TEST_AUDIENCE], jwksUrl: 'http://127.0.0.1:1/jwks.json' },
        clock,
      );
      const token = `Bearer ${await signToken(rsa)}`;

      // Act
      const errors = [
        await rejectionOf<Error>(fresh.verify(token)),
        await rejectionOf<Error>(unreachable.verify(token)),
      ];
      await server.close();

      // Assess
      for (const error of errors) expect(error).toBeInstanceOf(DependencyUnavailableError);
    });
  });

  describe('Cognito access tokens', () => {
    const cognito = () =>
      new JoseTokenVerifier({ issuer: TEST_ISSUER, cognitoClientIds: ['client-a'], jwksUrl: jwks.url }, clock);

    it('accepts an access token of an allowed client, without aud', async () => {
      // Prepare
      const token = await signToken(rsa, {
        aud: undefined,
        sub: 'client-a',
        client_id: 'client-a',
        token_use: 'access',
        scope: 'aif/mesh:read',
      });

      // Act
      const principal = await cognito().verify(`Bearer ${token}`);

      // Assess
      expect(principal).toMatchObject({ principal: 'client-a', clientId: 'client-a', tenant: 'client-a' });
    });

    it.each([
      ['of another client', { client_id: 'client-b', token_use: 'access' }],
      ['without client_id', { token_use: 'access' }],
      ['that is an ID token', { client_id: 'client-a', token_use: 'id' }],
    ])('rejects a token %s', async (_name, claims) => {
      // Prepare
      const token = await signToken(rsa, { aud: undefined, ...claims });

      // Act
      const error = await rejectionOf<Error>(cognito().verify(`Bearer ${token}`));

      // Assess
      expect(error).toBeInstanceOf(AuthenticationError);
    });
  });

  describe('constructor', () => {
    it.each([
      ['HS256 in the allowlist', { algorithms: ['RS256', 'HS256'] }],
      ['none in the allowlist', { algorithms: ['none'] }],
      ['a clock tolerance over 60 s', { clockToleranceSeconds: 61 }],
      ['no audience and no Cognito client ids', { audience: [] }],
      ['both an audience and Cognito client ids', { cognitoClientIds: ['c'] }],
    ])('fails with %s', (_name, options) => {
      // Act / Assess
      expect(
        () =>
          new JoseTokenVerifier(
            { issuer: TEST_ISSUER, audience: [TEST_AUDIENCE], jwksUrl: 'http://127.0.0.1:1/jwks.json', ...options },
            clock,
          ),
      ).toThrow(/JoseTokenVerifier/);
    });
  });
});
