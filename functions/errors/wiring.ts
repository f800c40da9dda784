import { DynamoDbErrorCounterRepository } from '../../shared/adapters/dynamodb/error-counter-repository';
import type { ApiHandler } from '../../shared/middleware/http-api';
import { PowertoolsErrorMetrics } from '../../shared/observability/error-metrics';
import type { EventPublisher } from '../../shared/ports/event-publisher';
import { eventBridgePublisher, type FunctionBase, httpOptions, requireSetting } from '../wiring';
import { createErrorsHandler, type ErrorsDeps } from './app';

/**
 * The errors function's dependencies on a function base; `events` is where alerts go (the
 * EventBridge bus in AWS, the in-process bus locally).
 */
export function errorsDeps(base: FunctionBase, { events }: { events: EventPublisher }): ErrorsDeps {
  return {
    policyStore: base.policyStore,
    policyCache: base.policyCache,
    counters: new DynamoDbErrorCounterRepository(base.documentClient, requireSetting(base.config, 'ERRORS_TABLE')),
    events,
    clock: base.clock,
    metrics: new PowertoolsErrorMetrics(base.observability.metrics, base.observability.logger),
  };
}

/**
 * The errors function as Lambda runs it: the AWS adapters on `base` (the entry point passes
 * `awsFunctionBase('errors')`; tests pass a base with their own environment and clock).
 */
export function awsErrorsHandler(base: FunctionBase): ApiHandler {
  return createErrorsHandler(errorsDeps(base, { events: eventBridgePublisher(base) }), httpOptions(base));
}
