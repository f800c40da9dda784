import * as z from 'zod';
import type { Owner } from '../auth/owner';
import { type ErrorPolicy, ErrorPolicySchema, MAX_POLICY_RETRIES } from '../resilience/policy';
import { EventTypeSchema, type IntegrationEvent } from './integration-event';
import { tenantCondition } from './tenancy';
import type { SealedSecret } from './webhook-secret';

/**
 * A subscription id: it becomes part of the EventBridge rule name (`<prefix><id>`, rule names are
 * at most 64 characters of `. - _` letters and digits, PutRule), so at most 40 characters.
 */
export const SubscriptionIdSchema = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'must start with a letter or digit and hold letters, digits, "_" or "-"');

/** What a subscription delivers in when it names no `deliveryFormat` (and what subscriptions stored before formats deliver). */
export const DEFAULT_DELIVERY_FORMAT = 'application/json';

/** How long the dispatcher waits for a subscriber's answer, milliseconds: at most 30 s. */
export const MAX_DELIVERY_TIMEOUT_MS = 30_000;

/** The retry schedule of a subscription; what it leaves out comes from the error policies. */
const RetryPolicySchema = z
  .object({
    backoffStrategy: ErrorPolicySchema.shape.backoffStrategy,
    initialDelayMs: ErrorPolicySchema.shape.initialDelayMs,
    maxDelayMs: ErrorPolicySchema.shape.maxDelayMs,
    jitter: ErrorPolicySchema.shape.jitter.optional(),
  })
  .strict()
  .refine((p) => p.maxDelayMs >= p.initialDelayMs, {
    path: ['maxDelayMs'],
    message: 'must be at least initialDelayMs',
  });

/**
 * `POST /v1/subscriptions`: the seed's Subscription with a webhook target. The filter is an
 * EventBridge event pattern applied to the event's `payload` (validated separately, with
 * EventBridge's reasons).
 */
export const SubscriptionInputSchema = z
  .object({
    id: SubscriptionIdSchema.optional(),
    eventType: EventTypeSchema,
    filter: z.record(z.string(), z.unknown()).optional().meta({
      description:
        'EventBridge event pattern matched against the event payload, e.g. {"amount":[{"numeric":[">",100]}]}',
    }),
    target: z
      .object({
        type: z.literal('webhook'),
        url: z.string().max(2048),
        secret: z
          .string()
          .regex(/^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/, 'must be whsec_ followed by base64 of 24–64 bytes')
          .optional()
          .meta({ description: 'Standard Webhooks secret; generated (and returned once) when absent' }),
      })
      .strict(),
    maxRetries: z.number().int().min(0).max(MAX_POLICY_RETRIES).optional().meta({
      description: 'Delivery retries after the first attempt; default: the transient error policy',
    }),
    retryPolicy: RetryPolicySchema.optional(),
    timeoutMs: z.number().int().min(100).max(MAX_DELIVERY_TIMEOUT_MS).default(10_000),
    priority: z.number().int().min(0).max(1000).default(0).meta({
      description: 'Locally, higher priorities are delivered first; EventBridge gives no ordering guarantee',
    }),
    deliveryFormat: z.string().max(127).optional().meta({
      description:
        'Media type the webhook body is encoded in: application/json (default), application/msgpack or application/cbor (the formats every route speaks); the signature covers the exact bytes sent',
    }),
  })
  .strict();

/** A validated subscription request. */
export type SubscriptionInput = z.output<typeof SubscriptionInputSchema>;

/** A stored subscription. */
export type Subscription = {
  id: string;
  eventType: string;
  filter?: Record<string, unknown>;
  /**
   * The webhook and its signing secrets, sealed (`SecretCipher`), newest first: one, or two during
   * a rotation's overlap window (the previous one carries `expiresAt`).
   */
  target: { type: 'webhook'; url: string; secrets: SealedSecret[] };
  maxRetries: number;
  retryPolicy: Pick<ErrorPolicy, 'backoffStrategy' | 'initialDelayMs' | 'maxDelayMs' | 'jitter'>;
  timeoutMs: number;
  priority: number;
  /**
   * The media type deliveries are encoded in (canonical, e.g. `application/msgpack`); subscriptions
   * stored before formats — and subscriptions without one — deliver {@link DEFAULT_DELIVERY_FORMAT}.
   * Set on every subscription created or read through the repository.
   */
  deliveryFormat?: string;
  /** `provisioning` while its EventBridge rule is being created, then `active`. */
  status: 'provisioning' | 'active';
  /** The EventBridge rule (AWS mode). */
  ruleArn?: string;
  createdAt: string;
  /**
   * Who created it: the subscription receives its tenant's events only, other tenants never see
   * it, and its delivery failures are counted under its tenant.
   */
  owner: Owner;
};

/** How a subscription is found: ids are unique within a tenant, not across tenants. */
export type SubscriptionKey = { readonly tenant: string; readonly id: string };

/**
 * The EventBridge event pattern of a subscription's rule: the event type as `detail-type`, the
 * filter applied to the envelope's payload (`detail.payload`, since the whole envelope is the
 * entry's `Detail`), ANDed with the owner's tenant (`detail.metadata["aif-tenant"]`, see
 * `tenantCondition`). The filter can only reach `detail.payload`, so no filter — `{}` included —
 * makes a rule match another tenant's events.
 *
 * @example rulePattern({ eventType: 'order.created', filter: { total: [{ numeric: ['>', 100] }] }, owner: { tenant: 'acme', principal: 'p' } })
 * // { 'detail-type': ['order.created'], detail: { payload: { total: [{ numeric: ['>', 100] }] }, metadata: { 'aif-tenant': ['acme'] } } }
 */
export function rulePattern(
  subscription: Pick<Subscription, 'eventType' | 'filter' | 'owner'>,
): Record<string, unknown> {
  return {
    'detail-type': [subscription.eventType],
    detail: {
      ...(subscription.filter && { payload: subscription.filter }),
      ...tenantCondition(subscription.owner.tenant),
    },
  };
}

/** The key of a stored subscription. */
export const subscriptionKey = (subscription: Pick<Subscription, 'id' | 'owner'>): SubscriptionKey => ({
  tenant: subscription.owner.tenant,
  id: subscription.id,
});

/**
 * The event as EventBridge delivers it to rules (the shape patterns are matched against), for the
 * in-process bus.
 *
 * @example toEventBridgeEvent(event)['detail-type'] === event.type
 */
export function toEventBridgeEvent(
  event: IntegrationEvent,
  where: { account: string; region: string } = { account: '000000000000', region: 'local' },
): Record<string, unknown> {
  return {
    version: '0',
    id: event.id,
    'detail-type': event.type,
    source: event.source,
    account: where.account,
    time: new Date(event.timestamp).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: where.region,
    resources: [],
    detail: event,
  };
}
