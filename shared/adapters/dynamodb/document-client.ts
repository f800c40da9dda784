import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RetryStrategyV2 } from '@smithy/types';

/** Options of {@link createDocumentClient}. */
export type DocumentClientOptions = {
  /**
   * How the SDK retries failed calls, e.g. a `PolicyRetryStrategy` that follows the error
   * policies. @default the SDK's standard mode (3 attempts, exponential backoff with full jitter)
   */
  retryStrategy?: RetryStrategyV2;
  /**
   * Instruments the low-level client before the document client wraps it, e.g. Powertools'
   * `tracer.captureAWSv3Client` (one X-Ray subsegment per DynamoDB call). @default none
   */
  instrument?: (client: DynamoDBClient) => DynamoDBClient;
};

/**
 * The one DynamoDB document client of a function, created at cold start. `removeUndefinedValues`
 * drops undefined members instead of failing the write. Short throttling is absorbed by the
 * client's retries — the SDK's standard mode, or `options.retryStrategy` (e.g. the error
 * policies' `PolicyRetryStrategy`) — before the repository turns what is left into a 503.
 *
 * @param endpoint - optional endpoint override (dynalite, LocalStack); AWS_ENDPOINT_URL_DYNAMODB also works
 * @param options - optional retry strategy and instrumentation
 * @example
 * const client = createDocumentClient(config.DYNAMODB_ENDPOINT, {
 *   retryStrategy: createPolicyRetryStrategy({ source: 'dynamodb:Contracts', policies: () => overrides }),
 * });
 */
export function createDocumentClient(endpoint?: string, options: DocumentClientOptions = {}): DynamoDBDocumentClient {
  const raw = new DynamoDBClient({
    ...(endpoint && { endpoint }),
    ...(options.retryStrategy && { retryStrategy: options.retryStrategy }),
  });
  const client = options.instrument ? options.instrument(raw) : raw;
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
