import { MalformedInputError } from '../../domain/errors';

/**
 * Encodes a DynamoDB `LastEvaluatedKey` as an opaque URL-safe cursor (base64url JSON).
 *
 * @example encodeCursor({ pk: 'a' }) // 'eyJwayI6ImEifQ'
 */
export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

/**
 * Decodes a cursor made by `encodeCursor`: exactly the string-valued keys named in `keyNames`,
 * each present, and each `fixed` key with its expected value — so a crafted cursor never reaches
 * DynamoDB as an ExclusiveStartKey it would refuse (a 500) or that reads another item kind.
 *
 * @throws {MalformedInputError} with pointer `/query/cursor` when the cursor was not issued by us
 */
export function decodeCursor(
  cursor: string | undefined,
  keyNames: readonly string[],
  fixed: Readonly<Record<string, string>> = {},
): Record<string, string> | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      parsed !== null &&
      typeof parsed === 'object' &&
      Object.keys(parsed).length === keyNames.length &&
      Object.entries(parsed).every(([k, v]) => keyNames.includes(k) && typeof v === 'string' && v.length > 0) &&
      Object.entries(fixed).every(([k, v]) => (parsed as Record<string, unknown>)[k] === v)
    ) {
      return parsed as Record<string, string>;
    }
  } catch {
    // fall through to the error below
  }
  throw invalidCursorError();
}

/** The 400 for a cursor we did not issue (or issued for another listing). */
export function invalidCursorError(): MalformedInputError {
  return new MalformedInputError('The pagination cursor is not valid', [
    { pointer: '/query/cursor', message: 'pass the nextCursor value of a previous page unchanged' },
  ]);
}

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
