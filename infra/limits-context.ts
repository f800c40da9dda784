import type { Node } from 'constructs';
import { functionManifest } from '../functions/manifest';
import { checkedRateLimits } from '../functions/rate-limits';
import { routes } from '../functions/routes';
import { parseMaxInFlight, parseRateLimits, type RateLimitSetting } from '../shared/config';
import { DEFAULT_MESH_MAX_IN_FLIGHT, DEFAULT_WEBHOOK_MAX_IN_FLIGHT } from '../shared/domain/concurrency/leases';
import type { AuthMode } from './app-context';

/** A throttle as API Gateway states it: steady requests per second and the burst above it. */
export type Throttle = { readonly rateLimit: number; readonly burstLimit: number };

/** One usage plan tier: its throttle per API key and, optionally, a quota of requests per period. */
export type UsagePlanTier = Throttle & { readonly quota?: { readonly limit: number; readonly period: QuotaPeriod } };
export type QuotaPeriod = 'DAY' | 'WEEK' | 'MONTH';

/**
 * API Gateway usage plans (issue 11): the REST API's API key source is `AUTHORIZER` — the Lambda
 * authorizer answers the caller's client id as `usageIdentifierKey` — every protected method
 * requires an API key, and each key (one per agent client) is in the plan of its tier.
 */
export type UsagePlanSettings = {
  /** The tiers by name (context `usagePlanTiers`). */
  readonly tiers: Readonly<Record<string, UsagePlanTier>>;
  /** The tier of a client `keys` does not name (context `usagePlanDefaultTier`). */
  readonly defaultTier: string;
  /**
   * Tiers by client (context `usagePlanKeys`): in `cognito` mode by agent client name (every
   * client gets a key, in its tier or the default one); in `jwt` mode by client id — the only keys
   * there are, since the issuer's clients are unknown to the stack.
   */
  readonly keys: Readonly<Record<string, string>>;
};

/** Everything about limits the stacks take from the context. */
export type LimitsContext = {
  /** Usage plans, or undefined when off (context `usagePlans`). */
  readonly usagePlans?: UsagePlanSettings;
  /**
   * Stage method throttles by operation id (context `methodThrottles` over the defaults): stricter
   * than the stage's for the costly writes, for all callers together.
   */
  readonly methodThrottles: Readonly<Record<string, Throttle>>;
  /** The functions' RATE_LIMITS (context `rateLimits`, the same syntax): per-tenant limits over the route table's. */
  readonly rateLimits: Readonly<Record<string, RateLimitSetting>>;
  /**
   * Outbound budgets: calls one tenant may have in flight through the mesh
   * (MESH_MAX_IN_FLIGHT_PER_TENANT, context `meshMaxInFlightPerTenant`) and webhook deliveries
   * (WEBHOOK_MAX_IN_FLIGHT_PER_TENANT, context `webhookMaxInFlightPerTenant`); 0 is off.
   * @default DEFAULT_MAX_IN_FLIGHT
   */
  readonly maxInFlightPerTenant?: MaxInFlightPerTenant;
};

/** Per-tenant in-flight limits by outbound scope; 0 is no limit. */
export type MaxInFlightPerTenant = { readonly mesh: number; readonly webhook: number };

/** The outbound budgets without context: below the mesh function's and the dispatcher's reserved concurrency. */
export const DEFAULT_MAX_IN_FLIGHT: MaxInFlightPerTenant = {
  mesh: DEFAULT_MESH_MAX_IN_FLIGHT,
  webhook: DEFAULT_WEBHOOK_MAX_IN_FLIGHT,
};

/** The usage plan tiers without context `usagePlanTiers`. */
export const DEFAULT_USAGE_PLAN_TIERS: Readonly<Record<string, UsagePlanTier>> = {
  standard: { rateLimit: 50, burstLimit: 100 },
  premium: { rateLimit: 100, burstLimit: 200 },
};

/**
 * The stage method throttles without context `methodThrottles` (each capped at the stage's own):
 * the mesh route and the writes that cost the most downstream.
 */
export const DEFAULT_METHOD_THROTTLES: Readonly<Record<string, Throttle>> = {
  routeCall: { rateLimit: 80, burstLimit: 160 },
  publishEvents: { rateLimit: 50, burstLimit: 100 },
  startReplay: { rateLimit: 1, burstLimit: 5 },
  createSubscription: { rateLimit: 5, burstLimit: 10 },
  registerInstance: { rateLimit: 50, burstLimit: 100 },
};

/** Shortest and longest API key value API Gateway accepts (a key's value is the client id here). */
const API_KEY_LENGTH = { min: 20, max: 128 } as const;

