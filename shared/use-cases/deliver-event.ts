import { createHash } from 'node:crypto';
import { tenantConcerned } from '../domain/auth/owner';
import { ConcurrencyLimiterUnavailableError } from '../domain/concurrency/errors';
import { LEASE_MARGIN_MS } from '../domain/concurrency/leases';
import type { IntegrationEvent } from '../domain/events/integration-event';
import { DEFAULT_DELIVERY_FORMAT, type Subscription } from '../domain/events/subscription';
import { encryptionContextOf, signingSecrets } from '../domain/events/webhook-secret';
import { baseDelayMs } from '../domain/resilience/backoff';
import { classifyError } from '../domain/resilience/classify';
import { decide, type Resolution } from '../domain/resilience/decide';
import { HttpStatusError } from '../domain/resilience/errors';
import { IntegrationError } from '../domain/resilience/integration-error';
import { type ResolvedPolicy, resolvePolicy } from '../domain/resilience/policy';
import { nowMs } from '../ports/clock';
import type { DeadLetterReason, DeadLetterRepository } from '../ports/dead-letters';
import type { DeliveryMessage, DeliveryQueue } from '../ports/delivery-queue';
import type { HttpClient } from '../ports/http-client';
import type { SecretCipher } from '../ports/secret-cipher';
import type { SubscriptionRepository } from '../ports/subscriptions';
import type { WireFormats } from '../ports/wire-formats';
import type { OutboundBudget } from './outbound-budget';
import { type RecordErrorDeps, recordError } from './record-error';

/** What delivering needs. */
export type DeliverDeps = RecordErrorDeps & {
  subscriptions: Pick<SubscriptionRepository, 'get'>;
  deadLetters: Pick<DeadLetterRepository, 'put'>;
  /** Retries change a message's visibility; a deferred delivery is sent again as a new message. */
  queue: Pick<DeliveryQueue, 'changeVisibility' | 'send'>;
  http: HttpClient;
  /**
   * Signs a webhook per the Standard Webhooks spec: the `webhook-*` headers, one `v1,` signature per
   * secret, over the exact body sent (text, or the bytes of a binary delivery format).
   */
  sign: (input: {
    secret: readonly string[];
    id: string;
    timestamp: Date;
    payload: string | Uint8Array;
  }) => Record<string, string>;
  /** Encodes deliveries in a subscription's `deliveryFormat` other than JSON (`deliveryFormats`: the registry's codecs). */
  formats: Pick<WireFormats, 'encode'>;
  /** Unseals the subscription's secrets (the dispatcher may decrypt, never encrypt). */
  cipher: Pick<SecretCipher, 'decrypt'>;
  /** New dead-letter ids (sortable by time). */
  newDeadLetterId: (nowMs: number) => string;
  /** Told when counting a failure, or delaying a retry, failed; the delivery decision stands. */
  onCountingError?: (error: unknown) => void;
  /**
   * The per-tenant budget of webhook deliveries in flight (WEBHOOK_MAX_IN_FLIGHT_PER_TENANT, counted
   * across every dispatcher instance), under the subscription's tenant: a delivery holds one slot
   * for its POST. At the limit (or with the budget's store unavailable) the delivery is deferred —
   * no attempt is made or counted. @default none (no budget)
   */
  outboundBudget?: Pick<OutboundBudget, 'acquire'>;
};

/** What became of one delivery attempt. */
export type DeliveryOutcome =
  | { outcome: 'delivered'; status: number }
  | { outcome: 'retrying'; delayMs: number; error: IntegrationError }
  | {
      outcome: 'deferred';
      delayMs: number;
      /** `tenant-concurrency`: the tenant's deliveries in flight are at the limit; `limiter-unavailable`: unknown. */
      reason: 'tenant-concurrency' | 'limiter-unavailable';
      /**
       * True: sent again as a new message (this one can be deleted); false: the send failed, so this
       * message's visibility was set to the delay and it must stay on the queue.
       */
      requeued: boolean;
    }
  | { outcome: 'dead-lettered'; deadLetterId: string; reason: DeadLetterReason; error: IntegrationError };

/**
 * Longest wait the dispatcher asks for, seconds. SQS rejects a visibility that would end more than
 * 12 hours (43 200 s) after the message was received (ChangeMessageVisibility); the dispatcher has
 * spent at most its 60 s timeout since, so two minutes are kept in hand.
 */
const MAX_VISIBILITY_SECONDS = 43_200 - 120;

/** Longest wait of a deferred delivery, seconds: SQS SendMessage's largest DelaySeconds. */
const MAX_DEFER_SECONDS = 900;

