import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { HttpMiddleware } from '../http/pipeline';

/** Counts every answer by status class: one `Http2xx` … `Http5xx` metric per request (Powertools, EMF). */
export function requestMetrics(metrics: Metrics): HttpMiddleware {
  return async (_context, next) => {
    const result = await next();
    metrics.addMetric(`Http${Math.floor(result.status / 100)}xx`, MetricUnit.Count, 1);
    return result;
  };
}
