import * as z from 'zod';
import { EventIdSchema, EventTypeSchema, IntegrationEventSchema } from '../../shared/domain/events/integration-event';
import { SubscriptionIdSchema, SubscriptionInputSchema } from '../../shared/domain/events/subscription';
import { RotateSecretInputSchema } from '../../shared/domain/events/webhook-secret';
import { MAX_EVENTS_PER_REQUEST } from '../../shared/use-cases/publish-events';
import { ReplayRequestSchema } from '../../shared/use-cases/replays';
import { OwnerSchema } from './common';
import { pageLimit } from './fields';

/** The event bus: publishing, the event log, subscriptions, dead letters and replays. */

export const PublishEventsBody = z
  .union([IntegrationEventSchema, z.array(IntegrationEventSchema).min(1).max(MAX_EVENTS_PER_REQUEST)])
  .meta({ description: `One event envelope, or an array of 1–${MAX_EVENTS_PER_REQUEST}` });

/** One event's outcome in a publish answer (also in its problem details). */
export const EventResultSchema = z
  .object({
    index: z.number().int(),
    id: z.string().optional(),
    status: z.enum(['published', 'duplicate', 'rejected', 'forbidden', 'conflict', 'failed']).meta({
      description: "forbidden (403): the event's source belongs to another tenant, or is the framework's (aif, aif.*)",
    }),
    eventBridgeId: z.string().optional(),
    publishedAt: z.string().optional(),
    httpStatus: z.number().int().optional(),
    detail: z.string().optional(),
    errors: z.array(z.object({ pointer: z.string(), message: z.string(), keyword: z.string().optional() })).optional(),
  })
  .meta({ id: 'EventResult' });

export const PublishEventsResponse = z.object({
  results: z.array(EventResultSchema).meta({ description: "Every event's outcome, in input order" }),
  failedEntryCount: z
    .number()
    .int()
    .min(0)
    .meta({ description: 'Events not on the bus (as PutEvents reports FailedEntryCount): 0 with 202' }),
});

export const EventIdParams = z.object({ id: EventIdSchema });

