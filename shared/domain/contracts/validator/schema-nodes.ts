/** Keywords whose values are data, not schemas: a `pattern` key inside them is not a pattern. */
export const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples', 'example']);

/** A key as one JSON pointer segment (RFC 6901: `~` → `~0`, `/` → `~1`). */
export function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
