import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/** The Powertools utilities of one function, created once per cold start. */
export type Observability = { logger: Logger; metrics: Metrics; tracer: Tracer };

/**
 * Creates Powertools' logger (structured JSON), metrics (CloudWatch EMF, namespace
 * `AgentIntegrationFramework`) and tracer (X-Ray, without automatic HTTP subsegments) for a function. Their settings come from the
 * standard Powertools environment variables (POWERTOOLS_LOG_LEVEL, POWERTOOLS_METRICS_DISABLED,
 * POWERTOOLS_TRACE_ENABLED…), which the CDK construct and the local runner set. The metrics'
 * own warnings go through the logger (so POWERTOOLS_LOG_LEVEL governs them), except the one that
 * an invocation recorded no metric (see {@link metricsLogger}).
 *
 * @param serviceName - the capability, e.g. `contracts`; becomes the `service` key and dimension
 * @example const { logger, metrics, tracer } = createObservability('contracts');
 */
export function createObservability(serviceName: string): Observability {
  const logger = new Logger({ serviceName });
  return {
    logger,
    metrics: new Metrics({
      serviceName,
      namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'AgentIntegrationFramework',
      logger: metricsLogger(logger),
    }),
    // No automatic HTTP(S) subsegments: they record each request's full URL, and webhook and mesh
    // URLs may carry credentials in their paths and queries (Slack-style webhook URLs do).
    tracer: new Tracer({ serviceName, captureHTTPsRequests: false }),
  };
}

/** The warning Powertools Metrics prints when an invocation is flushed with nothing recorded. */
const EMPTY_FLUSH_WARNING = 'No application metrics to publish';

/**
 * The logger Powertools Metrics reports through: the function's logger, minus the "No application
 * metrics to publish" warning. `logMetrics` flushes after every invocation, and an invocation that
 * recorded nothing (an authorizer cache miss that allowed, a health-check run with no instances)
 * has nothing to publish — nobody can act on that line, which Powertools would otherwise print on
 * the console once per such invocation. Every other warning (an invalid dimension, a metric
 * CloudWatch would skip) is passed on.
 *
 * @param logger - the function's Powertools logger
 * @returns a GenericLogger for `new Metrics({ logger })`
 */
export function metricsLogger(logger: Logger): Pick<Logger, 'debug' | 'info' | 'warn' | 'error'> {
  return {
    debug: logger.debug.bind(logger),
    info: logger.info.bind(logger),
    // Metrics warns with one string (its message) only.
    warn: (message: string) => {
      if (!message.startsWith(EMPTY_FLUSH_WARNING)) logger.warn(message);
    },
    error: logger.error.bind(logger),
  };
}