/**
 * Delivers one queued event to its subscriber (the dispatcher's work per SQS message).
 *
 * POSTs the envelope to the subscription's webhook URL in its `deliveryFormat` (JSON by default, as
 * `JSON.stringify` writes it; MessagePack or CBOR through the codec registry) with that
 * `Content-Type`, signed over the exact bytes sent per the Standard Webhooks
 * spec (`webhook-id` derived from the event id and the subscription id, stable across retries and
 * redrives, so subscribers can de-duplicate; `webhook-timestamp`; `webhook-signature`), through the SSRF-safe client with the
 * subscription's timeout. Then, by the error policies:
 * - 2xx → delivered;
 * - 408, 429, 5xx, timeouts, connection errors → retried while `attempt ≤ maxRetries`, after the
 *   subscription's backoff (a longer `Retry-After` wins, up to maxDelayMs), by changing the
 *   message's visibility;
 * - other 4xx, a blocked target, retries exhausted, or a deleted subscription → a dead letter of
 *   the subscription's tenant (the message's tenant, `input.message.tenant`, names the subscription
 *   with its id: ids are per tenant).
 * Every failed attempt is counted per `webhook:<subscription id>` and code (alerts included, for
 * the subscription's tenant). With an `outboundBudget`, the POST holds a slot of the subscription's
 * tenant; when none is free (or the budget's store is unavailable) the delivery is deferred
 * (`defer`): not attempted, not counted, back on the queue in at most a few seconds.
 *
 * @param input.attempt - this delivery's attempt number (1 = first): the message's receive count
 *   plus the attempts made on earlier copies (`attemptsBefore`)
 * @throws {DependencyUnavailableError} when the dead letter cannot be stored, or the key service is
 *   unavailable — the message then stays on the queue and is retried, never lost
 * @throws {SecretUnsealError} when a stored secret does not decrypt under the subscription's
 *   encryption context (nothing is sent; the message stays and reaches the DLQ after maxReceiveCount)
 */
export async function deliverEvent(
  deps: DeliverDeps,
  input: { message: DeliveryMessage; attempt: number; receiptHandle: string },
): Promise<DeliveryOutcome> {
  const event = input.message.event as IntegrationEvent;
  const subscription = await deps.subscriptions.get({
    tenant: input.message.tenant,
    id: input.message.subscriptionId,
  });
  const source = `webhook:${input.message.subscriptionId}`;
  if (!subscription) {
    const error = new IntegrationError(`The subscription ${input.message.subscriptionId} no longer exists`, {
      code: 'SUBSCRIPTION_NOT_FOUND',
      category: 'permanent',
      source,
      timestamp: nowMs(deps.clock),
    });
    return deadLetter(deps, input, event, 'subscription-not-found', error);
  }

  if (signingSecrets(subscription.target.secrets, deps.clock.now()).length === 0) {
    // Nothing is sent unsigned. A subscription stored before secrets were sealed (its plain
    // `target.secret` is never read back) signs again once its secret is rotated; the dead letter
    // keeps the event for a redrive then.
    const error = new IntegrationError(
      `The subscription ${subscription.id} has no sealed signing secret: rotate it (POST /v1/subscriptions/${subscription.id}/rotate-secret), then redrive its dead letters`,
      { code: 'WEBHOOK_SECRET_MISSING', category: 'permanent', source, timestamp: nowMs(deps.clock) },
    );
    return deadLetter(deps, input, event, 'secret-missing', error);
  }
  const slot = await slotFor(deps, subscription);
  if (!slot.admitted) return defer(deps, input, slot.retryAfterSeconds, slot.reason);
  try {
    const secrets = await unsealSigningSecrets(deps, subscription, input.message.tenant);
    const posted = await post(deps, subscription, secrets, event, source);
    if (!posted.error) return { outcome: 'delivered', status: posted.status };
    return await afterFailure(deps, input, event, subscription, posted.error);
  } finally {
    await slot.release();
  }
}

/**
 * A slot of the subscription's tenant's delivery budget for the POST: its lease lasts the
 * subscription's timeout and a margin. Without a budget, always admitted.
 */
async function slotFor(
  deps: DeliverDeps,
  subscription: Subscription,
): Promise<
  | { admitted: true; release: () => Promise<void> }
  | { admitted: false; retryAfterSeconds: number; reason: 'tenant-concurrency' | 'limiter-unavailable' }
