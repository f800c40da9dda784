import * as z from 'zod';
import {
  CompatibilityModeSchema,
  ContractDocumentSchema,
  ContractNameSchema,
  HTTP_METHODS,
} from '../shared/domain/contracts/contract';
import { EventIdSchema, EventTypeSchema, IntegrationEventSchema } from '../shared/domain/events/integration-event';
import { SubscriptionIdSchema, SubscriptionInputSchema } from '../shared/domain/events/subscription';
import { BreakerConfigSchema } from '../shared/domain/mesh/circuit-breaker';
import { RoutingRuleSchema, StoredRoutingRuleSchema } from '../shared/domain/mesh/routing-rule';
import { INSTANCE_STATUSES, MeshNameSchema, ServiceInstanceInputSchema } from '../shared/domain/mesh/service-instance';
import { ErrorSourceSchema } from '../shared/domain/resilience/counting';
import { ERROR_CATEGORIES, type ErrorCategory } from '../shared/domain/resilience/integration-error';
import { ALERT_WINDOWS, ErrorPolicySchema, PolicyKeySchema } from '../shared/domain/resilience/policy';
import { MAX_EVENTS_PER_REQUEST } from '../shared/use-cases/publish-events';
import { ReplayRequestSchema } from '../shared/use-cases/replays';
import { ErrorReportSchema } from '../shared/use-cases/report-error';

/** Request and response shapes of the HTTP API, shared by the router and the OpenAPI document. */

const booleanFlag = z
  .enum(['true', 'false'])
  .transform((v) => v === 'true')
  .meta({ description: '`true` or `false`' });

/** Who owns a stored object (`shared/domain/auth/owner.ts`): its tenant and the principal that wrote it. */
export const OwnerSchema = z
  .object({
    tenant: z.string().meta({ description: 'The tenant the object belongs to; only that tenant sees it' }),
    principal: z.string().meta({ description: 'The principal (token subject) that wrote it' }),
  })
  .meta({ id: 'Owner' });

export const NameParams = z.object({ name: ContractNameSchema });
export const NameVersionParams = z.object({ name: ContractNameSchema, version: z.string().min(1).max(256) });

export const RegisterContractQuery = z.object({
  name: ContractNameSchema.optional().meta({ description: "Overrides an OpenAPI document's info.title" }),
  version: z.string().min(1).max(256).optional().meta({ description: "Overrides an OpenAPI document's info.version" }),
  compatibility: CompatibilityModeSchema.optional(),
  dryRun: booleanFlag.optional(),
});

/** A page size: decimal digits only (no `0x10`, `1e1`), between 1 and `max`. */
function pageLimit(max: number, fallback: number) {
  return z
    .string()
    .regex(/^[0-9]{1,4}$/, 'must be a decimal integer')
    .transform(Number)
    .pipe(z.number().int().min(1).max(max))
    .default(fallback)
    .meta({ description: `Page size, 1-${max} (default ${fallback})` });
}

export const ListQuery = z.object({
  limit: pageLimit(100, 25),
  cursor: z.string().min(1).max(2048).optional(),
});

export const LatestQuery = z.object({ prerelease: booleanFlag.optional() });

const StoredContractSchema = ContractDocumentSchema.and(
  z.object({
    id: z.string(),
    owner: OwnerSchema.meta({ description: "The caller's tenant and the principal that registered this version" }),
    compatibility: CompatibilityModeSchema,
    contentHash: z.string(),
    createdAt: z.string(),
    deprecated: z.boolean(),
    deprecatedAt: z.string().optional(),
  }),
).meta({ id: 'ContractVersion' });

export const CompatibilityReportSchema = z
  .object({
    mode: CompatibilityModeSchema,
    compatible: z.boolean(),
    checkedAgainst: z.array(z.string()),
    issues: z.array(z.object({ rule: z.string(), pointer: z.string(), message: z.string(), against: z.string() })),
  })
  .meta({ id: 'CompatibilityReport' });

export const RegisterContractResponse = z.object({
  outcome: z.enum(['created', 'unchanged', 'dry-run']),
  wouldBe: z.enum(['created', 'unchanged', 'version-conflict', 'incompatible']).optional(),
  contract: StoredContractSchema,
  compatibility: CompatibilityReportSchema,
  warnings: z
    .array(z.object({ pointer: z.string(), message: z.string() }))
    .meta({ description: 'Schema names the endpoints use that /schemas does not define (registered anyway)' }),
});

export const ContractResponse = StoredContractSchema;

