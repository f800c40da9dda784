import { DependencyUnavailableError } from '../../domain/errors';

/** DynamoDB error names that mean "try again later" (DynamoDB API Reference, "Common Errors"). */
const RETRY_LATER = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'LimitExceededException',
]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Rethrows DynamoDB throttling, server-side and network errors as `DependencyUnavailableError`
 * (→ 503 with Retry-After); the SDK's own retries (standard mode, 3 attempts) have already run
 * by then. Classification reads the SDK v3 error's `name`, `$retryable` and `code`, never its message.
 *
 * @throws {DependencyUnavailableError} for retry-later errors; the original error otherwise
 * @example try { await send() } catch (e) { rethrowDynamoDbError(e, 'Contracts') }
 */
export function rethrowDynamoDbError(error: unknown, table: string): never {
  const e = error as { name?: string; code?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  if (
    (e?.name && RETRY_LATER.has(e.name)) ||
    e?.$retryable !== undefined ||
    (status !== undefined && status >= 500) ||
    (e?.code && NETWORK_CODES.has(e.code))
  ) {
    throw new DependencyUnavailableError(`DynamoDB table ${table} is unavailable (${e.name ?? e.code})`, 1, {
      cause: error,
    });
  }
  throw error;
}

/** True for the error a failed `ConditionExpression` raises. */
export function isConditionalCheckFailed(error: unknown): boolean {
  return (error as { name?: string })?.name === 'ConditionalCheckFailedException';
}