/**
 * The limits settings of the context, checked against the stage throttle (the ceiling of every
 * tier and method throttle) and the auth mode:
 *
 * - `usagePlans` (`on` | `off`): on by default in `cognito` mode, and in `jwt` mode when
 *   `usagePlanKeys` names client ids; never in `iam` or `none` mode (no Lambda authorizer to answer
 *   a `usageIdentifierKey`);
 * - `usagePlanTiers`: JSON `{ "<tier>": { "rateLimit": n, "burstLimit": n, "quotaLimit"?: n,
 *   "quotaPeriod"?: "DAY" | "WEEK" | "MONTH" } }`; `usagePlanDefaultTier` (default `standard`);
 *   `usagePlanKeys`: JSON `{ "<client name or id>": "<tier>" }`;
 * - `methodThrottles`: JSON `{ "<operationId>": { "rateLimit": n, "burstLimit": n } }` over
 *   {@link DEFAULT_METHOD_THROTTLES};
 * - `rateLimits`: the functions' RATE_LIMITS (`routeCall=200/400,startReplay=off`);
 * - `meshMaxInFlightPerTenant`, `webhookMaxInFlightPerTenant`: `off` or a whole number below the
 *   mesh function's / the dispatcher's reserved concurrency (function manifest) — a budget as
 *   large as the function's ceiling would let one tenant take it all.
 *
 * @param stage - the stage throttle (`throttleRateLimit`, `throttleBurstLimit`)
 * @throws {Error} naming the problem: malformed JSON, an unknown tier or operation, a tier or
 *   method throttle above the stage's, usage plans asked for in `iam` / `none` mode or in `jwt` mode
 *   without keys, a `jwt` client id API Gateway cannot take as a key value (20–128 characters), an
 *   in-flight limit that is not `off` or a whole number, or not below the function's reserved concurrency
 * @example readLimitsContext(app.node, 'cognito', { rateLimit: 100, burstLimit: 200 }).usagePlans?.defaultTier // 'standard'
 */
export function readLimitsContext(node: Node, authMode: AuthMode, stage: Throttle): LimitsContext {
  const keys = stringRecord(node, 'usagePlanKeys') ?? {};
  const requested = optionalString(node, 'usagePlans');
  if (requested !== undefined && requested !== 'on' && requested !== 'off') {
    throw new Error(`Context "usagePlans" must be on or off, got "${requested}"`);
  }
  const usagePlans = usagePlansOf(node, authMode, stage, keys, requested);
  const methodThrottles = methodThrottlesOf(node, stage);
  const text = optionalString(node, 'rateLimits');
  let rateLimits: Readonly<Record<string, RateLimitSetting>> = {};
  try {
    rateLimits = text === undefined ? {} : checkedRateLimits(parseRateLimits(text));
  } catch (error) {
    throw new Error(`Context "rateLimits": ${(error as Error).message}`);
  }
  return {
    ...(usagePlans && { usagePlans }),
    methodThrottles,
    rateLimits,
    maxInFlightPerTenant: {
      mesh: maxInFlightOf(node, 'meshMaxInFlightPerTenant', DEFAULT_MAX_IN_FLIGHT.mesh, 'mesh'),
      webhook: maxInFlightOf(node, 'webhookMaxInFlightPerTenant', DEFAULT_MAX_IN_FLIGHT.webhook, 'dispatcher'),
    },
  };
}

/** An in-flight limit from the context, below the reserved concurrency of the function it budgets. */
function maxInFlightOf(node: Node, key: string, fallback: number, fn: 'mesh' | 'dispatcher'): number {
  const text = optionalString(node, key);
  let limit = fallback;
  try {
    if (text !== undefined) limit = parseMaxInFlight(text);
  } catch (error) {
    throw new Error(`Context "${key}" ${(error as Error).message}`);
  }
  const ceiling = functionManifest[fn].reservedConcurrency;
  if (limit >= ceiling) {
    throw new Error(
      `Context "${key}" (${limit}) must stay below the ${fn} function's reserved concurrency (${ceiling}, function manifest): one tenant could otherwise take every instance; use a smaller number or off`,
    );
  }
  return limit;
}

function usagePlansOf(
  node: Node,
  authMode: AuthMode,
  stage: Throttle,
  keys: Record<string, string>,
  requested: string | undefined,
): UsagePlanSettings | undefined {
  const tokenMode = authMode === 'cognito' || authMode === 'jwt';
  if (requested === 'on' && !tokenMode) {
    throw new Error(
      `Context "usagePlans" is on, but authMode ${authMode} has no Lambda authorizer to name each caller's API key (usageIdentifierKey); use cognito or jwt`,
    );
  }
  if (requested === 'on' && authMode === 'jwt' && Object.keys(keys).length === 0) {
    throw new Error(
      'Context "usagePlans" is on in jwt mode without "usagePlanKeys": every method would require an API key and no client has one. List the client ids, e.g. -c usagePlanKeys=\'{"<client id>":"standard"}\'',
    );
  }
  const on =
    requested === 'on' ||
    (requested === undefined && (authMode === 'cognito' || (authMode === 'jwt' && Object.keys(keys).length > 0)));
  if (!on) return undefined;
  const tiers = tiersOf(node, stage);
  const defaultTier = optionalString(node, 'usagePlanDefaultTier') ?? 'standard';
  for (const [client, tier] of [['usagePlanDefaultTier', defaultTier], ...Object.entries(keys)] as const) {
    if (!Object.hasOwn(tiers, tier)) {
      throw new Error(
        `Context "usagePlanKeys"/"usagePlanDefaultTier": ${client} names the tier "${tier}", which "usagePlanTiers" does not have (${Object.keys(tiers).join(', ')})`,
      );
    }
  }
  if (authMode === 'jwt') {
    for (const clientId of Object.keys(keys)) {
      if (clientId.length < API_KEY_LENGTH.min || clientId.length > API_KEY_LENGTH.max) {
        throw new Error(
          `Context "usagePlanKeys": the client id "${clientId}" cannot be an API key value (API Gateway takes ${API_KEY_LENGTH.min}–${API_KEY_LENGTH.max} characters)`,
        );
      }
    }
  }
  return { tiers, defaultTier, keys };
}

