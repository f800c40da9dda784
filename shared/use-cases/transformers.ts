import type { Owner } from '../domain/auth/owner';
import { contentHash } from '../domain/canonical-json';
import { normalizeVersion, sortByPrecedenceDescending } from '../domain/contracts/versions';
import { type FieldProblem, issueProblems, ValidationError } from '../domain/errors';
import {
  InvalidMappingError,
  TransformerNotFoundError,
  TransformerVersionConflictError,
} from '../domain/transformers/errors';
import { latestVersion } from '../domain/transformers/pipeline';
import {
  MAX_VERSIONS_PER_TRANSFORMER,
  type TransformerDocument,
  TransformerDocumentSchema,
  type TransformerSummary,
  type TransformerVersion,
  type TransformerVersionHeader,
} from '../domain/transformers/transformer';
import type { CodecRegistry } from '../http/codecs/registry';
import type { Clock } from '../ports/clock';
import type { Page } from '../ports/contract-repository';
import type { MappingEngine } from '../ports/mapping-engine';
import type { TransformerRepository } from '../ports/transformer-repository';
import type { CompiledMappingCache } from './compiled-mapping-cache';

/** What the transformer use cases need, built once per cold start (the contracts function's composition root). */
export type TransformerDeps = {
  transformers: TransformerRepository;
  /** Compiles mappings at registration. */
  mappings: MappingEngine;
  /** Compiled mappings kept across invocations, per tenant, name, version and content. */
  compiledMappings: CompiledMappingCache;
  /** The formats a transform reads and writes (the API's codec registry). */
  codecs: CodecRegistry;
  /** Largest payload a step may produce, bytes (MAX_BODY_BYTES: what the API would accept as a body). */
  maxBodyBytes: number;
  clock: Clock;
};

/** Outcome of a registration: `created`, or `unchanged` when the identical content was already registered. */
export type RegisterTransformerResult = { outcome: 'created' | 'unchanged'; transformer: TransformerVersion };

/**
 * Registers an immutable transformer version in the caller's tenant.
 *
 * 1. The document is validated (zod): name (from the path), semver version, sides, expression ≤ 16 KiB.
 * 2. A media-type side must be a format of the codec registry.
 * 3. The expression is compiled; a syntax error is a 422 at `/expression` with JSONata's code and position.
 * 4. The same name and version with identical content → `unchanged`; different content → 409.
 * 5. One conditional put stores it: of concurrent registrations of one version exactly one wins.
 *
 * @param input.name - the path's name; a body `name` must equal it
 * @throws {ValidationError} listing every problem of the document with its JSON pointer
 * @throws {InvalidMappingError} when the expression does not compile
 * @throws {TransformerVersionConflictError} when the version exists with different content
 * @example await registerTransformer(deps, { name: 'orders-v1-v2', body: { version: '1.0.0', expression: '{ "id": orderId }' }, owner })
 */
export async function registerTransformer(
  deps: Pick<TransformerDeps, 'transformers' | 'mappings' | 'codecs' | 'clock'>,
  input: { name: string; body: unknown; owner: Owner },
): Promise<RegisterTransformerResult> {
  const document = parseDocument(input.name, input.body, deps.codecs);
  const compiled = await deps.mappings.compile(document.expression);
  if ('error' in compiled) {
    const { message, code, position } = compiled.error;
    const at = position !== undefined ? ` (at character ${position})` : '';
    throw new InvalidMappingError(`The expression does not compile: ${message}${at}`, [
      { pointer: '/expression', message: `${message}${at}`, ...(code !== undefined && { keyword: code }) },
    ]);
  }
  const tenant = input.owner.tenant;
  const version: TransformerVersion = {
    ...document,
    owner: { tenant, principal: input.owner.principal },
    contentHash: contentHash(document),
    createdAt: deps.clock.now().toISOString(),
  };
  const existing = await deps.transformers.getVersion(tenant, document.name, document.version);
  if (existing) return unchangedOrConflict(existing, version);
  const headers = await deps.transformers.listVersionHeaders(tenant, document.name);
  if (headers.length >= MAX_VERSIONS_PER_TRANSFORMER) {
    throw new ValidationError(`${document.name} already has ${headers.length} versions`, [
      { pointer: '/version', message: `a transformer holds at most ${MAX_VERSIONS_PER_TRANSFORMER} versions` },
    ]);
  }
  const stored = await deps.transformers.putVersion(version);
  return stored.created ? { outcome: 'created', transformer: version } : unchangedOrConflict(stored.existing, version);
}

