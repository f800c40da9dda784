import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { DynamoDbServiceRegistry } from '../../shared/adapters/dynamodb/service-registry';
import { SafeHttpClient } from '../../shared/adapters/http/safe-http-client';
import { loadConfig } from '../../shared/config';
import { createObservability } from '../../shared/observability/powertools';
import { systemClock } from '../../shared/ports/clock';
import { type HealthCheckDeps, type HealthCheckReport, runHealthChecks } from '../../shared/use-cases/health-checks';
import { addressPolicyOf, eventPublisherOf, policyAwareDynamoDb } from '../wiring';

const config = loadConfig(['MESH_TABLE', 'ERRORS_TABLE']);
const observability = createObservability('health-check');
const { logger, metrics, tracer } = observability;
const { documentClient } = policyAwareDynamoDb(config, observability);

const deps: HealthCheckDeps = {
  registry: new DynamoDbServiceRegistry(documentClient, config.MESH_TABLE),
  http: new SafeHttpClient(addressPolicyOf(config), { maxResponseBytes: 64 * 1024 }),
  events: eventPublisherOf(config),
  clock: systemClock,
  concurrency: 10,
  staleAfterMs: config.STALE_INSTANCE_AFTER_MS,
  deregisterStale: config.DEREGISTER_STALE,
};

/**
 * Lambda entry point of the scheduled health check (EventBridge Scheduler, rate 1 minute; the
 * local runner's tick locally): checks every instance and logs and counts what changed.
 */
export const handler = middy<unknown, HealthCheckReport, Error, Context>()
  .use(captureLambdaHandler(tracer, { captureResponse: false }))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async () => {
    const report = await runHealthChecks(deps);
    metrics.addMetric('InstancesChecked', MetricUnit.Count, report.checked);
    metrics.addMetric('UnhealthyInstances', MetricUnit.Count, report.byStatus.unhealthy);
    metrics.addMetric('StaleInstances', MetricUnit.Count, report.stale.length);
    if (report.changed.length > 0) logger.info('Instance status changed', { changed: report.changed });
    if (report.stale.length > 0)
      logger.warn('Stale instances', { stale: report.stale, deregistered: report.deregistered });
    return report;
  });
