import { randomBytes, randomUUID } from 'node:crypto';
import type * as z from 'zod';
import type { Owner } from '../domain/auth/owner';
import { canonicalJson } from '../domain/canonical-json';
import { ConflictError, type FieldProblem, issueProblems, NotFoundError, ValidationError } from '../domain/errors';
import { validateEventPattern } from '../domain/events/event-pattern';
import {
  DEFAULT_DELIVERY_FORMAT,
  rulePattern,
  type Subscription,
  SubscriptionInputSchema,
  type SubscriptionKey,
  subscriptionKey,
} from '../domain/events/subscription';
import {
  describeSecret,
  encryptionContextOf,
  RotateSecretInputSchema,
  rotatedSecrets,
  type SealedSecret,
  type SecretHint,
  secretHints,
} from '../domain/events/webhook-secret';
import { checkTargetUrl, type OutboundAddressRules } from '../domain/net/outbound-address-rules';
import type { QuotaLimits, QuotaSlot } from '../domain/quotas/quota';
import { resolvePolicy } from '../domain/resilience/policy';
import type { WriteOutcome } from '../domain/write-outcome';
import type { Clock } from '../ports/clock';
import type { Page, PageRequest } from '../ports/contract-repository';
import type { QuotaCounter } from '../ports/quota-counter';
import type { SecretCipher } from '../ports/secret-cipher';
import type { SubscriptionRepository, SubscriptionRules } from '../ports/subscriptions';
import type { WireFormats } from '../ports/wire-formats';
import type { ErrorPolicyCache } from './error-policy-cache';
import { acquireSlots, releaseSlots } from './quotas';

/** EventBridge's limit on a rule's event pattern, characters (PutRule EventPattern: 4096). */
export const MAX_EVENT_PATTERN_CHARS = 4096;

/** What subscription management needs. */
export type SubscriptionDeps = {
  subscriptions: SubscriptionRepository;
  rules: SubscriptionRules;
  policyCache: ErrorPolicyCache;
  clock: Clock;
  /** Which webhook hosts are allowed (SSRF protection; local mode allows loopback). */
  outboundRules: OutboundAddressRules;
  /** The delivery table's quota counters: subscriptions per tenant, subscription rules on the bus. */
  quotas: QuotaCounter;
  limits: QuotaLimits;
  /** Seals new signing secrets (the events function may encrypt, never decrypt). */
  cipher: Pick<SecretCipher, 'encrypt'>;
  /** How long a rotated-out secret keeps signing when the request names no overlap, seconds. */
  rotationOverlapSeconds: number;
  /** The formats a subscription may deliver in (`deliveryFormat`): JSON, MessagePack, CBOR (`deliveryFormats`). */
  formats: Pick<WireFormats, 'mediaTypes' | 'formatOf'>;
};

/**
 * The slots a subscription holds while it exists: one of its tenant's `subscriptionsPerTenant`,
 * and one of the deployment's `subscriptionRulesPerBus` — its EventBridge rule (EventBridge allows
 * 300 rules per event bus by default), counted across tenants so the bus's quota is never hit.
 */
export function subscriptionSlots(limits: QuotaLimits, tenant: string): QuotaSlot[] {
  return [
    { quota: 'subscriptionsPerTenant', scope: { tenant }, limit: limits.subscriptionsPerTenant },
    { quota: 'subscriptionRulesPerBus', scope: 'global', limit: limits.subscriptionRulesPerBus },
  ];
}

/**
 * A subscription as the API shows it: the secret itself only in the answer that made it (create,
 * rotate); otherwise, and beside it, the hints of the stored secrets (last 4 characters, times).
 */
export type SubscriptionView = Omit<Subscription, 'target' | 'deliveryFormat'> & {
  /** Always shown: {@link DEFAULT_DELIVERY_FORMAT} for subscriptions stored before formats. */
  deliveryFormat: string;
  target: { type: 'webhook'; url: string; secret?: string; secrets: SecretHint[] };
};