/** A document this API describes itself with, or one a client registers: OpenAPI 3.x or Swagger 2.0. */
const OpenApiDocumentSchema = z
  .union([
    z.looseObject({ openapi: z.string().regex(/^3\./), info: z.looseObject({}) }),
    z.looseObject({ swagger: z.literal('2.0'), info: z.looseObject({}) }),
  ])
  .meta({
    id: 'OpenApiDocument',
    description: 'An OpenAPI 3.0/3.1 or Swagger 2.0 document, imported as a contract (JSON or YAML)',
  });

/**
 * What `POST /v1/contracts` reads: a contract document (the server adds `id`, `contentHash`,
 * `createdAt`… itself) or an OpenAPI/Swagger document. The operation validates it (422 with pointers).
 */
export const RegisterContractBody = z.union([
  ContractDocumentSchema.meta({ id: 'ContractDocument' }),
  OpenApiDocumentSchema,
]);

export const ContractListResponse = z.object({
  items: z.array(
    z.object({
      name: z.string(),
      compatibility: CompatibilityModeSchema,
      versionCount: z.number().int(),
      updatedAt: z.string(),
    }),
  ),
  nextCursor: z.string().optional(),
});

export const VersionListResponse = z.object({
  name: z.string(),
  items: z.array(
    z.object({
      version: z.string(),
      deprecated: z.boolean(),
      createdAt: z.string(),
      contentHash: z.string(),
      owner: OwnerSchema,
    }),
  ),
});

const method = z
  .string()
  .transform((m) => m.toUpperCase())
  .pipe(z.enum(HTTP_METHODS));
