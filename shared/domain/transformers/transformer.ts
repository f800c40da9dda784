import * as z from 'zod';
import type { Owner } from '../auth/owner';
import { ContractNameSchema, SemverSchema } from '../contracts/contract';

/** Longest mapping expression, UTF-8 bytes: a mapping is a page of JSONata, not a program. */
export const MAX_EXPRESSION_BYTES = 16 * 1024;
/** Longest one mapping may evaluate, milliseconds (JSONata's `timeout` guardrail, checked at every evaluation step). */
export const EVALUATION_TIMEOUT_MS = 100;
/** Deepest evaluation stack of one mapping (JSONata's `stack` guardrail): a runaway recursion stops here. */
export const MAX_EVALUATION_DEPTH = 500;
/** Most steps one `POST /v1/transform` runs. */
export const MAX_PIPELINE_STEPS = 10;
/** Most versions one transformer name holds (as for contracts, so "latest" stays one small query). */
export const MAX_VERSIONS_PER_TRANSFORMER = 100;

const MEDIA_TYPE = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/;

/**
 * A media type as a transformer side or a `POST /v1/transform` end names it: `type/subtype`,
 * parameters dropped and lower-cased (RFC 9110 §8.3.1: types are case-insensitive).
 */
export const MediaTypeSchema = z
  .string()
  .max(255)
  .transform((value) => (value.split(';')[0] ?? '').trim().toLowerCase())
  .refine((value) => MEDIA_TYPE.test(value), 'must be a media type "type/subtype"');

/**
 * What one side of a transformer is: a contract version (`{ contract, version }`, for contract
 * upgrades) or a media type (`{ mediaType }`). Exactly one of the two.
 */
export const TransformerSideSchema = z
  .object({
    contract: ContractNameSchema.optional(),
    version: SemverSchema.optional(),
    mediaType: MediaTypeSchema.optional(),
  })
  .strict()
  .superRefine((side, ctx) => {
    if (side.contract !== undefined && side.mediaType !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['mediaType'],
        message: 'and contract are exclusive: a side is one of them',
      });
    } else if (side.contract === undefined && side.mediaType === undefined) {
      ctx.addIssue({ code: 'custom', path: [], message: 'needs a contract (with its version) or a mediaType' });
    }
    if (side.contract !== undefined && side.version === undefined) {
      ctx.addIssue({ code: 'custom', path: ['version'], message: 'is required with contract (an exact version)' });
    }
    if (side.contract === undefined && side.version !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['contract'], message: 'is required with version' });
    }
  });

export type TransformerSide = z.output<typeof TransformerSideSchema>;

/**
 * The members of what `PUT /v1/transformers/{name}` reads: a version of a declarative mapping (a JSONata
 * expression, https://docs.jsonata.org) and, optionally, what it maps from and to. A transformer
 * with both sides is the "direct path" between them (`POST /v1/transform` without `pipeline`,
 * `/validate?upgradeFrom=`).
 */
export const TransformerFieldsSchema = z
  .object({
    name: ContractNameSchema,
    version: SemverSchema,
    description: z.string().max(1024).optional(),
    from: TransformerSideSchema.optional().meta({
      description: 'What the mapping reads: a contract version or a media type',
    }),
    to: TransformerSideSchema.optional().meta({
      description: 'What the mapping produces: a contract version or a media type',
    }),
    language: z.literal('jsonata').default('jsonata').meta({ description: 'The mapping language: JSONata 2.x' }),
    expression: z
      .string()
      .min(1)
      .refine((text) => new TextEncoder().encode(text).length <= MAX_EXPRESSION_BYTES, {
        message: `must be at most ${MAX_EXPRESSION_BYTES} bytes (UTF-8)`,
      })
      .meta({ description: `A JSONata expression (https://docs.jsonata.org), at most ${MAX_EXPRESSION_BYTES} bytes` }),
  })
  .strict();

/** {@link TransformerFieldsSchema} with its cross-field rule: `from` and `to` come together or not at all. */
export const TransformerDocumentSchema = TransformerFieldsSchema.superRefine((document, ctx) => {
  if ((document.from === undefined) !== (document.to === undefined)) {
    const missing = document.from === undefined ? 'from' : 'to';
    ctx.addIssue({ code: 'custom', path: [missing], message: 'is required when the other side is given' });
  }
});

export type TransformerDocument = z.output<typeof TransformerDocumentSchema>;

/** A registered, immutable transformer version: the document, who registered it, when, and its content hash. */
export type TransformerVersion = TransformerDocument & {
  owner: Owner;
  /** sha-256 of the canonical JSON of the document: what makes a re-registration idempotent or a conflict. */
  contentHash: string;
  /** ISO 8601 instant. */
  createdAt: string;
};

/** A version without its expression: what listings and "latest" resolution read. */
export type TransformerVersionHeader = Pick<
  TransformerVersion,
  'name' | 'version' | 'description' | 'from' | 'to' | 'contentHash' | 'createdAt' | 'owner'
>;

/** One name's summary in a listing. */
export type TransformerSummary = { name: string; versionCount: number; updatedAt: string };

/**
 * The key of a side, the same for every spelling of it: `contract:<name>@<version>` or
 * `media:<type>`. A direct path is looked up by the pair of keys.
 *
 * @example sideKey({ contract: 'orders', version: '1.0.0' }) // 'contract:orders@1.0.0'
 */
export function sideKey(side: TransformerSide): string {
  return side.contract !== undefined ? `contract:${side.contract}@${side.version}` : `media:${side.mediaType}`;
}

/**
 * A side as people read it, for messages.
 *
 * @example describeSide({ mediaType: 'application/cbor' }) // 'application/cbor'
 */
export function describeSide(side: TransformerSide): string {
  return side.contract !== undefined ? `${side.contract}@${side.version}` : (side.mediaType as string);
}
