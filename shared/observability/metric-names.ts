/**
 * The application metrics the functions emit through Powertools (EMF) that the operations
 * dashboard and alarms read (`infra/constructs/operations-dashboard.ts`). All are in the namespace
 * {@link METRICS_NAMESPACE} with the dimension `service` = the function's name (Powertools' default
 * dimension), plus the dimensions named here. Counts are `Count`; latencies `Milliseconds`.
 */

/** POWERTOOLS_METRICS_NAMESPACE of every function (infra/constructs/node-function.ts). */
export const METRICS_NAMESPACE = 'AgentIntegrationFramework';

/** Answers by status class, one per request (shared/middleware/request-metrics.ts). */
export const HTTP_STATUS_METRICS = ['Http2xx', 'Http4xx', 'Http5xx'] as const;

/** Breaker state changes the mesh function wrote, dimension `to` = closed | open | half-open. */
export const BREAKER_TRANSITIONS_METRIC = 'BreakerTransitions';

/** The dispatcher's outcomes per delivery message (functions/dispatcher/app.ts). */
export const DELIVERY_METRICS = {
  delivered: 'Deliveries',
  'dead-lettered': 'DeadLetters',
  deferred: 'DeliveriesDeferred',
  retrying: 'DeliveryRetries',
} as const;

/**
 * Milliseconds from the delivery message entering the queue (SQS `SentTimestamp`) to the
 * subscriber's 2xx, retries included: one datapoint per delivered message.
 */
export const DELIVERY_LATENCY_METRIC = 'DeliveryLatency';

/** Tokens the authorizer refused (401), and the answers it gave (functions/authorizer/app.ts). */
export const AUTHORIZER_METRICS = { denials: 'AuthenticationFailures', answers: 'Authorizations' } as const;
