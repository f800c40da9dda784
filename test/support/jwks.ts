import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

/** The fixed "now" of the auth tests, seconds since the epoch: 2026-11-30T10:00:00Z. */
export const AUTH_TEST_NOW_SECONDS = Date.parse('2026-11-30T10:00:00Z') / 1000;
export const TEST_ISSUER = 'https://issuer.test';
export const TEST_AUDIENCE = 'aif-test';

/** One signing key: its private key, its public JWK (with `kid` and `alg`) and SPKI PEM. */
export type TestKey = {
  kid: string;
  alg: string;
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  jwk: JWK;
  publicPem: string;
};

/**
 * A key pair for tests, generated in memory (extractable, so the public half can be published).
 *
 * @example const key = await testKey('k1'); // RS256
 */
export async function testKey(kid: string, alg = 'RS256'): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return {
    kid,
    alg,
    privateKey,
    jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' },
    publicPem: await exportSPKI(publicKey),
  };
}

/**
 * Serves `{ keys }` as a JWKS from a `node:http` server on 127.0.0.1, port 0; counts the fetches.
 * `status` lets a test make the endpoint fail.
 */
export async function serveJwks(keys: readonly TestKey[]): Promise<{
  url: string;
  fetches: () => number;
  setStatus: (status: number) => void;
  close: () => Promise<void>;
}> {
  let fetches = 0;
  let status = 200;
  const server: Server = createServer((_request, response) => {
    fetches++;
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(status === 200 ? JSON.stringify({ keys: keys.map((k) => k.jwk) }) : '{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    fetches: () => fetches,
    setStatus: (next) => {
      status = next;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * A signed access token: `iss`, `aud`, `sub`, `iat` = now, `exp` = now + 300 s unless `claims`
 * override them (an `undefined` member removes the claim).
 */
export async function signToken(
  key: TestKey,
  claims: JWTPayload = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const payload: JWTPayload = {
    iss: TEST_ISSUER,
    aud: TEST_AUDIENCE,
    sub: 'agent-1',
    iat: AUTH_TEST_NOW_SECONDS,
    exp: AUTH_TEST_NOW_SECONDS + 300,
    ...claims,
  };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header })
    .sign(key.privateKey);
}

/** An unsecured JWT (`alg: none`, empty signature, RFC 7519 §6). */
export function unsecuredToken(claims: JWTPayload): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

/**
 * An HS256 token whose HMAC secret is the RSA public key's PEM — what a verifier that lets the
 * token pick the algorithm would accept (algorithm confusion, RFC 8725 §2.1).
 */
export async function algorithmConfusionToken(key: TestKey, claims: JWTPayload): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', kid: key.kid })
    .sign(new TextEncoder().encode(key.publicPem));
}
