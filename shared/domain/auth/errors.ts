import { DomainError } from '../errors';

/**
 * The request carries no usable credentials: no `Authorization: Bearer` header, a malformed,
 * expired or unverifiable token, or an authorizer context that is missing or expired (HTTP 401).
 * `challenge` is the `WWW-Authenticate` value to send (RFC 6750 §3).
 */
export class AuthenticationError extends DomainError {
  readonly code: string = 'unauthorized';
  readonly title: string = 'The request is not authenticated';

  /** @param challenge - the `WWW-Authenticate` header value, e.g. `Bearer error="invalid_token"` */
  constructor(
    message: string,
    readonly challenge: string,
    options?: { cause?: unknown },
  ) {
    super(message, [], options);
  }
}

/**
 * The caller is authenticated but lacks a scope the route needs (HTTP 403). `requiredScopes` are
 * the route's scopes; `challenge` names them (`Bearer error="insufficient_scope", scope="…"`,
 * RFC 6750 §3.1).
 */
export class AuthorizationError extends DomainError {
  readonly code: string = 'insufficient-scope';
  readonly title: string = 'The access token lacks a scope this operation needs';

  /**
   * @param requiredScopes - every scope the route needs (the challenge's `scope` attribute)
   * @param challenge - the `WWW-Authenticate` header value
   */
  constructor(
    message: string,
    readonly requiredScopes: readonly string[],
    readonly challenge: string,
  ) {
    super(message, [], { extensions: { requiredScopes } });
  }
}

/**
 * The caller's tenant may not act on a name another tenant has claimed (HTTP 403): a mesh service
 * registered by another tenant, an event `source` bound to another tenant, or the framework's
 * reserved `aif.*` sources. Used where the name is shared by all tenants; objects in a tenant's own
 * namespace answer 404 to other tenants instead, as if they did not exist.
 */
export class NotOwnerError extends DomainError {
  readonly code: string = 'forbidden';
  readonly title: string = 'This name belongs to another tenant';
}
