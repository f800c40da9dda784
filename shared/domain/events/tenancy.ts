import { createHash } from 'node:crypto';
import type { IntegrationEvent } from './integration-event';

/**
 * The metadata key that carries an event's tenant on the bus: `detail.metadata["aif-tenant"]` of
 * the EventBridge event (the envelope is the entry's `Detail`). The framework sets it — to the
 * publishing caller's tenant on `POST /v1/events`, to the concerned tenant on its own `aif.*`
 * events — and overwrites whatever a publisher sent under it, so no body can claim a tenant.
 * Every subscription rule requires it equal to the subscription's tenant ({@link tenantCondition}).
 */
export const TENANT_METADATA_KEY = 'aif-tenant';

/** The source of the framework's own events, and the prefix (`aif.`) of every one of them. */
export const RESERVED_SOURCE = 'aif';

/**
 * The event with its tenant set (a copy; `metadata[aif-tenant] = tenant`, replacing any value the
 * publisher gave).
 *
 * @example withTenant({ ...event, metadata: { 'aif-tenant': 'forged' } }, 'acme').metadata['aif-tenant'] // 'acme'
 */
export function withTenant(event: IntegrationEvent, tenant: string): IntegrationEvent {
  return { ...event, metadata: { ...event.metadata, [TENANT_METADATA_KEY]: tenant } };
}

/** The tenant an event travels for, if the framework set one ({@link withTenant}). */
export function tenantOf(event: Pick<IntegrationEvent, 'metadata'>): string | undefined {
  const tenant = event.metadata?.[TENANT_METADATA_KEY];
  return typeof tenant === 'string' && tenant.length > 0 ? tenant : undefined;
}

/**
 * Whether a `source` is the framework's: `aif` itself or anything under `aif.` (case-insensitive,
 * as `aws.` is refused: `AIF.errors` would read as the framework's to any consumer).
 *
 * @example isReservedSource('aif.errors') // true
 * @example isReservedSource('aifshop') // false
 */
export function isReservedSource(source: string): boolean {
  const lower = source.toLowerCase();
  return lower === RESERVED_SOURCE || lower.startsWith(`${RESERVED_SOURCE}.`);
}

/**
 * The part of an EventBridge event pattern that matches only `tenant`'s events, merged into the
 * `detail` of a rule's pattern. Pattern fields are ANDed, and subscribers' filters only ever reach
 * `detail.payload`, so a rule holding this matches no other tenant's events whatever its filter.
 *
 * @example tenantCondition('acme') // { metadata: { 'aif-tenant': ['acme'] } }
 */
export function tenantCondition(tenant: string): { metadata: Record<string, string[]> } {
  return { metadata: { [TENANT_METADATA_KEY]: [tenant] } };
}

/**
 * A name unique per tenant within EventBridge's account-wide namespace (rule names, replay names:
 * 1–64 of `. - _` letters and digits): `<prefix><readable part of name>-<16 hex digits of
 * SHA-256(tenant, name)>`. The digest keeps two tenants' equal names apart (64 bits: collisions
 * are out of reach), the readable part keeps the name recognisable in the console.
 *
 * @param prefix - e.g. a rule prefix `aif-dev-sub-` (at most 47 characters)
 * @param name - the tenant's own name (letters, digits, `. - _`)
 * @throws {RangeError} when the prefix leaves no room within 64 characters
 * @example physicalName('aif-dev-sub-', 'acme', 'orders') // 'aif-dev-sub-orders-1f0c…' (64 at most)
 */
export function physicalName(prefix: string, tenant: string, name: string, maxLength = 64): string {
  const digest = createHash('sha256').update(`${tenant}\n${name}`).digest('hex').slice(0, 16);
  const room = maxLength - prefix.length - digest.length - 1;
  if (room < 0) throw new RangeError(`The prefix ${prefix} leaves no room for a name within ${maxLength} characters`);
  return `${prefix}${name.slice(0, room)}-${digest}`;
}
