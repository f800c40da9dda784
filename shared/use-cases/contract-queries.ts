import type { ContractSummary, ContractVersion } from '../domain/contracts/contract';
import { ContractNotFoundError } from '../domain/contracts/errors';
import { normalizeVersion, sortByPrecedenceDescending } from '../domain/contracts/versions';
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

/**
 * Lists every version of one of the tenant's contracts, highest semver precedence first, with
 * deprecation flags and who registered each.
 *
 * @throws {ContractNotFoundError} when the tenant registered nothing under the name
 */
export async function listContractVersions(
  deps: Pick<ContractRegistryDeps, 'contracts'>,
  input: { tenant: string; name: string },
): Promise<ContractVersionHeader[]> {
  const headers = await deps.contracts.listVersionHeaders(input.tenant, input.name);
  if (headers.length === 0) throw new ContractNotFoundError(`No contract named ${input.name} is registered`);
  return sortByPrecedenceDescending(headers);
}

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
