/**
 * How a call ended, for the audit trail: `allowed` — it was answered 1xx–3xx; `denied` — 401 or
 * 403 (unauthenticated, a missing scope, another tenant's name); `failed` — any other status
 * (validation, conflict, not found, a server error).
 */
export type AuditOutcome = 'allowed' | 'denied' | 'failed';

/** Who wrote the record: an HTTP function's pipeline, the Lambda authorizer, or the (local) gateway. */
export type AuditRecorder = 'function' | 'authorizer' | 'gateway';

/**
 * One structured audit record: who did what to which resource, when, from where, and how it
 * ended. It never holds a token, a secret, a header value or a body — only identifiers the
 * verified token carried (`jti`, never the token), the route and its path parameters, the status.
 */
export type AuditRecord = {
  /** Unique id of the record (a UUID). */
  readonly id: string;
  /** When the call was answered, ISO 8601 UTC with milliseconds (`2026-11-30T10:00:00.000Z`). */
  readonly time: string;
  /** API Gateway's request id (the problem's `instance`). */
  readonly requestId: string;
  /** The route table's operation id; '' when the request matched no route (the gateway, the authorizer). */
  readonly operationId: string;
  /** HTTP method, upper case. */
  readonly method: string;
  /** The tenant acting; '' when the caller is unknown (not authenticated). */
  readonly tenant: string;
  /** The principal acting (`sub`); '' when the caller is unknown. */
  readonly principal: string;
  /** The OAuth client (`client_id`), when the token names one. */
  readonly clientId?: string;
  /** The token's `jti`, when it has one. */
  readonly tokenId?: string;
  /** The caller's address as API Gateway saw it. */
  readonly sourceIp?: string;
  /** What kind of resource: the route's static path segments after `/v1`, e.g. `contracts/versions`. */
  readonly resourceType: string;
  /** Which one: the path parameters in order (`petstore/1.0.0`), or the created resource's id. */
  readonly resourceId?: string;
  /** The answer's HTTP status. */
  readonly status: number;
  readonly outcome: AuditOutcome;
  /** Why a call was denied (the problem's detail), for `denied` records. */
  readonly reason?: string;
  readonly recordedBy: AuditRecorder;
};

/** The caller as the audit trail records it (a `Principal` fits). */
export type AuditCaller = {
  readonly tenant: string;
  readonly principal: string;
  readonly clientId?: string;
  readonly tokenId?: string;
};

/** What {@link buildAuditRecord} takes: the call's facts, none of its content. */
export type AuditInput = {
  id: string;
  time: Date;
  requestId: string;
  method: string;
  /** The matched route's operation id and path template (`/v1/contracts/{name}`); absent: no route. */
  route?: { operationId: string; path: string };
  /** The concrete request path, used for the resource type when no route matched. */
  path: string;
  /** Path parameters by name (raw strings). */
  pathParameters?: Readonly<Record<string, string>>;
  /** The created resource's id (from `Location`, or the answer's `id`), when the route has no path parameter. */
  createdId?: string;
  caller?: AuditCaller;
  sourceIp?: string;
  status: number;
  /** The problem's detail of a denial. */
  reason?: string;
  recordedBy: AuditRecorder;
};

/** Longest text kept for a reason or resource id; longer ones are cut (a record stays small). */
export const MAX_AUDIT_TEXT = 256;

/** Methods that change nothing by definition (RFC 9110 §9.2.1 safe methods). */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether a call gets an audit record: every 401 and 403, and every call of a route that changes
 * state — a method other than GET, HEAD and OPTIONS on a route not marked `readOnly` (issue 10's
 * "every state-changing call and every 401/403"). Requests that matched no route change nothing.
 *
 * @example isAudited({ method: 'POST', route: { readOnly: true }, status: 200 }) // false
 */
export function isAudited(call: { method: string; route?: { readOnly?: boolean }; status: number }): boolean {
  if (call.status === 401 || call.status === 403) return true;
  if (!call.route || call.route.readOnly) return false;
  return !SAFE_METHODS.has(call.method.toUpperCase());
}

