import { randomUUID } from 'node:crypto';
import semver from 'semver';
import type { Owner } from '../domain/auth/owner';
import { contentHash } from '../domain/canonical-json';
import { ComparisonBudget, type CompatibilityReport, checkAgainstHistory } from '../domain/contracts/compatibility';
import {
  type CompatibilityMode,
  type ContractDocument,
  ContractDocumentSchema,
  type ContractVersion,
  type ContractWarning,
  DEFAULT_COMPATIBILITY,
  danglingSchemaReferences,
  MAX_VERSIONS_PER_CONTRACT,
} from '../domain/contracts/contract';
import { IncompatibleVersionError, InvalidProtobufError, VersionConflictError } from '../domain/contracts/errors';
import { importOpenApiDocument, isOpenApiDocument } from '../domain/contracts/openapi-import';
import { protobufProblems, protobufWarnings } from '../domain/contracts/protobuf';
import { CompiledContract } from '../domain/contracts/validator';
import { sortByPrecedenceDescending } from '../domain/contracts/versions';
import { DependencyUnavailableError, issueProblems, ValidationError } from '../domain/errors';
import type { ContractVersionHeader } from '../ports/contract-repository';
import type { ContractRegistryDeps } from './resolve-contract';

/** Input of `registerContract`: the parsed body plus the register route's query options. */
export type RegisterContractInput = {
  /** A contract document, or an OpenAPI 3.0/3.1 or Swagger 2.0 document (parsed JSON or YAML). */
  body: unknown;
  /** Overrides the document's `name` (an OpenAPI document's `info.title`). */
  name?: string;
  /** Overrides the document's `version` (an OpenAPI document's `info.version`). */
  version?: string;
  /** Compatibility mode for this name; wins over the document's `compatibility` and the stored mode. */
  compatibility?: CompatibilityMode;
  /** Check and report without storing. */
  dryRun?: boolean;
  /**
   * Who registers: the version goes into `owner.tenant`'s namespace (names are per tenant) and
   * records `owner`. From the caller (`ownerOf(request.caller)`), never from the body.
   */
  owner: Owner;
};

/** A registration that was carried out (created or idempotently unchanged). */
type Registration = { outcome: 'created' | 'unchanged'; contract: ContractVersion; compatibility: CompatibilityReport };

/**
 * Outcome of a registration: `created`, `unchanged` when the identical content was already
 * registered (idempotent), or `dry-run` with what would have happened (`shared/http/outcome-status.ts`
 * maps them to statuses).
 */
export type RegisterContractResult = (
  | Registration
  | {
      outcome: 'dry-run';
      wouldBe: 'created' | 'unchanged' | 'version-conflict' | 'incompatible';
      contract: ContractVersion;
      compatibility: CompatibilityReport;
    }
) & {
  /** What did not stop the registration: schema names the endpoints use that `schemas` lacks. */
  warnings: ContractWarning[];
};

/**
 * Registers an immutable contract version.
 *
 * Contracts live in the registering tenant's namespace (`input.owner.tenant`): every read and write
 * below is of that tenant's versions only, so another tenant's `petstore` neither conflicts with
 * nor is checked against this one's.
 *
 * 1. OpenAPI/Swagger documents (top-level `openapi`/`swagger`) are converted first.
 * 2. The document is validated (zod), its `.proto` source parsed and the message names it gives
 *    resolved (protobufjs, loaded only then), and its schemas compiled (Ajv, JSON Schema 2020-12).
 *    A schema name an endpoint uses but `schemas` lacks, or a Protobuf media type without message,
 *    does not stop it: each is returned in `warnings`.
 * 3. The same name and version with identical content → `unchanged`; different content → 409.
 * 4. The version is checked against earlier versions under the name's compatibility mode.
 * 5. A conditional put stores it: of concurrent registrations of one version exactly one wins.
 *
 * @throws {ValidationError} listing every problem of the document with its JSON pointer
 * @throws {InvalidSchemaError} when a schema cannot be compiled
 * @throws {InvalidProtobufError} when `protobuf.source` does not parse or a message name is not defined in it
 * @throws {VersionConflictError} when the version exists with different content
 * @throws {IncompatibleVersionError} with one problem per compatibility break
 * @example await registerContract(deps, { body: petstoreOpenApi, owner: ownerOf(caller) }) // { outcome: 'created', ... }
 */
