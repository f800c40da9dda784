import { createHash } from 'node:crypto';
import type { IntegrationEvent } from '../domain/events/integration-event';
import { withTenant } from '../domain/events/tenancy';
import { counterExpiresAt, counterKeys } from '../domain/resilience/counting';
import { IntegrationError } from '../domain/resilience/integration-error';
import { type AlertWindow, type ResolvedPolicy, resolvePolicy, WINDOW_MS } from '../domain/resilience/policy';
import { withRetry } from '../domain/resilience/with-retry';
import { type Clock, nowMs } from '../ports/clock';
import type { AlertMark, CounterKey, ErrorCount, ErrorCounterRepository } from '../ports/error-counter';
import type { ErrorMetrics } from '../ports/error-metrics';
import type { EventPublisher } from '../ports/event-publisher';
import type { ErrorPolicyCache } from './error-policy-cache';

/** The event type of alerts. */
export const ALERT_EVENT_TYPE = 'integration.alert';
/** The `source` of events the error-handling part of the framework publishes. */
export const ERRORS_EVENT_SOURCE = 'aif.errors';
/**
 * How long a claimed alert may stay `pending` (claimed, not yet on the bus) before the next error
 * of the same counter takes its publication over, milliseconds. Longer than one publish attempt
 * with its retries, so a slow but live publisher is not doubled.
 */
export const ALERT_TAKEOVER_AFTER_MS = 30_000;
/** Time budget for publishing one alert, retries included, milliseconds. */
const ALERT_PUBLISH_BUDGET_MS = 5_000;

/** What recording an error needs. */
export type RecordErrorDeps = {
  counters: ErrorCounterRepository;
  policyCache: ErrorPolicyCache;
  events: EventPublisher;
  clock: Clock;
  metrics?: ErrorMetrics;
};

/** The alert state of the error's alert window after recording it. */
export type AlertOutcome = {
  eventId: string;
  window: AlertWindow;
  /** Start of the window, milliseconds since the Unix epoch. */
  windowStart: number;
  threshold: number;
  /**
   * `published`: on the bus; `pending`: claimed and not yet confirmed on the bus — being published
   * right now, or publishing failed (the next error at least 30 s after the claim publishes it again).
   */
  state: AlertMark['state'];
  /** True when this call raised (or took over) the alert; false when it had been raised before. */
  raisedNow: boolean;
};

/** What recording one error did. */
export type RecordedError = {
  /** The policy that applied (its alert threshold and window were used). */
  policy: ResolvedPolicy;
  /** The counters after this error, by window. */
  counts: Record<AlertWindow, number>;
  /** Present once the alert window's count has reached the policy's threshold. */
  alert?: AlertOutcome;
};

/**
 * Counts one handled error of a tenant's and raises its alert when due.
 *
 * 1. Increments the tenant's `source:code` counter of the current one-minute and one-hour windows,
 *    each in one atomic DynamoDB `ADD` (no lost increments under any concurrency).
 * 2. When the count in the policy's `alertWindow` reaches its `alertThreshold`, claims the window's
 *    alert with one conditional write — exactly one caller per window wins — and publishes one
 *    `integration.alert` event (source `aif.errors`) carrying the tenant, source, code, category,
 *    count, threshold and window. Its id is derived from the counter (tenant included), so a
 *    takeover of a stalled publication re-sends the same event id (consumers can de-duplicate).
 *
 * Error policies are framework-wide; counters and alerts are the tenant's.
 *
 * @param error - the classified error; its source and code name the counter
 * @param tenant - whose error it is: the reporting caller's tenant, or for errors the framework
 *   records outside a request, `tenantConcerned(owner of the object concerned)` (`aif` when unknown);
 *   the alert travels for it and reaches its subscriptions only
 * @returns the counts, the policy used and the alert state
 * @throws {DependencyUnavailableError} when the counters cannot be written (nothing is counted
 *   twice on retry of a failed call: a failed `ADD` did not count)
 * @example const { counts } = await recordError(deps, classifyError(e, { source: 'webhook:orders' }), 'acme');
 */
