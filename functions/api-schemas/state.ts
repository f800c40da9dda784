import * as z from 'zod';
import { INSTANCE_STATUSES } from '../../shared/domain/mesh/service-instance';
import { ALERT_WINDOWS } from '../../shared/domain/resilience/policy';
import { ErrorStatsResponse } from './errors';

/** `GET /v1/state`: the caller's tenant's operational state (shared/use-cases/system-state.ts). */

export const StateQuery = z.object({
  window: z
    .enum(ALERT_WINDOWS)
    .default('1m')
    .meta({ description: "The error counters' window: the current minute (1m) or hour (1h)" }),
});

const BREAKER_STATES = ['closed', 'open', 'half-open'] as const;
const count = z.number().int().min(0);
const isoTime = z.string().meta({ description: 'ISO 8601, UTC' });

const QueueStateSchema = z
  .object({
    queue: z.enum(['delivery', 'delivery-dlq', 'events-dlq']),
    visible: count.meta({ description: 'Messages available to receive (SQS ApproximateNumberOfMessages)' }),
    inFlight: count.meta({ description: 'Received, not yet deleted (ApproximateNumberOfMessagesNotVisible)' }),
    delayed: count.meta({ description: 'Sent with a delay not yet passed (ApproximateNumberOfMessagesDelayed)' }),
    oldestMessageAgeSeconds: count.nullable().meta({
      description:
        'Age of the oldest message, seconds (AWS: the CloudWatch metric ApproximateAgeOfOldestMessage, newest datapoint of the last 15 min; lags by a minute or more); null: empty or no datapoint',
    }),
  })
  .meta({ id: 'QueueState' });

export const StateResponse = z
  .object({
    at: isoTime,
    tenant: z.string(),
    breakers: z.object({
      counts: z.record(z.enum(BREAKER_STATES), count),
      items: z.array(
        z.object({
          instanceId: z.string(),
          state: z.enum(BREAKER_STATES),
          failureCount: count,
          openedAt: isoTime.optional(),
        }),
      ),
      truncated: z.boolean().meta({ description: 'More breakers than listed (100); counts cover all' }),
    }),
    instances: z.object({
      counts: z.record(z.enum(INSTANCE_STATUSES), count),
      items: z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          status: z.enum(INSTANCE_STATUSES),
          lastCheckedAt: isoTime.optional(),
        }),
      ),
      truncated: z.boolean().meta({ description: 'More instances than listed (100); counts cover all' }),
    }),
    queues: z.array(QueueStateSchema).meta({ description: "The deployment's delivery queues, shared by every tenant" }),
    deadLetters: z.object({
      total: count,
      bySubscription: z.record(z.string(), count),
      truncated: z.boolean().meta({ description: 'More than 10 000 dead letters: total is a lower bound' }),
    }),
    errors: ErrorStatsResponse.omit({ nextCursor: true }).extend({
      truncated: z.boolean().meta({ description: 'More counters than listed (100): page with GET /v1/errors/stats' }),
    }),
    mesh: z.object({
      inFlight: count.nullable().meta({
        description:
          "The tenant's routed mesh calls in flight now, counted across every mesh Lambda instance (live leases of its budget); null when the budget is off",
      }),
      maxInFlight: count.meta({ description: 'The per-tenant budget (MESH_MAX_IN_FLIGHT_PER_TENANT); 0: off' }),
    }),
  })
  .meta({ id: 'SystemState' });
