import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Observability } from '../../shared/observability/powertools';
import { type HealthCheckDeps, type HealthCheckReport, runHealthChecks } from '../../shared/use-cases/health-checks';

/**
 * The scheduled health check (EventBridge Scheduler, rate 1 minute in AWS; the local runner's tick
 * locally): checks every instance, and logs and counts what changed (`InstancesChecked`,
 * `UnhealthyInstances`, `StaleInstances`).
 *
 * @example const handler = createHealthCheckHandler(healthCheckDeps(base, { events }), { observability });
 */
export function createHealthCheckHandler(deps: HealthCheckDeps, { observability }: { observability: Observability }) {
  const { logger, metrics, tracer } = observability;
  return middy<unknown, HealthCheckReport, Error, Context>()
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
}