export async function registerContract(
  deps: ContractRegistryDeps,
  input: RegisterContractInput,
): Promise<RegisterContractResult> {
  const document = await parseDocument(input);
  const warnings = [...danglingSchemaReferences(document), ...protobufWarnings(document)];
  const hash = contentHash(document);
  const { owner } = input;
  const tenant = owner.tenant;
  const toVersion = (mode: CompatibilityMode): ContractVersion => ({
    ...document,
    id: document.id ?? `${document.name}@${document.version}`,
    owner: { tenant: owner.tenant, principal: owner.principal },
    compatibility: mode,
    contentHash: hash,
    createdAt: deps.clock.now().toISOString(),
    deprecated: false,
  });

  if (!input.dryRun) {
    // Versions are never removed once written, so an existing one is final: answer without waiting for the lease.
    const existing = await deps.contracts.getVersion(tenant, document.name, document.version);
    if (existing)
      return { ...(await unchangedOrConflict(deps, existing, toVersion(existing.compatibility))), warnings };
    new CompiledContract(document).assertSchemasCompile();
    const registered = await withRegistrationLease(deps, tenant, document.name, () =>
      registerUnderLease(deps, input, document, toVersion),
    );
    return { ...registered, warnings };
  }

  new CompiledContract(document).assertSchemasCompile();
  const summary = await deps.contracts.getSummary(tenant, document.name);
  const mode = input.compatibility ?? document.compatibility ?? summary?.compatibility ?? DEFAULT_COMPATIBILITY;
  const existing = await deps.contracts.getVersion(tenant, document.name, document.version);
  const headers = await deps.contracts.listVersionHeaders(tenant, document.name);
  const report = await checkPlacement(deps, tenant, headers, document, mode);
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
    contract: existing?.contentHash === hash ? existing : toVersion(mode),
    compatibility: report,
    warnings,
  };
}

/**
 * The registration proper, while this request holds the name's lease: nothing else writes versions
 * of the name meanwhile, so the history checked is the history the version joins.
 */
async function registerUnderLease(
  deps: ContractRegistryDeps,
  input: RegisterContractInput,
  document: ContractDocument,
  toVersion: (mode: CompatibilityMode) => ContractVersion,
): Promise<Registration> {
  const tenant = input.owner.tenant;
  const summary = await deps.contracts.getSummary(tenant, document.name);
  const mode = input.compatibility ?? document.compatibility ?? summary?.compatibility ?? DEFAULT_COMPATIBILITY;
  const contract = toVersion(mode);
  const existing = await deps.contracts.getVersion(tenant, document.name, document.version);
  if (existing) return unchangedOrConflict(deps, existing, contract);
  const headers = await deps.contracts.listVersionHeaders(tenant, document.name);
  if (headers.length >= MAX_VERSIONS_PER_CONTRACT) {
    throw new ValidationError(`${document.name} already has ${headers.length} versions`, [
      {
        pointer: '/version',
        message: `a contract holds at most ${MAX_VERSIONS_PER_CONTRACT} versions; register under a new name`,
      },
    ]);
  }
  const report = await checkPlacement(deps, tenant, headers, document, mode);
  if (!report.compatible) throw incompatible(document, mode, report);
  const stored = await deps.contracts.putVersion(contract);
  if (!stored.created) return unchangedOrConflict(deps, stored.existing, contract);
  await deps.contracts.recordVersionAdded(tenant, contract.name, contract.version, mode, deps.clock.now());
  return { outcome: 'created', contract, compatibility: report };
}

/** Most compatibility issues one answer lists; the rest are counted. */
const MAX_REPORTED_ISSUES = 100;

/** How long one registration may hold a name's lease: longer than a function can run (29 s). */
export const REGISTRATION_LEASE_MS = 30_000;
/** How long a registration waits for the lease before answering 503 with Retry-After. */
const LEASE_WAIT_MS = 10_000;

/**
 * Runs `work` while holding the registration lease of the tenant's name (one conditional write
 * takes it; it expires by itself if its holder dies), waiting with jittered backoff while another
 * registration of the same name holds it. Registrations of different names, or of the same name
 * in different tenants, never wait for each other.
 *
 * @throws {DependencyUnavailableError} (503, Retry-After) when the lease stays taken for LEASE_WAIT_MS
 */
async function withRegistrationLease<T>(
  deps: ContractRegistryDeps,
  tenant: string,
  name: string,
  work: () => Promise<T>,
): Promise<T> {
  const holder = randomUUID();
  const started = deps.clock.now().getTime();
  let delayMs = 10;
  while (
    !(await deps.contracts.acquireRegistrationLease(tenant, name, holder, deps.clock.now(), REGISTRATION_LEASE_MS))
  ) {
    if (deps.clock.now().getTime() - started > LEASE_WAIT_MS) {
      throw new DependencyUnavailableError(`Other registrations of ${name} are in progress; retry shortly`, 1);
    }
    await deps.clock.sleep(delayMs / 2 + Math.random() * delayMs);
    delayMs = Math.min(delayMs * 2, 250);
  }
  try {
    return await work();
  } finally {
    await deps.contracts.releaseRegistrationLease(tenant, name, holder);
  }
}

