import * as z from 'zod';
import { MAX_WEIGHT, MeshNameSchema } from './service-instance';

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
    /** Headers added to forwarded requests. */
    headersToAdd: z
      .record(
        z
          .string()
          .max(128)
          .regex(/^[A-Za-z0-9-]+$/),
        z.string().max(1024),
      )
      .default({}),
    /** Per-attempt timeout, milliseconds. */
    timeoutMs: z.number().int().min(100).max(29_000).default(10_000),
    /** Retries onto (preferably) another instance after a retryable failure. */
    retries: z.number().int().min(0).max(5).default(2),
  })
  .strict();

export type RoutingRule = z.output<typeof RoutingRuleSchema>;
