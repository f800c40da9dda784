import { JoseTokenVerifier } from '../../shared/adapters/auth/jose-token-verifier';
import { loadConfig, requireSetting } from '../../shared/config';
import { createObservability } from '../../shared/observability/powertools';
import type { AuditTrail } from '../../shared/ports/audit-trail';
import { type Clock, systemClock } from '../../shared/ports/clock';
import { requiredSettings } from '../manifest';
import { routes } from '../routes';
import type { FunctionBase } from '../wiring';
import { type AuthorizerDeps, createAuthorizerHandler } from './app';

/**
 * What the authorizer is built on: settings, Powertools, the clock and its audit trail — not the
 * full `FunctionBase`, whose DynamoDB client and error-policy cache it has no use for (it reads no
 * table, and its cold start sits in front of every uncached call).
 */
export type AuthorizerBase = Pick<FunctionBase, 'config' | 'observability' | 'clock' | 'audit'>;

/**
 * The authorizer's base in AWS mode: settings from the environment, checked against its manifest
 * record (AUTH_ISSUER, AUTH_JWKS_URL, AUDIT_TABLE, EVENT_BUS_NAME), the wall clock unless a test
 * passes its own, and the AWS audit trail, loaded on the first 401 (`lazyAuditTrail`).
 *
 * @throws {Error} naming every missing or invalid variable — a deployment defect
 */
export function awsAuthorizerBase(overrides: { env?: NodeJS.ProcessEnv; clock?: Clock } = {}): AuthorizerBase {
  const config = loadConfig(requiredSettings('authorizer'), overrides.env);
  return {
    config,
    observability: createObservability('authorizer'),
    clock: overrides.clock ?? systemClock,
    audit: lazyAuditTrail(async () => {
      const [{ awsAuditTrail }, { createDocumentClient }] = await Promise.all([
        import('../audit-wiring'),
        import('../../shared/adapters/dynamodb/document-client'),
      ]);
      return awsAuditTrail(config, createDocumentClient(config.DYNAMODB_ENDPOINT));
    }),
  };
}

/**
 * An audit trail built on its first record: the AWS SDK clients behind it (DynamoDB, EventBridge)
 * are evaluated only when the authorizer first denies a call, never on the path of an allow.
 * A failed build is retried on the next record.
 */
export function lazyAuditTrail(build: () => Promise<AuditTrail>): AuditTrail {
  let trail: Promise<AuditTrail> | undefined;
  return {
    record: async (records) => {
      trail ??= build().catch((error: unknown) => {
        trail = undefined;
        throw error;
      });
      await (await trail).record(records);
    },
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
  return {
    verifier,
    routes,
    clock: base.clock,
    cacheTtlSeconds: config.AUTH_CACHE_TTL_SECONDS,
    bindClientCertificate: config.AUTH_BIND_CLIENT_CERTIFICATE,
    ...(base.audit && { audit: base.audit }),
  };
}

/** The authorizer as Lambda runs it (the entry point passes `awsAuthorizerBase()`; tests pass their environment and clock). */
export function awsAuthorizerHandler(base: AuthorizerBase) {
  return createAuthorizerHandler(authorizerDeps(base), base);
}
