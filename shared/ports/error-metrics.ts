import type { IntegrationError } from '../domain/resilience/integration-error';

/** CloudWatch metric names of error handling (namespace from POWERTOOLS_METRICS_NAMESPACE); the alarms in `infra/` watch them. */
export const ERROR_METRIC_NAMES = { errors: 'IntegrationErrors', alerts: 'IntegrationAlerts' } as const;

/** An alert that was raised: what crossed which threshold in which window. */
export type RaisedAlert = {
  eventId: string;
  /** Whose counter crossed the threshold (`aif` for framework errors of no known tenant). */
  tenant: string;
  source: string;
  code: string;
  category: IntegrationError['category'];
  /** Errors counted in the window when the alert was raised. */
  count: number;
  threshold: number;
  window: '1m' | '1h';
  /** Start of the window, milliseconds since the Unix epoch. */
  windowStart: number;
  /** Whether the `integration.alert` event reached the bus (false: still pending, retried by the next error). */
  published: boolean;
};

/**
 * Operator-facing signals of error handling; the AWS adapter emits CloudWatch metrics through
 * Powertools (EMF), which the alarms in `infra/` watch.
 */
export interface ErrorMetrics {
  /** One error was handled (counted). */
  errorRecorded(error: IntegrationError): void;
  /** One alert was raised (the caller won the alert mark). */
  alertRaised(alert: RaisedAlert): void;
}
