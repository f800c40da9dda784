import semver from 'semver';
import { contentHash } from '../domain/canonical-json';
import { type CompatibilityReport, checkAgainstHistory } from '../domain/contracts/compatibility';
import {
  type CompatibilityMode,
  type ContractDocument,
  ContractDocumentSchema,
  type ContractVersion,
  DEFAULT_COMPATIBILITY,
} from '../domain/contracts/contract';
import { IncompatibleVersionError, VersionConflictError } from '../domain/contracts/errors';
import { importOpenApiDocument, isOpenApiDocument } from '../domain/contracts/openapi-import';
import { CompiledContract } from '../domain/contracts/validator';
import { sortByPrecedenceDescending } from '../domain/contracts/versions';
import { toJsonPointer, ValidationError } from '../domain/errors';
import type { ContractRegistryDeps } from './resolve-contract';

/** Input of `registerContract`: the parsed body plus the register route's query options. */
export type RegisterContractInput = {
  /** A contract document, or an OpenAPI 3.0/3.1 or Swagger 2.0 document (parsed JSON or YAML). */
  body: unknown;
  /** Overrides `info.title` of an OpenAPI document. */
  name?: string;
  /** Overrides `info.version` of an OpenAPI document. */
  version?: string;
  /** Compatibility mode for this name; wins over the document's `compatibility` and the stored mode. */
  compatibility?: CompatibilityMode;
  /** Check and report without storing. */
  dryRun?: boolean;
};

/**
 * Outcome of a registration: `created` (201), `unchanged` when the identical content was already
 * registered (200, idempotent), or `dry-run` with what would have happened.
 */
export type RegisterContractResult =
  | { outcome: 'created' | 'unchanged'; contract: ContractVersion; compatibility: CompatibilityReport }
  | {
      outcome: 'dry-run';
      wouldBe: 'created' | 'unchanged' | 'version-conflict' | 'incompatible';
      contract: ContractVersion;
      compatibility: CompatibilityReport;
    };

/**
 * Registers an immutable contract version.
 *
 * 1. OpenAPI/Swagger documents (top-level `openapi`/`swagger`) are converted first.
 * 2. The document is validated (zod) and its schemas compiled (Ajv, JSON Schema 2020-12).
 * 3. The same name and version with identical content → `unchanged`; different content → 409.
 * 4. The version is checked against earlier versions under the name's compatibility mode.
 * 5. A conditional put stores it: of concurrent registrations of one version exactly one wins.
 *
 * @throws {ValidationError} (422) listing every problem of the document with its JSON pointer
 * @throws {InvalidSchemaError} (422) when a schema cannot be compiled
 * @throws {VersionConflictError} (409) when the version exists with different content
 * @throws {IncompatibleVersionError} (409) with one problem per compatibility break
 * @example await registerContract(deps, { body: petstoreOpenApi }) // { outcome: 'created', ... }
 */
export async function registerContract(
  deps: ContractRegistryDeps,
  input: RegisterContractInput,
): Promise<RegisterContractResult> {
  const document = await parseDocument(input);
  new CompiledContract(document).assertSchemasCompile();

  const summary = await deps.contracts.getSummary(document.name);
  const mode = input.compatibility ?? document.compatibility ?? summary?.compatibility ?? DEFAULT_COMPATIBILITY;
  const hash = contentHash(document);
  const contract: ContractVersion = {
    ...document,
    id: document.id ?? `${document.name}@${document.version}`,
    compatibility: mode,
    contentHash: hash,
    createdAt: deps.clock.now().toISOString(),
    deprecated: false,
  };

  const existing = await deps.contracts.getVersion(document.name, document.version);
  if (existing && !input.dryRun) return sameOrConflict(existing, contract, checkAgainstHistory([], document, 'NONE'));
  const history = await loadHistory(deps, document, mode);
  const report = checkAgainstHistory(history, document, mode);

  if (input.dryRun) {
    const wouldBe = existing
      ? existing.contentHash === hash
        ? 'unchanged'
        : 'version-conflict'
      : report.compatible
        ? 'created'
        : 'incompatible';
    return {
      outcome: 'dry-run',
      wouldBe,
      contract: existing?.contentHash === hash ? existing : contract,
      compatibility: report,
    };
  }
  if (!report.compatible) {
    throw new IncompatibleVersionError(
      `${document.name} ${document.version} breaks ${mode} compatibility in ${report.issues.length} place(s)`,
      report.issues.map((issue) => ({
        pointer: issue.pointer,
        keyword: issue.rule,
        message: `against ${issue.against}: ${issue.message}`,
      })),
    );
  }
  const stored = await deps.contracts.putVersion(contract);
  if (!stored.created) return sameOrConflict(stored.existing, contract, report);
  await deps.contracts.recordVersionAdded(contract.name, contract.version, mode, deps.clock.now());
  return { outcome: 'created', contract, compatibility: report };
}

/**
 * The earlier versions the mode checks against: none for NONE, every lower version for the
 * transitive modes, else only the highest lower one — loaded without reading the others' documents.
 */
async function loadHistory(
  deps: ContractRegistryDeps,
  document: ContractDocument,
  mode: CompatibilityMode,
): Promise<ContractVersion[]> {
  if (mode === 'NONE') return [];
  const lower = sortByPrecedenceDescending(
    (await deps.contracts.listVersionHeaders(document.name)).filter((h) => semver.lt(h.version, document.version)),
  );
  const wanted = mode.endsWith('_TRANSITIVE') ? lower : lower.slice(0, 1);
  const versions = await Promise.all(wanted.map((h) => deps.contracts.getVersion(h.name, h.version)));
  return versions.filter((v): v is ContractVersion => v !== undefined);
}

async function parseDocument(input: RegisterContractInput): Promise<ContractDocument> {
  const body = input.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError('The body must be a contract document or an OpenAPI document (a JSON object)', [
      { pointer: '', message: 'must be an object' },
    ]);
  }
  const raw = isOpenApiDocument(body)
    ? await importOpenApiDocument(body as Record<string, unknown>, { name: input.name, version: input.version })
    : body;
  const parsed = ContractDocumentSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ValidationError(
      `The contract document has ${parsed.error.issues.length} problem(s)`,
      parsed.error.issues.map((issue) => ({
        pointer: toJsonPointer(issue.path),
        message: issue.message,
        keyword: issue.code,
      })),
    );
  }
  return parsed.data;
}

function sameOrConflict(
  existing: ContractVersion,
  candidate: ContractVersion,
  report: CompatibilityReport,
): RegisterContractResult {
  if (existing.contentHash === candidate.contentHash)
    return { outcome: 'unchanged', contract: existing, compatibility: report };
  throw new VersionConflictError(
    `${candidate.name} ${candidate.version} is already registered with different content; versions are immutable — publish a new version`,
    [{ pointer: '/version', message: `registered on ${existing.createdAt} with content hash ${existing.contentHash}` }],
  );
}
