import type { Owner } from '../domain/auth/owner';
import type { ExpectedRevision } from '../domain/expected-revision';
import type { BreakerConfig, BreakerState } from '../domain/mesh/circuit-breaker';
import type { RoutingRule } from '../domain/mesh/routing-rule';
import type { InstanceStatus, ServiceInstance } from '../domain/mesh/service-instance';
import type { Page, PageRequest } from './contract-repository';

/**
 * Service names, shared by every tenant: the first tenant to register an instance, a routing rule
 * or breaker settings for a name claims it. Implementations throw `DependencyUnavailableError`
 * when storage throttles or is unreachable.
 */
export interface ServiceClaims {
  /**
   * Claims `name` for `owner.tenant` in one conditional write: absent → claimed; claimed by the
   * same tenant → nothing changes (idempotent).
   *
   * @returns whether this call made the claim
   * @throws {NotOwnerError} when another tenant holds the name
   */
  claim(name: string, owner: Owner, now: string): Promise<{ claimed: boolean }>;
  /** Who holds the name (the first claimant), or undefined when nobody does. */
  ownerOf(name: string): Promise<Owner | undefined>;
}

/** Who asks to deregister an instance: its tenant, and its principal unless it may act for the whole tenant. */
export type Deregistrant = { tenant: string; principal?: string };

/**
 * Storage of service instances. Instance ids are one namespace across tenants (each instance has
 * one circuit breaker and one health record under its id). Implementations throw
 * `DependencyUnavailableError` when storage throttles or is unreachable, and
 * `RevisionMismatchError` when an expected revision does not hold.
 */
export interface ServiceRegistry {
  /**
   * Registers or re-registers (heartbeat) an instance in one conditional write: only if the id is
   * free or registered by `owner` (same tenant and principal), and `expected` holds.
   *
   * @throws {InstanceOwnedError} when another principal registered the id
   */
  register(
    instance: Omit<ServiceInstance, 'revision' | 'registeredAt' | 'lastHeartbeatAt' | 'owner'>,
    owner: Owner,
    now: string,
    expected?: ExpectedRevision,
  ): Promise<{ instance: ServiceInstance; created: boolean }>;
  /** One instance of any tenant (strongly consistent). */
  get(id: string): Promise<ServiceInstance | undefined>;
  /** Every instance of one tenant's service. */
  listByName(tenant: string, name: string): Promise<ServiceInstance[]>;
  /** Every instance of one tenant. */
  listByTenant(tenant: string): Promise<ServiceInstance[]>;
  /** Every instance of every tenant (the scheduled health checks). */
  list(): Promise<ServiceInstance[]>;
  /**
   * Removes an instance, only if `expected` holds for it and, with `by`, it is `by`'s (tenant, and
   * principal when given). Without `by` (the health checks) any instance may go.
   *
   * @returns false when there was none, or it is another tenant's
   * @throws {InstanceOwnedError} when it is another principal's of `by.tenant`
   * @throws {RevisionMismatchError} when the revision does not hold
   */
  deregister(id: string, expected?: ExpectedRevision, by?: Deregistrant): Promise<boolean>;
  /**
   * Removes an instance as `deregister` does, answering the removed instance (to give its quota
   * slots back).
   *
   * @returns the removed instance; undefined when there was none, or it is another tenant's
   */
  remove(id: string, expected?: ExpectedRevision, by?: Deregistrant): Promise<ServiceInstance | undefined>;
  /**
   * Records a health check result in one write.
   *
   * @returns the status before (to detect changes)
   */
  recordHealth(id: string, check: NonNullable<ServiceInstance['lastHealthCheck']>): Promise<InstanceStatus | undefined>;
}

/**
 * Pages of one tenant's instances (with `name`, of one of its services) in id order, for the
 * API's listings; each cursor is bound to its listing (a forged one is a MalformedInputError).
 */
export interface InstancePages {
  page(tenant: string, page: PageRequest, name?: string): Promise<Page<ServiceInstance>>;
}

/** Pages of one tenant's breakers in instance-id order (cursor bound to the tenant). */
export interface BreakerPages {
  page(tenant: string, page: PageRequest): Promise<Page<BreakerState>>;
}

/** A routing rule as stored: the rule and who wrote it. */
export type StoredRoutingRule = RoutingRule & { owner: Owner };

/**
 * Storage of routing rules, one namespace of rule ids per tenant (same error contract as
 * ServiceRegistry).
 */
export interface RoutingRuleRepository {
  /** Stores (replaces) `owner.tenant`'s rule with the rule's id. */
  put(rule: RoutingRule, owner: Owner): Promise<{ created: boolean }>;
  /**
   * Replaces `owner.tenant`'s rule with the rule's id only if one is stored (one conditional write).
   *
   * @returns false when the tenant has no rule under the id (nothing written)
   */
  replace(rule: RoutingRule, owner: Owner): Promise<boolean>;
  get(tenant: string, id: string): Promise<StoredRoutingRule | undefined>;
  list(tenant: string): Promise<StoredRoutingRule[]>;
  /** One page of the tenant's rules in id order (cursor bound to the tenant). */
  page(tenant: string, page: PageRequest): Promise<Page<StoredRoutingRule>>;
  delete(tenant: string, id: string): Promise<boolean>;
}

/**
 * Shared circuit-breaker state, one item per instance, kept per tenant (the tenant of the instance's
 * service). Every transition is one conditional write on `version`: a lost race is answered
 * `false`, and the caller re-reads — never overwrites.
 */
export interface BreakerStore {
  /** The stored state (strongly consistent), or undefined when none was ever written. */
  get(tenant: string, instanceId: string): Promise<BreakerState | undefined>;
  /**
   * Writes `next` only if the stored version is `expectedVersion` (0: nothing stored yet).
   *
   * @returns true when written
   */
  compareAndSet(tenant: string, next: BreakerState, expectedVersion: number): Promise<boolean>;
  /** Every breaker of the tenant. */
  list(tenant: string): Promise<BreakerState[]>;
}

/** A service's stored breaker settings and who stored them. */
export type StoredBreakerConfig = { config: BreakerConfig; owner: Owner };

/** Per-service circuit-breaker settings, kept per tenant (same error contract as ServiceRegistry). */
export interface BreakerConfigRepository {
  /** The tenant's stored settings for the service, or undefined (the deployment's defaults apply). */
  getConfig(tenant: string, service: string): Promise<StoredBreakerConfig | undefined>;
  /** Stores (replaces) `owner.tenant`'s settings for the service in one write. */
  putConfig(service: string, config: BreakerConfig, owner: Owner): Promise<void>;
}
