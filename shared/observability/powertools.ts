import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/** The Powertools utilities of one function, created once per cold start. */
export type Observability = { logger: Logger; metrics: Metrics; tracer: Tracer };

/**
 * Creates Powertools' logger (structured JSON), metrics (CloudWatch EMF, namespace
 * `AgentIntegrationFramework`) and tracer (X-Ray, without automatic HTTP subsegments) for a function. Their settings come from the
 * standard Powertools environment variables (POWERTOOLS_LOG_LEVEL, POWERTOOLS_METRICS_DISABLED,
 * POWERTOOLS_TRACE_ENABLED…), which the CDK construct and the local runner set.
 *
 * @param serviceName - the capability, e.g. `contracts`; becomes the `service` key and dimension
 * @example const { logger, metrics, tracer } = createObservability('contracts');
 */
export function createObservability(serviceName: string): Observability {
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({
      serviceName,
      namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'AgentIntegrationFramework',
    }),
    // No automatic HTTP(S) subsegments: they record each request's full URL, and webhook and mesh
    // URLs may carry credentials in their paths and queries (Slack-style webhook URLs do).
    tracer: new Tracer({ serviceName, captureHTTPsRequests: false }),
  };
}
