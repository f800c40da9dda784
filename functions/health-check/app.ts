import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { HEALTH_CHECK_RESERVE_MS } from '../../shared/domain/mesh/health-check-budget';
import type { Observability } from '../../shared/observability/powertools';
import { type HealthCheckDeps, type HealthCheckReport, runHealthChecks } from '../../shared/use-cases/health-checks';

/**
 * The scheduled health check (EventBridge Scheduler, rate 1 minute in AWS; the local runner's tick
 * locally): checks up to `deps.maxChecksPerRun` instances spread over `deps.spreadMs`, and logs and
 * counts what changed (`InstancesChecked`, `UnhealthyInstances`, `StaleInstances`,
 * `DeferredInstances`; no dimensions beyond the service's). The spread is shortened to what the
 * invocation has left (`getRemainingTimeInMillis`) less {@link HEALTH_CHECK_RESERVE_MS}, so a
 * misconfigured window cannot run the function into its timeout.
 *
 * @example const handler = createHealthCheckHandler(healthCheckDeps(base, { events }), { observability });
 */
export function createHealthCheckHandler(deps: HealthCheckDeps, { observability }: { observability: Observability }) {
  const { logger, metrics, tracer } = observability;
  return middy<unknown, HealthCheckReport, Error, Context>()
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (_event, context) => {
      const leftMs = Math.max(0, context.getRemainingTimeInMillis() - HEALTH_CHECK_RESERVE_MS);
      const spreadMs = Math.min(deps.spreadMs ?? 0, leftMs);
      const report = await runHealthChecks({ ...deps, spreadMs });
      metrics.addMetric('InstancesChecked', MetricUnit.Count, report.checked);
      metrics.addMetric('UnhealthyInstances', MetricUnit.Count, report.byStatus.unhealthy);
      metrics.addMetric('StaleInstances', MetricUnit.Count, report.stale.length);
      metrics.addMetric('DeferredInstances', MetricUnit.Count, report.deferred);
      if (report.deferred > 0)
        logger.info('Health checks deferred to later runs', {
          checked: report.checked,
          deferred: report.deferred,
          spreadMs,
        });
      if (report.changed.length > 0) logger.info('Instance status changed', { changed: report.changed });
      if (report.stale.length > 0)
        logger.warn('Stale instances', { stale: report.stale, deregistered: report.deregistered });
      return report;
    });
}
