import { MethodNotAllowedError, RouteNotFoundError } from '../http/errors';
import type { HttpMiddleware } from '../http/pipeline';
import type { RouteDefinition } from '../http/route-definition';
import { RouteMatcher } from '../http/route-match';

/**
 * Finds the request's route: by API Gateway's `resource` when the gateway matched one, else by
 * matching the path as API Gateway does (the `/{proxy+}` fallback, the local runner). HEAD finds
 * the GET route.
 *
 * @param routes - the whole route table, so that 404 and 405 are told apart for any path
 * @throws {RouteNotFoundError} when no route has the path (404)
 * @throws {MethodNotAllowedError} when the path exists with other methods (405, with `Allow`)
 */
export function resolveRoute(routes: readonly RouteDefinition[]): HttpMiddleware {
  const matcher = new RouteMatcher(routes);
  return (context, next) => {
    const { event } = context;
    const byResource = event.resource ? matcher.byResource(event.httpMethod, event.resource) : undefined;
    if (byResource) {
      context.route = byResource;
      context.pathParameters = { ...(event.pathParameters as Record<string, string> | null) };
      return next();
    }
    const match = matcher.match(event.httpMethod, event.path);
    if (!match) throw new RouteNotFoundError(`No route ${event.httpMethod} ${event.path}`);
    if ('allow' in match) {
      throw new MethodNotAllowedError(
        `${event.path} does not support ${event.httpMethod}; use ${match.allow.join(', ')}`,
        match.allow,
      );
    }
    context.route = match.route;
    context.pathParameters = match.params;
    return next();
  };
}
