import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import { SubscriptionIdSchema } from '../../shared/domain/events/subscription';
import { DELIVERY_LATENCY_METRIC, DELIVERY_METRICS } from '../../shared/observability/metric-names';
import type { Observability } from '../../shared/observability/powertools';
import { nowMs } from '../../shared/ports/clock';
import { type DeliverDeps, type DeliveryOutcome, deliverEvent } from '../../shared/use-cases/deliver-event';

/** The body the subscription rules' input transformer (or the local router) puts on the delivery queue. */
const DeliveryMessageSchema = z.object({
  tenant: z.string().min(1),
  subscriptionId: SubscriptionIdSchema,
  event: z.object({ id: z.string(), type: z.string() }).passthrough(),
  attemptsBefore: z.number().int().min(0).optional(),
});

/** The metric counting each outcome the record is done with (a requeued deferral: its copy comes back). */
const METRIC_OF = DELIVERY_METRICS satisfies Record<DeliveryOutcome['outcome'], string>;

/**
 * A delivery that will be attempted again: the record is reported as a batch item failure, so
 * SQS keeps the message (its visibility was set to the retry delay).
 */
export class RetryScheduledError extends Error {
  /**
   * @param delayMs - until the message is visible again
   * @param deferred - no attempt was made (no concurrency slot), so it is no retry
   */
  constructor(
    readonly delayMs: number,
    readonly deferred = false,
  ) {
    super(`delivery retried in ${delayMs} ms`);
    this.name = 'RetryScheduledError';
  }
}

/**
 * Processes one SQS record: one delivery attempt by `deliverEvent`.
 *
 * @returns the outcome; `deferred` (requeued) when the delivery waits for a concurrency slot as a new message
 * @throws {RetryScheduledError} when the delivery is to be retried, or deferred but could not be sent
 *   again (the message stays on the queue)
 * @throws {Error} for a body that is not a delivery message, or when a dead letter cannot be stored —
 *   the message stays and is retried; after the queue's maxReceiveCount SQS moves it to the DLQ
 */
export async function dispatchRecord(record: SQSRecord, deps: DeliverDeps): Promise<DeliveryOutcome> {
  const message = DeliveryMessageSchema.parse(JSON.parse(record.body));
  const outcome = await deliverEvent(deps, {
    message,
    // A deferred delivery's copy counts on from the attempts of the message it replaced.
    attempt: (message.attemptsBefore ?? 0) + (Number(record.attributes.ApproximateReceiveCount) || 1),
    receiptHandle: record.receiptHandle,
  });
  if (outcome.outcome === 'retrying') throw new RetryScheduledError(outcome.delayMs);
  if (outcome.outcome === 'deferred' && !outcome.requeued) throw new RetryScheduledError(outcome.delayMs, true);
  return outcome;
}

/**
 * The dispatcher: an SQS event source on the delivery queue with partial batch responses
 * (Powertools batch): delivered and dead-lettered messages are deleted, retried ones are reported
 * as `batchItemFailures` and come back after the delay their visibility was set to.
 *
 * @example const handler = createDispatcherHandler(dispatcherDeps(base, parts), { observability });
 */
export function createDispatcherHandler(deps: DeliverDeps, { observability }: { observability: Observability }) {
  const { logger, metrics, tracer } = observability;
  async function handleRecord(record: SQSRecord): Promise<void> {
    try {
      const outcome = await dispatchRecord(record, deps);
      // No dimension names a tenant or subscription (caller-supplied strings: unbounded cardinality).
      metrics.addMetric(METRIC_OF[outcome.outcome], MetricUnit.Count, 1);
      const sentMs = Number(record.attributes.SentTimestamp);
      if (outcome.outcome === 'delivered' && Number.isFinite(sentMs)) {
        metrics.addMetric(DELIVERY_LATENCY_METRIC, MetricUnit.Milliseconds, Math.max(0, nowMs(deps.clock) - sentMs));
      }
      if (outcome.outcome === 'dead-lettered') {
        logger.warn('Delivery dead-lettered', {
          messageId: record.messageId,
          deadLetterId: outcome.deadLetterId,
          reason: outcome.reason,
          error: outcome.error.toJSON(),
        });
      }
    } catch (error) {
      if (error instanceof RetryScheduledError) {
        metrics.addMetric(error.deferred ? DELIVERY_METRICS.deferred : DELIVERY_METRICS.retrying, MetricUnit.Count, 1);
      } else logger.error('Delivery failed unexpectedly; the message stays on the queue', error as Error);
      throw error;
    }
  }

  return (
    middy<SQSEvent, SQSBatchResponse, Error, Context>()
      .use(captureLambdaHandler(tracer, { captureResponse: false }))
      .use(injectLambdaContext(logger, { resetKeys: true }))
      .use(logMetrics(metrics))
      // One processor per invocation: a processor holds its batch's state, and the local runner (like a
      // Lambda with several concurrent invocations sharing a module) may run batches side by side.
      .handler(async (event, context) =>
        processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), {
          context,
          throwOnFullBatchFailure: false,
        }),
      )
  );
}
