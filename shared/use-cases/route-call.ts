import { randomBytes, randomUUID } from 'node:crypto';
import { DependencyUnavailableError, UpstreamFailedError, UpstreamTimeoutError } from '../domain/errors';
import {
  admit,
  type BreakerConfig,
  type BreakerState,
  initialBreakerState,
  recordFailure,
  recordSuccess,
} from '../domain/mesh/circuit-breaker';
import { candidateWeights, selectRule, weightedRules } from '../domain/mesh/routing';
import { DEFAULT_RULE_TIMEOUT_MS, ROUTER_OWNED_HEADERS, type RoutingRule } from '../domain/mesh/routing-rule';
import type { ServiceInstance } from '../domain/mesh/service-instance';
import { pickWeighted } from '../domain/mesh/weighted-selection';
import { BLOCKED_TARGET_CODE, classifyError, RESPONSE_TOO_LARGE_CODE } from '../domain/resilience/classify';
import { decide } from '../domain/resilience/decide';
import { HttpStatusError } from '../domain/resilience/errors';
import type { IntegrationError } from '../domain/resilience/integration-error';
import { resolvePolicy } from '../domain/resilience/policy';
import type { Clock } from '../ports/clock';
import type { HttpClient, HttpResponse } from '../ports/http-client';
import type {
  BreakerConfigRepository,
  BreakerStore,
  RoutingRuleRepository,
  ServiceRegistry,
} from '../ports/service-mesh';
import type { ErrorPolicyCache } from './error-policy-cache';

/** What the router needs. */
export type RouterDeps = {
  registry: Pick<ServiceRegistry, 'listByName'>;
  rules: Pick<RoutingRuleRepository, 'list'>;
  breakers: BreakerStore;
  /** Per-service breaker settings; services without any use `breakerConfig`. */
  breakerConfigs?: Pick<BreakerConfigRepository, 'getConfig'>;
  http: HttpClient;
  policyCache: ErrorPolicyCache;
  clock: Clock;
  breakerConfig: BreakerConfig;
  /** How long registrations, rules and breaker states are trusted per Lambda instance, milliseconds. */
  cacheTtlMs: number;
  random?: () => number;
  /** Told about every failed attempt (counting, logs); the routing decision does not wait for it. */
  onFailure?: (error: IntegrationError) => void;
};

/** A call to route: `ANY /v1/mesh/{service}/{path}`. */
export type RoutedCall = {
  service: string;
  method: string;
  /** Path after `/v1/mesh/{service}`, starting with `/` (as sent, not decoded). */
  path: string;
  /** The raw query string without `?`, or ''. */
  query: string;
  /** Request headers, lower-case names. */
  headers: Record<string, string>;
  body?: Buffer;
  /** The caller's W3C trace context. */
  trace: { traceId: string; spanId: string; flags?: string };
};

/** The upstream's answer, relayed. */
export type RoutedAnswer = {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  instanceId: string;
  attempts: number;
};

/** API Gateway's integration timeout for REST APIs, milliseconds (API Gateway quotas). */
const API_GATEWAY_TIMEOUT_MS = 29_000;
/** Methods a retry cannot duplicate the effect of (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

type Cached<T> = { value: T; at: number };
/** One call's service and, once needed, its breaker settings. */
type ServiceSettings = { service: string; loaded: BreakerConfig | undefined };

/**
 * The mesh router: picks a healthy instance of the target service by weighted random selection under
 * the applicable routing rule (when weighted rules of the caller's source share its calls, the rule
 * drawn by `weight` and its target service: `weightedRules`), checks its shared circuit breaker, forwards the call (method, path,
 * query, headers, body bytes) with a child W3C `traceparent` (and `X-Trace-Id` / `X-Span-Id`) and
 * the rule's timeout, and on a retryable failure retries after the error policies' backoff,
 * preferring another instance. Only idempotent methods are retried after the request was sent;
 * a connection that never opened is retried for any method.
 *
 * Hot path: registrations, rules and breaker states are cached for `cacheTtlMs`; a successful call
 * through a closed breaker with no recorded failures writes nothing. Breaker transitions are
 * compare-and-set writes on the breaker's version; a lost race is re-read and recomputed.
 *
 * @example const answer = await router.route({ service: 'orders', method: 'GET', path: '/orders/1', query: '', headers: {}, trace });
 */
