import { compilePathTemplate, matchPath, type PathTemplate } from '../domain/path-template';

/**
 * Finds routes by method and concrete path, as API Gateway does (literal segments win over
 * `{param}` segments); HEAD finds the GET route. Compile once per route table and reuse.
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
    const upper = servedAs(method);
    const sameMethod = this.routes.flatMap((r, i) => (r.method === upper || r.method === 'ANY' ? [i] : []));
    const hit = matchPath(
      sameMethod.map((i) => this.templates[i] as PathTemplate),
      path,
    );
    if (hit) return { route: this.routes[sameMethod[hit.index] as number] as R, params: hit.parameters };
    const allow = this.routes
      .filter((_, i) => this.templates[i]?.regex.test(path))
      .flatMap((r) => (r.method === 'GET' ? ['GET', 'HEAD'] : [r.method]));
    return allow.length > 0 ? { allow: [...new Set(allow)] } : undefined;
  }

  /** The route declared for an API Gateway resource path and method (HEAD: the GET route), if any. */
  byResource(method: string, resource: string): R | undefined {
    const upper = servedAs(method);
    return this.routes.find((r) => (r.method === upper || r.method === 'ANY') && r.path === resource);
  }
}

/** HEAD is answered by the GET route without a body (RFC 9110 §9.3.2); other methods by their own. */
function servedAs(method: string): string {
  const upper = method.toUpperCase();
  return upper === 'HEAD' ? 'GET' : upper;
}
