import * as z from 'zod';

/** Building blocks of the request schemas; not part of the API's shapes, so `index.ts` does not re-export them. */

/** A query flag: the strings `true` or `false`, read as a boolean. */
export const booleanFlag = z
  .enum(['true', 'false'])
  .transform((v) => v === 'true')
  .meta({ description: '`true` or `false`' });

/** A page size: decimal digits only (no `0x10`, `1e1`), between 1 and `max`. */
export function pageLimit(max: number, fallback: number) {
  return z
    .string()
    .regex(/^[0-9]{1,4}$/, 'must be a decimal integer')
    .transform(Number)
    .pipe(z.number().int().min(1).max(max))
    .default(fallback)
    .meta({ description: `Page size, 1-${max} (default ${fallback})` });
}
