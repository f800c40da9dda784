import semver from 'semver';
import type { ContractSummary, ContractVersion } from '../domain/contracts/contract';
import { ContractNotFoundError } from '../domain/contracts/errors';
import { normalizeVersion, sortByPrecedenceDescending } from '../domain/contracts/versions';
import { decodeCursor, encodeCursor, invalidCursorError } from '../domain/page-cursor';
import type { ContractVersionHeader, Page } from '../ports/contract-repository';
import type { ContractRegistryDeps } from './resolve-contract';

/**
 * Lists the tenant's contract names with their compatibility mode and version count, in name order.
 *
 * @param input.tenant - whose contracts: the caller's
 * @param input.limit - page size, 1–100
 * @throws {MalformedInputError} for a cursor that was not issued by a previous page of this tenant's
 */
export function listContracts(
  deps: Pick<ContractRegistryDeps, 'contracts'>,
  input: { tenant: string; limit: number; cursor?: string },
): Promise<Page<ContractSummary>> {
  return deps.contracts.listSummaries(input.tenant, input.limit, input.cursor);
}

/** What the cursor of a version listing holds: the listing it belongs to and the last version answered. */
const VERSION_CURSOR_KEYS = ['listing', 'tenant', 'name', 'after'] as const;

/**
 * One page of the versions of one of the tenant's contracts, highest semver precedence first, with
 * deprecation flags and who registered each. Precedence is not DynamoDB's sort order, so every
 * header is read (they are small and a name holds few versions), sorted, and paged in memory; the
 * cursor names the last version answered and is bound to the tenant and the name, so a page is
 * never shifted by a version registered meanwhile and a cursor issued for another listing is a 400.
 *
 * @param input.limit - page size, 1–100
 * @param input.cursor - the `nextCursor` of the previous page of this listing
 * @returns the page; `nextCursor` only when lower versions follow
 * @throws {MalformedInputError} (pointer `/query/cursor`) for a cursor not issued for this tenant's name
 * @throws {ContractNotFoundError} when the tenant registered nothing under the name
 * @example await listContractVersions(deps, { tenant: 'acme', name: 'orders', limit: 2 }) // 3.0.0, 2.1.0 + nextCursor
 */
export async function listContractVersions(
  deps: Pick<ContractRegistryDeps, 'contracts'>,
  input: { tenant: string; name: string; limit: number; cursor?: string },
): Promise<Page<ContractVersionHeader>> {
  const binding = { listing: 'contract-versions', tenant: input.tenant, name: input.name };
  const after = decodeCursor(input.cursor, VERSION_CURSOR_KEYS, binding)?.after;
  if (after !== undefined && semver.valid(after) === null) throw invalidCursorError();
  const headers = await deps.contracts.listVersionHeaders(input.tenant, input.name);
  if (headers.length === 0) throw new ContractNotFoundError(`No contract named ${input.name} is registered`);
  const sorted = sortByPrecedenceDescending(headers);
  // The first version below the last one answered (which may have been the last of its page).
  const start =
    after === undefined
      ? 0
      : indexOrLength(
          sorted.findIndex((h) => semver.lt(h.version, after)),
          sorted,
        );
  const items = sorted.slice(start, start + input.limit);
  const last = items.at(-1);
  const more = start + input.limit < sorted.length;
  return { items, ...(more && last && { nextCursor: encodeCursor({ ...binding, after: last.version }) }) };
}

const indexOrLength = (index: number, list: readonly unknown[]) => (index === -1 ? list.length : index);

/**
 * Deprecates a version of one of the tenant's contracts: it stays resolvable by its exact version
 * but is no longer "latest". Idempotent; the first deprecation time is kept.
 *
 * @throws {ContractNotFoundError} when the tenant has no such version (another tenant's is not found either)
 */
export async function deprecateContractVersion(
  deps: Pick<ContractRegistryDeps, 'contracts' | 'clock'>,
  input: { tenant: string; name: string; version: string },
): Promise<ContractVersion> {
  const updated = await deps.contracts.deprecateVersion(
    input.tenant,
    input.name,
    normalizeVersion(input.version),
    deps.clock.now(),
  );
  if (!updated) throw new ContractNotFoundError(`Contract ${input.name} has no version ${input.version}`);
  return updated;
}
