import { isReservedTenant } from './owner';
import type { Principal } from './principal';
import { mayCall, type ScopedRoute } from './scopes';

/** The parts of an API Gateway method ARN (`arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}`). */
export type MethodArn = {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly apiId: string;
  readonly stage: string;
  readonly method: string;
  /** The resource path as requested, with its leading `/`. */
  readonly resourcePath: string;
};

/** One statement of the IAM policy a Lambda authorizer returns. */
export type PolicyStatement = {
  readonly Action: 'execute-api:Invoke';
  readonly Effect: 'Allow' | 'Deny';
  readonly Resource: string[];
};

/**
 * A REST API Lambda authorizer's answer (API Gateway developer guide, "Output from an API Gateway
 * Lambda authorizer"): the principal, the IAM policy, and `context` — strings only, because API
 * Gateway flattens context values (no objects or arrays) before passing them to the integration
 * as `requestContext.authorizer`.
 */
export type AuthorizerResponse = {
  readonly principalId: string;
  readonly policyDocument: { readonly Version: '2012-10-17'; readonly Statement: PolicyStatement[] };
  readonly context: Readonly<Record<string, string>>;
  /**
   * The API key the request is metered under when the REST API's API key source is `AUTHORIZER`
   * (usage plans, issue 11): the value of an API key in a usage plan. API Gateway ignores it with
   * the `HEADER` source. See {@link usageIdentifierKeyOf}.
   */
  readonly usageIdentifierKey?: string;
};

/**
 * Splits a method ARN as API Gateway sends it in a REQUEST authorizer event (`methodArn`).
 *
 * @throws {Error} when the ARN is not an execute-api method ARN — a gateway defect, never client input
 * @example parseMethodArn('arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/v1/health').stage // 'prod'
 */
export function parseMethodArn(arn: string): MethodArn {
  const [prefix, partition, service, region, accountId, rest] = arn.split(':', 6);
  const [apiId, stage, method, ...path] = (rest ?? '').split('/');
  if (
    prefix !== 'arn' ||
    service !== 'execute-api' ||
    !partition ||
    !region ||
    !accountId ||
    !apiId ||
    !stage ||
    !method
  ) {
    throw new Error(`Not an execute-api method ARN: ${arn}`);
  }
  return { partition, region, accountId, apiId, stage, method, resourcePath: `/${path.join('/')}` };
}

/**
 * The method ARNs (IAM wildcards) of a route in the API and stage of `api`: `{param}` and
 * `{proxy+}` become `*`; `ANY` becomes `*`; a GET route also covers HEAD, which the functions
 * answer from the GET route.
 *
 * @example routeArns({ method: 'GET', path: '/v1/contracts/{name}', scopes: [] }, api) // ['…/prod/GET/v1/contracts/*', '…/prod/HEAD/v1/contracts/*']
 */
export function routeArns(route: ScopedRoute, api: MethodArn): string[] {
  const base = stageArn(api);
  const path = route.path.replace(/\{[^}]+\}/g, '*');
  const verbs = route.method === 'ANY' ? ['*'] : route.method === 'GET' ? ['GET', 'HEAD'] : [route.method];
  return verbs.map((verb) => `${base}/${verb}${path}`);
}

/**
 * The authorizer's answer for a verified principal: Allow on exactly the routes whose scopes the
 * principal holds, in the whole API and stage of `methodArn`, so the answer does not depend on
 * which route was called and a cached answer (API Gateway caches per identity source, not per
 * route) admits nothing the token could not call.
 *
 * IAM's `*` also matches `/`, so an allowed `GET/v1/services/*` would match
 * `GET/v1/services/x/breaker-config` too. Every route the principal may *not* call whose ARNs could
 * match an allowed ARN is therefore denied explicitly (an explicit Deny wins in IAM). The overlap
 * test over-approximates, so the worst case is a stricter policy, never a looser one.
 *
 * With `unknownPaths`, any verified principal may also reach the methods no route declares (the
 * gateway's fallback: `ANY` on every resource and `/{proxy+}`, served by a router that only
 * answers 404 or 405): the Allow then holds `<api>/<stage>/*\/*` too, and so every route the
 * principal may not call is denied explicitly — the same rule as above, with the widest wildcard.
 * A valid token calling an unknown path thus gets the function's 404, not the gateway's 403.
 *
 * @param input.routes - the whole route table
 * @param input.methodArn - the called method (`event.methodArn`); only its API and stage are used
 * @param input.unknownPaths - also allow the methods of no route (the fallback) @default false
 * @returns principalId = the principal; context = {@link principalContext}; usageIdentifierKey =
 *   {@link usageIdentifierKeyOf} (the usage plans' API key)
 * @throws {Error} when `methodArn` is malformed (→ 500 AUTHORIZER_FAILURE, never an allow)
 */
export function authorizerResponse(input: {
  principal: Principal;
  routes: readonly ScopedRoute[];
  methodArn: string;
  unknownPaths?: boolean;
}): AuthorizerResponse {
  const api = parseMethodArn(input.methodArn);
  const allowed = new Set<string>();
  const refused = new Set<string>();
  if (input.unknownPaths) allowed.add(`${stageArn(api)}/*/*`);
  for (const route of input.routes) {
    const target = mayCall(route, input.principal.scopes) ? allowed : refused;
    for (const arn of routeArns(route, api)) target.add(arn);
  }
  const denied = [...refused].filter((arn) => !allowed.has(arn) && [...allowed].some((a) => globsIntersect(a, arn)));
  const Statement: PolicyStatement[] =
    allowed.size > 0
      ? [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [...allowed] }]
      : [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: [input.methodArn] }];
  if (allowed.size > 0 && denied.length > 0)
    Statement.push({ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: denied });
  return {
    principalId: input.principal.principal,
    policyDocument: { Version: '2012-10-17', Statement },
    context: principalContext(input.principal),
    usageIdentifierKey: usageIdentifierKeyOf(input.principal),
  };
}

