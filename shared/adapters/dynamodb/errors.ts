import { rethrowAwsError } from '../aws/rethrow';
import { rethrowIfCursorRefused } from './cursor';

/**
 * Rethrows a DynamoDB error: retry-later errors as `DependencyUnavailableError`, everything else
 * unchanged (the rules are `rethrowAwsError`'s).
 *
 * @param error - what the DynamoDB client threw
 * @param table - the table's name, for the message and the error source `dynamodb:<table>`
 * @throws {DependencyUnavailableError} for retry-later errors; the original error otherwise
 */
export function rethrowDynamoDbError(error: unknown, table: string): never {
  rethrowAwsError(error, { source: `dynamodb:${table}`, what: `DynamoDB table ${table}` });
}

/** True for the error a failed `ConditionExpression` raises. */
export function isConditionalCheckFailed(error: unknown): boolean {
  return (error as { name?: string })?.name === 'ConditionalCheckFailedException';
}

/**
 * The one way every DynamoDB repository calls its table: runs `call`, hands a failed
 * `ConditionExpression` to `onConditionFailed` when one is given, and rethrows every other error
 * by {@link rethrowDynamoDbError} (retry-later → DependencyUnavailableError, the rest unchanged).
 *
 * @param table - the table's name (message and error source)
 * @param call - the request(s) to make; what it returns is returned
 * @param onConditionFailed - what a failed condition means here: a value to answer, or a domain error to throw
 * @param options.cursorSent - the request carried a client's pagination cursor: DynamoDB refusing it
 *   (`ValidationException`) is the client's bad cursor, not our bug
 * @throws {DependencyUnavailableError} when DynamoDB throttles or is unavailable
 * @throws {MalformedInputError} when `cursorSent` and DynamoDB refused the ExclusiveStartKey
 * @example
 * const out = await inTable(this.tableName, () => this.client.send(new GetCommand({ … })));
 * return inTable(table, () => client.send(update), () => undefined); // "no such item" is an answer
 */
export async function inTable<T, U = T>(
  table: string,
  call: () => Promise<T>,
  onConditionFailed?: (error: unknown) => U | Promise<U>,
  options: { cursorSent?: boolean } = {},
): Promise<T | U> {
  try {
    return await call();
  } catch (error) {
    if (onConditionFailed && isConditionalCheckFailed(error)) return onConditionFailed(error);
    if (options.cursorSent) rethrowIfCursorRefused(error);
    rethrowDynamoDbError(error, table);
  }
}