function incompatible(document: ContractDocument, mode: CompatibilityMode, report: CompatibilityReport): Error {
  return new IncompatibleVersionError(
    `${document.name} ${document.version} breaks ${mode} compatibility in ${report.issues.length} place(s)`,
    report.issues.map((issue) => ({
      pointer: issue.pointer,
      keyword: issue.rule,
      message: `against ${issue.against}: ${issue.message}`,
    })),
  );
}

/**
 * Checks a new version where it falls in the name's history, by semver precedence: against the
 * version just below it (every lower one for `_TRANSITIVE` modes), and — because versions may be
 * registered out of order, e.g. a 1.4.1 patch after 2.0.0 — the version just above it (every
 * higher one for `_TRANSITIVE`) is checked against it too. Only the documents needed are read.
 */
async function checkPlacement(
  deps: ContractRegistryDeps,
  tenant: string,
  headers: readonly ContractVersionHeader[],
  document: ContractDocument,
  mode: CompatibilityMode,
): Promise<CompatibilityReport> {
  if (mode === 'NONE') return checkAgainstHistory([], document, mode);
  const transitive = mode.endsWith('_TRANSITIVE');
  const others = headers.filter((h) => h.version !== document.version);
  const lower = sortByPrecedenceDescending(others.filter((h) => semver.lt(h.version, document.version)));
  const higher = sortByPrecedenceDescending(others.filter((h) => semver.gt(h.version, document.version))).reverse();
  const load = async (wanted: readonly ContractVersionHeader[]) =>
    (await Promise.all(wanted.map((h) => deps.contracts.getVersion(tenant, h.name, h.version)))).filter(
      (v): v is ContractVersion => v !== undefined,
    );
  const [below, above] = await Promise.all([
    load(transitive ? lower : lower.slice(0, 1)),
    load(transitive ? higher : higher.slice(0, 1)),
  ]);
  // One budget for every comparison of this registration, so their total time stays bounded.
  const budget = new ComparisonBudget();
  const reports = [
    checkAgainstHistory(below, document, mode, budget),
    ...above.map((successor) => {
      const report = checkAgainstHistory([document], successor, mode, budget);
      return {
        ...report,
        checkedAgainst: [successor.version],
        issues: report.issues.map((issue) => ({
          ...issue,
          against: successor.version,
          message: `registered ${successor.version} would no longer be compatible with this version: ${issue.message}`,
        })),
      };
    }),
  ];
  const issues = reports.flatMap((r) => r.issues);
  return {
    mode,
    compatible: reports.every((r) => r.compatible),
    checkedAgainst: reports.flatMap((r) => r.checkedAgainst),
    issues:
      issues.length > MAX_REPORTED_ISSUES
        ? [
            ...issues.slice(0, MAX_REPORTED_ISSUES),
            {
              rule: 'more-issues',
              pointer: '',
              against: '',
              message: `${issues.length - MAX_REPORTED_ISSUES} more issues not listed`,
            },
          ]
        : issues,
  };
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
    : {
        ...body,
        ...(input.name !== undefined && { name: input.name }),
        ...(input.version !== undefined && { version: input.version }),
      };
  const parsed = ContractDocumentSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ValidationError(
      `The contract document has ${parsed.error.issues.length} problem(s)`,
      issueProblems(parsed.error.issues),
    );
  }
  const protobuf = await protobufProblems(parsed.data);
  if (protobuf.length > 0) {
    throw new InvalidProtobufError(`The contract's Protobuf definitions have ${protobuf.length} problem(s)`, protobuf);
  }
  return parsed.data;
}

/**
 * The version already exists: identical content is the idempotent success (and records the
 * version on the summary again, which repairs a registration that stopped between its two
 * writes); other content is a conflict.
 */
async function unchangedOrConflict(
  deps: ContractRegistryDeps,
  existing: ContractVersion,
  candidate: ContractVersion,
): Promise<Registration> {
  if (existing.contentHash === candidate.contentHash) {
    await deps.contracts.recordVersionAdded(
      existing.owner.tenant,
      existing.name,
      existing.version,
      candidate.compatibility,
      deps.clock.now(),
    );
    return { outcome: 'unchanged', contract: existing, compatibility: checkAgainstHistory([], existing, 'NONE') };
  }
  throw new VersionConflictError(
    `${candidate.name} ${candidate.version} is already registered with different content; versions are immutable — publish a new version`,
    [{ pointer: '/version', message: `registered on ${existing.createdAt} with content hash ${existing.contentHash}` }],
  );
}