export class MeshRouter {
  private readonly instances = new Map<string, Cached<ServiceInstance[]>>();
  private rulesCache: Cached<RoutingRule[]> | undefined;
  private readonly breakerStates = new Map<string, Cached<BreakerState>>();
  private readonly configs = new Map<string, Cached<BreakerConfig>>();

  constructor(private readonly deps: RouterDeps) {}

  /**
   * Routes one call.
   *
   * @throws {DependencyUnavailableError} 503 with Retry-After when no instance is healthy, or every
   *   candidate's breaker is open (no instance is called then)
   * @throws {UpstreamTimeoutError} 504 when the last attempt timed out
   * @throws {UpstreamFailedError} 502 when the last attempt failed without an answer
   */
  async route(call: RoutedCall): Promise<RoutedAnswer> {
    const now = () => this.deps.clock.now().getTime();
    const [addressed, rules] = await Promise.all([this.instancesOf(call.service), this.allRules()]);
    const request = {
      sourceService: call.headers['x-mesh-source'] ?? '*',
      targetService: call.service,
      method: call.method,
      path: call.path,
      headers: call.headers,
    };
    const selected = selectRule(rules, request);
    // Weighted rules of one source share its calls between their target services (weightedRules).
    const split = selected ? weightedRules(rules, selected, request) : [];
    const rule =
      split.length > 1
        ? (pickWeighted(split, (r) => r.weight ?? 0, this.deps.random ?? Math.random) ?? selected)
        : selected;
    const target = rule?.targetService ?? call.service;
    const instances = target === call.service ? addressed : await this.instancesOf(target);
    // A closed breaker with no failures decides the same under any settings: the service's own are
    // read only once a breaker has something to decide (keeps the cold healthy path at 3 reads).
    const settings = { service: target, loaded: undefined as BreakerConfig | undefined };
    const candidates = candidateWeights(instances, rule).filter((c) => c.weight > 0);
    if (candidates.length === 0) {
      throw new DependencyUnavailableError(
        `No healthy instance of ${target} can take traffic (registered: ${instances.length})`,
        5,
      );
    }
    // Error policies matter only after a failure: the healthy path reads nothing more.
    let overrides: Awaited<ReturnType<ErrorPolicyCache['overrides']>> | undefined;
    const maxAttempts = 1 + (rule?.retries ?? 2);
    const tried = new Set<string>();
    const refused = new Set<string>();
    let last: { error: IntegrationError; response?: HttpResponse; instanceId: string } | undefined;
    let previousDelayMs: number | undefined;
    let attempts = 0;
    // Retries stop where API Gateway would cut the request off (29 s), keeping room for one more attempt.
    const deadline = now() + API_GATEWAY_TIMEOUT_MS - (rule?.timeoutMs ?? DEFAULT_RULE_TIMEOUT_MS);

    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const pick = await this.admitOne(candidates, tried, refused, now(), settings);
      if (!pick) break;
      attempts = attempt;
      const { instance, permitId } = pick;
      tried.add(instance.id);
      let response: HttpResponse | undefined;
      let failure: IntegrationError | undefined;
      let sent = false;
      try {
        sent = true;
        response = await this.deps.http.request({
          method: call.method,
          url: `${instance.endpoint.replace(/\/+$/, '')}${call.path}${call.query ? `?${call.query}` : ''}`,
          headers: this.forwardHeaders(call, rule),
          ...(call.body && call.body.length > 0 && { body: call.body }),
          timeoutMs: rule?.timeoutMs ?? DEFAULT_RULE_TIMEOUT_MS,
        });
        if (response.status >= 500 || response.status === 408) {
          failure = classifyError(
            new HttpStatusError(response.status, {
              url: instance.endpoint,
              ...(response.headers['retry-after'] !== undefined && { retryAfter: response.headers['retry-after'] }),
            }),
            { source: `mesh:${target}`, now },
          );
        }
      } catch (error) {
        failure = classifyError(error, { source: `mesh:${target}`, now });
        sent = !isConnectFailure(failure);
      }
      if (!failure && response) {
        await this.transition(instance.id, settings, (s, config) => recordSuccess(s, config, now(), permitId));
        return {
          status: response.status,
          headers: relayHeaders(response.headers),
          body: response.body,
          instanceId: instance.id,
          attempts: attempt,
        };
      }
      const error = failure as IntegrationError;
      if (error.code === RESPONSE_TOO_LARGE_CODE) {
        // The instance answered, only more than a Lambda response can carry: not its failure.
        throw new UpstreamFailedError(
          `${target} answered with more than the 6 MiB a routed response may carry (instance ${instance.id})`,
        );
      }
      this.deps.onFailure?.(error);
      await this.transition(instance.id, settings, (s, config) => recordFailure(s, config, now(), permitId), true);
      last = { error, ...(response && { response }), instanceId: instance.id };
      // A refused address (SSRF policy) is this instance's problem: try another one, whatever the method.
      if (error.code === BLOCKED_TARGET_CODE) {
        if (attempt < maxAttempts) continue;
        break;
      }
      if (sent && !IDEMPOTENT.has(call.method.toUpperCase())) break;
      overrides ??= await this.deps.policyCache.overrides();
      const policy = resolvePolicy(overrides, error);
      // An instance's Retry-After speaks for that instance: when another one can take the retry, don't wait for it.
      const another = candidates.some((c) => !tried.has(c.instance.id) && !refused.has(c.instance.id));
      const resolution = decide(
        another && error.retryAfterMs !== undefined ? withoutRetryAfter(error) : error,
        attempt,
        { ...policy, policy: { ...policy.policy, maxRetries: maxAttempts - 1 } },
        {
          ...(previousDelayMs !== undefined && { previousDelayMs }),
          ...(this.deps.random && { random: this.deps.random }),
        },
      );
      if (resolution.action !== 'retry' || now() + resolution.delayMs > deadline) break;
      await this.deps.clock.sleep(resolution.delayMs);
      previousDelayMs = resolution.delayMs;
    }

