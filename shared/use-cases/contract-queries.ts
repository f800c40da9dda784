import type { ContractSummary, ContractVersion } from '../domain/contracts/contract';
import { ContractNotFoundError } from '../domain/contracts/errors';
import { normalizeVersion, sortByPrecedenceDescending } from '../domain/contracts/versions';
import type { ContractVersionHeader, Page } from '../ports/contract-repository';
import type { ContractRegistryDeps } from './resolve-contract';

/**
 * Lists contract names with their compatibility mode and version count, in name order.
 *
 * @param limit - page size, 1–100
 * @throws {MalformedInputError} for a cursor that was not issued by a previous page
 */
export function listContracts(
  deps: Pick<ContractRegistryDeps, 'contracts'>,
  input: { limit: number; cursor?: string },
): Promise<Page<ContractSummary>> {
  return deps.contracts.listSummaries(input.limit, input.cursor);
}

/**
 * Lists every version of a contract, highest semver precedence first, with deprecation flags.
 *
 * @throws {ContractNotFoundError} when nothing is registered under the name
 */
export async function listContractVersions(
  deps: Pick<ContractRegistryDeps, 'contracts'>,
  input: { name: string },
): Promise<ContractVersionHeader[]> {
  const headers = await deps.contracts.listVersionHeaders(input.name);
  if (headers.length === 0) throw new ContractNotFoundError(`No contract named ${input.name} is registered`);
  return sortByPrecedenceDescending(headers);
}

/**
 * Deprecates a version: it stays resolvable by its exact version but is no longer "latest".
 * Idempotent; the first deprecation time is kept.
 *
 * @throws {ContractNotFoundError} when the version does not exist
 */
export async function deprecateContractVersion(
  deps: Pick<ContractRegistryDeps, 'contracts' | 'clock'>,
  input: { name: string; version: string },
): Promise<ContractVersion> {
  const updated = await deps.contracts.deprecateVersion(input.name, normalizeVersion(input.version), deps.clock.now());
  if (!updated) throw new ContractNotFoundError(`Contract ${input.name} has no version ${input.version}`);
  return updated;
}
