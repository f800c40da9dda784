import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDbBreakerStore } from '../../shared/adapters/dynamodb/breaker-store';
import { DynamoDbContractRepository } from '../../shared/adapters/dynamodb/contract-repository';
import { DynamoDbErrorCounterRepository } from '../../shared/adapters/dynamodb/error-counter-repository';
import { DynamoDbQuotaCounter } from '../../shared/adapters/dynamodb/quota-counter';
import { DynamoDbRoutingRuleRepository } from '../../shared/adapters/dynamodb/routing-rule-repository';
import { DynamoDbServiceClaims } from '../../shared/adapters/dynamodb/service-claims';
import { DynamoDbServiceRegistry } from '../../shared/adapters/dynamodb/service-registry';
import { DynamoDbUpstreamCredentials } from '../../shared/adapters/dynamodb/upstream-credentials';
import { SecretsManagerSecretStore } from '../../shared/adapters/secrets-manager/secrets-manager-secret-store';
import { quotaLimitsOf } from '../../shared/config';
import { type BreakerConfig, DEFAULT_BREAKER_CONFIG } from '../../shared/domain/mesh/circuit-breaker';
import { codecWireFormats } from '../../shared/http/codecs/wire-formats';
import type { ApiHandler } from '../../shared/middleware/http-api';
import { PowertoolsErrorMetrics } from '../../shared/observability/error-metrics';
import { BREAKER_TRANSITIONS_METRIC } from '../../shared/observability/metric-names';
import { nowMs } from '../../shared/ports/clock';
import type { EventPublisher } from '../../shared/ports/event-publisher';
import type { SecretStore } from '../../shared/ports/upstream-credentials';
import { recordError } from '../../shared/use-cases/record-error';
import { MeshRouter } from '../../shared/use-cases/route-call';
import { UpstreamCredentialInjector } from '../../shared/use-cases/upstream-credentials';
import {
  eventBridgePublisher,
  type FunctionBase,
  httpOptions,
  outboundBudgetOf,
  outboundHttp,
  outboundRulesOf,
  requireSetting,
  traced,
} from '../wiring';
import { createMeshHandler, type MeshFunctionDeps } from './app';

/** Largest upstream answer the router relays, bytes: Lambda's 6 MB response payload limit. */
const MAX_RELAYED_RESPONSE_BYTES = 6 * 1024 * 1024;

/**
 * The mesh function's dependencies on a function base: service-name claims, registry, rules and breakers in the mesh
 * table, the SSRF-safe HTTP client, the router (breaker defaults from BREAKER_* settings), the
 * services' upstream credentials (references in the mesh table, values from `secrets`: Secrets
 * Manager in AWS, the local secret store locally), and the counting of routed failures (alerts go to
 * `events`: EventBridge in AWS, the in-process bus locally).
 * With the base's rate limiter, the router enforces the contracts' endpoint rate limits (contracts
 * table, read) on the same buckets the `rateLimit` middleware uses. With MESH_MAX_IN_FLIGHT_PER_TENANT
 * on (the default), each routed call holds a slot of its tenant's budget in the RateLimits table.
 * Bodies are converted (codec registry, up to MAX_BODY_BYTES) for instances declaring `supportedFormats`.
 */
export function meshDeps(
  base: FunctionBase,
  { events, secrets }: { events: EventPublisher; secrets: SecretStore },
): MeshFunctionDeps {
  const { config, documentClient, policyCache, clock, observability } = base;
  const meshTable = requireSetting(config, 'MESH_TABLE');
  const registry = new DynamoDbServiceRegistry(documentClient, meshTable);
  const rules = new DynamoDbRoutingRuleRepository(documentClient, meshTable);
  const breakers = new DynamoDbBreakerStore(documentClient, meshTable);
  const claims = new DynamoDbServiceClaims(documentClient, meshTable);
  const credentials = new DynamoDbUpstreamCredentials(documentClient, meshTable);
  const counting = {
    counters: new DynamoDbErrorCounterRepository(documentClient, requireSetting(config, 'ERRORS_TABLE')),
    policyCache,
    events,
    clock,
    metrics: new PowertoolsErrorMetrics(observability.metrics, observability.logger),
  };
  const defaults: BreakerConfig = {
    ...DEFAULT_BREAKER_CONFIG,
    failureThreshold: config.BREAKER_FAILURE_THRESHOLD,
    resetTimeoutMs: config.BREAKER_RESET_TIMEOUT_MS,
    halfOpenRequests: config.BREAKER_HALF_OPEN_REQUESTS,
  };
  const outboundBudget = outboundBudgetOf(base, 'mesh');
  return {
    quotas: new DynamoDbQuotaCounter(documentClient, meshTable),
    limits: quotaLimitsOf(config),
    breakerConfigs: breakers,
    defaults,
    credentials,
    secretPrefix: config.MESH_SECRET_PREFIX,
    claims,
    registry,
    rules,
    breakers,
    clock,
    outboundRules: outboundRulesOf(config),
    router: new MeshRouter({
      claims,
      registry,
      rules,
      breakers,
      http: outboundHttp(base, { maxResponseBytes: MAX_RELAYED_RESPONSE_BYTES }),
      policyCache,
      clock,
      cacheTtlMs: config.MESH_CACHE_TTL_MS,
      credentials: new UpstreamCredentialInjector({
        credentials,
        secrets,
        cacheTtlMs: config.MESH_CACHE_TTL_MS,
        nowMs: () => nowMs(clock),
      }),
      breakerConfig: defaults,
      breakerConfigs: breakers,
      ...(outboundBudget && { outboundBudget }),
      formats: {
        formats: codecWireFormats(),
        maxBodyBytes: config.MAX_BODY_BYTES,
        // MeshFormatConversions{direction}: bodies converted for instances declaring supportedFormats.
        onConversion: ({ direction }) => {
          const single = observability.metrics.singleMetric();
          single.addDimensions({ direction });
          single.addMetric('MeshFormatConversions', MetricUnit.Count, 1);
        },
      },
      ...(base.rateLimiter && {
        contractLimits: {
          contracts: new DynamoDbContractRepository(documentClient, requireSetting(config, 'CONTRACTS_TABLE')),
          limiter: base.rateLimiter,
        },
      }),
      // BreakerTransitions{to}: the dashboard's breaker panel (the tenant stays in the log, not a dimension).
      onTransition: ({ tenant, instanceId, from, to }) => {
        const single = observability.metrics.singleMetric();
        single.addDimensions({ to });
        single.addMetric(BREAKER_TRANSITIONS_METRIC, MetricUnit.Count, 1);
        observability.logger.info('Circuit breaker transition', { tenant, instanceId, from, to });
      },
      // A routed failure happens in the caller's request: it is the caller's tenant's error.
      onFailure: (error, call) => {
        recordError(counting, error, call.caller.tenant).catch((failure: unknown) =>
          observability.logger.warn('A routed failure could not be counted', { error: String(failure) }),
        );
      },
    }),
  };
}

/**
 * The mesh function as Lambda runs it: the AWS adapters on `base` (the entry point passes
 * `awsFunctionBase('mesh')`; tests pass a base with their own environment and clock).
 */
export function awsMeshHandler(base: FunctionBase): ApiHandler {
  const secrets = new SecretsManagerSecretStore(traced(base, new SecretsManagerClient({})), {
    maxAgeSeconds: base.config.MESH_SECRET_MAX_AGE_SECONDS,
  });
  return createMeshHandler(meshDeps(base, { events: eventBridgePublisher(base), secrets }), httpOptions(base));
}
