import { DependencyUnavailableError, DomainError } from '../../domain/errors';
import { classifyError } from '../../domain/resilience/classify';
import { nowMs, systemClock } from '../../ports/clock';

/**
 * The one rethrow for AWS SDK client errors (DynamoDB, EventBridge): errors that mean "try again
 * later" become `DependencyUnavailableError` (Retry-After: the server's, rounded up to whole
 * seconds, or 1 s); the client's own retries have already run by then. The decision is
 * `classifyError`'s (never the message):
 * - `transient` — throttling (`ProvisionedThroughputExceededException`, `ThrottlingException`,
 *   `RequestLimitExceeded`, `LimitExceededException`), `ServiceUnavailable`, `$retryable`
 *   errors, timeouts and network errors;
 * - `system` errors the service itself answered with a 5xx (`InternalServerError`,
 *   `InternalException`): the dependency is broken, not us, so the client is told to come back
 *   rather than given a 500.
 * Everything else — `ConditionalCheckFailedException`, validation errors, a missing resource
 * (`ResourceNotFoundException`, a configuration error), our own domain errors, bugs — is rethrown
 * unchanged.
 *
 * @param error - what the client threw
 * @param where.source - the error source for classification, e.g. `dynamodb:<table>`, `eventbridge`
 * @param where.what - the unavailable thing, for the message, e.g. `DynamoDB table aif-mesh`
 * @throws {DependencyUnavailableError} for retry-later errors; the original error otherwise
 * @example try { await send() } catch (e) { rethrowAwsError(e, { source: 'eventbridge', what: 'EventBridge for PutRule r' }) }
 */
export function rethrowAwsError(error: unknown, where: { source: string; what: string }): never {
  if (error instanceof DomainError) throw error;
  // At the AWS SDK's edge, where the client already signs with the wall clock: the time only turns
  // an HTTP-date Retry-After into a delay (the classified error's timestamp is not kept).
  const classified = classifyError(error, { source: where.source, now: () => nowMs(systemClock) });
  const status = classified.context.httpStatusCode;
  const serverFault = classified.category === 'system' && typeof status === 'number' && status >= 500;
  if (classified.category === 'transient' || serverFault) {
    const retryAfterSeconds =
      classified.retryAfterMs !== undefined ? Math.max(1, Math.ceil(classified.retryAfterMs / 1000)) : 1;
    throw new DependencyUnavailableError(`${where.what} is unavailable (${classified.code})`, retryAfterSeconds, {
      cause: error,
    });
  }
  throw error;
}
