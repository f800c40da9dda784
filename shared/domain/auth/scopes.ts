/** What the scope check needs of a route (a `RouteDefinition` of `functions/routes.ts` is one). */
export type ScopedRoute = {
  readonly method: string;
  readonly path: string;
  /** Every one of these is needed (all, not any). */
  readonly scopes: readonly string[];
  /** Needs no credentials at all (health, the API description). */
  readonly public?: boolean;
};

/**
 * The scopes of `route` that `held` lacks: empty when the caller may call it. A route needs every
 * scope it lists; a public route, and a route listing none, needs nothing. Scopes compare as exact,
 * case-sensitive strings (RFC 6749 §3.3).
 *
 * @example missingScopes({ method: 'GET', path: '/v1/x', scopes: ['a', 'b'] }, ['a']) // ['b']
 */
export function missingScopes(route: ScopedRoute, held: readonly string[]): string[] {
  if (route.public) return [];
  const granted = new Set(held);
  return route.scopes.filter((scope) => !granted.has(scope));
}

/**
 * Whether a caller holding `held` may call `route` (see {@link missingScopes}).
 *
 * @example mayCall({ method: 'GET', path: '/v1/health', scopes: [], public: true }, []) // true
 */
export function mayCall(route: ScopedRoute, held: readonly string[]): boolean {
  return missingScopes(route, held).length === 0;
}
