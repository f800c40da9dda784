import { MalformedInputError } from './errors';

/**
 * Encodes a position in a listing (a DynamoDB `LastEvaluatedKey`, or a use case's own position
 * such as the last version answered) as an opaque URL-safe cursor (base64url JSON).
 *
 * @example encodeCursor({ pk: 'a' }) // 'eyJwayI6ImEifQ'
 */
export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

/**
 * Decodes a cursor made by `encodeCursor`: exactly the string-valued keys named in `keyNames`,
 * each present, and each `fixed` key with its expected value — so a crafted cursor never reaches
 * DynamoDB as an ExclusiveStartKey it would refuse (a 500) or that reads another item kind, and a
 * use case's cursor issued for another listing (another tenant's, another name's) is refused.
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
