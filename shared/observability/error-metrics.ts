import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { IntegrationError } from '../domain/resilience/integration-error';
import { ERROR_METRIC_NAMES, type ErrorMetrics, type RaisedAlert } from '../ports/error-metrics';

/**
 * ErrorMetrics through Powertools (CloudWatch embedded metric format). Each error is emitted
 * twice: with no extra dimension and by `category` (what the alarms in `infra/` watch); Powertools
 * adds the `service` dimension to both. The error's `source` is metadata of the EMF record, never a
 * dimension: sources come from callers (`POST /v1/errors` bodies, subscription ids, service names),
 * and every distinct dimension value is a new CloudWatch metric (cardinality, cost). Alerts are
 * counted and logged; an alert whose event could not be published is logged as a warning so it is
 * never only in DynamoDB.
 *
 * @example const metrics = new PowertoolsErrorMetrics(observability.metrics, observability.logger);
 */
export class PowertoolsErrorMetrics implements ErrorMetrics {
  constructor(
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  errorRecorded(error: IntegrationError): void {
    this.emit(ERROR_METRIC_NAMES.errors, {}, { source: error.source, code: error.code });
    this.emit(ERROR_METRIC_NAMES.errors, { category: error.category }, { source: error.source, code: error.code });
  }

  alertRaised(alert: RaisedAlert): void {
    this.emit(ERROR_METRIC_NAMES.alerts, {});
    const details = { alert };
    if (alert.published) this.logger.info('integration.alert raised', details);
    else this.logger.warn('integration.alert raised but not yet published; the next error will retry it', details);
  }

  private emit(name: string, dimensions: Record<string, string>, metadata: Record<string, string> = {}): void {
    const single = this.metrics.singleMetric();
    single.addDimensions(dimensions);
    for (const [key, value] of Object.entries(metadata)) single.addMetadata(key, value);
    single.addMetric(name, MetricUnit.Count, 1);
  }
}
