import { functionManifest } from '../functions/manifest';
import { healthCheckSpreadMs } from '../shared/domain/mesh/health-check-budget';

/** The health-check function's timeout (its manifest record), milliseconds: what a local run may take, as in AWS. */
export const HEALTH_CHECK_TIMEOUT_MS = functionManifest['health-check'].timeoutSeconds * 1000;

/**
 * The health check's spread window in local mode, derived as infra derives it in AWS but from the
 * local interval: HEALTH_CHECK_SPREAD_MS = min(interval, the function's timeout) − 15 s
 * (`healthCheckSpreadMs`), milliseconds; 0 for an interval of 15 s or less, or 0 (runs on demand
 * only). A HEALTH_CHECK_SPREAD_MS already in `env` wins (nothing is returned then).
 *
 * @param options - `healthCheckIntervalMs`, milliseconds @default 60_000
 * @param env - the process's environment
 * @example healthCheckSettings({ healthCheckIntervalMs: 60_000 }, {}) // { HEALTH_CHECK_SPREAD_MS: '45000' }
 */
export function healthCheckSettings(
  options: { healthCheckIntervalMs?: number },
  env: NodeJS.ProcessEnv,
): NodeJS.ProcessEnv {
  if (env.HEALTH_CHECK_SPREAD_MS !== undefined) return {};
  const spreadMs = healthCheckSpreadMs(options.healthCheckIntervalMs ?? 60_000, HEALTH_CHECK_TIMEOUT_MS);
  return { HEALTH_CHECK_SPREAD_MS: String(spreadMs) };
}
