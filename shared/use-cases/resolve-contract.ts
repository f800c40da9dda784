import semver from 'semver';
import type { ContractVersion } from '../domain/contracts/contract';
import { ContractNotFoundError } from '../domain/contracts/errors';
import type { CompiledContractCache } from '../domain/contracts/validator';
import { normalizeVersion, resolveLatest } from '../domain/contracts/versions';
import type { Clock } from '../ports/clock';
import type { ContractRepository } from '../ports/contract-repository';

/** What the contract use cases need, built once per cold start. */
export type ContractRegistryDeps = {
  contracts: ContractRepository;
  clock: Clock;
  /** Compiled validators, kept across invocations of one Lambda instance (keyed by tenant too). */
  compiled: CompiledContractCache;
};

/**
 * Finds a contract version of the tenant's: the exact `version` when given (deprecated versions
 * included), else the latest by semver precedence among non-deprecated versions (prereleases only
 * when asked). Another tenant's contract of that name is not found, exactly like a missing one.
 *
 * @param input.tenant - whose contracts to look in: the caller's
 * @throws {ContractNotFoundError} when the name, the version, or any eligible version is missing
 * @example await resolveContract(deps, { tenant: 'acme', name: 'petstore' }) // highest released version
 */
export async function resolveContract(
  deps: { contracts: Pick<ContractRepository, 'getVersion' | 'listVersionHeaders'> },
  input: { tenant: string; name: string; version?: string; includePrerelease?: boolean },
): Promise<ContractVersion> {
  if (input.version !== undefined) {
    const found = await deps.contracts.getVersion(input.tenant, input.name, normalizeVersion(input.version));
    if (!found) {
      throw new ContractNotFoundError(`Contract ${input.name} has no version ${input.version}`, [
        { pointer: '/version', message: `version ${input.version} is not registered` },
      ]);
    }
    return found;
  }
  const headers = await deps.contracts.listVersionHeaders(input.tenant, input.name);
  const latest = resolveLatest(headers, input.includePrerelease ?? false);
  if (!latest) {
    const hasPrerelease = headers.some((h) => !h.deprecated && semver.prerelease(h.version) !== null);
    const detail =
      headers.length === 0
        ? `No contract named ${input.name} is registered`
        : `Contract ${input.name} has no non-deprecated ${input.includePrerelease ? '' : 'released '}version` +
          (!input.includePrerelease && hasPrerelease ? '; add ?prerelease=true to include prereleases' : '');
    throw new ContractNotFoundError(detail);
  }
  const found = await deps.contracts.getVersion(input.tenant, input.name, latest.version);
  if (!found) throw new ContractNotFoundError(`Contract ${input.name} version ${latest.version} disappeared`);
  return found;
}
