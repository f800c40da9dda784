import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyOptions, jwtVerify } from 'jose';
import { DEFAULT_ALGORITHMS, isRefusedAlgorithm } from '../../domain/auth/algorithms';
import { bearerChallenge } from '../../domain/auth/challenge';
import { AuthenticationError } from '../../domain/auth/errors';
import { type Principal, principalFromClaims } from '../../domain/auth/principal';
import { DependencyUnavailableError } from '../../domain/errors';
import type { Clock } from '../../ports/clock';
import type { TokenVerifier } from '../../ports/token-verifier';

/** Largest clock skew accepted on `exp`, `nbf` and `iat`, seconds (issue 10: ≤ 60 s). */
export const MAX_CLOCK_TOLERANCE_SECONDS = 60;

/**
 * What a {@link JoseTokenVerifier} checks. Exactly one of `audience` (any OAuth 2.0 / OIDC issuer:
 * `aud` must name one of them, RFC 7519 §4.1.3) and `cognitoClientIds` (Cognito access tokens,
 * which carry `client_id` and `token_use: access` instead of `aud`) is set.
 */
export type JoseTokenVerifierOptions = {
  /** The `iss` every token must carry, exactly (RFC 7519 §4.1.1). */
  issuer: string;
  /** The issuer's JWKS. Keys come only from here — never from a token's `jku`, `x5u` or `iss`. */
  jwksUrl: string | URL;
  audience?: readonly string[];
  cognitoClientIds?: readonly string[];
  /** Accepted JWS `alg` values. @default DEFAULT_ALGORITHMS (RS256, ES256, EdDSA) */
  algorithms?: readonly string[];
  /** The claim naming the tenant. @default 'tenant' */
  tenantClaim?: string;
  /** Only scopes with this prefix count, without it (Cognito's `<resource-server-id>/`). @default '' */
  scopePrefix?: string;
  /** Skew allowed on `exp`/`nbf`, seconds, 0–60. @default 30 */
  clockToleranceSeconds?: number;
  /** Least time between two JWKS fetches for an unknown `kid`, milliseconds. @default 30_000 */
  jwksCooldownMs?: number;
  /** How long a JWKS fetch may take, milliseconds. @default 5_000 */
  jwksTimeoutMs?: number;
};

// Bearer credentials are a token68 (RFC 6750 §2.1); the scheme name is case-insensitive (RFC 9110 §11.1).
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const SCHEME = /^bearer(?: |$)/i;

/**
 * Verifies `Authorization: Bearer <JWT>` access tokens with `jose` against the issuer's remote JWKS.
 *
 * The JWKS is created once (per cold start: the verifier is built in the function's wiring) and
 * refetched for an unknown `kid` at most once per `jwksCooldownMs`. Every token must be a JWS over
 * an allowed asymmetric algorithm, carry `iss` and `exp` (and `aud`, or Cognito's `client_id` and
 * `token_use`), and be valid at the injected clock's time (`currentDate`) within the tolerance;
 * `nbf` is honoured when present. RFC 7519, RFC 9068 (JWT access tokens), RFC 8725 (JWT BCP).
 *
 * @throws {Error} from the constructor when the options are inconsistent (a deployment defect)
 * @example const verifier = new JoseTokenVerifier({ issuer, audience: ['aif'], jwksUrl }, systemClock);
 */
export class JoseTokenVerifier implements TokenVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;
  private readonly verifyOptions: Omit<JWTVerifyOptions, 'currentDate'>;

  constructor(
    private readonly options: JoseTokenVerifierOptions,
    private readonly clock: Clock,
  ) {
    this.verifyOptions = verifyOptionsOf(options);
    this.jwks = createRemoteJWKSet(new URL(options.jwksUrl), {
      cooldownDuration: options.jwksCooldownMs ?? 30_000,
      timeoutDuration: options.jwksTimeoutMs ?? 5_000,
    });
  }

  /**
   * @param authorization - the `Authorization` header value as sent, or undefined when absent
   * @returns the token's principal (tenant, principal, client id, token id, scopes, expiry)
   * @throws {AuthenticationError} no Bearer credentials (bare `Bearer` challenge), or a malformed,
   *   expired, not-yet-valid, wrongly signed or wrongly addressed token (`invalid_token`)
   * @throws {DependencyUnavailableError} when the JWKS cannot be fetched or read
   */
  async verify(authorization: string | undefined): Promise<Principal> {
    const token = bearerToken(authorization);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks, { ...this.verifyOptions, currentDate: this.clock.now() }));
    } catch (error) {
      throw verificationError(error);
    }
    if (this.options.cognitoClientIds) checkCognitoAccessToken(payload, this.options.cognitoClientIds);
    return principalFromClaims(payload, {
      tenantClaim: this.options.tenantClaim,
      scopePrefix: this.options.scopePrefix,
    });
  }
}

