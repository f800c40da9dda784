import { randomUUID } from 'node:crypto';
import {
  admit,
  type BreakerConfig,
  type BreakerState,
  type BreakerStateName,
  initialBreakerState,
} from '../domain/mesh/circuit-breaker';
import type { ServiceInstance } from '../domain/mesh/service-instance';
import { pickWeighted } from '../domain/mesh/weighted-selection';
import type { BreakerConfigRepository, BreakerStore } from '../ports/service-mesh';
import { TtlCache, tenantKey } from './ttl-cache';

/** The settings of one call's target service: loaded once per call, when a breaker first needs them. */
export type ServiceSettings = { tenant: string; service: string; loaded: BreakerConfig | undefined };

/** What the breaker gate needs (the router's dependencies of the same names). */
export type BreakerGateDeps = {
  breakers: BreakerStore;
  /** Per-service breaker settings; services without any use `breakerConfig`. */
  breakerConfigs?: Pick<BreakerConfigRepository, 'getConfig'>;
  breakerConfig: BreakerConfig;
  /** How long breaker states and settings are trusted per Lambda instance, milliseconds. */
  cacheTtlMs: number;
  random?: () => number;
  /**
   * Told of every breaker transition this instance wrote (a state change won by its compare-and-set;
   * not the changes other instances made): the mesh function counts them as the
   * `BreakerTransitions` metric.
   */
  onTransition?: (change: { tenant: string; instanceId: string; from: BreakerStateName; to: BreakerStateName }) => void;
};

/**
 * The mesh router's circuit breakers, one per (tenant, instance), shared by every Lambda instance
 * through the BreakerStore: admission (closed / open / half-open, with a permit per half-open
 * trial) and transitions, each one compare-and-set on the stored state's version, re-read on a
 * lost race. States and settings are cached per Lambda instance for `cacheTtlMs`.
 */
export class BreakerGate {
  private readonly states: TtlCache<BreakerState>;
  private readonly configs: TtlCache<BreakerConfig>;

  /** @param nowMs - the clock, epoch milliseconds */
  constructor(
    private readonly deps: BreakerGateDeps,
    nowMs: () => number,
  ) {
    this.states = new TtlCache(deps.cacheTtlMs, nowMs);
    this.configs = new TtlCache(deps.cacheTtlMs, nowMs);
  }

  /** Picks a candidate whose breaker admits the call; refused ones are remembered for this call. */
  async admitOne(
    candidates: ReadonlyArray<{ instance: ServiceInstance; weight: number }>,
    tried: ReadonlySet<string>,
    refused: Set<string>,
    now: number,
    settings: ServiceSettings,
  ): Promise<{ instance: ServiceInstance; permitId: string } | undefined> {
    const random = this.deps.random ?? Math.random;
    for (;;) {
      const open = candidates.filter((c) => !refused.has(c.instance.id));
      const fresh = open.filter((c) => !tried.has(c.instance.id));
      const pool = fresh.length > 0 ? fresh : open;
      const picked = pickWeighted(pool, (c) => c.weight, random);
      if (!picked) return undefined;
      const permitId = randomUUID();
      let allowed = false;
      await this.transition(picked.instance.id, settings, (state, config) => {
        const decision = admit(state, config, now, permitId);
        allowed = decision.allowed;
        return decision.next;
      });
      if (allowed) return { instance: picked.instance, permitId };
      refused.add(picked.instance.id);
    }
  }

  /** Applies a breaker transition with compare-and-set, re-reading on a lost race. */
  async transition(
    instanceId: string,
    settings: ServiceSettings,
    next: (state: BreakerState, config: BreakerConfig) => BreakerState | undefined,
    /** The settings matter even on a quiet breaker (a failure counts toward the service's threshold). */
    needsSettings = false,
  ): Promise<void> {
    const { tenant } = settings;
    const key = tenantKey(tenant, instanceId);
    let state = await this.states.get(key, () => this.loadBreaker(tenant, instanceId));
    // Each lost race means another caller moved the breaker on; recompute from its state. Bounded so a
    // pathological storm cannot hold a request, far above what 50 concurrent failures need.
    for (let tries = 0; tries < 64; tries++) {
      const quiet = !needsSettings && state.state === 'closed' && state.failureCount === 0;
      const candidate = next(state, quiet ? this.deps.breakerConfig : await this.settingsFor(settings));
      if (!candidate) return;
      if (await this.deps.breakers.compareAndSet(tenant, candidate, state.version)) {
        this.states.set(key, candidate);
        if (candidate.state !== state.state) {
          this.deps.onTransition?.({ tenant, instanceId, from: state.state, to: candidate.state });
        }
        return;
      }
      state = await this.loadBreaker(tenant, instanceId);
      this.states.set(key, state);
    }
  }

  private async loadBreaker(tenant: string, instanceId: string): Promise<BreakerState> {
    return (await this.deps.breakers.get(tenant, instanceId)) ?? initialBreakerState(instanceId);
  }

  /** The call's service settings (stored, else the deployment's), loaded once per call when first needed. */
  async settingsFor(settings: ServiceSettings): Promise<BreakerConfig> {
    const { tenant, service } = settings;
    settings.loaded ??= await this.configs.get(
      tenantKey(tenant, service),
      async () => (await this.deps.breakerConfigs?.getConfig(tenant, service))?.config ?? this.deps.breakerConfig,
    );
    return settings.loaded;
  }
}
