import * as z from 'zod';
import { EventResultSchema } from './events';

/**
 * RFC 9457 problem details. Extension members are allowed (§3.2): publish problems carry every
 * event's outcome (`results`, `failedEntryCount`), 406 problems the media types on offer
 * (`available`); clients ignore members they do not know.
 */
export const ProblemDetailsSchema = z
  .looseObject({
    type: z.string().meta({ description: 'Stable problem type URI, e.g. urn:aif:problem:validation-failed' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z
      .array(z.object({ pointer: z.string(), detail: z.string(), keyword: z.string().optional() }))
      .optional()
      .meta({ description: 'One entry per problem; `pointer` is a JSON pointer into the request (RFC 6901)' }),
    results: z
      .array(EventResultSchema)
      .optional()
      .meta({ description: "POST /v1/events: every event's outcome, in input order" }),
    failedEntryCount: z
      .number()
      .int()
      .min(0)
      .optional()
      .meta({ description: 'POST /v1/events: events not on the bus' }),
    available: z.array(z.string()).optional().meta({ description: '406: the media types this route can answer with' }),
  })
  .meta({ id: 'ProblemDetails', description: 'RFC 9457 problem details' });