/**
 * The API key a principal's requests are metered under by the gateway's usage plans: its OAuth
 * client id (`client_id`: one key per agent client, as infra creates one per Cognito app client),
 * else — a token without `client_id` — its subject. Only a key that exists in a usage plan admits
 * the request when the methods require API keys; any other value is refused 403 by API Gateway.
 *
 * @example usageIdentifierKeyOf({ principal: 'agent-1', clientId: '4f1b…', … }) // '4f1b…'
 */
export function usageIdentifierKeyOf(principal: Pick<Principal, 'principal' | 'clientId'>): string {
  return principal.clientId ?? principal.principal;
}

/**
 * The principal as authorizer context: strings only (API Gateway's flattening), scopes joined by
 * spaces, `expiresAt` in seconds since the epoch; absent optional members are left out.
 *
 * @example principalContext(p) // { tenant: 't1', principal: 'agent-1', scopes: 'mesh:read', expiresAt: '1800000000' }
 */
export function principalContext(principal: Principal): Record<string, string> {
  return {
    tenant: principal.tenant,
    principal: principal.principal,
    ...(principal.clientId !== undefined && { clientId: principal.clientId }),
    ...(principal.tokenId !== undefined && { tokenId: principal.tokenId }),
    scopes: principal.scopes.join(' '),
    expiresAt: String(principal.expiresAt),
  };
}

/**
 * The principal back from `requestContext.authorizer` as API Gateway passes it to the integration
 * (the context of {@link principalContext}; API Gateway adds `principalId` and, with caching,
 * `integrationLatency`).
 *
 * @returns undefined when there is no context, it lacks tenant, principal, scopes or a numeric
 *   expiresAt, or its tenant is the framework's reserved one (`FRAMEWORK_TENANT`): the caller is then
 *   unauthenticated (401), never the framework
 */
export function principalFromContext(
  context: Readonly<Record<string, unknown>> | null | undefined,
): Principal | undefined {
  if (!context) return undefined;
  const { tenant, principal, clientId, tokenId, scopes, expiresAt } = context;
  const expiry = typeof expiresAt === 'string' || typeof expiresAt === 'number' ? Number(expiresAt) : Number.NaN;
  if (!nonEmpty(tenant) || !nonEmpty(principal) || typeof scopes !== 'string' || !Number.isFinite(expiry))
    return undefined;
  if (isReservedTenant(tenant)) return undefined;
  return {
    tenant,
    principal,
    ...(nonEmpty(clientId) && { clientId }),
    ...(nonEmpty(tokenId) && { tokenId }),
    scopes: scopes.split(' ').filter((s) => s.length > 0),
    expiresAt: expiry,
  };
}

/**
 * How long an authorizer answer may be cached: the configured TTL, but never past the token's
 * expiry (0 when the token has expired — within the verifier's clock tolerance).
 *
 * @param nowMs - the clock's time, milliseconds since the epoch
 * @param maxTtlSeconds - the authorizer's configured result TTL (API Gateway allows 0–3600 s)
 * @returns whole seconds, rounded down
 * @example cacheTtlSeconds({ expiresAt: 1_000_120 } as Principal, 1_000_000_000, 300) // 120
 */
export function cacheTtlSeconds(principal: Pick<Principal, 'expiresAt'>, nowMs: number, maxTtlSeconds: number): number {
  const remainingSeconds = Math.floor((principal.expiresAt * 1000 - nowMs) / 1000);
  return Math.max(0, Math.min(maxTtlSeconds, remainingSeconds));
}

/**
 * Whether some string matches both IAM-style patterns, where `*` matches any run of characters
 * (including `/`) and everything else is literal. ARNs are short (under ~100 characters) and share
 * their `arn:…/stage/` prefix, which is stripped first.
 *
 * @example globsIntersect('GET/v1/a/*', 'GET/v1/a/x/b') // true: IAM's `*` spans segments
 */
export function globsIntersect(a: string, b: string): boolean {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start] && a[start] !== '*') start++;
  const x = a.slice(start);
  const y = b.slice(start);
  const seen = new Map<number, boolean>();
  const from = (i: number, j: number): boolean => {
    const key = i * (y.length + 1) + j;
    const known = seen.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === x.length && j === y.length) result = true;
    else if (x[i] === '*') result = from(i + 1, j) || (j < y.length && from(i, j + 1));
    else if (y[j] === '*') result = from(i, j + 1) || (i < x.length && from(i + 1, j));
    else result = i < x.length && j < y.length && x[i] === y[j] && from(i + 1, j + 1);
    seen.set(key, result);
    return result;
  };
  return from(0, 0);
}

/** `arn:…:execute-api:{region}:{account}:{apiId}/{stage}`: the prefix of every method ARN of a stage. */
function stageArn(api: Omit<MethodArn, 'method' | 'resourcePath'>): string {
  return `arn:${api.partition}:execute-api:${api.region}:${api.accountId}:${api.apiId}/${api.stage}`;
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}
