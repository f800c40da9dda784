import { bearerChallenge } from './challenge';
import { AuthenticationError } from './errors';
import { FRAMEWORK_TENANT, isReservedTenant } from './owner';

/**
 * Who is calling, as established from a verified access token.
 *
 * - `tenant`: whose objects the caller acts on (the configured tenant claim, else `principal`)
 * - `principal`: the subject (`sub`, RFC 7519 §4.1.2), or `client_id` when a token has no `sub`
 * - `clientId`: the OAuth client the token was issued to (`client_id`, RFC 9068 §2.2), if any
 * - `tokenId`: the token's `jti` (RFC 7519 §4.1.7), if any — for audit, never the token itself
 * - `scopes`: the granted scopes, de-duplicated, in token order
 * - `expiresAt`: the token's `exp`, seconds since the Unix epoch (NumericDate, RFC 7519 §2)
 * - `certificateThumbprint`: `cnf["x5t#S256"]` of a certificate-bound token (RFC 8705 §3.1), if any
 */
export type Principal = {
  readonly tenant: string;
  readonly principal: string;
  readonly clientId?: string;
  readonly tokenId?: string;
  readonly scopes: readonly string[];
  readonly expiresAt: number;
  readonly certificateThumbprint?: string;
};

/** A JWT's claims set as the verifier hands it over (already signature- and time-checked). */
export type TokenClaims = Readonly<Record<string, unknown>>;

/** The claim that names the tenant unless configured otherwise (AUTH_TENANT_CLAIM). */
export const DEFAULT_TENANT_CLAIM = 'tenant';

/**
 * The scopes a token grants: `scope`, a space-separated string (RFC 9068 §2.2.3, RFC 8693 §4.2),
 * else `scp`, an array of strings (Azure AD, Okta). Empty entries are dropped, repeats kept once.
 *
 * With `prefix` (AUTH_SCOPE_PREFIX), only scopes that start with it count, and without it: Cognito
 * writes a resource server's custom scopes as `<resource-server-id>/<scope>`, so `aif/mesh:read`
 * is the route table's `mesh:read`, while a scope of another resource server (`other/mesh:read`)
 * or an unprefixed one (`openid`) grants nothing here.
 *
 * @param prefix - the prefix every granted scope carries, e.g. `aif/` @default '' (scopes as they are)
 * @throws {AuthenticationError} when `scope` is not a string or `scp` not an array of strings
 * @example scopesOf({ scope: 'mesh:read  mesh:write' }) // ['mesh:read', 'mesh:write']
 * @example scopesOf({ scope: 'aif/mesh:read other/mesh:write openid' }, 'aif/') // ['mesh:read']
 */
export function scopesOf(claims: TokenClaims, prefix = ''): string[] {
  const { scope, scp } = claims;
  let scopes: string[];
  if (scope !== undefined) {
    if (typeof scope !== 'string') throw malformedClaim('scope');
    scopes = scope.split(' ');
  } else if (scp !== undefined) {
    if (!Array.isArray(scp) || !scp.every((s) => typeof s === 'string')) throw malformedClaim('scp');
    scopes = scp;
  } else {
    scopes = [];
  }
  const granted = prefix ? scopes.filter((s) => s.startsWith(prefix)).map((s) => s.slice(prefix.length)) : scopes;
  return [...new Set(granted.filter((s) => s.length > 0))];
}

/**
 * The principal of a verified token's claims.
 *
 * The principal is `sub`; Cognito client-credentials access tokens carry `client_id` (and set
 * `sub` to the same value), so `client_id` stands in when `sub` is absent. The tenant is the string
 * in `tenantClaim` when the token has one, else the principal itself: a caller without a tenant is
 * a tenant of one.
 *
 * @param options.tenantClaim - the claim naming the tenant @default 'tenant'
 * @param options.scopePrefix - the prefix of granted scopes ({@link scopesOf}) @default ''
 * @throws {AuthenticationError} when neither `sub` nor `client_id` is a non-empty string, `exp` is
 *   not a number, a scope, tenant, `client_id` or `jti` claim has the wrong type, or the tenant is
 *   the framework's reserved `aif` (`FRAMEWORK_TENANT`)
 * @example principalFromClaims({ sub: 'agent-1', exp: 1_800_000_000, scope: 'mesh:read' }).tenant // 'agent-1'
 */
export function principalFromClaims(
  claims: TokenClaims,
  options: { tenantClaim?: string; scopePrefix?: string } = {},
): Principal {
  const clientId = optionalString(claims, 'client_id');
  const tokenId = optionalString(claims, 'jti');
  const principal = optionalString(claims, 'sub') ?? clientId;
  if (principal === undefined) throw malformedClaim('sub');
  const { exp } = claims;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw malformedClaim('exp');
  const tenantClaim = options.tenantClaim ?? DEFAULT_TENANT_CLAIM;
  const tenant = optionalString(claims, tenantClaim) ?? principal;
  // The framework's own tenant is nobody's: a token naming it (as tenant, or as a principal without one) is refused.
  if (isReservedTenant(tenant)) throw reservedTenant(tenantClaim);
  const certificateThumbprint = thumbprintOf(claims);
  return {
    tenant,
    principal,
    ...(clientId !== undefined && { clientId }),
    ...(tokenId !== undefined && { tokenId }),
    scopes: scopesOf(claims, options.scopePrefix),
    expiresAt: exp,
    ...(certificateThumbprint !== undefined && { certificateThumbprint }),
  };
}

/** `cnf["x5t#S256"]` (RFC 8705 §3.1): a string when `cnf` is present with it; `cnf` must be an object. */
function thumbprintOf(claims: TokenClaims): string | undefined {
  const { cnf } = claims;
  if (cnf === undefined) return undefined;
  if (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf)) throw malformedClaim('cnf');
  const thumbprint = (cnf as Record<string, unknown>)['x5t#S256'];
  if (thumbprint === undefined) return undefined;
  if (typeof thumbprint !== 'string' || thumbprint === '') throw malformedClaim('cnf');
  return thumbprint;
}

/** A claim that must be a non-empty string when present; absent or empty reads as undefined. */
function optionalString(claims: TokenClaims, name: string): string | undefined {
  const value = claims[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw malformedClaim(name);
  return value;
}

function reservedTenant(tenantClaim: string): AuthenticationError {
  const description = `The access token's tenant is "${FRAMEWORK_TENANT}", which is reserved for the framework (claim "${tenantClaim}", else "sub")`;
  return new AuthenticationError(description, bearerChallenge({ error: 'invalid_token', description }));
}

function malformedClaim(name: string): AuthenticationError {
  const description = `The access token's "${name}" claim is missing or malformed`;
  return new AuthenticationError(description, bearerChallenge({ error: 'invalid_token', description }));
}