/**
 * Creates a subscription (`POST /v1/subscriptions`): validates it (the filter as an EventBridge
 * pattern, with EventBridge's reasons; the rule's whole pattern within 4096 characters; the
 * webhook URL against the SSRF policy), stores it with one conditional write, then creates its
 * rule (EventBridge rule → delivery queue in AWS, the in-process subscription rules locally) and marks it
 * active. Omitted retry settings come from the `transient` error policy; an omitted secret is
 * generated and returned once. Creating the same id again with the same settings answers the
 * stored subscription (idempotent); other settings are a conflict. The subscription belongs to
 * `owner`'s tenant: its ids are the tenant's own (another tenant may use the same id), and its rule
 * matches only events published for that tenant.
 *
 * @param body - the request body, unvalidated
 * @param owner - the creator (`ownerOf(caller)`), recorded as the subscription's owner
 * @returns the subscription and the outcome: `created` now, or `unchanged` (the same settings were stored)
 * @throws {ValidationError} naming every problem of the body, the filter and the URL
 * @throws {ConflictError} when the id holds a different subscription
 * @throws {QuotaExceededError} 409 when the tenant holds `subscriptionsPerTenant` subscriptions
 * @throws {ServiceQuotaExceededError} 503 when the bus holds `subscriptionRulesPerBus` subscription
 *   rules (refused before EventBridge's own quota of 300 rules per bus is reached)
 * @throws {DependencyUnavailableError} when storage or EventBridge is unavailable (nothing is left half-made)
 */
export async function createSubscription(
  deps: SubscriptionDeps,
  body: unknown,
  owner: Owner,
): Promise<{ outcome: Extract<WriteOutcome, 'created' | 'unchanged'>; subscription: SubscriptionView }> {
  const input = parsedSubscription(deps, body, owner);
  const transient = resolvePolicy(await deps.policyCache.overrides(), {
    code: 'DELIVERY',
    category: 'transient',
  }).policy;
  const id = input.id ?? `sub-${randomUUID()}`;
  const secret = input.target.secret ?? generateSecret();
  const subscription: Subscription = {
    id,
    eventType: input.eventType,
    ...(input.filter && { filter: input.filter }),
    target: {
      type: 'webhook',
      url: input.target.url,
      secrets: [await sealSecret(deps, { tenant: owner.tenant, id }, secret)],
    },
    maxRetries: input.maxRetries ?? transient.maxRetries,
    retryPolicy: {
      backoffStrategy: input.retryPolicy?.backoffStrategy ?? transient.backoffStrategy,
      initialDelayMs: input.retryPolicy?.initialDelayMs ?? transient.initialDelayMs,
      maxDelayMs: input.retryPolicy?.maxDelayMs ?? transient.maxDelayMs,
      jitter: input.retryPolicy?.jitter ?? transient.jitter,
    },
    timeoutMs: input.timeoutMs,
    priority: input.priority,
    deliveryFormat: input.deliveryFormat ?? DEFAULT_DELIVERY_FORMAT,
    status: 'provisioning',
    createdAt: deps.clock.now().toISOString(),
    owner: { tenant: owner.tenant, principal: owner.principal },
  };

  // A repeat of a stored id is answered without taking slots (idempotent even at the quota).
  const repeated = input.id === undefined ? undefined : await deps.subscriptions.get(subscriptionKey(subscription));
  if (repeated) return answerRepeat(deps, repeated, subscription, input.target.secret !== undefined);
  const slots = subscriptionSlots(deps.limits, owner.tenant);
  await acquireSlots(deps.quotas, slots);
  let stored: Awaited<ReturnType<SubscriptionRepository['create']>>;
  try {
    stored = await deps.subscriptions.create(subscription);
  } catch (error) {
    await releaseSlots(deps.quotas, slots).catch(() => undefined);
    throw error;
  }
  if (!stored.created) {
    await releaseSlots(deps.quotas, slots);
    return answerRepeat(deps, stored.existing, subscription, input.target.secret !== undefined);
  }
  try {
    return { outcome: 'created', subscription: view(await provision(deps, subscription), secret) };
  } catch (error) {
    // Leave nothing half-made: no rule without a record, no record without a rule, no slot held.
    await deps.rules.remove(subscriptionKey(subscription)).catch(() => undefined);
    if (await deps.subscriptions.delete(subscriptionKey(subscription))) await releaseSlots(deps.quotas, slots);
    throw error;
  }
}

/**
 * The subscription a create request asks for, checked whole: the schema, the filter as an
 * EventBridge pattern (and the rule's whole pattern within EventBridge's limit), the target URL by
 * the outbound rules.
 *
 * @throws {ValidationError} naming every problem with its JSON pointer (422)
 */
