import { JoseTokenVerifier } from '../../shared/adapters/auth/jose-token-verifier';
import { loadConfig, requireSetting } from '../../shared/config';
import { createObservability } from '../../shared/observability/powertools';
import { type Clock, systemClock } from '../../shared/ports/clock';
import { requiredSettings } from '../manifest';
import { routes } from '../routes';
import type { FunctionBase } from '../wiring';
import { type AuthorizerDeps, createAuthorizerHandler } from './app';

/**
 * What the authorizer is built on: settings, Powertools and the clock — not the full `FunctionBase`,
 * whose DynamoDB client and error-policy cache it has no use for (it reads no table, and its cold
 * start sits in front of every uncached call).
 */
export type AuthorizerBase = Pick<FunctionBase, 'config' | 'observability' | 'clock'>;

/**
 * The authorizer's base in AWS mode: settings from the environment, checked against its manifest
 * record (AUTH_ISSUER, AUTH_JWKS_URL), and the wall clock unless a test passes its own.
 *
 * @throws {Error} naming every missing or invalid variable — a deployment defect
 */
export function awsAuthorizerBase(overrides: { env?: NodeJS.ProcessEnv; clock?: Clock } = {}): AuthorizerBase {
  return {
    config: loadConfig(requiredSettings('authorizer'), overrides.env),
    observability: createObservability('authorizer'),
    clock: overrides.clock ?? systemClock,
  };
}

/**
 * The authorizer's dependencies: one {@link JoseTokenVerifier} (its remote JWKS created here, once
 * per cold start) over the AUTH_* settings, and the whole route table.
 *
 * @throws {Error} when AUTH_ISSUER or AUTH_JWKS_URL is missing, or not exactly one of AUTH_AUDIENCE
 *   and AUTH_COGNITO_CLIENT_IDS is set — a deployment defect
 */
export function authorizerDeps(base: AuthorizerBase): AuthorizerDeps {
  const { config } = base;
  const verifier = new JoseTokenVerifier(
    {
      issuer: requireSetting(config, 'AUTH_ISSUER'),
      jwksUrl: requireSetting(config, 'AUTH_JWKS_URL'),
      ...(config.AUTH_AUDIENCE && { audience: config.AUTH_AUDIENCE }),
      ...(config.AUTH_COGNITO_CLIENT_IDS && { cognitoClientIds: config.AUTH_COGNITO_CLIENT_IDS }),
      algorithms: config.AUTH_ALGORITHMS,
      tenantClaim: config.AUTH_TENANT_CLAIM,
      ...(config.AUTH_SCOPE_PREFIX && { scopePrefix: config.AUTH_SCOPE_PREFIX }),
      clockToleranceSeconds: config.AUTH_CLOCK_TOLERANCE_SECONDS,
    },
    base.clock,
  );
  return { verifier, routes, clock: base.clock, cacheTtlSeconds: config.AUTH_CACHE_TTL_SECONDS };
}

/** The authorizer as Lambda runs it (the entry point passes `awsAuthorizerBase()`; tests pass their environment and clock). */
export function awsAuthorizerHandler(base: AuthorizerBase) {
  return createAuthorizerHandler(authorizerDeps(base), base);
}