> {
  if (!deps.outboundBudget) return { admitted: true, release: async () => undefined };
  try {
    const decision = await deps.outboundBudget.acquire(
      tenantConcerned(subscription.owner),
      subscription.timeoutMs + LEASE_MARGIN_MS,
    );
    return decision.admitted ? decision : { ...decision, reason: 'tenant-concurrency' };
  } catch (error) {
    if (!(error instanceof ConcurrencyLimiterUnavailableError)) throw error;
    deps.onCountingError?.(error);
    return { admitted: false, retryAfterSeconds: error.retryAfterSeconds, reason: 'limiter-unavailable' };
  }
}

/**
 * Puts a delivery that could not take a slot back on the queue after `delaySeconds`, as no attempt:
 * nothing is counted, and the message is sent again as a new one carrying the attempts made so
 * far (`attemptsBefore`) — SQS's receive count, which numbers the attempts and, at
 * maxReceiveCount, dead-letters the message, starts again, so waiting for a slot never uses up a
 * subscription's retries. When that send fails, the message's own visibility is set to the delay
 * instead (it then stays; its receive is spent, nothing is lost).
 */
async function defer(
  deps: DeliverDeps,
  input: { message: DeliveryMessage; attempt: number; receiptHandle: string },
  delaySeconds: number,
  reason: 'tenant-concurrency' | 'limiter-unavailable',
): Promise<DeliveryOutcome> {
  // SQS DelaySeconds: a whole number, at most 900.
  const seconds = Math.min(MAX_DEFER_SECONDS, Math.max(1, Math.ceil(delaySeconds)));
  const delayMs = seconds * 1000;
  try {
    await deps.queue.send({ ...input.message, attemptsBefore: input.attempt - 1 }, seconds);
    return { outcome: 'deferred', delayMs, reason, requeued: true };
  } catch (error) {
    deps.onCountingError?.(error);
  }
  try {
    await deps.queue.changeVisibility(input.receiptHandle, seconds);
  } catch (error) {
    // The receipt expired: the message is visible again already. Nothing is lost.
    deps.onCountingError?.(error);
  }
  return { outcome: 'deferred', delayMs, reason, requeued: false };
}

/**
 * One signed POST of the event to the subscriber; a non-2xx answer or a thrown error is classified
 * (`classifyError`, with the server's Retry-After).
 */
async function post(
  deps: DeliverDeps,
  subscription: Subscription,
  secrets: readonly string[],
  event: IntegrationEvent,
  source: string,
): Promise<{ status: number; error?: undefined } | { error: IntegrationError }> {
  const format = subscription.deliveryFormat ?? DEFAULT_DELIVERY_FORMAT;
  try {
    // JSON as it always was (the same bytes as before formats); other formats are bytes.
    const payload =
      format === DEFAULT_DELIVERY_FORMAT ? JSON.stringify(event) : await deps.formats.encode(event, format);
    const response = await deps.http.request({
      method: 'POST',
      url: subscription.target.url,
      headers: {
        'content-type': format,
        'user-agent': 'agent-integration-framework/1 (webhook dispatcher)',
        ...(validTraceparent(event.metadata?.traceparent) && { traceparent: event.metadata.traceparent as string }),
        ...deps.sign({
          secret: secrets,
          id: webhookId(event.id, subscription.id),
          timestamp: deps.clock.now(),
          payload,
        }),
      },
      body: payload,
      timeoutMs: subscription.timeoutMs,
      // Only the status matters: a large answer must not turn an accepted delivery into a failure.
      discardBody: true,
    });
    if (response.status >= 200 && response.status < 300) return { status: response.status };
    const retryAfter = response.headers['retry-after'];
    throw new HttpStatusError(response.status, {
      // The origin only: a webhook's path and query may hold a credential, and this reaches logs and dead letters.
      url: new URL(subscription.target.url).origin,
      ...(retryAfter !== undefined && { retryAfter }),
    });
  } catch (thrown) {
    return { error: classifyError(thrown, { source, now: () => nowMs(deps.clock) }) };
  }
}

/**
 * The plain secrets that sign now (`signingSecrets`: the current one, and the previous one during a
 * rotation's overlap window), unsealed under the subscription's encryption context.
 *
 * @throws {SecretUnsealError} when a stored secret does not open for this subscription — the
 *   message stays on the queue (and reaches the DLQ after maxReceiveCount); nothing is sent unsigned
 * @throws {DependencyUnavailableError} when the key service is unavailable (the message is retried)
 */
async function unsealSigningSecrets(deps: DeliverDeps, subscription: Subscription, tenant: string): Promise<string[]> {
  // The tenant it was found under: the owner's (the key it was sealed for), also for items stored before owners.
  const context = encryptionContextOf({ tenant, id: subscription.id });
  return Promise.all(
    signingSecrets(subscription.target.secrets, deps.clock.now()).map((s) => deps.cipher.decrypt(s.sealed, context)),
  );
}

