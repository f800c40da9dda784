import * as z from 'zod';
import { ContractNameSchema, SemverSchema } from '../../shared/domain/contracts/contract';
import {
  MAX_PIPELINE_STEPS,
  MediaTypeSchema,
  TransformerFieldsSchema,
  TransformerSideSchema,
} from '../../shared/domain/transformers/transformer';
import { OwnerSchema } from './common';

export const TransformerVersionQuery = z.object({
  version: z.string().min(1).max(256).optional().meta({ description: 'One exact version (default: the latest)' }),
});

/** What `PUT /v1/transformers/{name}` reads (the operation validates it: 422 with pointers). */
export const PutTransformerBody = TransformerFieldsSchema.omit({ name: true })
  .extend({ name: ContractNameSchema.optional().meta({ description: 'The name in the path, if given' }) })
  .meta({ id: 'TransformerDocument' });

const TransformerVersionSchema = TransformerFieldsSchema.extend({
  owner: OwnerSchema,
  contentHash: z.string(),
  createdAt: z.string(),
}).meta({ id: 'TransformerVersion' });

const TransformerHeaderSchema = z.object({
  name: z.string(),
  version: z.string(),
  description: z.string().optional(),
  from: TransformerSideSchema.optional(),
  to: TransformerSideSchema.optional(),
  contentHash: z.string(),
  createdAt: z.string(),
  owner: OwnerSchema,
});

export const RegisterTransformerResponse = z.object({
  outcome: z.enum(['created', 'unchanged']),
  transformer: TransformerVersionSchema,
});

export const TransformerResponse = z.object({
  name: z.string(),
  transformer: TransformerVersionSchema.meta({ description: 'The asked version, else the latest' }),
  versions: z.array(TransformerHeaderSchema).meta({ description: 'Every version, highest semver precedence first' }),
});

export const TransformerListResponse = z.object({
  items: z.array(z.object({ name: z.string(), versionCount: z.number().int(), updatedAt: z.string() })),
  nextCursor: z.string().optional(),
});

export const DeleteTransformerResponse = z.object({ name: z.string(), deleted: z.array(z.string()) });

/** One end of a transform: a media type, or a media type with the contract version the payload follows. */
const TransformEndSchema = z.union([
  MediaTypeSchema.transform(
    (mediaType) => ({ mediaType }) as { mediaType: string; contract?: string; version?: string },
  ),
  z
    .object({ mediaType: MediaTypeSchema, contract: ContractNameSchema.optional(), version: SemverSchema.optional() })
    .strict(),
]);

export const TransformBody = z
  .object({
    from: TransformEndSchema,
    to: TransformEndSchema,
    pipeline: z
      .array(z.object({ transformer: ContractNameSchema, version: z.string().min(1).max(256).optional() }).strict())
      .min(1)
      .max(MAX_PIPELINE_STEPS)
      .optional()
      .meta({ description: 'The mapping steps, in order (version default: the latest); absent: the direct path' }),
    body: z.unknown().optional().meta({ description: 'The JSON value (JSON), or the text of a text format' }),
    bodyBase64: z.base64('must be standard base64 (RFC 4648 §4)').optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.body !== undefined && value.bodyBase64 !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['bodyBase64'], message: 'and body are exclusive: send one of them' });
    }
  });

const StepSchema = z.object({
  index: z.number().int(),
  kind: z.enum(['decode', 'map', 'encode']),
  mediaType: z.string().optional(),
  transformer: z.string().optional(),
  version: z.string().optional(),
});

export const TransformResponse = z.object({
  to: z.string().meta({ description: 'The media type of the payload' }),
  body: z.unknown().optional().meta({ description: 'The JSON value (to JSON), or the text (other text formats)' }),
  bodyBase64: z.string().optional().meta({ description: 'The bytes (binary formats), base64' }),
  steps: z.array(StepSchema).meta({ description: 'What ran: decode, each mapping (name@version), encode' }),
});

export const UpgradeQuery = z.object({
  // A version, not a range: the transformer is registered from one exact version (400 otherwise, not "register one from banana").
  upgradeFrom: SemverSchema.optional().meta({
    description:
      'The contract version the body was written for: the transformer registered from it to the version validated against is applied first',
  }),
});
