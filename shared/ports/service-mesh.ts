import type { ExpectedRevision } from '../domain/expected-revision';
import type { BreakerConfig, BreakerState } from '../domain/mesh/circuit-breaker';
import type { RoutingRule } from '../domain/mesh/routing-rule';
import type { InstanceStatus, ServiceInstance } from '../domain/mesh/service-instance';

/**
 * Storage of service instances. Implementations throw `DependencyUnavailableError` when storage
 * throttles or is unreachable, and `RevisionMismatchError` when an expected revision does not hold.
 */
export interface ServiceRegistry {
  /**
   * Registers or re-registers (heartbeat) an instance in one conditional write, only if
   * `expected` holds for what is stored.
   */
  register(
    instance: Omit<ServiceInstance, 'revision' | 'registeredAt' | 'lastHeartbeatAt'>,
    now: string,
    expected?: ExpectedRevision,
  ): Promise<{ instance: ServiceInstance; created: boolean }>;
  get(id: string): Promise<ServiceInstance | undefined>;
  /** Every instance of a service. */
  listByName(name: string): Promise<ServiceInstance[]>;
  /** Every instance. */
  list(): Promise<ServiceInstance[]>;
  /**
   * Removes an instance, only if `expected` holds for it.
   *
   * @returns false when there was none
   * @throws {RevisionMismatchError} when the revision does not hold
   */
  deregister(id: string, expected?: ExpectedRevision): Promise<boolean>;
  /**
   * Records a health check result in one write.
   *
   * @returns the status before (to detect changes)
   */
  recordHealth(id: string, check: NonNullable<ServiceInstance['lastHealthCheck']>): Promise<InstanceStatus | undefined>;
}

/** Storage of routing rules (same error contract as ServiceRegistry). */
export interface RoutingRuleRepository {
  put(rule: RoutingRule): Promise<{ created: boolean }>;
  get(id: string): Promise<RoutingRule | undefined>;
  list(): Promise<RoutingRule[]>;
  delete(id: string): Promise<boolean>;
}

/**
 * Shared circuit-breaker state, one item per instance. Every transition is one conditional write on
 * `version`: a lost race is answered `false`, and the caller re-reads — never overwrites.
 */
export interface BreakerStore {
  /** The stored state (strongly consistent), or undefined when none was ever written. */
  get(instanceId: string): Promise<BreakerState | undefined>;
  /**
   * Writes `next` only if the stored version is `expectedVersion` (0: nothing stored yet).
   *
   * @returns true when written
   */
  compareAndSet(next: BreakerState, expectedVersion: number): Promise<boolean>;
  list(): Promise<BreakerState[]>;
}

/** Per-service circuit-breaker settings (same error contract as ServiceRegistry). */
export interface BreakerConfigRepository {
  /** The service's stored settings, or undefined (the deployment's defaults apply). */
  getConfig(service: string): Promise<BreakerConfig | undefined>;
  /** Stores (replaces) the service's settings in one write. */
  putConfig(service: string, config: BreakerConfig): Promise<void>;
}
