/**
 * The JWS algorithms accepted unless configured otherwise (AUTH_ALGORITHMS): RSA PKCS#1 v1.5 with
 * SHA-256, ECDSA P-256, and EdDSA (RFC 7518 §3.1, RFC 8037) — the asymmetric algorithms issuers
 * publish in their JWKS.
 */
export const DEFAULT_ALGORITHMS: readonly string[] = ['RS256', 'ES256', 'EdDSA'];

/**
 * Whether an algorithm may never be configured: `none` (an unsigned token, RFC 7519 §6) and the
 * HMAC family `HS*`, whose "key" would be whatever the verifier holds — with a JWKS, the public
 * key, which anyone can sign with (algorithm confusion, RFC 8725 §2.1).
 *
 * @example isRefusedAlgorithm('HS256') // true
 */
export function isRefusedAlgorithm(algorithm: string): boolean {
  return algorithm.toLowerCase() === 'none' || /^HS\d+$/i.test(algorithm);
}
