import * as z from 'zod';
import { ErrorSourceSchema } from '../../shared/domain/resilience/counting';
import { ERROR_CATEGORIES, type ErrorCategory } from '../../shared/domain/resilience/integration-error';
import { ALERT_WINDOWS, ErrorPolicySchema, PolicyKeySchema } from '../../shared/domain/resilience/policy';
import { ErrorReportSchema } from '../../shared/use-cases/report-error';
import { OwnerSchema } from './common';
import { pageLimit } from './fields';

/** Error policies, error reports and counts. */

export const PolicyKeyParams = z.object({
  key: PolicyKeySchema.meta({ description: 'An error code (e.g. HTTP_503), a category, or `default`' }),
});

export const ErrorPolicyBody = ErrorPolicySchema.meta({ id: 'ErrorPolicy' });

export const ErrorPolicyResponse = z
  .object({
    key: z.string(),
    policy: ErrorPolicyBody,
    origin: z.enum(['custom', 'built-in']),
    revision: z.number().int().optional().meta({ description: 'Revision of a stored policy; also its ETag' }),
    updatedAt: z.string().optional(),
    updatedBy: OwnerSchema.optional().meta({
      description: 'Who wrote a stored policy last (policies are framework-wide; writing one needs errors:admin)',
    }),
  })
  .meta({ id: 'ErrorPolicyView' });

export const ErrorPolicyListResponse = z.object({
  items: z.array(ErrorPolicyResponse),
  nextCursor: z.string().optional(),
});

export const ReportErrorBody = ErrorReportSchema;

const IntegrationErrorResponse = z
  .object({
    code: z.string(),
    category: z.enum(ERROR_CATEGORIES as [ErrorCategory, ...ErrorCategory[]]),
    message: z.string(),
    source: z.string(),
    timestamp: z.number().int().meta({ description: 'Milliseconds since the Unix epoch' }),
    retryable: z.boolean(),
    retryAfterMs: z.number().int().optional(),
    context: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'IntegrationError' });

const AlertState = z.object({
  eventId: z.string(),
  window: z.enum(ALERT_WINDOWS),
  windowStart: z.string(),
  threshold: z.number().int(),
  state: z.enum(['pending', 'published']),
  raisedNow: z.boolean(),
});

export const ReportErrorResponse = z.object({
  error: IntegrationErrorResponse,
  resolution: z
    .object({
      action: z.enum(['retry', 'fail', 'fallback']),
      delayMs: z.number().int().optional().meta({ description: 'Wait before the next attempt (action retry)' }),
      fallbackAction: z.string().optional(),
      reason: z.string().optional(),
      message: z.string(),
    })
    .meta({ id: 'ErrorResolution' }),
  policy: z.object({ key: z.string(), origin: z.enum(['custom', 'built-in']) }),
  counts: z.object({ '1m': z.number().int(), '1h': z.number().int() }),
  alert: AlertState.optional(),
});

export const ErrorStatsQuery = z.object({
  window: z.enum(ALERT_WINDOWS).default('1m'),
  source: ErrorSourceSchema.optional(),
  at: z.iso
    .datetime({ offset: true })
    .optional()
    .meta({ description: 'Any time inside the wanted window (ISO 8601); the current window by default' }),
  limit: pageLimit(100, 100),
  cursor: z.string().min(1).max(2048).optional(),
});

export const ErrorStatsResponse = z.object({
  window: z.enum(ALERT_WINDOWS),
  windowStart: z.string(),
  windowEnd: z.string(),
  items: z.array(
    z.object({
      source: z.string(),
      code: z.string(),
      category: z.string(),
      count: z.number().int(),
      lastSeenAt: z.string(),
      alert: z
        .object({
          eventId: z.string(),
          raisedAt: z.string(),
          state: z.enum(['pending', 'published']),
          threshold: z.number().int(),
        })
        .optional(),
    }),
  ),
  nextCursor: z.string().optional(),
});