/**
 * After a failed attempt: counts the failure, then by the subscription's policy either hides the
 * message for the backoff delay (SQS redelivers it then) or stores a dead letter.
 */
async function afterFailure(
  deps: DeliverDeps,
  input: { message: DeliveryMessage; attempt: number; receiptHandle: string },
  event: IntegrationEvent,
  subscription: Subscription,
  failure: IntegrationError,
): Promise<DeliveryOutcome> {
  // Delivery runs outside any request: the failure is counted under the subscription's tenant.
  await recordError(deps, failure, tenantConcerned(subscription.owner)).catch((error: unknown) =>
    deps.onCountingError?.(error),
  );
  const policy = await subscriptionPolicy(deps, subscription, failure);
  // The queue keeps no memory of the last wait: for decorrelated jitter, the previous delay is taken
  // as the strategy's delay for the previous attempt.
  const previousDelayMs =
    input.attempt > 1
      ? baseDelayMs(
          policy.policy.backoffStrategy,
          policy.policy.initialDelayMs,
          input.attempt - 1,
          policy.policy.maxDelayMs,
        )
      : undefined;
  const resolution = decide(failure, input.attempt, policy, {
    ...(previousDelayMs !== undefined && { previousDelayMs }),
  });
  if (resolution.action !== 'retry') return deadLetter(deps, input, event, reasonOf(resolution), failure, subscription);
  try {
    await deps.queue.changeVisibility(
      input.receiptHandle,
      Math.min(MAX_VISIBILITY_SECONDS, Math.ceil(resolution.delayMs / 1000)),
    );
  } catch (error) {
    // The receipt expired (the attempt outlasted the visibility timeout): the message is visible
    // again already and will be retried at once rather than after the delay. Nothing is lost.
    deps.onCountingError?.(error);
  }
  return { outcome: 'retrying', delayMs: resolution.delayMs, error: failure };
}

/** The error policy for this failure, with the subscription's retry count and schedule. */
async function subscriptionPolicy(
  deps: DeliverDeps,
  subscription: Subscription,
  error: IntegrationError,
): Promise<ResolvedPolicy> {
  const resolved = resolvePolicy(await deps.policyCache.overrides(), error);
  return {
    key: `subscription:${subscription.id}`,
    origin: 'custom',
    policy: {
      ...resolved.policy,
      ...subscription.retryPolicy,
      maxRetries: resolved.policy.category === 'permanent' ? 0 : subscription.maxRetries,
      // The subscription decides what happens after the last retry: a dead letter.
      fallbackAction: undefined,
    },
  };
}

function reasonOf(resolution: Exclude<Resolution, { action: 'retry' }>): DeadLetterReason {
  return resolution.reason === 'retries-exhausted' ? 'retries-exhausted' : 'not-retryable';
}

async function deadLetter(
  deps: DeliverDeps,
  input: { message: DeliveryMessage; attempt: number },
  event: IntegrationEvent,
  reason: DeadLetterReason,
  error: IntegrationError,
  subscription?: Subscription,
): Promise<DeliveryOutcome> {
  const now = deps.clock.now();
  const id = deps.newDeadLetterId(now.getTime());
  const status = error.context.httpStatusCode;
  await deps.deadLetters.put({
    id,
    subscriptionId: subscription?.id ?? input.message.subscriptionId,
    eventId: event.id,
    eventType: event.type,
    event,
    attempts: input.attempt,
    reason,
    ...(typeof status === 'number' && { lastStatus: status }),
    lastError: { code: error.code, category: error.category, message: error.message },
    createdAt: now.toISOString(),
    // The subscription's tenant (the message's, when the subscription is gone): its dead letters only.
    owner: subscription?.owner ?? { tenant: input.message.tenant, principal: '' },
  });
  return { outcome: 'dead-lettered', deadLetterId: id, reason, error };
}

/**
 * The Standard Webhooks message id of an event's delivery to a subscription: `msg_` and 32 hex
 * digits of SHA-256 over both ids — the same for every attempt, redrive and replay of that delivery.
 *
 * @example webhookId('evt-1', 'orders') // 'msg_…' (always the same)
 */
export function webhookId(eventId: string, subscriptionId: string): string {
  return `msg_${createHash('sha256').update(`${eventId}\n${subscriptionId}`).digest('hex').slice(0, 32)}`;
}

/** A W3C traceparent (version 00 form) worth forwarding; anything else is not sent as a header. */
function validTraceparent(value: unknown): boolean {
  return typeof value === 'string' && /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/.test(value);
}
