import { randomBytes } from 'node:crypto';
import type { Owner } from '../domain/auth/owner';
import { LEASE_MARGIN_MS } from '../domain/concurrency/leases';
import { DependencyUnavailableError, NotFoundError, UpstreamFailedError, UpstreamTimeoutError } from '../domain/errors';
import { type BreakerConfig, recordFailure, recordSuccess } from '../domain/mesh/circuit-breaker';
import { forwardedRequestHeaders, relayedAnswerHeaders } from '../domain/mesh/relay-headers';
import { candidateWeights, selectRule, weightedRules } from '../domain/mesh/routing';
import {
  DEFAULT_RULE_TIMEOUT_MS,
  MESH_SOURCE_HEADER,
  meshSourceOf,
  type RoutingRule,
} from '../domain/mesh/routing-rule';
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
  ServiceClaims,
  ServiceRegistry,
} from '../ports/service-mesh';
import type { ErrorPolicyCache } from './error-policy-cache';
import { BreakerGate, type BreakerGateDeps, type ServiceSettings } from './mesh-breakers';
import { ContractLimitGate, type ContractLimitsDeps } from './mesh-contract-limits';
import { type MeshFormatDeps, type PreparedFormats, prepareFormats, shapeAnswer, shapeRequest } from './mesh-formats';
import type { OutboundBudget } from './outbound-budget';
import { TtlCache, tenantKey } from './ttl-cache';
import type { UpstreamCredentialInjector } from './upstream-credentials';

/** What the router needs. */
export type MeshRouterDeps = {
  /** Told of each breaker transition this instance wrote (`BreakerGateDeps.onTransition`). */
  onTransition?: BreakerGateDeps['onTransition'];
  /** Who holds each service name: the router routes only to the caller's tenant's services. */
  claims: Pick<ServiceClaims, 'ownerOf'>;
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
  /**
   * The target service's outbound credential (its upstream-credential secret, e.g. `Authorization`),
   * set on every forwarded call after the rule's headers. Absent: calls carry none.
   */
  credentials?: Pick<UpstreamCredentialInjector, 'headerFor'>;
  random?: () => number;
  /**
   * Told about every failed attempt (counting, logs) and the call it belongs to (whose tenant the
   * failure is counted under); the routing decision does not wait for it.
   */
  onFailure?: (error: IntegrationError, call: RoutedCall) => void;
  /**
   * The contracts' endpoint rate limits (issue 11): a call to a service whose contract — the
   * contract of the service's name in the service owner's tenant, its latest released version —
   * declares a `rateLimit` on the endpoint the call resolves to takes a token of that endpoint's
   * bucket (shared by every Lambda instance), or is refused 429. @default none (no contract limits)
   */
  contractLimits?: ContractLimitsDeps;
  /**
   * The per-tenant budget of calls in flight (MESH_MAX_IN_FLIGHT_PER_TENANT, counted across every
   * Lambda instance): a call holds one slot of its caller's tenant from its first attempt until its
   * answer is read, so one tenant's slow upstream cannot occupy the whole function. A tenant at its
   * limit is refused 429 before any instance is called. @default none (no budget)
   */
  outboundBudget?: Pick<OutboundBudget, 'run'>;
  /**
   * Format conversion for instances that declare `supportedFormats` (issue 12): request bodies are
   * sent in a format the instance reads and answers given in one the caller accepts (see
   * `prepareFormats`, `shapeAnswer`). @default none (every body relayed as it is)
   */
  formats?: MeshFormatDeps;
};

