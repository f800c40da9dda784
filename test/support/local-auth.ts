import type { LocalAuthOption, LocalServer } from '../../local/server';
import { startLocalServer } from '../../local/server';
import { fixedClock } from './clock';
import { AUTH_TEST_NOW_SECONDS } from './jwks';

/**
 * A local runner with auth on (the local issuer unless `auth` names another), its clock fixed at
 * {@link AUTH_TEST_NOW_SECONDS} so token times are relative to it; no health-check tick.
 *
 * @example const server = await startAuthServer(); server.auth.localIssuer?.issue({ scopes: [], ttlSeconds: 60 });
 */
export function startAuthServer(auth: LocalAuthOption = { mode: 'jwt' }): Promise<LocalServer> {
  return startLocalServer({ port: 0, healthCheckIntervalMs: 0, auth, clock: fixedClock(AUTH_TEST_NOW_SECONDS * 1000) });
}
