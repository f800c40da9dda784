import { compilePathTemplate, matchPath, type PathTemplate } from '../domain/contracts/path-template';

/**
 * Finds routes by method and concrete path, as API Gateway does (literal segments win over
 * `{param}` segments). Compile once per route table and reuse.
 *
 * @example
 * const matcher = new RouteMatcher(routes);
 * matcher.match('GET', '/v1/contracts/petstore'); // { route, params: { name: 'petstore' } }
 */
export class RouteMatcher<R extends { method: string; path: string }> {
  private readonly templates: PathTemplate[];

  constructor(private readonly routes: readonly R[]) {
    this.templates = routes.map((r) => compilePathTemplate(r.path));
  }

  /**
   * @returns the route and its decoded path parameters; or `allow` (the methods the path has) when
   *   only the method is wrong; or undefined when no route has this path
   */
  match(method: string, path: string): { route: R; params: Record<string, string> } | { allow: string[] } | undefined {
    const upper = method.toUpperCase();
    const sameMethod = this.routes.flatMap((r, i) => (r.method === upper ? [i] : []));
    const hit = matchPath(
      sameMethod.map((i) => this.templates[i] as PathTemplate),
      path,
    );
    if (hit) return { route: this.routes[sameMethod[hit.index] as number] as R, params: hit.parameters };
    const allow = this.routes.filter((_, i) => this.templates[i]?.regex.test(path)).map((r) => r.method);
    return allow.length > 0 ? { allow: [...new Set(allow)] } : undefined;
  }

  /** The route declared for an API Gateway resource path and method, if any. */
  byResource(method: string, resource: string): R | undefined {
    return this.routes.find((r) => r.method === method.toUpperCase() && r.path === resource);
  }
}