function verifyOptionsOf(options: JoseTokenVerifierOptions): Omit<JWTVerifyOptions, 'currentDate'> {
  const algorithms = [...(options.algorithms ?? DEFAULT_ALGORITHMS)];
  const refused = algorithms.filter(isRefusedAlgorithm);
  if (algorithms.length === 0 || refused.length > 0) {
    throw new Error(
      `JoseTokenVerifier: algorithms must be asymmetric JWS algorithms; refused: ${refused.join(', ') || '(none given)'}`,
    );
  }
  const tolerance = options.clockToleranceSeconds ?? 30;
  if (!(tolerance >= 0 && tolerance <= MAX_CLOCK_TOLERANCE_SECONDS)) {
    throw new Error(`JoseTokenVerifier: clockToleranceSeconds must be 0–${MAX_CLOCK_TOLERANCE_SECONDS}`);
  }
  if (!options.issuer) throw new Error('JoseTokenVerifier: issuer is required');
  const hasAudience = (options.audience?.length ?? 0) > 0;
  const hasClientIds = (options.cognitoClientIds?.length ?? 0) > 0;
  if (hasAudience === hasClientIds) {
    throw new Error('JoseTokenVerifier: set exactly one of audience (JWT) and cognitoClientIds (Cognito)');
  }
  return {
    issuer: options.issuer,
    ...(hasAudience && { audience: [...(options.audience ?? [])] }),
    algorithms,
    clockTolerance: tolerance,
    requiredClaims: ['iss', 'exp', ...(hasAudience ? ['aud'] : ['client_id', 'token_use'])],
  };
}

/** The token of a Bearer `Authorization` header; only the header is read, never the query or body (RFC 6750 §2.1). */
function bearerToken(authorization: string | undefined): string {
  if (!authorization || !SCHEME.test(authorization.trim())) {
    throw new AuthenticationError('The request has no Bearer access token', bearerChallenge());
  }
  const match = BEARER.exec(authorization.trim());
  if (!match?.[1]) throw invalidToken('The Authorization header is not a well-formed Bearer token');
  return match[1];
}

/** Cognito access tokens name their app client in `client_id` and say `token_use: access` (ID tokens say `id`). */
function checkCognitoAccessToken(payload: JWTPayload, clientIds: readonly string[]): void {
  if (payload.token_use !== 'access') throw invalidToken('The token is not an access token');
  if (typeof payload.client_id !== 'string' || !clientIds.includes(payload.client_id)) {
    throw invalidToken('The access token was issued to a client this API does not accept');
  }
}

/**
 * jose's errors in domain words: anything about the token is a 401; not reaching or not reading
 * the JWKS (a timeout, a non-200 answer, a network error, an invalid key set) is a dependency
 * failure — an authorizer failure (5xx), never an allow and never blamed on the caller.
 */
function verificationError(error: unknown): AuthenticationError | DependencyUnavailableError {
  if (error instanceof errors.JWTExpired) return invalidToken('The access token expired', error);
  if (error instanceof errors.JWTClaimValidationFailed) {
    const description =
      error.claim === 'nbf'
        ? 'The access token is not valid yet'
        : `The access token's "${error.claim}" claim is invalid`;
    return invalidToken(description, error);
  }
  if (
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    !(error instanceof errors.JOSEError) ||
    error.code === errors.JOSEError.code
  ) {
    return new DependencyUnavailableError("The token issuer's keys (JWKS) could not be fetched", 1, { cause: error });
  }
  return invalidToken('The access token is invalid', error);
}

function invalidToken(description: string, cause?: unknown): AuthenticationError {
  return new AuthenticationError(description, bearerChallenge({ error: 'invalid_token', description }), { cause });
}
