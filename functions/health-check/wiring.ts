import { DynamoDbQuotaCounter } from '../../shared/adapters/dynamodb/quota-counter';
import { DynamoDbServiceRegistry } from '../../shared/adapters/dynamodb/service-registry';
import { quotaLimitsOf } from '../../shared/config';
import type { EventPublisher } from '../../shared/ports/event-publisher';
import type { HealthCheckDeps } from '../../shared/use-cases/health-checks';
import { eventBridgePublisher, type FunctionBase, outboundHttp, requireSetting } from '../wiring';
import { createHealthCheckHandler } from './app';

/** Largest health-endpoint answer read, bytes: a status page, not a payload. */
const MAX_HEALTH_RESPONSE_BYTES = 64 * 1024;

/**
 * The health check's dependencies on a function base: the registry, the SSRF-safe client (10
 * probes at a time), where status-changed events go (`events`), and the run's outbound budget:
 * HEALTH_CHECK_MAX_PER_RUN instances (default 500) started over HEALTH_CHECK_SPREAD_MS
 * milliseconds (default 0: at once).
 */
export function healthCheckDeps(base: FunctionBase, { events }: { events: EventPublisher }): HealthCheckDeps {
  const { config } = base;
  const meshTable = requireSetting(config, 'MESH_TABLE');
  return {
    registry: new DynamoDbServiceRegistry(base.documentClient, meshTable),
    quotas: new DynamoDbQuotaCounter(base.documentClient, meshTable),
    limits: quotaLimitsOf(config),
    http: outboundHttp(base, { maxResponseBytes: MAX_HEALTH_RESPONSE_BYTES }),
    events,
    clock: base.clock,
    concurrency: 10,
    staleAfterMs: config.STALE_INSTANCE_AFTER_MS,
    deregisterStale: config.DEREGISTER_STALE,
    maxChecksPerRun: config.HEALTH_CHECK_MAX_PER_RUN,
    spreadMs: config.HEALTH_CHECK_SPREAD_MS,
  };
}

/**
 * The health-check function as Lambda runs it: the AWS adapters on `base` (the entry point passes
 * `awsFunctionBase('health-check')`; tests pass a base with their own environment and clock).
 */
export function awsHealthCheckHandler(base: FunctionBase) {
  return createHealthCheckHandler(healthCheckDeps(base, { events: eventBridgePublisher(base) }), base);
}