function parsedSubscription(
  deps: Pick<SubscriptionDeps, 'outboundRules' | 'formats'>,
  body: unknown,
  owner: Owner,
): z.infer<typeof SubscriptionInputSchema> {
  const parsed = SubscriptionInputSchema.safeParse(body);
  const problems: FieldProblem[] = parsed.success ? [] : issueProblems(parsed.error.issues);
  const raw = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (raw.filter !== undefined && typeof raw.filter === 'object' && raw.filter !== null && !Array.isArray(raw.filter)) {
    const filter = validateEventPattern(raw.filter);
    if (!filter.valid) problems.push({ pointer: '/filter', message: filter.reason, keyword: 'eventPattern' });
    else if (typeof raw.eventType === 'string') {
      const whole = JSON.stringify(
        rulePattern({ eventType: raw.eventType, filter: raw.filter as Record<string, unknown>, owner }),
      );
      if (whole.length > MAX_EVENT_PATTERN_CHARS) {
        problems.push({
          pointer: '/filter',
          message: `the rule's event pattern would be ${whole.length} characters; EventBridge allows ${MAX_EVENT_PATTERN_CHARS}`,
          keyword: 'maxLength',
        });
      }
    }
  }
  const target = raw.target as { url?: unknown } | undefined;
  if (typeof target?.url === 'string') {
    const checked = checkTargetUrl(target.url, deps.outboundRules);
    if (!checked.ok) problems.push({ pointer: '/target/url', message: checked.reason, keyword: 'ssrf' });
  }
  const format = deliveryFormatOf(deps.formats, raw.deliveryFormat);
  if (!format.ok) problems.push(format.problem);
  if (!parsed.success || problems.length > 0) {
    throw new ValidationError(`The subscription has ${problems.length} problem(s)`, problems);
  }
  return { ...parsed.data, ...(format.ok && format.mediaType !== undefined && { deliveryFormat: format.mediaType }) };
}

/**
 * A requested `deliveryFormat` as stored: the canonical media type of one of the formats (aliases
 * such as `application/x-msgpack` read as theirs, case ignored), or a problem naming the ones there are.
 */
function deliveryFormatOf(
  formats: SubscriptionDeps['formats'],
  requested: unknown,
): { ok: true; mediaType?: string } | { ok: false; problem: FieldProblem } {
  if (requested === undefined || typeof requested !== 'string') return { ok: true };
  const type = requested.trim().toLowerCase();
  const canonical = formats.mediaTypes.includes(type) ? formats.formatOf(type) : undefined;
  if (canonical !== undefined) return { ok: true, mediaType: canonical };
  const supported = [...new Set(formats.mediaTypes.map((t) => formats.formatOf(t) ?? t))];
  return {
    ok: false,
    problem: { pointer: '/deliveryFormat', message: `must be one of ${supported.join(', ')}`, keyword: 'enum' },
  };
}

/** A create of a stored id: the stored subscription when the settings are the same, else a conflict. */
async function answerRepeat(
  deps: SubscriptionDeps,
  existing: Subscription,
  subscription: Subscription,
  secretGiven: boolean,
): Promise<{ outcome: 'unchanged'; subscription: SubscriptionView }> {
  if (sameSettings(existing, subscription, secretGiven)) {
    if (existing.status === 'active') return { outcome: 'unchanged', subscription: view(existing) };
    // A creation that stopped between its writes: finish it.
    return { outcome: 'unchanged', subscription: view(await provision(deps, existing)) };
  }
  throw new ConflictError(`The subscription ${subscription.id} exists with other settings; delete it first`, [
    { pointer: '/id', message: 'is taken by a different subscription' },
  ]);
}

async function provision(deps: SubscriptionDeps, subscription: Subscription): Promise<Subscription> {
  const { ruleArn } = await deps.rules.put(subscription);
  const active = await deps.subscriptions.activate(subscriptionKey(subscription), ruleArn);
  if (!active) throw new NotFoundError(`The subscription ${subscription.id} was deleted while it was being created`);
  return active;
}

/**
 * Whether a repeated create asks for what is stored. Sealed secrets differ on every encryption, so a
 * given secret is compared by digest with the newest stored one; an omitted one matches any.
 */
function sameSettings(a: Subscription, b: Subscription, secretGiven: boolean): boolean {
  const comparable = (s: Subscription, keepSecret: boolean) => ({
    ...s,
    target: { ...s.target, secrets: keepSecret ? (s.target.secrets[0]?.digest ?? '') : '' },
    status: '',
    createdAt: '',
    ruleArn: '',
    // The tenant is the key's; which of its principals created it is no setting.
    owner: { tenant: '', principal: '' },
  });
  return canonicalJson(comparable(a, secretGiven)) === canonicalJson(comparable(b, secretGiven));
}

/** A Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
function generateSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Seals a secret for the subscription `key` names: the ciphertext and what may be shown of it. */
async function sealSecret(
  deps: Pick<SubscriptionDeps, 'cipher' | 'clock'>,
  key: SubscriptionKey,
  secret: string,
): Promise<SealedSecret> {
  return {
    sealed: await deps.cipher.encrypt(secret, encryptionContextOf(key)),
    ...describeSecret(secret, deps.clock.now()),
  };
}

