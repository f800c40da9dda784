import { ownerOf } from '../../shared/domain/auth/owner';
import type { BreakerConfig } from '../../shared/domain/mesh/circuit-breaker';
import { expectedRevisionOf } from '../../shared/http/conditional-request';
import { statusOf } from '../../shared/http/outcome-status';
import { readTraceContext } from '../../shared/http/trace-context';
import { type HttpHandlerOptions, httpApi } from '../../shared/middleware/http-api';
import type { BreakerConfigRepository } from '../../shared/ports/service-mesh';
import type { UpstreamCredentialRepository } from '../../shared/ports/upstream-credentials';
import type { MeshRouter } from '../../shared/use-cases/route-call';
import {
  deleteRoutingRule,
  deregisterInstance,
  getBreakerConfig,
  getTopology,
  listBreakers,
  listInstances,
  type MeshDeps,
  putBreakerConfig,
  putRoutingRule,
  registerInstance,
} from '../../shared/use-cases/service-mesh';
import {
  deleteUpstreamCredential,
  getUpstreamCredential,
  putUpstreamCredential,
} from '../../shared/use-cases/upstream-credentials';
import { type OperationsOf, routes } from '../routes';

/** What the mesh function needs. */
export type MeshFunctionDeps = MeshDeps & {
  router: MeshRouter;
  breakerConfigs: BreakerConfigRepository;
  /** The deployment's breaker settings (BREAKER_* variables). */
  defaults: BreakerConfig;
  /** Per-service upstream credential references. */
  credentials: UpstreamCredentialRepository;
  /** MESH_SECRET_PREFIX: a tenant's references must name `<prefix><tenant>/…`. */
  secretPrefix: string;
};

/** Instances, routing rules, topology, breakers, and the router. */
export const meshOperations: OperationsOf<'mesh', MeshFunctionDeps> = {
  registerInstance: async ({ body, headers, caller }, deps) => {
    const { instance, outcome, warnings } = await registerInstance(deps, caller, body, expectedRevisionOf(headers));
    return {
      status: statusOf(outcome),
      body: warnings.length > 0 ? { ...instance, warnings } : instance,
      headers: { etag: `"${instance.revision}"` },
    };
  },
  listInstances: async ({ query, caller }, deps) => ({ status: 200, body: await listInstances(deps, caller, query) }),
  listServiceInstances: async ({ params, query, caller }, deps) => ({
    status: 200,
    body: await listInstances(deps, caller, query, params.id),
  }),
  deregisterInstance: async ({ params, headers, caller }, deps) => {
    await deregisterInstance(deps, caller, params.id, expectedRevisionOf(headers));
    return { status: 204 };
  },
  putRoutingRule: async ({ body, caller }, deps) => {
    const { rule, outcome } = await putRoutingRule(deps, caller, body);
    return { status: statusOf(outcome), body: rule };
  },
  listRoutingRules: async ({ query, caller }, deps) => ({
    status: 200,
    body: await deps.rules.page(caller.tenant, query),
  }),
  deleteRoutingRule: async ({ params, caller }, deps) => {
    await deleteRoutingRule(deps, caller, params.id);
    return { status: 204 };
  },
  getTopology: async ({ caller }, deps) => ({ status: 200, body: await getTopology(deps, caller) }),
  listBreakers: async ({ query, caller }, deps) => ({ status: 200, body: await listBreakers(deps, caller, query) }),
  getBreakerConfig: async ({ params, caller }, deps) => ({
    status: 200,
    body: await getBreakerConfig(deps, caller, params.id),
  }),
  putBreakerConfig: async ({ params, body, caller }, deps) => ({
    status: 200,
    body: await putBreakerConfig(deps, caller, params.id, body),
  }),
  getUpstreamCredential: async ({ params, caller }, deps) => ({
    status: 200,
    body: await getUpstreamCredential(deps, caller, params.id),
  }),
  putUpstreamCredential: async ({ params, body, caller }, deps) => ({
    status: 200,
    body: await putUpstreamCredential(deps, caller, params.id, body),
  }),
  deleteUpstreamCredential: async ({ params, caller }, deps) => {
    await deleteUpstreamCredential(deps, caller, params.id);
    return { status: 204 };
  },
  routeCall: async ({ params, headers, body, path, rawQuery, method, caller }, deps) => {
    const trace = readTraceContext(headers);
    const prefix = `/v1/mesh/${encodeURIComponent(params.service)}`;
    const forwardPath = path.startsWith(prefix) ? path.slice(prefix.length) || '/' : `/${params.proxy}`;
    const answer = await deps.router.route({
      caller: ownerOf(caller),
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
 * @example const handler = createMeshHandler(meshDeps(base, { events, secrets }), httpOptions(base));
 */
export const createMeshHandler = (deps: MeshFunctionDeps, options: HttpHandlerOptions) =>
  httpApi(routes, meshOperations, deps, options);
