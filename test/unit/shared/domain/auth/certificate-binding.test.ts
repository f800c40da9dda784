import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { certificateThumbprint, checkCertificateBinding } from '../../../../../shared/domain/auth/certificate-binding';
import { AuthenticationError } from '../../../../../shared/domain/auth/errors';
import { principalFromClaims } from '../../../../../shared/domain/auth/principal';
import { FIXTURES_DIR } from '../../../../support/fixtures';

const pem = (name: string) => readFileSync(`${FIXTURES_DIR}/mtls/${name}.pem`, 'utf8');
// Computed with OpenSSL (test/fixtures/SOURCES.md): an independent oracle.
const AGENT_THUMBPRINT = 'gL5-9Ed8AGfhOLWb6kvtp4pXoOZZL7ZgNJwB0pYi5m0';

const bound = (thumbprint: string) =>
  principalFromClaims({ sub: 'agent-1', exp: 1_800_000_000, scope: 'mesh:call', cnf: { 'x5t#S256': thumbprint } });

describe('certificate-bound tokens (RFC 8705)', () => {
  it('computes the x5t#S256 thumbprint as OpenSSL does', () => {
    expect(certificateThumbprint(pem('agent'))).toBe(AGENT_THUMBPRINT);
    expect(certificateThumbprint(pem('other'))).toBe('g13t3_BYgzrp8iuy3OnJ7vmcUsLi92N7Z3pB1oFjZHo');
  });

  it('admits a token over the TLS connection of its certificate', () => {
    expect(() => checkCertificateBinding(bound(AGENT_THUMBPRINT), pem('agent'))).not.toThrow();
  });

  it('refuses another certificate, no certificate, an unbound token, and an unreadable certificate, each with 401', () => {
    const cases: Array<[() => void, RegExp]> = [
      [() => checkCertificateBinding(bound(AGENT_THUMBPRINT), pem('other')), /bound to another client certificate/],
      [() => checkCertificateBinding(bound(AGENT_THUMBPRINT), undefined), /presented no client certificate/],
      [
        () => checkCertificateBinding(principalFromClaims({ sub: 'a', exp: 1_800_000_000 }), pem('agent')),
        /not bound to a client certificate/,
      ],
      [() => checkCertificateBinding(bound(AGENT_THUMBPRINT), 'not a pem'), /could not be read/],
    ];
    for (const [check, message] of cases) {
      expect(check).toThrow(AuthenticationError);
      expect(check).toThrow(message);
    }
  });

  it('reads cnf.x5t#S256 from the claims, and refuses a malformed cnf', () => {
    expect(bound(AGENT_THUMBPRINT).certificateThumbprint).toBe(AGENT_THUMBPRINT);
    expect(() => principalFromClaims({ sub: 'a', exp: 1_800_000_000, cnf: 'x' })).toThrow(/"cnf" claim/);
    expect(() => principalFromClaims({ sub: 'a', exp: 1_800_000_000, cnf: { 'x5t#S256': 7 } })).toThrow(/"cnf" claim/);
  });
});