const concretePath = z
  .string()
  .regex(/^\/[^?#\s]*$/, 'must start with "/" and hold no query, fragment or spaces (send the query in request.query)')
  .max(2048);

export const ValidateRequestBody = z
  .object({
    version: z.string().min(1).optional(),
    method,
    path: concretePath,
    request: z
      .object({
        body: z.unknown().optional(),
        query: z.record(z.string(), z.unknown()).optional(),
        headers: z.record(z.string(), z.unknown()).optional(),
        pathParameters: z.record(z.string(), z.unknown()).optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

export const ValidateResponseBody = z
  .object({
    version: z.string().min(1).optional(),
    method,
    path: concretePath,
    status: z.number().int().min(100).max(599),
    body: z.unknown().optional(),
  })
  .strict();

export const ValidationResultResponse = z.object({
  valid: z.boolean(),
  errors: z.array(z.object({ instancePath: z.string(), keyword: z.string(), message: z.string() })),
  version: z.string(),
  endpoint: z.string(),
});

export const HealthResponse = z.object({
  status: z.enum(['ok']),
  checks: z.record(z.string(), z.enum(['ok'])),
});

// ---- Error policies, error reports and counts ----

export const PolicyKeyParams = z.object({
  key: PolicyKeySchema.meta({ description: 'An error code (e.g. HTTP_503), a category, or `default`' }),
});

export const ErrorPolicyBody = ErrorPolicySchema.meta({ id: 'ErrorPolicy' });

/** Conditional-request headers of every conditional write (RFC 9110 §13.1), read by `expectedRevisionOf`. */
export const ConditionalHeaders = z.object({
  'if-match': z.string().max(2048).optional().meta({
    description:
      'Write only if the stored resource has one of these ETags ("<revision>", weak tags never match), or exists at all (*)',
  }),
  'if-none-match': z.string().max(16).optional().meta({ description: '`*`: write only if nothing is stored' }),
});

export const ErrorPolicyResponse = z
  .object({
    key: z.string(),
    policy: ErrorPolicyBody,
    origin: z.enum(['custom', 'built-in']),
    revision: z.number().int().optional().meta({ description: 'Revision of a stored policy; also its ETag' }),
    updatedAt: z.string().optional(),
    updatedBy: OwnerSchema.optional().meta({
      description: 'Who wrote a stored policy last (policies are framework-wide; writing one needs errors:admin)',
    }),
  })
  .meta({ id: 'ErrorPolicyView' });

export const ErrorPolicyListResponse = z.object({ items: z.array(ErrorPolicyResponse) });

export const ReportErrorBody = ErrorReportSchema;

const IntegrationErrorResponse = z
  .object({
    code: z.string(),
    category: z.enum(ERROR_CATEGORIES as [ErrorCategory, ...ErrorCategory[]]),
    message: z.string(),
    source: z.string(),
    timestamp: z.number().int().meta({ description: 'Milliseconds since the Unix epoch' }),
    retryable: z.boolean(),
    retryAfterMs: z.number().int().optional(),
    context: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'IntegrationError' });

const AlertState = z.object({
  eventId: z.string(),
  window: z.enum(ALERT_WINDOWS),
  windowStart: z.string(),
  threshold: z.number().int(),
  state: z.enum(['pending', 'published']),
  raisedNow: z.boolean(),
});

export const ReportErrorResponse = z.object({
  error: IntegrationErrorResponse,
  resolution: z
    .object({
      action: z.enum(['retry', 'fail', 'fallback']),
      delayMs: z.number().int().optional().meta({ description: 'Wait before the next attempt (action retry)' }),
      fallbackAction: z.string().optional(),
      reason: z.string().optional(),
      message: z.string(),
    })
    .meta({ id: 'ErrorResolution' }),
  policy: z.object({ key: z.string(), origin: z.enum(['custom', 'built-in']) }),
  counts: z.object({ '1m': z.number().int(), '1h': z.number().int() }),
  alert: AlertState.optional(),
});

export const ErrorStatsQuery = z.object({
  window: z.enum(ALERT_WINDOWS).default('1m'),
  source: ErrorSourceSchema.optional(),
  at: z.iso
    .datetime({ offset: true })
    .optional()
    .meta({ description: 'Any time inside the wanted window (ISO 8601); the current window by default' }),
  limit: pageLimit(100, 100),
  cursor: z.string().min(1).max(2048).optional(),
});

export const ErrorStatsResponse = z.object({
  window: z.enum(ALERT_WINDOWS),
  windowStart: z.string(),
  windowEnd: z.string(),
  items: z.array(
    z.object({
      source: z.string(),
      code: z.string(),
      category: z.string(),
      count: z.number().int(),
      lastSeenAt: z.string(),
      alert: z
        .object({
          eventId: z.string(),
          raisedAt: z.string(),
          state: z.enum(['pending', 'published']),
          threshold: z.number().int(),
        })
        .optional(),
    }),
  ),
  nextCursor: z.string().optional(),
});

// ---- Event bus ----

export const PublishEventsBody = z
  .union([IntegrationEventSchema, z.array(IntegrationEventSchema).min(1).max(MAX_EVENTS_PER_REQUEST)])
  .meta({ description: `One event envelope, or an array of 1–${MAX_EVENTS_PER_REQUEST}` });

const EventResultSchema = z
  .object({
    index: z.number().int(),
    id: z.string().optional(),
    status: z.enum(['published', 'duplicate', 'rejected', 'forbidden', 'conflict', 'failed']).meta({
      description: "forbidden (403): the event's source belongs to another tenant, or is the framework's (aif, aif.*)",
    }),
    eventBridgeId: z.string().optional(),
    publishedAt: z.string().optional(),
    httpStatus: z.number().int().optional(),
    detail: z.string().optional(),
    errors: z.array(z.object({ pointer: z.string(), message: z.string(), keyword: z.string().optional() })).optional(),
  })
  .meta({ id: 'EventResult' });

export const PublishEventsResponse = z.object({
  results: z.array(EventResultSchema).meta({ description: "Every event's outcome, in input order" }),
  failedEntryCount: z
    .number()
    .int()
    .min(0)
    .meta({ description: 'Events not on the bus (as PutEvents reports FailedEntryCount): 0 with 202' }),
});

/**
 * RFC 9457 problem details. Extension members are allowed (§3.2): publish problems carry every
 * event's outcome (`results`, `failedEntryCount`), 406 problems the media types on offer
 * (`available`); clients ignore members they do not know.
 */
export const ProblemDetailsSchema = z
  .looseObject({
    type: z.string().meta({ description: 'Stable problem type URI, e.g. urn:aif:problem:validation-failed' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z
      .array(z.object({ pointer: z.string(), detail: z.string(), keyword: z.string().optional() }))
      .optional()
      .meta({ description: 'One entry per problem; `pointer` is a JSON pointer into the request (RFC 6901)' }),
    results: z
      .array(EventResultSchema)
      .optional()
      .meta({ description: "POST /v1/events: every event's outcome, in input order" }),
    failedEntryCount: z
      .number()
      .int()
      .min(0)
      .optional()
      .meta({ description: 'POST /v1/events: events not on the bus' }),
    available: z.array(z.string()).optional().meta({ description: '406: the media types this route can answer with' }),
  })
  .meta({ id: 'ProblemDetails', description: 'RFC 9457 problem details' });

export const EventIdParams = z.object({ id: EventIdSchema });

export const EventRecordResponse = z
  .object({
    event: IntegrationEventSchema,
    contentHash: z.string(),
    status: z.enum(['pending', 'published', 'failed']),
    receivedAt: z.string(),
    publishedAt: z.string().optional(),
    eventBridgeId: z.string().optional(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
    owner: OwnerSchema,
  })
  .meta({ id: 'EventRecord' });

export const EventsByCorrelationQuery = z.object({
  correlationId: EventIdSchema,
  limit: pageLimit(100, 100),
  cursor: z.string().min(1).max(2048).optional(),
});

export const EventListResponse = z.object({ items: z.array(EventRecordResponse), nextCursor: z.string().optional() });

export const SubscriptionBody = SubscriptionInputSchema.meta({ id: 'SubscriptionRequest' });
export const SubscriptionIdParams = z.object({ id: SubscriptionIdSchema });

export const SubscriptionResponse = z
  .object({
    id: z.string(),
    eventType: z.string(),
    filter: z.record(z.string(), z.unknown()).optional(),
    target: z.object({
      type: z.literal('webhook'),
      url: z.string(),
      secret: z.string().optional().meta({ description: 'Only in the answer that created the subscription' }),
    }),
    maxRetries: z.number().int(),
    retryPolicy: z.object({
      backoffStrategy: z.string(),
      initialDelayMs: z.number().int(),
      maxDelayMs: z.number().int(),
      jitter: z.string().optional(),
    }),
    timeoutMs: z.number().int(),
    priority: z.number().int(),
    status: z.enum(['provisioning', 'active']),
    ruleArn: z.string().optional(),
    createdAt: z.string(),
    owner: OwnerSchema,
  })
  .meta({ id: 'Subscription' });

export const SubscriptionListResponse = z.object({ items: z.array(SubscriptionResponse) });

export const PatternTestBody = z
  .object({
    pattern: z.unknown().meta({ description: 'An EventBridge event pattern' }),
    event: z
      .unknown()
      .meta({ description: 'An event as EventBridge delivers it (version, id, detail-type, source, …, detail)' }),
  })
  .strict();

export const PatternTestResponse = z.object({ matches: z.boolean() });

const DeadLetterSchema = z
  .object({
    id: z.string(),
    subscriptionId: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    event: z.record(z.string(), z.unknown()),
    attempts: z.number().int(),
    reason: z.enum(['retries-exhausted', 'not-retryable', 'subscription-not-found']),
    lastStatus: z.number().int().optional(),
    lastError: z.object({ code: z.string(), category: z.string(), message: z.string() }),
    createdAt: z.string(),
    owner: OwnerSchema,
  })
  .meta({ id: 'DeadLetter' });

export const DeadLetterQuery = z.object({
  subscriptionId: SubscriptionIdSchema.optional(),
  type: EventTypeSchema.optional(),
  limit: pageLimit(100, 25),
  cursor: z.string().min(1).max(2048).optional(),
});

export const DeadLetterListResponse = z.object({ items: z.array(DeadLetterSchema), nextCursor: z.string().optional() });

export const DeadLetterIdParams = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^dl-[0-9]{13}-[0-9a-f]{8}$/, 'is not a dead-letter id (dl-<ms>-<hex>)'),
});

export const RedriveBody = z
  .object({
    ids: z.array(DeadLetterIdParams.shape.id).min(1).max(100).optional(),
    subscriptionId: SubscriptionIdSchema.optional(),
  })
  .strict()
  .refine((b) => (b.ids === undefined) !== (b.subscriptionId === undefined), {
    path: ['ids'],
    message: 'give ids or subscriptionId (exactly one of them)',
    // Also when a member failed, so one answer names every problem.
    when: (payload) => typeof payload.value === 'object' && payload.value !== null,
  });

export const RedriveResponse = z.object({
  redriven: z.number().int(),
  redrivenIds: z.array(z.string()),
  notFound: z.array(z.string()),
  inProgress: z.array(z.string()),
});

export const ReplayBody = ReplayRequestSchema;
export const ReplayNameParams = z.object({
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._-]+$/),
});
export const ReplayResponse = z
  .object({
    name: z.string(),
    state: z.enum(['STARTING', 'RUNNING', 'CANCELLING', 'COMPLETED', 'CANCELLED', 'FAILED']),
    from: z.string(),
    to: z.string(),
    eventTypes: z.array(z.string()).optional(),
    stateReason: z.string().optional(),
    replayedCount: z.number().int().optional(),
    startedAt: z.string().optional(),
    endedAt: z.string().optional(),
    owner: OwnerSchema,
  })
  .meta({ id: 'Replay' });

// ---- Service mesh ----

export const ServiceInstanceBody = ServiceInstanceInputSchema.meta({ id: 'ServiceRegistration' });

export const ServiceInstanceResponse = z
  .object({
    id: z.string(),
    name: z.string(),
    version: z.string(),
    endpoint: z.string(),
    healthEndpoint: z.string(),
    metadata: z.record(z.string(), z.string()),
    weight: z.number().int(),
    status: z.enum(INSTANCE_STATUSES),
    owner: OwnerSchema,
    revision: z.number().int(),
    registeredAt: z.string(),
    lastHeartbeatAt: z.string(),
    lastHealthCheck: z
      .object({
        at: z.string(),
        status: z.enum(INSTANCE_STATUSES),
        httpStatus: z.number().int().optional(),
        error: z.string().optional(),
        latencyMs: z.number().optional(),
      })
      .optional(),
  })
  .meta({ id: 'ServiceInstance' });

/** What registration answers: the instance, and `warnings` when it ignored a member it owns. */
export const RegisteredInstanceResponse = ServiceInstanceResponse.extend({
  warnings: z
    .array(z.object({ pointer: z.string(), message: z.string(), keyword: z.string().optional() }))
    .optional()
    .meta({ description: "Members sent but ignored because the server owns them (the seed's lastHealthCheck)" }),
});

export const ServiceInstanceListResponse = z.object({ items: z.array(ServiceInstanceResponse) });
export const MeshIdParams = z.object({ id: MeshNameSchema });
export const RoutingRuleBody = RoutingRuleSchema.meta({ id: 'RoutingRuleInput' });
export const RoutingRuleResponse = StoredRoutingRuleSchema.extend({ owner: OwnerSchema }).meta({
  id: 'RoutingRule',
});
export const RoutingRuleListResponse = z.object({ items: z.array(RoutingRuleResponse) });

export const TopologyResponse = z
  .object({
    services: z.array(
      z.object({
        name: z.string(),
        versions: z.array(z.string()),
        instanceCount: z.number().int(),
        healthyCount: z.number().int(),
      }),
    ),
    connections: z.array(z.object({ source: z.string(), target: z.string(), weight: z.number(), ruleId: z.string() })),
  })
  .meta({ id: 'ServiceTopology' });

export const BreakerListResponse = z.object({
  items: z.array(
    z.object({
      instanceId: z.string(),
      service: z.string().optional(),
      state: z.enum(['closed', 'open', 'half-open']),
      failureCount: z.number().int(),
      openedAt: z.number().int().optional(),
      permits: z.record(z.string(), z.number()),
      successes: z.number().int(),
      version: z.number().int(),
      updatedAt: z.number().int().optional(),
    }),
  ),
});

export const MeshProxyParams = z.object({ service: MeshNameSchema, proxy: z.string().min(1).max(2048) });

export const BreakerConfigBody = BreakerConfigSchema.meta({ id: 'BreakerConfig' });
export const BreakerConfigResponse = z.object({
  service: z.string(),
  config: BreakerConfigSchema,
  origin: z.enum(['service', 'default']),
  owner: OwnerSchema.optional().meta({ description: 'Who stored the settings (absent for the defaults)' }),
});

/** An ISO 8601 date-time (with `Z` or an offset), normalised to UTC with milliseconds as records store it. */
const auditTime = z.iso
  .datetime({ offset: true })
  .transform((v) => new Date(v).toISOString())
  .meta({ description: 'ISO 8601 date-time, inclusive' });

export const AuditQuery = z.object({
  tenant: z.string().min(1).max(256).optional(),
  principal: z.string().min(1).max(256).optional(),
  outcome: z.enum(['allowed', 'denied', 'failed']).optional(),
  operationId: z.string().min(1).max(128).optional(),
  from: auditTime.optional(),
  to: auditTime.optional(),
  limit: pageLimit(100, 25),
  cursor: z.string().min(1).max(2048).optional(),
});

const AuditRecordSchema = z
  .object({
    id: z.string(),
    time: z.string().meta({ description: 'ISO 8601, UTC' }),
    requestId: z.string(),
    operationId: z.string().meta({ description: "'' when the request matched no route" }),
    method: z.string(),
    tenant: z.string().meta({ description: "'' for an unauthenticated caller" }),
    principal: z.string(),
    clientId: z.string().optional(),
    tokenId: z.string().optional().meta({ description: "The token's jti (never the token)" }),
    sourceIp: z.string().optional(),
    resourceType: z.string(),
    resourceId: z.string().optional(),
    status: z.number().int(),
    outcome: z.enum(['allowed', 'denied', 'failed']),
    reason: z.string().optional().meta({ description: 'Why the call was denied' }),
    recordedBy: z.enum(['function', 'authorizer', 'gateway']),
  })
  .meta({ id: 'AuditRecord' });

export const AuditListResponse = z.object({ items: z.array(AuditRecordSchema), nextCursor: z.string().optional() });
