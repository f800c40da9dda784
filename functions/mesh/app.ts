import type { BreakerConfig } from '../../shared/domain/mesh/circuit-breaker';
import { expectedRevisionOf } from '../../shared/http/conditional-request';
import { statusOf } from '../../shared/http/outcome-status';
import { readTraceContext } from '../../shared/http/trace-context';
import { type HttpHandlerOptions, httpApi } from '../../shared/middleware/http-api';
import type { BreakerConfigRepository } from '../../shared/ports/service-mesh';
import type { MeshRouter } from '../../shared/use-cases/route-call';
import {
  deleteRoutingRule,
  deregisterInstance,
  getBreakerConfig,
  getTopology,
  listBreakers,
  type MeshDeps,
  putBreakerConfig,
  putRoutingRule,
  registerInstance,
} from '../../shared/use-cases/service-mesh';
import { type OperationsOf, routes } from '../routes';

/** What the mesh function needs. */
export type MeshFunctionDeps = MeshDeps & {
  router: MeshRouter;
  breakerConfigs: BreakerConfigRepository;
  /** The deployment's breaker settings (BREAKER_* variables). */
  defaults: BreakerConfig;
};

/** Instances, routing rules, topology, breakers, and the router. */
export const meshOperations: OperationsOf<'mesh', MeshFunctionDeps> = {
  registerInstance: async ({ body, headers }, deps) => {
    const { instance, outcome, warnings } = await registerInstance(deps, body, expectedRevisionOf(headers));
    return {
      status: statusOf(outcome),
      body: warnings.length > 0 ? { ...instance, warnings } : instance,
      headers: { etag: `"${instance.revision}"` },
    };
  },
  listInstances: async (_request, deps) => ({ status: 200, body: { items: await deps.registry.list() } }),
  listServiceInstances: async ({ params }, deps) => ({
    status: 200,
    body: { items: await deps.registry.listByName(params.id) },
  }),
  deregisterInstance: async ({ params, headers }, deps) => {
    await deregisterInstance(deps, params.id, expectedRevisionOf(headers));
    return { status: 204 };
  },
  putRoutingRule: async ({ body }, deps) => {
    const { rule, outcome } = await putRoutingRule(deps, body);
    return { status: statusOf(outcome), body: rule };
  },
  listRoutingRules: async (_request, deps) => ({ status: 200, body: { items: await deps.rules.list() } }),
  deleteRoutingRule: async ({ params }, deps) => {
    await deleteRoutingRule(deps, params.id);
    return { status: 204 };
  },
  getTopology: async (_request, deps) => ({ status: 200, body: await getTopology(deps) }),
  listBreakers: async (_request, deps) => ({ status: 200, body: { items: await listBreakers(deps) } }),
  getBreakerConfig: async ({ params }, deps) => ({ status: 200, body: await getBreakerConfig(deps, params.id) }),
  putBreakerConfig: async ({ params, body }, deps) => ({
    status: 200,
    body: await putBreakerConfig(deps, params.id, body),
  }),
  routeCall: async ({ params, headers, body, path, rawQuery, method, caller }, deps) => {
    const trace = readTraceContext(headers);
    const prefix = `/v1/mesh/${encodeURIComponent(params.service)}`;
    const forwardPath = path.startsWith(prefix) ? path.slice(prefix.length) || '/' : `/${params.proxy}`;
    const answer = await deps.router.route({
      tenant: caller.tenant,
      service: params.service,
      method,
      path: forwardPath,
      query: rawQuery,
      headers,
      ...(Buffer.isBuffer(body) && { body }),
      trace: { traceId: trace.traceId, spanId: trace.spanId, flags: trace.flags },
    });
    return {
      status: answer.status,
      headers: { ...answer.headers, 'x-mesh-instance': answer.instanceId, 'x-mesh-attempts': String(answer.attempts) },
      rawBody: answer.body,
    };
  },
};

/**
 * The mesh function: the instance registry, routing rules, topology, breakers, and the router
 * (`ANY /v1/mesh/{service}/{proxy+}`) over the HTTP pipeline.
 *
 * @example const handler = createMeshHandler(meshDeps(base, { events }), httpOptions(base));
 */
export const createMeshHandler = (deps: MeshFunctionDeps, options: HttpHandlerOptions) =>
  httpApi(routes, meshOperations, deps, options);
