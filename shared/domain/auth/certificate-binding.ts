import { createHash, X509Certificate } from 'node:crypto';
import { bearerChallenge } from './challenge';
import { AuthenticationError } from './errors';
import type { Principal } from './principal';

/**
 * The X.509 certificate SHA-256 thumbprint of RFC 8705 §3.1: base64url (no padding) of the SHA-256
 * digest of the certificate's DER encoding — the value a certificate-bound access token carries in
 * `cnf["x5t#S256"]`.
 *
 * @param pem - the client certificate, PEM (as API Gateway passes it for mutual TLS:
 *   `requestContext.identity.clientCert.clientCertPem`)
 * @throws {AuthenticationError} when the PEM is not a readable certificate
 * @example certificateThumbprint(pem) // 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2'
 */
export function certificateThumbprint(pem: string): string {
  let der: Buffer;
  try {
    der = new X509Certificate(pem).raw;
  } catch (cause) {
    throw invalid('The client certificate could not be read', cause);
  }
  return createHash('sha256').update(der).digest('base64url');
}

/**
 * Checks that a certificate-bound token is presented over the TLS connection of its certificate
 * (RFC 8705 §3): the token's `cnf["x5t#S256"]` ({@link Principal.certificateThumbprint}) equals the
 * thumbprint of the client certificate of this request. A token without the claim, a request
 * without a client certificate, or a different certificate is refused: a stolen token is useless
 * without the private key of its certificate.
 *
 * @throws {AuthenticationError} 401 `invalid_token` naming which of the three failed
 */
export function checkCertificateBinding(principal: Principal, clientCertPem: string | undefined): void {
  if (!principal.certificateThumbprint) {
    throw invalid('The access token is not bound to a client certificate (no cnf x5t#S256 claim)');
  }
  if (!clientCertPem) throw invalid('The request presented no client certificate');
  if (certificateThumbprint(clientCertPem) !== principal.certificateThumbprint) {
    throw invalid('The access token is bound to another client certificate');
  }
}

function invalid(description: string, cause?: unknown): AuthenticationError {
  return new AuthenticationError(
    description,
    bearerChallenge({ error: 'invalid_token', description }),
    cause === undefined ? undefined : { cause },
  );
}
