import * as z from 'zod';
import { MAX_WEIGHT, MeshNameSchema } from './service-instance';

/**
 * Headers the router owns: hop-by-hop ones (RFC 9110 §7.6.1), framing, Host, and the W3C trace
 * context it sets itself. Never forwarded either way, and never added by a rule.
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
]);

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
export const RoutingRuleSchema = z
  .object({
    id: MeshNameSchema,
    /** The calling service (`*` for any caller, including clients outside the mesh). */
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
    /** Rule priority: the highest-priority matching rule applies. */
    priority: z.number().int().min(0).max(1000).default(0),
    /** Headers added to forwarded requests: not hop-by-hop, framing, Host or trace headers, which the router owns. */
    headersToAdd: z
      .record(
        z
          .string()
          .max(128)
          .regex(/^[A-Za-z0-9-]+$/)
          .refine((name) => !ROUTER_OWNED_HEADERS.has(name.toLowerCase()), {
            message: 'is set by the router (hop-by-hop, framing, Host or trace context) and cannot be added',
          }),
        z
          .string()
          .max(1024)
          .refine((value) => ![...value].some((c) => c !== '\t' && (c < ' ' || c === '\u007f')), {
            message: 'must hold no control characters',
          }),
      )
      .default({}),
    /**
     * Per-attempt timeout, milliseconds: at most 25 s, so an attempt and its answer fit in API
     * Gateway's 29 s integration timeout.
     */
    timeoutMs: z.number().int().min(100).max(25_000).default(10_000),
    /** Retries onto (preferably) another instance after a retryable failure. */
    retries: z.number().int().min(0).max(5).default(2),
  })
  .strict();

export type RoutingRule = z.output<typeof RoutingRuleSchema>;