function parseDocument(name: string, body: unknown, codecs: CodecRegistry): TransformerDocument {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError('The body must be a transformer document (a JSON object)', [
      { pointer: '', message: 'must be an object' },
    ]);
  }
  const problems: FieldProblem[] = [];
  const { name: bodyName, ...rest } = body as Record<string, unknown>;
  if (bodyName !== undefined && bodyName !== name) {
    problems.push({ pointer: '/name', message: `must be the name in the path (${name}) or absent` });
  }
  const parsed = TransformerDocumentSchema.safeParse({ ...rest, name });
  if (!parsed.success) problems.push(...issueProblems(parsed.error.issues));
  for (const side of ['from', 'to'] as const) {
    const mediaType = parsed.data?.[side]?.mediaType;
    if (mediaType !== undefined && !codecs.forMediaType(mediaType, codecs.codecs)) {
      const known = codecs.codecs.flatMap((codec) => codec.mediaTypes).join(', ');
      problems.push({ pointer: `/${side}/mediaType`, message: `is not a format this API converts; known: ${known}` });
    }
  }
  if (problems.length > 0 || !parsed.success) {
    throw new ValidationError(`The transformer document has ${problems.length} problem(s)`, problems);
  }
  return parsed.data;
}

function unchangedOrConflict(existing: TransformerVersion, candidate: TransformerVersion): RegisterTransformerResult {
  if (existing.contentHash === candidate.contentHash) return { outcome: 'unchanged', transformer: existing };
  throw new TransformerVersionConflictError(
    `${candidate.name} ${candidate.version} is already registered with different content; versions are immutable — register a new version`,
    [{ pointer: '/version', message: `registered on ${existing.createdAt} with content hash ${existing.contentHash}` }],
  );
}

/** A transformer as `GET /v1/transformers/{name}` answers it: one version in full and every version's header, highest first. */
export type TransformerView = { name: string; transformer: TransformerVersion; versions: TransformerVersionHeader[] };

/**
 * One of the tenant's transformers: the asked `version`, else the latest (highest release by semver
 * precedence, or highest prerelease when none is released), with every version's header.
 *
 * @throws {TransformerNotFoundError} when the tenant has no such name or version
 */
export async function getTransformer(
  deps: Pick<TransformerDeps, 'transformers'>,
  input: { tenant: string; name: string; version?: string },
): Promise<TransformerView> {
  const headers = await deps.transformers.listVersionHeaders(input.tenant, input.name);
  if (headers.length === 0) throw new TransformerNotFoundError(`No transformer named ${input.name} is registered`);
  const chosen = await resolveTransformer(deps, input);
  return { name: input.name, transformer: chosen, versions: sortByPrecedenceDescending(headers) };
}

/**
 * A transformer version of the tenant's: the exact `version`, else the latest.
 *
 * @throws {TransformerNotFoundError} (pointer `/version` when a version was asked) when it is not registered
 */
export async function resolveTransformer(
  deps: Pick<TransformerDeps, 'transformers'>,
  input: { tenant: string; name: string; version?: string },
): Promise<TransformerVersion> {
  const wanted =
    input.version !== undefined
      ? normalizeVersion(input.version)
      : latestVersion(await deps.transformers.listVersionHeaders(input.tenant, input.name))?.version;
  const found = wanted === undefined ? undefined : await deps.transformers.getVersion(input.tenant, input.name, wanted);
  if (!found) {
    throw input.version !== undefined
      ? new TransformerNotFoundError(`Transformer ${input.name} has no version ${input.version}`, [
          { pointer: '/version', message: `version ${input.version} is not registered` },
        ])
      : new TransformerNotFoundError(`No transformer named ${input.name} is registered`);
  }
  return found;
}

/**
 * Lists the tenant's transformer names with their version counts, in name order.
 *
 * @throws {MalformedInputError} for a cursor that was not issued by a previous page of this tenant's
 */
export function listTransformers(
  deps: Pick<TransformerDeps, 'transformers'>,
  input: { tenant: string; limit: number; cursor?: string },
): Promise<Page<TransformerSummary>> {
  return deps.transformers.listSummaries(input.tenant, input.limit, input.cursor);
}

/**
 * Deletes one version of the tenant's transformer, or all of them. A deleted version may be
 * registered again later, with any content (versions are immutable while they exist).
 *
 * @returns the versions deleted
 * @throws {TransformerNotFoundError} when the tenant has no such name or version
 */
export async function deleteTransformer(
  deps: Pick<TransformerDeps, 'transformers'>,
  input: { tenant: string; name: string; version?: string },
): Promise<{ name: string; deleted: string[] }> {
  const version = input.version === undefined ? undefined : normalizeVersion(input.version);
  const deleted = await deps.transformers.deleteVersions(input.tenant, input.name, version);
  if (deleted.length === 0) {
    throw new TransformerNotFoundError(
      version === undefined
        ? `No transformer named ${input.name} is registered`
        : `Transformer ${input.name} has no version ${input.version}`,
    );
  }
  return { name: input.name, deleted };
}
