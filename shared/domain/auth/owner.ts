import { bearerChallenge } from './challenge';
import { AuthorizationError } from './errors';
import type { Principal } from './principal';

/**
 * Who owns a stored object: the tenant it belongs to and the principal that wrote it, both taken
 * from the caller's verified identity ({@link Principal}), never from the request body. Objects are
 * visible to their tenant only; `principal` is kept for audit and for objects one principal alone
 * may replace (a mesh instance id).
 */
export type Owner = { readonly tenant: string; readonly principal: string };

/** The owner a caller's writes record. */
export const ownerOf = (caller: Principal): Owner => ({ tenant: caller.tenant, principal: caller.principal });

/**
 * The tenant and principal of callers when auth is off (`npm run dev`'s default `--auth off`, a
 * deployed stage in `authMode: none`): everyone is this one principal of one tenant, holding every
 * scope, so the unauthenticated walkthrough sees one shared namespace as before tenants existed.
 */
export const UNAUTHENTICATED_TENANT = 'default';
export const UNAUTHENTICATED_PRINCIPAL = 'anonymous';

/**
 * The framework's own tenant, reserved: no caller can be it (`principalFromClaims` refuses a token
 * whose tenant would be `aif`, `principalFromContext` an authorizer context naming it), so nothing
 * the framework keeps under it is visible through the API. The errors the framework records outside
 * any request whose object has no known tenant are counted under it (see `tenantConcerned`); they
 * still reach the functions' error metrics and logs.
 */
export const FRAMEWORK_TENANT = 'aif';

/** Whether `tenant` is reserved for the framework ({@link FRAMEWORK_TENANT}); exact, case-sensitive. */
export const isReservedTenant = (tenant: string): boolean => tenant === FRAMEWORK_TENANT;

/**
 * The tenant an error the framework records outside any request is counted under: the tenant of
 * the object it concerns (the subscription whose webhook failed…) when it has an owner, else
 * {@link FRAMEWORK_TENANT}.
 *
 * @example tenantConcerned(subscription?.owner) // 'acme', or 'aif' for a deleted subscription
 */
export const tenantConcerned = (owner: Owner | undefined): string => owner?.tenant || FRAMEWORK_TENANT;

/**
 * The caller of every request when auth is off: {@link UNAUTHENTICATED_TENANT}, holding `scopes`
 * (every scope of the route table), never expiring.
 */
export function unauthenticatedCaller(scopes: readonly string[]): Principal {
  return {
    tenant: UNAUTHENTICATED_TENANT,
    principal: UNAUTHENTICATED_PRINCIPAL,
    scopes: [...scopes],
    expiresAt: Number.POSITIVE_INFINITY,
  };
}

/**
 * The caller of a public route when auth is on (health, the API description): nobody in
 * particular, holding no scope and owning nothing.
 */
export const PUBLIC_CALLER: Principal = Object.freeze({
  tenant: '',
  principal: UNAUTHENTICATED_PRINCIPAL,
  scopes: Object.freeze([]) as readonly string[],
  expiresAt: Number.POSITIVE_INFINITY,
});

/** Whether `caller` holds `scope` (exact, case-sensitive: RFC 6749 §3.3). */
export const holdsScope = (caller: Principal, scope: string): boolean => caller.scopes.includes(scope);

/**
 * Requires `scope` of `caller` for a part of an operation the route's own scopes do not cover
 * (e.g. claiming a mesh instance status other than `unknown` needs `mesh:admin`).
 *
 * @param what - what needs the scope, for the message, e.g. `Claiming status "healthy"`
 * @throws {AuthorizationError} 403 with `WWW-Authenticate: Bearer error="insufficient_scope", scope="<scope>"`
 */
export function requireScope(caller: Principal, scope: string, what: string): void {
  if (holdsScope(caller, scope)) return;
  throw new AuthorizationError(
    `${what} needs the scope ${scope}`,
    [scope],
    bearerChallenge({ error: 'insufficient_scope', scopes: [scope] }),
  );
}

/** Whether `owner` (of a stored object) is `caller`'s tenant. Objects without an owner belong to nobody. */
export const ownedByTenantOf = (owner: Owner | undefined, caller: Principal): boolean =>
  owner !== undefined && owner.tenant === caller.tenant;
