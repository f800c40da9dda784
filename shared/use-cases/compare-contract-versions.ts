import {
  type CompatibilityDirection,
  type CompatibilityIssue,
  checkCompatibility,
} from '../domain/contracts/compatibility';
import type { CompatibilityMode } from '../domain/contracts/contract';
import { ContractNotFoundError } from '../domain/contracts/errors';
import { normalizeVersion } from '../domain/contracts/versions';
import type { ContractRepository } from '../ports/contract-repository';

/**
 * The compatibility report between two stored versions of one contract: what a client or server
 * written against `from` meets when `to` replaces it.
 *
 * - `direction`: the check applied — the one asked for, else the direction of the name's stored
 *   mode (`BACKWARD_TRANSITIVE` → `BACKWARD`; `NONE`, which checks nothing at registration, → `BACKWARD`).
 * - `issues`: every reason `to` is not (provably) compatible with `from`, pointers into the
 *   document `document` names (`previous` = `from`, `next` = `to`).
 */
export type VersionComparison = {
  name: string;
  from: string;
  to: string;
  /** The name's stored compatibility mode (what registration enforces). */
  mode: CompatibilityMode;
  direction: CompatibilityDirection;
  compatible: boolean;
  issues: CompatibilityIssue[];
};

/**
 * Compares two registered versions of the tenant's contract (deprecated versions included) with
 * the same checker registration uses (`checkCompatibility`), without storing anything. `from` need
 * not precede `to`: comparing a newer version to an older one answers "could we roll back?".
 *
 * @param input.tenant - the caller's tenant: another tenant's versions are not found
 * @throws {ContractNotFoundError} when either version is not registered (one problem per missing end, pointer `/query/from` or `/query/to`)
 * @example
 * await compareContractVersions(deps, { tenant: 'acme', name: 'petstore', from: '1.0.0', to: '2.0.0' });
 * // { direction: 'BACKWARD', compatible: false, issues: [{ rule: 'endpoint-removed', … }], … }
 */
export async function compareContractVersions(
  deps: { contracts: Pick<ContractRepository, 'getVersion' | 'getSummary'> },
  input: { tenant: string; name: string; from: string; to: string; direction?: CompatibilityDirection },
): Promise<VersionComparison> {
  const ends = ['from', 'to'] as const;
  const [previous, next, summary] = await Promise.all([
    deps.contracts.getVersion(input.tenant, input.name, normalizeVersion(input.from)),
    deps.contracts.getVersion(input.tenant, input.name, normalizeVersion(input.to)),
    deps.contracts.getSummary(input.tenant, input.name),
  ]);
  if (!previous || !next) {
    const missing = ends.filter((_end, index) => [previous, next][index] === undefined);
    throw new ContractNotFoundError(
      `Contract ${input.name} has no version ${missing.map((end) => input[end]).join(' and no version ')}`,
      missing.map((end) => ({ pointer: `/query/${end}`, message: `version ${input[end]} is not registered` })),
    );
  }
  // The name's mode now (a later registration may have changed it), else the one `to` was registered under.
  const mode = summary?.compatibility ?? next.compatibility;
  const direction = input.direction ?? directionOf(mode);
  const issues = checkCompatibility(previous, next, direction);
  return {
    name: input.name,
    from: previous.version,
    to: next.version,
    mode,
    direction,
    compatible: issues.length === 0,
    issues,
  };
}

function directionOf(mode: CompatibilityMode): CompatibilityDirection {
  return mode === 'NONE' ? 'BACKWARD' : (mode.replace('_TRANSITIVE', '') as CompatibilityDirection);
}
