/**
 * The error codes of a Bearer challenge (RFC 6750 §3.1): `invalid_token` (401) for an expired,
 * malformed or unverifiable token; `insufficient_scope` (403) when the token lacks a scope.
 */
export type BearerErrorCode = 'invalid_token' | 'insufficient_scope';

/**
 * A `WWW-Authenticate` value for the Bearer scheme (RFC 6750 §3). Without `error` it is the bare
 * challenge RFC 6750 §3.1 asks for when the request had no Bearer credentials at all ("SHOULD NOT
 * include an error code"). Attribute values are quoted strings (RFC 9110 §11.2); `"` and `\` are
 * dropped from descriptions rather than escaped, since clients parse these loosely.
 *
 * @param challenge.error - the RFC 6750 error code, if any
 * @param challenge.description - `error_description`, human-readable, never token contents
 * @param challenge.scopes - the scopes the resource needs (`scope`, space-separated, with `insufficient_scope`)
 * @example bearerChallenge({ error: 'insufficient_scope', scopes: ['mesh:read'] }) // 'Bearer error="insufficient_scope", scope="mesh:read"'
 */
export function bearerChallenge(
  challenge: { error?: BearerErrorCode; description?: string; scopes?: readonly string[] } = {},
): string {
  const attributes: string[] = [];
  if (challenge.error) attributes.push(`error="${challenge.error}"`);
  if (challenge.description) attributes.push(`error_description="${challenge.description.replace(/["\\]/g, '')}"`);
  if (challenge.scopes && challenge.scopes.length > 0) attributes.push(`scope="${challenge.scopes.join(' ')}"`);
  return attributes.length > 0 ? `Bearer ${attributes.join(', ')}` : 'Bearer';
}