/** The API's view: hints always, the plain secret only when `secret` (just made) is given. */
function view(subscription: Subscription, secret?: string): SubscriptionView {
  return {
    ...subscription,
    deliveryFormat: subscription.deliveryFormat ?? DEFAULT_DELIVERY_FORMAT,
    target: {
      type: 'webhook',
      url: subscription.target.url,
      ...(secret !== undefined && { secret }),
      secrets: secretHints(subscription.target.secrets),
    },
  };
}

/**
 * One page of the tenant's subscriptions in id order (secrets hidden).
 *
 * @throws {MalformedInputError} 400 for a cursor not issued for this tenant's subscriptions
 */
export async function listSubscriptions(
  deps: Pick<SubscriptionDeps, 'subscriptions'>,
  tenant: string,
  page: PageRequest,
): Promise<Page<SubscriptionView>> {
  const found = await deps.subscriptions.page(tenant, page);
  return { items: found.items.map((s) => view(s)), ...(found.nextCursor && { nextCursor: found.nextCursor }) };
}

/**
 * One of the tenant's subscriptions (secret hidden).
 *
 * @throws {NotFoundError} when the tenant has none of that id (another tenant's is not found either)
 */
export async function getSubscription(
  deps: Pick<SubscriptionDeps, 'subscriptions'>,
  tenant: string,
  id: string,
): Promise<SubscriptionView> {
  const found = await deps.subscriptions.get({ tenant, id });
  if (!found) throw new NotFoundError(`No subscription ${id}`);
  return view(found);
}

/**
 * Deletes one of the tenant's subscriptions: its rule's targets, then its rule, then the record —
 * so no event is routed to a subscription that no longer exists. Deliveries already queued become
 * dead letters (reason `subscription-not-found`) rather than vanish.
 *
 * @throws {NotFoundError} when the tenant has none of that id (another tenant's is left alone)
 */
export async function deleteSubscription(
  deps: Pick<SubscriptionDeps, 'subscriptions' | 'rules' | 'quotas' | 'limits'>,
  tenant: string,
  id: string,
): Promise<void> {
  const key = { tenant, id };
  if (!(await deps.subscriptions.get(key))) throw new NotFoundError(`No subscription ${id}`);
  await deps.rules.remove(key);
  if (!(await deps.subscriptions.delete(key))) throw new NotFoundError(`No subscription ${id}`);
  await releaseSlots(deps.quotas, subscriptionSlots(deps.limits, tenant));
}

/**
 * Rotates a subscription's signing secret (`POST /v1/subscriptions/{id}/rotate-secret`): a new
 * secret is generated, sealed and stored first; the current one keeps signing beside it for
 * `overlapSeconds` (default `rotationOverlapSeconds`) — deliveries carry both `v1,` signatures
 * then, as Standard Webhooks allows several in `webhook-signature` — and stops after. The store is
 * one conditional write on the newest secret read, so of two racing rotations one wins and the
 * other is a conflict (no rotation is lost silently).
 *
 * @param body - the request body, unvalidated (`{ overlapSeconds? }`; absent is `{}`)
 * @returns the subscription, showing the new secret this once
 * @throws {ValidationError} naming every problem of the body
 * @throws {NotFoundError} when the tenant has no subscription of that id
 * @throws {ConflictError} when another rotation stored its secret between the read and the write
 * @throws {DependencyUnavailableError} when storage or the key service is unavailable
 */
export async function rotateSubscriptionSecret(
  deps: Pick<SubscriptionDeps, 'subscriptions' | 'cipher' | 'clock' | 'rotationOverlapSeconds'>,
  tenant: string,
  id: string,
  body: unknown,
): Promise<SubscriptionView> {
  const parsed = RotateSecretInputSchema.safeParse(body ?? {});
  if (!parsed.success) {
    const problems = issueProblems(parsed.error.issues);
    throw new ValidationError(`The rotation has ${problems.length} problem(s)`, problems);
  }
  const key = { tenant, id };
  const found = await deps.subscriptions.get(key);
  if (!found) throw new NotFoundError(`No subscription ${id}`);
  const secret = generateSecret();
  const next = rotatedSecrets(
    found.target.secrets,
    await sealSecret(deps, key, secret),
    deps.clock.now(),
    parsed.data.overlapSeconds ?? deps.rotationOverlapSeconds,
  );
  const stored = await deps.subscriptions.replaceSecrets(key, found.target.secrets[0]?.sealed, next);
  if (stored === 'not-found') throw new NotFoundError(`No subscription ${id}`);
  if (stored === 'changed') {
    throw new ConflictError(`The secret of ${id} was rotated concurrently; read it and rotate again if needed`);
  }
  return view(stored, secret);
}
