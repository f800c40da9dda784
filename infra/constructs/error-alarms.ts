import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { ERROR_METRIC_NAMES } from '../../shared/ports/error-metrics';

/** Props of {@link ErrorAlarms}. */
export interface ErrorAlarmsProps {
  /** Powertools `service` names of the functions that handle errors (each emits its own metrics). */
  readonly serviceNames: readonly string[];
  /**
   * CloudWatch namespace of the metrics (POWERTOOLS_METRICS_NAMESPACE).
   *
   * @default 'AgentIntegrationFramework'
   */
  readonly namespace?: string;
  /**
   * Evaluation period of every alarm.
   *
   * @default Duration.minutes(5)
   */
  readonly period?: Duration;
  /**
   * Handled errors of any category per period that raise the error-rate alarm.
   *
   * @default 100
   */
  readonly errorCountThreshold?: number;
  /**
   * `system` errors per period that raise the system-error alarm.
   *
   * @default 1
   */
  readonly systemErrorThreshold?: number;
  /**
   * `integration.alert` events per period that raise the alert alarm.
   *
   * @default 1
   */
  readonly alertThreshold?: number;
}

/**
 * The operators' alarms on error handling, from the `IntegrationErrors` and `IntegrationAlerts`
 * metrics that `PowertoolsErrorMetrics` emits (summed over every service in `serviceNames`):
 * error rate (all categories), system errors, and alerts raised. No alarm actions are attached;
 * `alarm.addAlarmAction(new SnsAction(topic))` routes them.
 *
 * @example new ErrorAlarms(this, 'ErrorAlarms', { serviceNames: ['errors'] });
 */
export class ErrorAlarms extends Construct {
  /** Handled errors of every category ≥ errorCountThreshold per period. */
  readonly errorRateAlarm: Alarm;
  /** `system` errors ≥ systemErrorThreshold per period. */
  readonly systemErrorsAlarm: Alarm;
  /** Alerts raised ≥ alertThreshold per period. */
  readonly alertsAlarm: Alarm;

  constructor(scope: Construct, id: string, props: ErrorAlarmsProps) {
    super(scope, id);
    if (props.serviceNames.length === 0 || props.serviceNames.length > 10) {
      // A metric math expression in an alarm may use at most 10 metrics (CloudWatch quotas).
      throw new Error('ErrorAlarms needs between 1 and 10 service names');
    }
    const namespace = props.namespace ?? 'AgentIntegrationFramework';
    const period = props.period ?? Duration.minutes(5);
    const sumOver = (metricName: string, dimensions: Record<string, string>, label: string): IMetric => {
      const usingMetrics: Record<string, IMetric> = {};
      props.serviceNames.forEach((service, index) => {
        usingMetrics[`m${index}`] = new Metric({
          namespace,
          metricName,
          dimensionsMap: { service, ...dimensions },
          statistic: 'Sum',
          period,
        });
      });
      return new MathExpression({
        expression: Object.keys(usingMetrics)
          .map((k) => `FILL(${k}, 0)`)
          .join(' + '),
        usingMetrics,
        label,
        period,
      });
    };
    const alarm = (alarmId: string, metric: IMetric, threshold: number, description: string) =>
      new Alarm(this, alarmId, {
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });

    this.errorRateAlarm = alarm(
      'ErrorRateAlarm',
      sumOver(ERROR_METRIC_NAMES.errors, {}, 'Handled errors'),
      props.errorCountThreshold ?? 100,
      'Handled integration errors (all categories) reached the error-rate threshold',
    );
    this.systemErrorsAlarm = alarm(
      'SystemErrorsAlarm',
      sumOver(ERROR_METRIC_NAMES.errors, { category: 'system' }, 'System errors'),
      props.systemErrorThreshold ?? 1,
      'System errors (HTTP 500, out of memory, disk full, configuration) were handled',
    );
    this.alertsAlarm = alarm(
      'AlertsAlarm',
      sumOver(ERROR_METRIC_NAMES.alerts, {}, 'Alerts raised'),
      props.alertThreshold ?? 1,
      'integration.alert events were raised: an error policy threshold was reached',
    );
  }
}