/**
 * The outcome a status stands for: 401 and 403 `denied`, below 400 `allowed`, else `failed`.
 *
 * @example outcomeOf(403) // 'denied'
 */
export function outcomeOf(status: number): AuditOutcome {
  if (status === 401 || status === 403) return 'denied';
  return status < 400 ? 'allowed' : 'failed';
}

/**
 * Builds the audit record of one call (pure). The resource type is the route's static path
 * segments after `/v1` (`/v1/contracts/{name}/versions/{version}` → `contracts/versions`; the mesh
 * relay `/v1/mesh/{service}/{proxy+}` → `mesh`), the id its path parameters in path order — the
 * relay's `proxy+` left out, it is the callee's path — or `createdId`. Free text (reason, ids) is
 * cut to {@link MAX_AUDIT_TEXT} characters and anything shaped like a JWT (`eyJ…`) or a webhook
 * secret (`whsec_…`) is replaced by `[redacted]`: a path parameter is caller input.
 *
 * @example buildAuditRecord({ id, time, requestId: 'r1', method: 'DELETE', route: { operationId: 'deleteSubscription', path: '/v1/subscriptions/{id}' }, path: '/v1/subscriptions/s1', pathParameters: { id: 's1' }, status: 204, recordedBy: 'function' }).resourceId // 's1'
 */
export function buildAuditRecord(input: AuditInput): AuditRecord {
  const template = input.route?.path ?? input.path;
  const resourceId = resourceIdOf(template, input.pathParameters ?? {}) ?? input.createdId;
  const outcome = outcomeOf(input.status);
  const caller = input.caller;
  return {
    id: input.id,
    time: input.time.toISOString(),
    requestId: clean(input.requestId),
    operationId: input.route?.operationId ?? '',
    method: input.method.toUpperCase(),
    tenant: caller?.tenant ?? '',
    principal: caller?.principal ?? '',
    ...(caller?.clientId !== undefined && { clientId: caller.clientId }),
    ...(caller?.tokenId !== undefined && { tokenId: clean(caller.tokenId) }),
    ...(input.sourceIp !== undefined && { sourceIp: input.sourceIp }),
    resourceType: resourceTypeOf(input.route ? template : undefined),
    ...(resourceId !== undefined && resourceId !== '' && { resourceId: clean(resourceId) }),
    status: input.status,
    outcome,
    ...(outcome === 'denied' && input.reason !== undefined && { reason: clean(input.reason) }),
    recordedBy: input.recordedBy,
  };
}

/** `contracts/versions` for `/v1/contracts/{name}/versions/{version}`; `unknown` without a route. */
function resourceTypeOf(template: string | undefined): string {
  if (template === undefined) return 'unknown';
  const segments = template
    .split('/')
    .filter((s) => s.length > 0 && !s.startsWith('{'))
    .slice(1);
  return segments.length > 0 ? segments.join('/') : 'unknown';
}

function resourceIdOf(template: string, parameters: Readonly<Record<string, string>>): string | undefined {
  const names = [...template.matchAll(/\{([^}+]+)\}/g)].map((m) => m[1] as string);
  const values = names.map((name) => parameters[name]).filter((v): v is string => v !== undefined && v !== '');
  return values.length > 0 ? values.join('/') : undefined;
}

/** Token- or secret-shaped text: JWS/JWE compact serializations, Standard Webhooks secrets. */
const SECRET_SHAPES = /eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)*|whsec_[A-Za-z0-9+/=_-]*/g;

/**
 * Caller-influenced text as a record may hold it: secret-shaped runs redacted, cut to
 * {@link MAX_AUDIT_TEXT} characters.
 *
 * @example redactSecrets('bad token eyJhbGciOi.x.y') // 'bad token [redacted]'
 */
export function redactSecrets(text: string): string {
  return text.replace(SECRET_SHAPES, '[redacted]');
}

const clean = (text: string): string => redactSecrets(text).slice(0, MAX_AUDIT_TEXT);
