import { invalidCursorError } from '../../domain/page-cursor';

/**
 * Rethrows DynamoDB's refusal of an ExclusiveStartKey (`ValidationException`: a key outside the
 * query's range, or longer than a key may be) as the 400 of a bad cursor; anything else unchanged.
 * Only call it when the request carried a cursor.
 *
 * @throws {MalformedInputError} for a ValidationException
 */
export function rethrowIfCursorRefused(error: unknown): void {
  if ((error as { name?: string } | null)?.name === 'ValidationException') throw invalidCursorError();
}
