import { DependencyUnavailableError, DomainError } from '../../domain/errors';
import { classifyError } from '../../resilience/classify';

/**
 * Rethrows DynamoDB errors that mean "try again later" as `DependencyUnavailableError` (→ 503
 * with Retry-After); the client's own retries have already run by then. The decision is
 * `classifyError`'s (never the message):
 * - `transient` — throttling (`ProvisionedThroughputExceededException`, `ThrottlingException`,
 *   `RequestLimitExceeded`, `LimitExceededException`), `ServiceUnavailable`, `$retryable`
 *   errors, timeouts and network errors;
 * - `system` errors DynamoDB itself answered with a 5xx (`InternalServerError`): the dependency
 *   is broken, not us, so the client is told to come back rather than given a 500.
 * Retry-After is the server's (rounded up to whole seconds) or 1 second. Everything else —
 * `ConditionalCheckFailedException`, validation errors, a missing table (`ResourceNotFoundException`,
 * a configuration error), our own domain errors, bugs — is rethrown unchanged.
 *
 * @param error - what the DynamoDB client threw
 * @param table - the table's name, for the message and the error source `dynamodb:<table>`
 * @throws {DependencyUnavailableError} for retry-later errors; the original error otherwise
 * @example try { await send() } catch (e) { rethrowDynamoDbError(e, 'Contracts') }
 */
export function rethrowDynamoDbError(error: unknown, table: string): never {
  if (error instanceof DomainError) throw error;
  const classified = classifyError(error, { source: `dynamodb:${table}` });
  const status = classified.context.httpStatusCode;
  const serverFault = classified.category === 'system' && typeof status === 'number' && status >= 500;
  if (classified.category === 'transient' || serverFault) {
    const retryAfterSeconds =
      classified.retryAfterMs !== undefined ? Math.max(1, Math.ceil(classified.retryAfterMs / 1000)) : 1;
    throw new DependencyUnavailableError(
      `DynamoDB table ${table} is unavailable (${classified.code})`,
      retryAfterSeconds,
      { cause: error },
    );
  }
  throw error;
}

/** True for the error a failed `ConditionExpression` raises. */
export function isConditionalCheckFailed(error: unknown): boolean {
  return (error as { name?: string })?.name === 'ConditionalCheckFailedException';
}