/** A call to route: `ANY /v1/mesh/{service}/{path}`. */
export type RoutedCall = {
  /** The authenticated caller: whose services, rules and breakers apply, and the `x-mesh-source` sent on. */
  caller: Owner;
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

/** One call's tenant and service and, once needed, its breaker settings. */

/** What {@link MeshRouter.route} decided before the first attempt. */
type CallPlan = {
  rule: RoutingRule | undefined;
  /** The service the call goes to: the rule's target, or the addressed service. */
  target: string;
  candidates: ReadonlyArray<{ instance: ServiceInstance; weight: number }>;
  /** Each attempt's timeout: the rule's, or the default. */
  timeoutMs: number;
  settings: ServiceSettings;
  /** The target service's credential header, from its secret. */
  credential: { name: string; value: string } | undefined;
  /** Each candidate's formats and the converted request bodies (with `deps.formats`). */
  formats?: PreparedFormats;
};

/** What the attempts of one call have done so far. */
type CallProgress = {
  /** Instances called: the next attempt prefers another. */
  tried: Set<string>;
  /** Instances whose breaker refused this call. */
  refused: Set<string>;
  /** The number of the latest attempt made. */
  attempts: number;
  /** The latest failure, and the answer that came with it (a 5xx) if any. */
  last?: { error: IntegrationError; response?: HttpResponse; instanceId: string };
  previousDelayMs?: number;
  /** The error policy overrides, read at the first failure. */
  overrides?: Awaited<ReturnType<ErrorPolicyCache['overrides']>>;
};

/** One attempt: the answer, the failure (a 5xx/408 answer or a thrown error), and whether the request got out. */
type SendOutcome =
  | { response: HttpResponse; failure?: undefined; reachedInstance: boolean }
  | { response?: HttpResponse; failure: IntegrationError; reachedInstance: boolean };

/**
 * The mesh router: routes a caller's call to its own tenant's services only (another tenant's
 * service answers the same 404 as a name nobody holds), under its tenant's rules, matching a rule's
 * `sourceService` to the caller's principal — never to a header the client sent — and forwarding
 * `x-mesh-source: <tenant>/<principal>` (`meshSourceOf`).
 *
 * It picks a healthy instance of the target service by weighted random selection under
 * the applicable routing rule (when weighted rules of the caller's source share its calls, the rule
 * drawn by `weight` and its target service: `weightedRules`), checks its shared circuit breaker, forwards the call (method, path,
 * query, headers without the caller's credentials — `forwardedRequestHeaders` —, body bytes) with a child W3C `traceparent` (and `X-Trace-Id` / `X-Span-Id`) and
 * the rule's timeout, and on a retryable failure retries after the error policies' backoff,
 * preferring another instance. Only idempotent methods are retried after the request was sent;
 * a connection that never opened is retried for any method. Answers are relayed through
 * `relayedAnswerHeaders` (no Set-Cookie, CORS, HSTS or CSP of the upstream's; a sandboxing CSP added).
 *
 * Formats (with `deps.formats`): an instance that declares `supportedFormats` is sent the body in a
 * format it reads — untouched when it reads the caller's, converted through JSON's data model when
 * not — and its answer reaches the caller in a format the caller's `Accept` allows (`prepareFormats`,
 * `shapeAnswer`); instances that cannot take the call are not candidates. Instances without the
 * declaration get the bytes as they are.
 *
 * Hot path: registrations, rules and breaker states are cached for `cacheTtlMs`; a successful call
 * through a closed breaker with no recorded failures writes nothing. Breaker transitions are
 * compare-and-set writes on the breaker's version; a lost race is re-read and recomputed.
 *
 * @example const answer = await router.route({ caller: ownerOf(request.caller), service: 'orders', method: 'GET', path: '/orders/1', query: '', headers: {}, trace });
 */
export class MeshRouter {
  private readonly claims: TtlCache<Owner | undefined>;
  private readonly instances: TtlCache<ServiceInstance[]>;
  private readonly rules: TtlCache<RoutingRule[]>;
  private readonly breakers: BreakerGate;
  private readonly contractLimits: ContractLimitGate | undefined;

  constructor(private readonly deps: MeshRouterDeps) {
    const nowMs = () => this.nowMs();
    this.claims = new TtlCache(deps.cacheTtlMs, nowMs);
    this.instances = new TtlCache(deps.cacheTtlMs, nowMs);
    this.rules = new TtlCache(deps.cacheTtlMs, nowMs);
    this.breakers = new BreakerGate(deps, nowMs);
    this.contractLimits = deps.contractLimits && new ContractLimitGate(deps.contractLimits, deps.cacheTtlMs, nowMs);
  }

  /**
   * Routes one call: plans it (rule, target service, candidate instances), then attempts it on
   * breaker-admitted instances until one answers, the error policies stop retrying, or the time
   * API Gateway allows runs out.
   *
   * @throws {NotFoundError} 404 when the service is not the caller's tenant's (another tenant's, or nobody's)
   * @throws {UpstreamFailedError} 502 when the target's credential secret cannot be read (no instance is called)
   * @throws {DependencyUnavailableError} 503 with Retry-After when no instance is healthy, or every
   *   candidate's breaker is open (no instance is called then)
   * @throws {RateLimitedError} 429 with Retry-After (and the contract's `retryAfterHeader`) when the
   *   target's contract limits the endpoint and its bucket is empty (no instance is called then)
   * @throws {RateLimiterUnavailableError} 503 when the contract or the bucket cannot be read (fail closed)
   * @throws {TenantConcurrencyExceededError} 429 with Retry-After when the caller's tenant already has
   *   its `outboundBudget` of calls in flight (no instance is called then)
   * @throws {ConcurrencyLimiterUnavailableError} 503 when the budget's store cannot be reached (fail closed)
   * @throws {UpstreamTimeoutError} 504 when the last attempt timed out
   * @throws {UpstreamFailedError} 502 when the last attempt failed without an answer
   */
  async route(call: RoutedCall): Promise<RoutedAnswer> {
    const plan = await this.plan(call);
    // Step 1b: the target's contract may limit the endpoint the call resolves to.
    await this.contractLimits?.take(plan.settings.tenant, plan.target, call.method, call.path);
    const budget = this.deps.outboundBudget;
    if (!budget) return this.attempt(call, plan);
    // One slot of the caller's tenant for the whole call (every attempt and backoff), given back once
    // the answer is read: the lease lasts as long as API Gateway lets the call run, and a margin.
    return budget.run(call.caller.tenant, API_GATEWAY_TIMEOUT_MS + LEASE_MARGIN_MS, () => this.attempt(call, plan));
  }

  /**
   * Steps 2–4: the attempts of a planned call on breaker-admitted instances until one answers, the
   * error policies stop retrying, or the time API Gateway allows runs out.
   */
  private async attempt(call: RoutedCall, plan: CallPlan): Promise<RoutedAnswer> {
    const progress: CallProgress = { tried: new Set(), refused: new Set(), attempts: 0 };
    const maxAttempts = 1 + (plan.rule?.retries ?? 2);
    // Retries stop where API Gateway would cut the request off (29 s), keeping room for one more attempt.
    const deadline = this.nowMs() + API_GATEWAY_TIMEOUT_MS - plan.timeoutMs;

    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const pick = await this.breakers.admitOne(
        plan.candidates,
        progress.tried,
        progress.refused,
        this.nowMs(),
        plan.settings,
      );
      if (!pick) break;
      progress.attempts = attempt;
      const { instance, permitId } = pick;
      progress.tried.add(instance.id);
      const sent = await this.send(call, plan, instance);
      if (!sent.failure) {
        await this.breakers.transition(instance.id, plan.settings, (s, c) =>
          recordSuccess(s, c, this.nowMs(), permitId),
        );
        return this.answerOf(call, plan, sent.response, instance.id, attempt);
      }
      const error = sent.failure;
      if (error.code === RESPONSE_TOO_LARGE_CODE) {
        // The instance answered, only more than a Lambda response can carry: not its failure.
        throw new UpstreamFailedError(
          `${plan.target} answered with more than the 6 MiB a routed response may carry (instance ${instance.id})`,
        );
      }
      this.deps.onFailure?.(error, call);
      await this.breakers.transition(
        instance.id,
        plan.settings,
        (s, c) => recordFailure(s, c, this.nowMs(), permitId),
        true,
      );
      progress.last = { error, ...(sent.response && { response: sent.response }), instanceId: instance.id };
      // A refused address (SSRF policy) is this instance's problem: try another one, whatever the method.
      if (error.code === BLOCKED_TARGET_CODE) {
        if (attempt < maxAttempts) continue;
        break;
      }
      if (sent.reachedInstance && !IDEMPOTENT.has(call.method.toUpperCase())) break;
      const delayMs = await this.retryDelay(error, attempt, maxAttempts, plan, progress);
      if (delayMs === undefined || this.nowMs() + delayMs > deadline) break;
      await this.deps.clock.sleep(delayMs);
      progress.previousDelayMs = delayMs;
    }
    return this.giveUp(call, plan, progress);
  }

  private nowMs(): number {
    return this.deps.clock.now().getTime();
  }

  /**
   * Step 1: the rule that applies (weighted rules of one source share its calls between their
   * target services), the service it sends to, and that service's instances able to take traffic.
   *
   * @throws {NotFoundError} when the addressed service is not the caller's tenant's
   * @throws {DependencyUnavailableError} when no instance of the target can take traffic
   */
  private async plan(call: RoutedCall): Promise<CallPlan> {
    const { tenant } = call.caller;
    const [owner, addressed, rules] = await Promise.all([
      this.ownerOf(call.service),
      this.instancesOf(tenant, call.service),
      this.rulesOf(tenant),
    ]);
    // Another tenant's service and an unknown name answer alike: nothing tells them apart.
    if (owner?.tenant !== tenant) throw new NotFoundError(`No service ${call.service}`);
    const rule = this.pickRule(call, rules);
    const target = rule?.targetService ?? call.service;
    // A rule's target is its tenant's (claimed when the rule was put); the per-tenant index holds no other's instances.
    const instances = target === call.service ? addressed : await this.instancesOf(tenant, target);
    const weighted = candidateWeights(instances, rule).filter((c) => c.weight > 0);
    if (weighted.length === 0) {
      throw new DependencyUnavailableError(
        `No healthy instance of ${target} can take traffic (registered: ${instances.length})`,
        5,
      );
    }
    // Step 1c: only instances that can read the body and answer what the caller accepts (converted if need be).
    const shaped = this.deps.formats && (await prepareFormats(this.deps.formats, call, target, weighted));
    return {
      rule,
      target,
      candidates: shaped?.candidates ?? weighted,
      ...(shaped && { formats: shaped.formats }),
      credential: await this.deps.credentials?.headerFor(tenant, target),
      timeoutMs: rule?.timeoutMs ?? DEFAULT_RULE_TIMEOUT_MS,
      // A closed breaker with no failures decides the same under any settings: the service's own are
      // read only once a breaker has something to decide (the cold healthy path: claim, instances, rules, breaker).
      settings: { tenant, service: target, loaded: undefined },
    };
  }

  /** The routing rule for this call; among weighted rules of its source, one drawn by `weight`. */
  private pickRule(call: RoutedCall, rules: RoutingRule[]): RoutingRule | undefined {
    const request = {
      // The authenticated principal, within its tenant's rules; a client's x-mesh-source is ignored.
      sourceService: call.caller.principal,
      targetService: call.service,
      method: call.method,
      path: call.path,
      headers: call.headers,
    };
    const selected = selectRule(rules, request);
    const split = selected ? weightedRules(rules, selected, request) : [];
    return split.length > 1
      ? (pickWeighted(split, (r) => r.weight ?? 0, this.deps.random ?? Math.random) ?? selected)
      : selected;
  }

  /**
   * Step 2, once per attempt: forwards the call to `instance` and classifies what went wrong — a
   * 5xx or 408 answer, or a thrown error. `reachedInstance` is false only when the connection never
   * opened (then even a non-idempotent call may be retried).
   */
  private async send(call: RoutedCall, plan: CallPlan, instance: ServiceInstance): Promise<SendOutcome> {
    const source = `mesh:${plan.target}`;
    const now = () => this.nowMs();
    const headers = this.forwardHeaders(call, plan);
    const body = plan.formats ? shapeRequest(plan.formats, instance.id, headers, call.body) : call.body;
    try {
      const response = await this.deps.http.request({
        method: call.method,
        url: `${instance.endpoint.replace(/\/+$/, '')}${call.path}${call.query ? `?${call.query}` : ''}`,
        headers,
        ...(body && body.length > 0 && { body }),
        timeoutMs: plan.timeoutMs,
      });
      if (response.status < 500 && response.status !== 408) return { response, reachedInstance: true };
      const retryAfter = response.headers['retry-after'];
      const status = new HttpStatusError(response.status, {
        url: instance.endpoint,
        ...(retryAfter !== undefined && { retryAfter }),
      });
      return { response, failure: classifyError(status, { source, now }), reachedInstance: true };
    } catch (error) {
      const failure = classifyError(error, { source, now });
      return { failure, reachedInstance: !isConnectFailure(failure) };
    }
  }

  /**
   * Step 3, after a failed attempt: the error policies' delay before the next one, or undefined
   * when they say stop. The policies are read once per call, and only after a failure (the healthy
   * path reads nothing more). The rule's `retries` caps the policy's `maxRetries`.
   */
  private async retryDelay(
    error: IntegrationError,
    attempt: number,
    maxAttempts: number,
    plan: CallPlan,
    progress: CallProgress,
  ): Promise<number | undefined> {
    progress.overrides ??= await this.deps.policyCache.overrides();
    const policy = resolvePolicy(progress.overrides, error);
    // An instance's Retry-After speaks for that instance: when another one can take the retry, don't wait for it.
    const another = plan.candidates.some(
      (c) => !progress.tried.has(c.instance.id) && !progress.refused.has(c.instance.id),
    );
    const resolution = decide(
      another && error.retryAfterMs !== undefined ? withoutRetryAfter(error) : error,
      attempt,
      { ...policy, policy: { ...policy.policy, maxRetries: maxAttempts - 1 } },
      {
        ...(progress.previousDelayMs !== undefined && { previousDelayMs: progress.previousDelayMs }),
        ...(this.deps.random && { random: this.deps.random }),
      },
    );
    return resolution.action === 'retry' ? resolution.delayMs : undefined;
  }

  /**
   * Step 4, when no attempt succeeded: relay the last answer an instance gave (a 5xx is the
   * upstream's to tell), else say why nothing answered.
   */
  private async giveUp(call: RoutedCall, plan: CallPlan, progress: CallProgress): Promise<RoutedAnswer> {
    const { last } = progress;
    if (!last) {
      throw new DependencyUnavailableError(
        `Every instance of ${plan.target} has an open circuit breaker; no call was made`,
        Math.max(1, Math.ceil((await this.breakers.settingsFor(plan.settings)).resetTimeoutMs / 1000)),
      );
    }
    if (last.response) return this.answerOf(call, plan, last.response, last.instanceId, progress.attempts);
    if (last.error.code === 'TIMEOUT') {
      throw new UpstreamTimeoutError(`${plan.target} did not answer in time (instance ${last.instanceId})`);
    }
    throw new UpstreamFailedError(`${plan.target} failed: ${last.error.code} (instance ${last.instanceId})`);
  }

  /** Who holds the service name (one namespace for all tenants). */
  private async ownerOf(service: string): Promise<Owner | undefined> {
    return this.claims.get(service, () => this.deps.claims.ownerOf(service));
  }

  private async instancesOf(tenant: string, service: string): Promise<ServiceInstance[]> {
    return this.instances.get(tenantKey(tenant, service), () => this.deps.registry.listByName(tenant, service));
  }

  private async rulesOf(tenant: string): Promise<RoutingRule[]> {
    return this.rules.get(encodeURIComponent(tenant), () => this.deps.rules.list(tenant));
  }

  /**
   * The upstream's answer as the router relays it (`relayedAnswerHeaders`), in a format the caller
   * accepts when the instance declares formats (`shapeAnswer`).
   *
   * @throws {UpstreamFailedError} 502 when an answer that needs converting does not decode
   */
  private async answerOf(
    call: RoutedCall,
    plan: CallPlan,
    response: HttpResponse,
    instanceId: string,
    attempts: number,
  ): Promise<RoutedAnswer> {
    const relayed = { status: response.status, headers: relayedAnswerHeaders(response.headers), body: response.body };
    const answer =
      plan.formats && this.deps.formats
        ? await shapeAnswer(this.deps.formats, plan.formats, instanceId, call, plan.target, relayed)
        : relayed;
    return { ...answer, instanceId, attempts };
  }

  private forwardHeaders(call: RoutedCall, { rule, credential }: CallPlan): Record<string, string> {
    const headers = forwardedRequestHeaders(call.headers);
    const spanId = randomBytes(8).toString('hex');
    headers.traceparent = `00-${call.trace.traceId}-${spanId}-${call.trace.flags ?? '01'}`;
    headers['x-trace-id'] = call.trace.traceId;
    headers['x-span-id'] = spanId;
    for (const [name, value] of Object.entries(rule?.headersToAdd ?? {})) headers[name.toLowerCase()] = value;
    if (credential) headers[credential.name] = credential.value;
    // After the rule's headers (which cannot name it either): only the router says who is calling.
    headers[MESH_SOURCE_HEADER] = meshSourceOf(call.caller);
    return headers;
  }
}

function isConnectFailure(error: IntegrationError): boolean {
  return ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ERR_SSRF_BLOCKED'].includes(
    error.code,
  );
}

/** The same error without the server's Retry-After (for a retry on another instance). */
function withoutRetryAfter(error: IntegrationError): IntegrationError {
  return error.copyWith({ retryAfterMs: undefined });
}
