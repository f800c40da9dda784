import * as z from 'zod';
import {
  CompatibilityModeSchema,
  ContractDocumentSchema,
  ContractNameSchema,
  HTTP_METHODS,
} from '../../shared/domain/contracts/contract';
import { OwnerSchema } from './common';
import { booleanFlag } from './fields';

export const NameParams = z.object({ name: ContractNameSchema });
export const NameVersionParams = z.object({ name: ContractNameSchema, version: z.string().min(1).max(256) });

export const RegisterContractQuery = z.object({
  name: ContractNameSchema.optional().meta({ description: "Overrides an OpenAPI document's info.title" }),
  version: z.string().min(1).max(256).optional().meta({ description: "Overrides an OpenAPI document's info.version" }),
  compatibility: CompatibilityModeSchema.optional(),
  dryRun: booleanFlag.optional(),
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

export const CompatibilityQuery = z.object({
  from: z.string().min(1).max(256).meta({ description: 'The earlier (replaced) version' }),
  to: z.string().min(1).max(256).meta({ description: 'The version that replaces it' }),
  direction: z
    .enum(['BACKWARD', 'FORWARD', 'FULL'])
    .optional()
    .meta({ description: "The check to apply; default: the direction of the name's stored mode (BACKWARD for NONE)" }),
});

export const VersionComparisonResponse = z
  .object({
    name: z.string(),
    from: z.string(),
    to: z.string(),
    mode: CompatibilityModeSchema.meta({ description: "The name's stored compatibility mode" }),
    direction: z.enum(['BACKWARD', 'FORWARD', 'FULL']),
    compatible: z.boolean(),
    issues: z.array(
      z.object({
        rule: z.string(),
        pointer: z.string(),
        message: z.string(),
        document: z.enum(['previous', 'next']).optional(),
      }),
    ),
  })
  .meta({ id: 'VersionComparison' });

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
  nextCursor: z.string().optional(),
});

const method = z
  .string()
  .transform((m) => m.toUpperCase())
  .pipe(z.enum(HTTP_METHODS));
const concretePath = z
  .string()
  .regex(/^\/[^?#\s]*$/, 'must start with "/" and hold no query, fragment or spaces (send the query in request.query)')
  .max(2048);

/**
 * A body's `Content-Type` as sent (parameters such as multipart's `boundary` kept). With it, `body`
 * is the wire text of text formats (or the JSON value for JSON types), `bodyBase64` the raw bytes.
 */
const contentType = z
  .string()
  .min(3)
  .max(1024)
  .regex(
    /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+\s*(;.*)?$/,
    'must be a media type "type/subtype[; parameters]"',
  );
const bodyBase64 = z.base64('must be standard base64 (RFC 4648 §4)');

/** `bodyBase64` needs a `contentType` to be decoded by, and replaces `body`. */
function typedBodyRules(value: { contentType?: string; body?: unknown; bodyBase64?: string }, ctx: z.RefinementCtx) {
  if (value.bodyBase64 === undefined) return;
  if (value.contentType === undefined) {
    ctx.addIssue({ code: 'custom', path: ['contentType'], message: 'is required with bodyBase64' });
  }
  if (value.body !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['bodyBase64'], message: 'and body are exclusive: send one of them' });
  }
}

export const ValidateRequestBody = z
  .object({
    version: z.string().min(1).optional(),
    method,
    path: concretePath,
    request: z
      .object({
        body: z.unknown().optional(),
        contentType: contentType.optional(),
        bodyBase64: bodyBase64.optional(),
        query: z.record(z.string(), z.unknown()).optional(),
        headers: z.record(z.string(), z.unknown()).optional(),
        pathParameters: z.record(z.string(), z.unknown()).optional(),
      })
      .strict()
      .superRefine(typedBodyRules)
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
    contentType: contentType.optional(),
    bodyBase64: bodyBase64.optional(),
  })
  .strict()
  .superRefine(typedBodyRules);

export const ValidationResultResponse = z.object({
  valid: z.boolean(),
  errors: z.array(z.object({ instancePath: z.string(), keyword: z.string(), message: z.string() })),
  version: z.string(),
  endpoint: z.string(),
  /** The declared media type whose schema judged the body; present when the body came with a contentType. */
  mediaType: z.string().optional(),
  /** With ?upgradeFrom=: how the body was upgraded before it was judged. */
  upgrade: z
    .object({
      from: z.string(),
      to: z.string(),
      transformer: z.object({ name: z.string(), version: z.string() }).optional(),
      body: z.unknown(),
    })
    .optional()
    .meta({ description: 'With upgradeFrom: the versions, the transformer applied, and the upgraded body' }),
});
