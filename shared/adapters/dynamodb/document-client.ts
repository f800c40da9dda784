import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The one DynamoDB document client of a function, created at cold start. `removeUndefinedValues`
 * drops undefined members instead of failing the write; the SDK's standard retry mode (3
 * attempts with backoff) absorbs short throttling before the repository turns it into a 503.
 *
 * @param endpoint - optional endpoint override (dynalite, LocalStack); AWS_ENDPOINT_URL_DYNAMODB also works
 * @example const client = createDocumentClient(config.DYNAMODB_ENDPOINT);
 */
export function createDocumentClient(endpoint?: string): DynamoDBDocumentClient {
  const client = new DynamoDBClient({ ...(endpoint && { endpoint }) });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
