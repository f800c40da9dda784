import * as z from 'zod';
import type { Owner } from '../auth/owner';
import { MAX_WEIGHT, MeshNameSchema } from './service-instance';

/** The header naming the caller of a routed call, which the router sets (see {@link meshSourceOf}). */
export const MESH_SOURCE_HEADER = 'x-mesh-source';

/**
 * The `x-mesh-source` the router forwards: the authenticated caller as `<tenant>/<principal>`,
 * each part percent-encoded (`encodeURIComponent`), so the one `/` always separates the two and
 * a principal holding `/` cannot pass for another tenant's. Whatever `x-mesh-source` the client
 * sent is dropped: an upstream can trust this one, because only the router writes it.
 *
 * @example meshSourceOf({ tenant: 'acme', principal: 'gateway' }) // 'acme/gateway'
 * @example meshSourceOf({ tenant: 'a/b', principal: 'c d' }) // 'a%2Fb/c%20d'
 */
export function meshSourceOf(caller: Owner): string {
  return `${encodeURIComponent(caller.tenant)}/${encodeURIComponent(caller.principal)}`;
}

/**
 * Headers the router owns: hop-by-hop ones (RFC 9110 §7.6.1), framing, Host, the W3C trace
 * context and `x-mesh-source`, which it sets itself. Never forwarded either way, and never added
 * by a rule.
 */
export const ROUTER_OWNED_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'traceparent',
  'tracestate',
  'x-trace-id',
  'x-span-id',
  MESH_SOURCE_HEADER,
]);

/**
 * Credential headers: the caller's are never forwarded and no rule may add one, so a routed call
 * cannot carry the caller's token, session cookie or API key to an upstream, nor a rule plant one
 * (issue 11, "a relay that cannot be turned against its callers"). `Authorization`, `Cookie`,
 * `X-Api-Key` (API Gateway's key header), and every `X-Amz-*` header (SigV4 signatures, security
 * tokens). A service's outbound credential comes from its settings' secret reference instead.
 *
 * @param name - a header name, any case
 * @returns true for a credential header
 * @example isCredentialHeader('X-Amz-Security-Token') // true
 */
export function isCredentialHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === 'authorization' || lower === 'cookie' || lower === 'x-api-key' || lower.startsWith('x-amz-');
}

/** A rule's per-attempt timeout when it sets none, milliseconds. */
export const DEFAULT_RULE_TIMEOUT_MS = 10_000;

/**
 * Per-attempt timeout, milliseconds: at most 25 s, so an attempt and its answer fit in API
 * Gateway's 29 s integration timeout.
 */
const TimeoutMsSchema = z.number().int().min(100).max(25_000).default(DEFAULT_RULE_TIMEOUT_MS);

/** HTTP methods a rule can match. */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** A header condition: an exact value, a prefix, or presence. */
const HeaderConditionSchema = z.union([
  z.object({ equals: z.string().max(1024) }).strict(),
  z.object({ prefix: z.string().max(1024) }).strict(),
  z.object({ present: z.boolean() }).strict(),
]);

/**
 * `POST /v1/routing-rules`: how calls from one service to another are routed. Matching is data,
 * not code: methods, a path prefix, header conditions (all must hold). Traffic is split between
 * instance versions by `splits` (semver ranges with weights, e.g. 90/10 canary); within a split,
 * instances share by their own weights.
 */
