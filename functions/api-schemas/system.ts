import * as z from 'zod';
import { pageLimit } from './fields';

/** The system function's own routes: health and the audit trail. */

export const HealthResponse = z.object({
  status: z.enum(['ok']),
  checks: z.record(z.string(), z.enum(['ok'])),
});

/** `GET /v1/proto`: the `.proto` source (proto3) of the API's Protobuf format, as text. */
export const ProtoSourceResponse = z.string().meta({
  description:
    'proto3 source: google.protobuf.Value and the types it uses (struct.proto); every request and answer body of the API is one Value',
});

/** `GET /console` and its assets: a document of the web console, as text. */
export const ConsoleAssetResponse = z
  .string()
  .meta({ description: 'The page, script or stylesheet of the web console' });

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
