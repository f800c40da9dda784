/**
 * The quotas a tenant (or the whole deployment) is held to; each value comes from a `QUOTA_*`
 * setting (`shared/config.ts`), except `subscriptionRulesPerBus` (`SUBSCRIPTION_RULES_LIMIT`).
 */
export type QuotaName =
  | 'instancesPerTenant'
  | 'instancesPerService'
  | 'instanceMetadataBytes'
  | 'subscriptionsPerTenant'
  | 'routingRulesPerTenant'
  | 'subscriptionRulesPerBus';

/** The value of every quota: counts, and bytes for `instanceMetadataBytes`. */
export type QuotaLimits = Readonly<Record<QuotaName, number>>;

/**
 * One counted slot: what is counted (`quota`), within which scope — a tenant, a tenant's service,
 * or the whole deployment (`scope: 'global'`) — and up to which count.
 */
export type QuotaSlot = {
  readonly quota: QuotaName;
  readonly scope: { readonly tenant: string; readonly service?: string } | 'global';
  readonly limit: number;
};

/** The quota values a deployment has without settings (also the `QUOTA_*` defaults). */
export const DEFAULT_QUOTA_LIMITS: QuotaLimits = {
  instancesPerTenant: 500,
  instancesPerService: 100,
  instanceMetadataBytes: 8192,
  subscriptionsPerTenant: 100,
  routingRulesPerTenant: 200,
  // EventBridge allows 300 rules per event bus by default (adjustable); 20 stay free for operators.
  subscriptionRulesPerBus: 280,
};

/** What the quota on EventBridge rules protects, in words for the 503's detail. */
export const EVENTBRIDGE_RULES_QUOTA = 'EventBridge allows 300 rules per event bus by default';

/**
 * The size an instance's metadata is counted at: the UTF-8 bytes of its JSON text.
 *
 * @example metadataBytes({ zone: 'a' }) // 12
 */
export function metadataBytes(metadata: Readonly<Record<string, string>>): number {
  return Buffer.byteLength(JSON.stringify(metadata), 'utf8');
}
