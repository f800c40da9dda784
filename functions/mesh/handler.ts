import { DynamoDbBreakerStore } from '../../shared/adapters/dynamodb/breaker-store';
import { DynamoDbErrorCounterRepository } from '../../shared/adapters/dynamodb/error-counter-repository';
import { DynamoDbRoutingRuleRepository } from '../../shared/adapters/dynamodb/routing-rule-repository';
import { DynamoDbServiceRegistry } from '../../shared/adapters/dynamodb/service-registry';
import { SafeHttpClient } from '../../shared/adapters/http/safe-http-client';
import { loadConfig } from '../../shared/config';
import { type BreakerConfig, DEFAULT_BREAKER_CONFIG } from '../../shared/domain/mesh/circuit-breaker';
import { expectedRevisionOf } from '../../shared/http/conditional-request';
import { statusOf } from '../../shared/http/outcome-status';
import { createRouter } from '../../shared/http/router';
import { readTraceContext } from '../../shared/http/trace-context';
import { httpApi } from '../../shared/middleware/http-api';
import { PowertoolsErrorMetrics } from '../../shared/observability/error-metrics';
import { createObservability } from '../../shared/observability/powertools';
import { systemClock } from '../../shared/ports/clock';
import type { BreakerConfigRepository } from '../../shared/ports/service-mesh';
import { recordError } from '../../shared/use-cases/record-error';
import { MeshRouter } from '../../shared/use-cases/route-call';
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
import { addressPolicyOf, eventPublisherOf, policyAwareDynamoDb } from '../wiring';

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
    const { instance, outcome } = await registerInstance(deps, body, expectedRevisionOf(headers));
    return { status: statusOf(outcome), body: instance, headers: { etag: `"${instance.revision}"` } };
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
  routeCall: async ({ params, headers, body, path, rawQuery, method }, deps) => {
    const trace = readTraceContext(headers);
    const prefix = `/v1/mesh/${encodeURIComponent(params.service)}`;
    const forwardPath = path.startsWith(prefix) ? path.slice(prefix.length) || '/' : `/${params.proxy}`;
    const answer = await deps.router.route({
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

const config = loadConfig(['MESH_TABLE', 'ERRORS_TABLE']);
const observability = createObservability('mesh');
const { documentClient, policyCache } = policyAwareDynamoDb(config, observability);
const registry = new DynamoDbServiceRegistry(documentClient, config.MESH_TABLE);
const rules = new DynamoDbRoutingRuleRepository(documentClient, config.MESH_TABLE);
const breakers = new DynamoDbBreakerStore(documentClient, config.MESH_TABLE);
const http = new SafeHttpClient(addressPolicyOf(config), { maxResponseBytes: 6 * 1024 * 1024 });
const counting = {
  counters: new DynamoDbErrorCounterRepository(documentClient, config.ERRORS_TABLE),
  policyCache,
  events: eventPublisherOf(config),
  clock: systemClock,
  metrics: new PowertoolsErrorMetrics(observability.metrics, observability.logger),
};
const defaults: BreakerConfig = {
  ...DEFAULT_BREAKER_CONFIG,
  failureThreshold: config.BREAKER_FAILURE_THRESHOLD,
  resetTimeoutMs: config.BREAKER_RESET_TIMEOUT_MS,
  halfOpenRequests: config.BREAKER_HALF_OPEN_REQUESTS,
};
const deps: MeshFunctionDeps = {
  breakerConfigs: breakers,
  defaults,
  registry,
  rules,
  breakers,
  clock: systemClock,
  addressPolicy: addressPolicyOf(config),
  router: new MeshRouter({
    registry,
    rules,
    breakers,
    http,
    policyCache,
    clock: systemClock,
    cacheTtlMs: config.MESH_CACHE_TTL_MS,
    breakerConfig: defaults,
    breakerConfigs: breakers,
    onFailure: (error) => {
      recordError(counting, error).catch((failure: unknown) =>
        observability.logger.warn('A routed failure could not be counted', { error: String(failure) }),
      );
    },
  }),
};

/** Lambda entry point of the mesh function (API Gateway REST proxy integration). */
export const handler = httpApi(
  createRouter(routes, meshOperations, deps, { maxBodyBytes: config.MAX_BODY_BYTES }),
  observability,
);