export async function recordError(
  deps: RecordErrorDeps,
  error: IntegrationError,
  tenant: string,
): Promise<RecordedError> {
  const policy = resolvePolicy(await deps.policyCache.overrides(), error);
  const now = deps.clock.now().getTime();
  const keys = counterKeys(tenant, error.source, error.code, now);
  const counted = await Promise.all(
    keys.map((key) =>
      deps.counters.increment(key, {
        category: error.category,
        seenAt: now,
        expiresAt: counterExpiresAt(key.window, key.windowStart),
      }),
    ),
  );
  deps.metrics?.errorRecorded(error);
  const counts = Object.fromEntries(counted.map((c) => [c.window, c.count])) as Record<AlertWindow, number>;

  const { alertThreshold, alertWindow } = policy.policy;
  const counter = counted.find((c) => c.window === alertWindow) as ErrorCount;
  if (counter.count < alertThreshold) return { policy, counts };

  const key: CounterKey = {
    tenant,
    window: counter.window,
    windowStart: counter.windowStart,
    source: error.source,
    code: error.code,
  };
  const existing = counter.alert;
  const stalled = existing?.state === 'pending' && existing.raisedAt < now - ALERT_TAKEOVER_AFTER_MS;
  if (existing && !stalled) return { policy, counts, alert: { ...toOutcome(key, existing), raisedNow: false } };

  const mark: AlertMark = { eventId: alertEventId(key), raisedAt: now, state: 'pending', threshold: alertThreshold };
  if (!(await deps.counters.claimAlert(key, mark, now - ALERT_TAKEOVER_AFTER_MS))) {
    // Another instance won the mark: answer with its mark as stored now (pending while it publishes).
    const winner = (await deps.counters.get(key))?.alert ?? mark;
    return { policy, counts, alert: { ...toOutcome(key, winner), raisedNow: false } };
  }
  const alert = alertEvent(key, error, counter.count, alertThreshold, now);
  // The alert travels for the tenant (`detail.metadata["aif-tenant"]`): it reaches that tenant's subscriptions only.
  const published = await publishAlert(deps, withTenant(alert, tenant));
  if (published) await deps.counters.confirmAlert(key, mark.eventId);
  deps.metrics?.alertRaised({
    eventId: mark.eventId,
    tenant,
    source: error.source,
    code: error.code,
    category: error.category,
    count: counter.count,
    threshold: alertThreshold,
    window: key.window,
    windowStart: key.windowStart,
    published,
  });
  return {
    policy,
    counts,
    alert: { ...toOutcome(key, { ...mark, state: published ? 'published' : 'pending' }), raisedNow: true },
  };
}

/**
 * The id of a counter's alert event: a UUID-shaped SHA-256 digest of the counter key (tenant
 * included), so every publication of the same alert carries the same id, and two tenants' alerts
 * for the same source and code never share one.
 */
export function alertEventId(key: CounterKey): string {
  const hex = createHash('sha256')
    .update(JSON.stringify([key.tenant, key.window, key.windowStart, key.source, key.code]))
    .digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function alertEvent(
  key: CounterKey,
  error: IntegrationError,
  count: number,
  threshold: number,
  now: number,
): IntegrationEvent {
  return {
    id: alertEventId(key),
    type: ALERT_EVENT_TYPE,
    version: '1.0.0',
    source: ERRORS_EVENT_SOURCE,
    timestamp: now,
    payload: {
      // Whose errors crossed the threshold: the alert concerns this tenant only.
      tenant: key.tenant,
      source: error.source,
      code: error.code,
      category: error.category,
      count,
      threshold,
      window: key.window,
      windowStart: new Date(key.windowStart).toISOString(),
      windowEnd: new Date(key.windowStart + WINDOW_MS[key.window]).toISOString(),
      lastError: { message: error.message, timestamp: error.timestamp },
    },
    metadata: {},
  };
}

/** Publishes the alert, retrying transient failures by the error policies; false when it did not get out. */
async function publishAlert(deps: RecordErrorDeps, event: IntegrationEvent): Promise<boolean> {
  const overrides = await deps.policyCache.overrides();
  try {
    await withRetry(
      async () => {
        const [outcome] = await deps.events.publish([event]);
        if (outcome?.status !== 'published') {
          throw new IntegrationError(
            `The alert event could not be published: ${outcome?.errorMessage ?? 'no outcome'}`,
            {
              code: outcome?.errorCode ?? 'NoOutcome',
              category: outcome?.retryable === false ? 'permanent' : 'transient',
              source: `bus:${ERRORS_EVENT_SOURCE}`,
              timestamp: nowMs(deps.clock),
            },
          );
        }
      },
      {
        source: `bus:${ERRORS_EVENT_SOURCE}`,
        policies: (error) => resolvePolicy(overrides, error),
        clock: deps.clock,
        deadline: deps.clock.now().getTime() + ALERT_PUBLISH_BUDGET_MS,
      },
    );
    return true;
  } catch {
    // The alert stays `pending`: the counter shows it, and the next error after the takeover delay republishes it.
    return false;
  }
}

function toOutcome(key: CounterKey, mark: AlertMark): Omit<AlertOutcome, 'raisedNow'> {
  return {
    eventId: mark.eventId,
    window: key.window,
    windowStart: key.windowStart,
    threshold: mark.threshold,
    state: mark.state,
  };
}
