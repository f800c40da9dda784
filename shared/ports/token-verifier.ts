import type { Principal } from '../domain/auth/principal';

/** Verifies the bearer token of a request and says who is calling. */
export interface TokenVerifier {
  /**
   * Verifies `authorization` — the request's `Authorization` header value as sent — and returns
   * the principal of its token.
   *
   * @throws {AuthenticationError} when the header is absent, not `Bearer`, or the token is invalid (401)
   * @throws {DependencyUnavailableError} when the keys cannot be fetched (5xx, never an allow)
   */
  verify(authorization: string | undefined): Promise<Principal>;
}
