import * as z from 'zod';
import { coerceVersion } from '../contracts/versions';

/**
 * The framework's event envelope (the seed's IntegrationEvent). On EventBridge it travels as the
 * entry's `Detail`, with `Source = source` and `DetailType = type`.
 */
export type IntegrationEvent = {
  /** Unique id chosen by the publisher; the same id is the same event (idempotent publishing). */
  id: string;
  /** Event type, e.g. `integration.alert`; becomes the EventBridge `detail-type`. */
  type: string;
  /**
   * Version of the payload's shape: semver, or what coerces to it (`1.0`, as the seed's events
   * carry, means `1.0.0` — see `coerceVersion`). Kept as sent; the event contract is looked up
   * at the coerced version.
   */
  version: string;
  /** Who emits it, e.g. `aif.errors`; becomes the EventBridge `source`. */
  source: string;
  /** When it happened, milliseconds since the Unix epoch. */
  timestamp: number;
  /** Id shared by every event of one flow. */
  correlationId?: string;
  /** Id of the event that caused this one. */
  causationId?: string;
  payload: Record<string, unknown>;
  metadata: Record<string, string>;
};

/** Ids of events, correlations and causations: letters, digits and `. _ : -`, 1–128 characters. */
export const EventIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'use letters, digits and . _ : - only');

/**
 * An event type: becomes the EventBridge `detail-type` (at most 128 characters, PutEvents) and
 * names the event's contract in the registry, so it uses the contract-name alphabet.
 */
export const EventTypeSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must start with a letter or digit and hold letters, digits, ".", "_" or "-"');

/**
 * The envelope `POST /v1/events` accepts (the seed's IntegrationEvent), validated strictly.
 * `source` becomes the EventBridge `source`: at most 256 characters, and not `aws.…`, which
 * EventBridge reserves for AWS services (PutEvents answers NotAuthorizedForSourceException).
 */
export const IntegrationEventSchema = z
  .object({
    id: EventIdSchema,
    type: EventTypeSchema,
    version: z
      .string()
      .max(128)
      .refine(
        (v) => coerceVersion(v) !== undefined,
        'must be a semantic version (MAJOR.MINOR.PATCH) or coerce to one as contract import does (1.0 → 1.0.0, v2 → 2.0.0, 2010-04-01 → 2010.4.1)',
      ),
    source: z
      .string()
      .min(1)
      .max(256)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, 'must start with a letter or digit and hold letters, digits, . _ : / -')
      .refine((s) => !s.toLowerCase().startsWith('aws.'), 'sources starting with "aws." are reserved for AWS services'),
    timestamp: z
      .number()
      .int()
      .min(0)
      .max(8_640_000_000_000_000)
      .meta({ description: 'Milliseconds since the Unix epoch' }),
    correlationId: EventIdSchema.optional(),
    causationId: EventIdSchema.optional(),
    payload: z.record(z.string(), z.unknown()).superRefine((payload, ctx) => {
      // JSON numbers beyond a double's range parse as ±Infinity and would travel as null.
      for (const path of nonFinitePaths(payload)) {
        ctx.addIssue({ code: 'custom', path, message: 'is a number outside the range of a 64-bit float' });
      }
      // SQS (the delivery queue) accepts only XML 1.0 characters; an event it refuses could never be delivered.
      if (!sqsCharactersOnly(JSON.stringify(payload))) {
        ctx.addIssue({
          code: 'custom',
          message:
            'holds characters SQS cannot carry (U+FFFE, U+FFFF or an unpaired surrogate), so it could not be delivered',
        });
      }
    }),
    metadata: z
      .record(
        z.string().max(128),
        z
          .string()
          .max(2048)
          .refine((v) => !hasControlCharacter(v), 'must hold no control characters (metadata may travel as headers)'),
      )
      .default({}),
  })
  .strict()
  .meta({ id: 'IntegrationEvent' });

/** JSON paths of the non-finite numbers in a value (at most 100). */
function nonFinitePaths(value: unknown, path: PropertyKey[] = [], found: PropertyKey[][] = []): PropertyKey[][] {
  if (found.length >= 100) return found;
  if (typeof value === 'number' && !Number.isFinite(value)) found.push(path);
  else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) nonFinitePaths(item, [...path, i], found);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, member] of Object.entries(value)) nonFinitePaths(member, [...path, key], found);
  }
  return found;
}

/** True when a string holds a C0 control character or DEL (which HTTP header values may not). */
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/**
 * True when every character is one SQS message bodies allow (#x9 | #xA | #xD | #x20–#xD7FF |
 * #xE000–#xFFFD | #x10000–#x10FFFF, Amazon SQS SendMessage). JSON escapes control characters, so
 * only U+FFFE, U+FFFF and unpaired surrogates can remain.
 */
function sqsCharactersOnly(json: string): boolean {
  return !/[\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(json);
}