function tiersOf(node: Node, stage: Throttle): Record<string, UsagePlanTier> {
  const raw = jsonObject(node, 'usagePlanTiers');
  if (raw === undefined) {
    return Object.fromEntries(
      Object.entries(DEFAULT_USAGE_PLAN_TIERS).map(([name, tier]) => [name, capped(tier, stage)]),
    );
  }
  const tiers: Record<string, UsagePlanTier> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
      throw new Error(`Context "usagePlanTiers": tier name "${name}" must be 1–64 letters, digits, - or _`);
    }
    const tier = value as Record<string, unknown>;
    const throttle = throttleOf(tier, `usagePlanTiers.${name}`, stage);
    const quotaLimit = tier.quotaLimit;
    const period = tier.quotaPeriod ?? 'MONTH';
    if (quotaLimit !== undefined && (!Number.isInteger(quotaLimit) || (quotaLimit as number) <= 0)) {
      throw new Error(`Context "usagePlanTiers.${name}.quotaLimit" must be a positive whole number of requests`);
    }
    if (!['DAY', 'WEEK', 'MONTH'].includes(String(period))) {
      throw new Error(
        `Context "usagePlanTiers.${name}.quotaPeriod" must be DAY, WEEK or MONTH, got ${JSON.stringify(period)}`,
      );
    }
    tiers[name] = {
      ...throttle,
      ...(quotaLimit !== undefined && { quota: { limit: quotaLimit as number, period: period as QuotaPeriod } }),
    };
  }
  if (Object.keys(tiers).length === 0) throw new Error('Context "usagePlanTiers" must name at least one tier');
  return tiers;
}

function methodThrottlesOf(node: Node, stage: Throttle): Record<string, Throttle> {
  const throttles: Record<string, Throttle> = Object.fromEntries(
    Object.entries(DEFAULT_METHOD_THROTTLES).map(([operationId, throttle]) => [operationId, capped(throttle, stage)]),
  );
  for (const [operationId, value] of Object.entries(jsonObject(node, 'methodThrottles') ?? {})) {
    if (!routes.some((route) => route.operationId === operationId && !('public' in route && route.public))) {
      throw new Error(`Context "methodThrottles": "${operationId}" is no non-public operation of the route table`);
    }
    throttles[operationId] = throttleOf(value as Record<string, unknown>, `methodThrottles.${operationId}`, stage);
  }
  return throttles;
}

/** A throttle from the context, at most the stage's: the stage throttle is the ceiling. */
function throttleOf(value: Record<string, unknown>, key: string, stage: Throttle): Throttle {
  const { rateLimit, burstLimit } = value ?? {};
  if (typeof rateLimit !== 'number' || rateLimit <= 0 || !Number.isInteger(burstLimit) || (burstLimit as number) <= 0) {
    throw new Error(
      `Context "${key}" must be { "rateLimit": <positive number>, "burstLimit": <positive whole number> }`,
    );
  }
  if (rateLimit > stage.rateLimit || (burstLimit as number) > stage.burstLimit) {
    throw new Error(
      `Context "${key}" (${rateLimit}/s, burst ${burstLimit}) exceeds the stage throttle (${stage.rateLimit}/s, burst ${stage.burstLimit}), which is the ceiling; raise throttleRateLimit / throttleBurstLimit first`,
    );
  }
  return { rateLimit, burstLimit: burstLimit as number };
}

const capped = <T extends Throttle>(throttle: T, stage: Throttle): T => ({
  ...throttle,
  rateLimit: Math.min(throttle.rateLimit, stage.rateLimit),
  burstLimit: Math.min(throttle.burstLimit, stage.burstLimit),
});

/** A JSON object from the context (an object in cdk.json, or its text with `-c`). */
function jsonObject(node: Node, key: string): Record<string, unknown> | undefined {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return undefined;
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new Error(`Context "${key}" must be a JSON object, got "${raw}"`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`Context "${key}" must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

function stringRecord(node: Node, key: string): Record<string, string> | undefined {
  const value = jsonObject(node, key);
  if (value === undefined) return undefined;
  for (const [name, item] of Object.entries(value)) {
    if (typeof item !== 'string') throw new Error(`Context "${key}": "${name}" must name a tier (a string)`);
  }
  return value as Record<string, string>;
}

function optionalString(node: Node, key: string): string | undefined {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return undefined;
  return String(raw).trim() || undefined;
}