export const EventRecordResponse = z
  .object({
    event: IntegrationEventSchema,
    contentHash: z.string(),
    status: z.enum(['pending', 'published', 'failed']),
    receivedAt: z.string(),
    publishedAt: z.string().optional(),
    eventBridgeId: z.string().optional(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
    owner: OwnerSchema,
  })
  .meta({ id: 'EventRecord' });

export const EventsByCorrelationQuery = z.object({
  correlationId: EventIdSchema,
  limit: pageLimit(100, 100),
  cursor: z.string().min(1).max(2048).optional(),
});

export const EventListResponse = z.object({ items: z.array(EventRecordResponse), nextCursor: z.string().optional() });

/** An ISO 8601 date-time (with `Z` or an offset), read as ms since the Unix epoch. */
const logTime = (description: string) =>
  z.iso
    .datetime({ offset: true })
    .transform((v) => Date.parse(v))
    .meta({ description });

export const EventLogQuery = z.object({
  type: EventTypeSchema.optional().meta({ description: 'Only events of this type' }),
  source: z.string().min(1).max(256).optional().meta({ description: 'Only events from this source' }),
  from: logTime('ISO 8601 date-time, inclusive (default: one hour before to)').optional(),
  to: logTime('ISO 8601 date-time, exclusive (default: now); at most 24 hours after from').optional(),
  limit: pageLimit(100, 50),
  cursor: z.string().min(1).max(2048).optional(),
});

export const EventLogResponse = z.object({
  items: z.array(IntegrationEventSchema),
  nextCursor: z.string().optional(),
});

export const SubscriptionBody = SubscriptionInputSchema.meta({ id: 'SubscriptionRequest' });
export const SubscriptionIdParams = z.object({ id: SubscriptionIdSchema });

export const SubscriptionResponse = z
  .object({
    id: z.string(),
    eventType: z.string(),
    filter: z.record(z.string(), z.unknown()).optional(),
    target: z.object({
      type: z.literal('webhook'),
      url: z.string(),
      secret: z
        .string()
        .optional()
        .meta({ description: 'The signing secret: only in the answer that created it (create, rotate-secret)' }),
      secrets: z
        .array(
          z.object({
            last4: z.string().meta({ description: "The secret's last 4 characters" }),
            createdAt: z.string(),
            expiresAt: z.string().optional().meta({ description: 'When a rotated-out secret stops signing' }),
          }),
        )
        .meta({ description: 'Hints of the signing secrets, newest first (two during a rotation overlap)' }),
    }),
    maxRetries: z.number().int(),
    retryPolicy: z.object({
      backoffStrategy: z.string(),
      initialDelayMs: z.number().int(),
      maxDelayMs: z.number().int(),
      jitter: z.string().optional(),
    }),
    timeoutMs: z.number().int(),
    priority: z.number().int(),
    deliveryFormat: z.string().meta({ description: 'The media type webhook bodies are encoded in' }),
    status: z.enum(['provisioning', 'active']),
    ruleArn: z.string().optional(),
    createdAt: z.string(),
    owner: OwnerSchema,
  })
  .meta({ id: 'Subscription' });

export const RotateSecretBody = RotateSecretInputSchema.meta({ id: 'RotateSecretRequest' });

export const SubscriptionListResponse = z.object({
  items: z.array(SubscriptionResponse),
  nextCursor: z.string().optional(),
});

export const PatternTestBody = z
  .object({
    pattern: z.unknown().meta({ description: 'An EventBridge event pattern' }),
    event: z
      .unknown()
      .meta({ description: 'An event as EventBridge delivers it (version, id, detail-type, source, …, detail)' }),
  })
  .strict();

export const PatternTestResponse = z.object({ matches: z.boolean() });

const DeadLetterSchema = z
  .object({
    id: z.string(),
    subscriptionId: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    event: z.record(z.string(), z.unknown()),
    attempts: z.number().int(),
    reason: z.enum(['retries-exhausted', 'not-retryable', 'subscription-not-found', 'secret-missing']),
    lastStatus: z.number().int().optional(),
    lastError: z.object({ code: z.string(), category: z.string(), message: z.string() }),
    createdAt: z.string(),
    owner: OwnerSchema,
  })
  .meta({ id: 'DeadLetter' });

export const DeadLetterQuery = z.object({
  subscriptionId: SubscriptionIdSchema.optional(),
  type: EventTypeSchema.optional(),
  limit: pageLimit(100, 25),
  cursor: z.string().min(1).max(2048).optional(),
});

export const DeadLetterListResponse = z.object({ items: z.array(DeadLetterSchema), nextCursor: z.string().optional() });

export const DeadLetterIdParams = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^dl-[0-9]{13}-[0-9a-f]{8}$/, 'is not a dead-letter id (dl-<ms>-<hex>)'),
});

export const RedriveBody = z
  .object({
    ids: z.array(DeadLetterIdParams.shape.id).min(1).max(100).optional(),
    subscriptionId: SubscriptionIdSchema.optional(),
  })
  .strict()
  .refine((b) => (b.ids === undefined) !== (b.subscriptionId === undefined), {
    path: ['ids'],
    message: 'give ids or subscriptionId (exactly one of them)',
    // Also when a member failed, so one answer names every problem.
    when: (payload) => typeof payload.value === 'object' && payload.value !== null,
  });

export const RedriveResponse = z.object({
  redriven: z.number().int(),
  redrivenIds: z.array(z.string()),
  notFound: z.array(z.string()),
  inProgress: z.array(z.string()),
});

export const ReplayBody = ReplayRequestSchema;
export const ReplayNameParams = z.object({
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._-]+$/),
});
export const ReplayResponse = z
  .object({
    name: z.string(),
    state: z.enum(['STARTING', 'RUNNING', 'CANCELLING', 'COMPLETED', 'CANCELLED', 'FAILED']),
    from: z.string(),
    to: z.string(),
    eventTypes: z.array(z.string()).optional(),
    stateReason: z.string().optional(),
    replayedCount: z.number().int().optional(),
    startedAt: z.string().optional(),
    endedAt: z.string().optional(),
    owner: OwnerSchema,
  })
  .meta({ id: 'Replay' });