const RoutingRuleFields = z
  .object({
    id: MeshNameSchema,
    /**
     * The caller the rule applies to: the authenticated principal calling through the router (its
     * token's subject; with auth off every caller is `anonymous`), or `*` for any caller. Rules
     * are the tenant's own, so a name means that principal of the tenant.
     */
    sourceService: z.union([MeshNameSchema, z.literal('*')]),
    targetService: MeshNameSchema,
    match: z
      .object({
        methods: z.array(z.enum(METHODS)).min(1).max(METHODS.length).optional(),
        pathPrefix: z.string().max(1024).regex(/^\//, 'must start with "/"').optional(),
        headers: z
          .record(
            z
              .string()
              .max(128)
              .regex(/^[A-Za-z0-9-]+$/),
            HeaderConditionSchema,
          )
          .optional(),
      })
      .strict()
      .default({}),
    /** Version splits; weights are relative and at least one must be > 0. */
    splits: z
      .array(
        z
          .object({
            /** A semver range the instance version must satisfy, e.g. `1.x` or `>=2.0.0-0`. */
            versions: z.string().min(1).max(128),
            weight: z.number().int().min(0).max(MAX_WEIGHT),
          })
          .strict(),
      )
      .min(1)
      .max(20)
      .optional(),
    /**
     * Share of its source's traffic this rule's target gets, relative to the other weighted rules
     * of the same source and priority that match the call (the seed's RoutingRule.weight, as its
     * `selectInstance` draws rules). Absent: the rule is not part of such a split.
     */
    weight: z.number().int().min(0).max(MAX_WEIGHT).optional(),
    /** Rule priority: the highest-priority matching rule applies. */
    priority: z.number().int().min(0).max(1000).default(0),
    /**
     * Headers added to forwarded requests: not hop-by-hop, framing, Host or trace headers, which the
     * router owns, nor credential headers ({@link isCredentialHeader}).
     */
    headersToAdd: z
      .record(
        z
          .string()
          .max(128)
          .regex(/^[A-Za-z0-9-]+$/)
          .refine((name) => !ROUTER_OWNED_HEADERS.has(name.toLowerCase()), {
            message: 'is set by the router (hop-by-hop, framing, Host or trace context) and cannot be added',
          })
          .refine((name) => !isCredentialHeader(name), {
            message:
              "is a credential header (Authorization, Cookie, X-Api-Key, X-Amz-*): set the service's credential secret instead",
          }),
        z
          .string()
          .max(1024)
          .refine((value) => ![...value].some((c) => c !== '\t' && (c < ' ' || c === '\u007f')), {
            message: 'must hold no control characters',
          }),
      )
      .default({}),
    /** Per-attempt timeout, milliseconds (see TimeoutMsSchema); the seed's `timeout` is another name of it. */
    timeoutMs: TimeoutMsSchema,
    /** Retries onto (preferably) another instance after a retryable failure. */
    retries: z.number().int().min(0).max(5).default(2),
  })
  .strict();

/**
 * A stored routing rule, as the API answers it: the input with its defaults filled and the seed's
 * `timeout` folded into `timeoutMs`.
 */
export const StoredRoutingRuleSchema = RoutingRuleFields.extend({ timeoutMs: TimeoutMsSchema.unwrap() });

/**
 * `POST /v1/routing-rules` as sent: {@link StoredRoutingRuleSchema}'s members, plus the seed's
 * `timeout` (milliseconds, as the seed's examples use) as another name of `timeoutMs` — the two
 * may both be given only with the same value. The output holds `timeoutMs` only.
 */
export const RoutingRuleSchema = RoutingRuleFields.extend({
  /** The seed's name of `timeoutMs`: per-attempt timeout, milliseconds (100–25 000). */
  timeout: TimeoutMsSchema.unwrap().optional(),
  timeoutMs: TimeoutMsSchema.unwrap().optional(),
})
  .superRefine((rule, ctx) => {
    if (rule.timeout !== undefined && rule.timeoutMs !== undefined && rule.timeout !== rule.timeoutMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['timeout'],
        message: `is another name of timeoutMs (milliseconds); give one, or both equal (timeoutMs is ${rule.timeoutMs})`,
      });
    }
  })
  .transform(
    ({ timeout, timeoutMs, ...rule }): z.output<typeof StoredRoutingRuleSchema> => ({
      ...rule,
      timeoutMs: timeoutMs ?? timeout ?? DEFAULT_RULE_TIMEOUT_MS,
    }),
  );

export type RoutingRule = z.output<typeof StoredRoutingRuleSchema>;