    if (!last) {
      throw new DependencyUnavailableError(
        `Every instance of ${target} has an open circuit breaker; no call was made`,
        Math.max(1, Math.ceil((await this.settingsFor(settings)).resetTimeoutMs / 1000)),
      );
    }
    if (last.response) {
      return {
        status: last.response.status,
        headers: relayHeaders(last.response.headers),
        body: last.response.body,
        instanceId: last.instanceId,
        attempts,
      };
    }
    if (last.error.code === 'TIMEOUT') {
      throw new UpstreamTimeoutError(`${target} did not answer in time (instance ${last.instanceId})`);
    }
    throw new UpstreamFailedError(`${target} failed: ${last.error.code} (instance ${last.instanceId})`);
  }

  /** Picks a candidate whose breaker admits the call; refused ones are remembered for this call. */
  private async admitOne(
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
  private async transition(
    instanceId: string,
    settings: ServiceSettings,
    next: (state: BreakerState, config: BreakerConfig) => BreakerState | undefined,
    /** The settings matter even on a quiet breaker (a failure counts toward the service's threshold). */
    needsSettings = false,
  ): Promise<void> {
    let state = await this.breakerState(instanceId);
    // Each lost race means another caller moved the breaker on; recompute from its state. Bounded so a
    // pathological storm cannot hold a request, far above what 50 concurrent failures need.
    for (let tries = 0; tries < 64; tries++) {
      const quiet = !needsSettings && state.state === 'closed' && state.failureCount === 0;
      const candidate = next(state, quiet ? this.deps.breakerConfig : await this.settingsFor(settings));
      if (!candidate) return;
      if (await this.deps.breakers.compareAndSet(candidate, state.version)) {
        this.breakerStates.set(instanceId, { value: candidate, at: this.deps.clock.now().getTime() });
        return;
      }
      state = (await this.deps.breakers.get(instanceId)) ?? initialBreakerState(instanceId);
      this.breakerStates.set(instanceId, { value: state, at: this.deps.clock.now().getTime() });
    }
  }

  private async breakerState(instanceId: string): Promise<BreakerState> {
    const cached = this.breakerStates.get(instanceId);
    const now = this.deps.clock.now().getTime();
    if (cached && now - cached.at < this.deps.cacheTtlMs) return cached.value;
    const state = (await this.deps.breakers.get(instanceId)) ?? initialBreakerState(instanceId);
    this.breakerStates.set(instanceId, { value: state, at: now });
    return state;
  }

  /** The call's service settings, loaded once per call when first needed. */
  private async settingsFor(settings: ServiceSettings): Promise<BreakerConfig> {
    settings.loaded ??= await this.configOf(settings.service);
    return settings.loaded;
  }

  /** The service's breaker settings (stored, else the deployment's), cached like registrations. */
  private async configOf(service: string): Promise<BreakerConfig> {
    const cached = this.configs.get(service);
    const now = this.deps.clock.now().getTime();
    if (cached && now - cached.at < this.deps.cacheTtlMs) return cached.value;
    const value = (await this.deps.breakerConfigs?.getConfig(service)) ?? this.deps.breakerConfig;
    this.configs.set(service, { value, at: now });
    return value;
  }

  private async instancesOf(service: string): Promise<ServiceInstance[]> {
    const cached = this.instances.get(service);
    const now = this.deps.clock.now().getTime();
    if (cached && now - cached.at < this.deps.cacheTtlMs) return cached.value;
    const value = await this.deps.registry.listByName(service);
    this.instances.set(service, { value, at: now });
    return value;
  }

  private async allRules(): Promise<RoutingRule[]> {
    const now = this.deps.clock.now().getTime();
    if (this.rulesCache && now - this.rulesCache.at < this.deps.cacheTtlMs) return this.rulesCache.value;
    const value = await this.deps.rules.list();
    this.rulesCache = { value, at: now };
    return value;
  }

  private forwardHeaders(call: RoutedCall, rule: RoutingRule | undefined): Record<string, string> {
    const headers: Record<string, string> = {};
    const named = connectionNamed(call.headers);
    for (const [name, value] of Object.entries(call.headers)) {
      if (!ROUTER_OWNED_HEADERS.has(name) && !named.has(name)) headers[name] = value;
    }
    const spanId = randomBytes(8).toString('hex');
    headers.traceparent = `00-${call.trace.traceId}-${spanId}-${call.trace.flags ?? '01'}`;
    headers['x-trace-id'] = call.trace.traceId;
    headers['x-span-id'] = spanId;
    for (const [name, value] of Object.entries(rule?.headersToAdd ?? {})) headers[name.toLowerCase()] = value;
    return headers;
  }
}

function isConnectFailure(error: IntegrationError): boolean {
  return ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ERR_SSRF_BLOCKED'].includes(
    error.code,
  );
}

function relayHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const named = connectionNamed(headers);
  for (const [name, value] of Object.entries(headers))
    if (!ROUTER_OWNED_HEADERS.has(name) && !named.has(name)) out[name] = value;
  return out;
}

/** Headers the `Connection` header names: hop-by-hop too (RFC 9110 §7.6.1). */
function connectionNamed(headers: Record<string, string>): Set<string> {
  return new Set(
    (headers.connection ?? '')
      .split(',')
      .map((token) => token.trim().toLowerCase())
      .filter(Boolean),
  );
}

/** The same error without the server's Retry-After (for a retry on another instance). */
function withoutRetryAfter(error: IntegrationError): IntegrationError {
  return error.copyWith({ retryAfterMs: undefined });
}
