import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, type JWTPayload, SignJWT } from 'jose';
import { type Clock, nowMs } from '../shared/ports/clock';

/** The audience of every token the local issuer mints (`aud`), and the one `--auth jwt` accepts with it. */
export const LOCAL_AUDIENCE = 'aif-local';
/** The local issuer's signing algorithm. */
export const LOCAL_ALGORITHM = 'RS256';
/** Longest lifetime `issue` grants, seconds (a day). */
export const MAX_LOCAL_TOKEN_TTL_SECONDS = 86_400;
/** The file in `--data` that keeps the signing key across restarts (private JWK; mode 0600). */
export const LOCAL_ISSUER_KEY_FILE = 'aif-local-issuer.jwk.json';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/** What `issue` puts in a token. */
export type LocalTokenRequest = {
  readonly scopes: readonly string[];
  /** The `tenant` claim; absent, the caller is its own tenant. */
  readonly tenant?: string;
  /** `sub`. @default 'local-agent' */
  readonly subject?: string;
  readonly ttlSeconds: number;
};

/**
 * The issuer `npm run dev -- --auth jwt` starts when no `--issuer` is given: one RS256 key pair,
 * generated in memory, or kept in `dataDir` (so tokens survive a restart), whose public half the
 * runner serves as the JWKS at `/.well-known/jwks.json`. Local development only.
 *
 * @example const issuer = await LocalIssuer.create('http://localhost:3000', clock); await issuer.issue({ scopes: ['mesh:read'], ttlSeconds: 300 });
 */
export class LocalIssuer {
  /** How often the JWKS was handed out (the authorizer's fetches: at most one per cooldown for unknown kids). */
  jwksServed = 0;

  private constructor(
    readonly issuer: string,
    private readonly kid: string,
    private readonly privateKey: PrivateKey,
    private readonly publicJwk: JWK,
    private readonly clock: Clock,
  ) {}

  /**
   * @param issuer - the `iss` of its tokens, `http://localhost:<port>`
   * @param dataDir - where the key is read from, or written to when absent; memory only when undefined
   * @throws {Error} when the key file exists but is not an RSA private JWK
   */
  static async create(issuer: string, clock: Clock, dataDir?: string): Promise<LocalIssuer> {
    const stored = dataDir ? await readKey(join(dataDir, LOCAL_ISSUER_KEY_FILE)) : undefined;
    const privateJwk = stored ?? (await newPrivateJwk());
    if (dataDir && !stored) {
      await mkdir(dataDir, { recursive: true });
      await writeFile(join(dataDir, LOCAL_ISSUER_KEY_FILE), JSON.stringify(privateJwk), { mode: 0o600 });
    }
    const { d, p, q, dp, dq, qi, ...publicJwk } = privateJwk;
    const privateKey = (await importJWK(privateJwk, LOCAL_ALGORITHM)) as PrivateKey;
    const kid = privateJwk.kid as string;
    return new LocalIssuer(issuer, kid, privateKey, { ...publicJwk, use: 'sig', alg: LOCAL_ALGORITHM }, clock);
  }

  /** The JWKS document: the one public key, with its `kid`, `alg` and `use`. */
  jwks(): { keys: JWK[] } {
    this.jwksServed++;
    return { keys: [{ ...this.publicJwk }] };
  }

  /**
   * An access token for the local API: `iss` this issuer, `aud` {@link LOCAL_AUDIENCE}, `scope`
   * space-separated (RFC 9068), `iat` now by the clock, `exp` = `iat` + ttl, a fresh `jti`.
   *
   * @throws {RangeError} when ttlSeconds is not an integer 1–86400
   */
  async issue(request: LocalTokenRequest): Promise<string> {
    const { ttlSeconds } = request;
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_LOCAL_TOKEN_TTL_SECONDS)
      throw new RangeError(`ttlSeconds must be an integer 1–${MAX_LOCAL_TOKEN_TTL_SECONDS}`);
    const iat = Math.floor(nowMs(this.clock) / 1000);
    return this.sign({
      iss: this.issuer,
      aud: LOCAL_AUDIENCE,
      sub: request.subject ?? 'local-agent',
      client_id: request.subject ?? 'local-agent',
      ...(request.tenant !== undefined && { tenant: request.tenant }),
      scope: request.scopes.join(' '),
      jti: randomUUID(),
      iat,
      exp: iat + ttlSeconds,
    });
  }

  /** Signs exactly `claims` with the issuer's key (header `alg`, `kid`, `typ: at+jwt` unless overridden). Tests craft edge cases with it. */
  sign(claims: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: LOCAL_ALGORITHM, kid: this.kid, typ: 'at+jwt', ...header })
      .sign(this.privateKey);
  }
}

async function newPrivateJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(LOCAL_ALGORITHM, { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: `local-${randomUUID()}`, alg: LOCAL_ALGORITHM };
}

async function readKey(path: string): Promise<JWK | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const jwk = JSON.parse(text) as JWK;
  if (jwk.kty !== 'RSA' || typeof jwk.d !== 'string' || typeof jwk.kid !== 'string')
    throw new Error(`${path} is not the local issuer's RSA private key (JWK with kid)`);
  return jwk;
}
