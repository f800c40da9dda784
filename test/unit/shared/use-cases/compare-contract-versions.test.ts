import { describe, expect, it } from 'vitest';
import type { ContractVersion } from '../../../../shared/domain/contracts/contract';
import { ContractNotFoundError } from '../../../../shared/domain/contracts/errors';
import { compareContractVersions } from '../../../../shared/use-cases/compare-contract-versions';
import { agentsContract, storedVersion } from '../../../support/contracts';

/** A repository holding `versions`, read by (tenant, name, version); a name's summary carries its highest version's mode. */
function repository(versions: ContractVersion[]) {
  return {
    getVersion: async (tenant: string, name: string, version: string) =>
      versions.find((v) => v.owner.tenant === tenant && v.name === name && v.version === version),
    getSummary: async (tenant: string, name: string) => {
      const own = versions.filter((v) => v.owner.tenant === tenant && v.name === name);
      const last = own.at(-1);
      return last && { name, compatibility: last.compatibility, versionCount: own.length, updatedAt: last.createdAt };
    },
  };
}

const owner = { tenant: 't1', principal: 'p1' };
const v1 = storedVersion({}, owner);
// 2.0.0 drops GET /agents/{id}: a break for clients of 1.0.0, stored under NONE (registration allowed it).
const v2 = {
  ...storedVersion({ version: '2.0.0', endpoints: agentsContract().endpoints?.slice(0, 1) }, owner),
  compatibility: 'NONE' as const,
};

describe('compareContractVersions', () => {
  it('reports the issues of replacing from with to, BACKWARD when the stored mode is NONE', async () => {
    // Act
    const comparison = await compareContractVersions(
      { contracts: repository([v1, v2]) },
      { tenant: 't1', name: 'agents', from: '1.0.0', to: '2.0.0' },
    );

    // Assess
    expect(comparison).toMatchObject({
      name: 'agents',
      from: '1.0.0',
      to: '2.0.0',
      mode: 'NONE',
      direction: 'BACKWARD',
      compatible: false,
    });
    expect(comparison.issues.map((issue) => [issue.rule, issue.document])).toEqual([['endpoint-removed', 'previous']]);
  });

  it('answers compatible for the reverse replacement checked BACKWARD, and not FORWARD', async () => {
    // Prepare
    const deps = { contracts: repository([v1, v2]) };
    const input = { tenant: 't1', name: 'agents', from: '2.0.0', to: '1.0.0' };

    // Act
    const backward = await compareContractVersions(deps, input);
    const forward = await compareContractVersions(deps, { ...input, direction: 'FORWARD' });

    // Assess
    expect([backward.direction, backward.compatible]).toEqual(['BACKWARD', true]);
    expect([forward.direction, forward.compatible]).toEqual(['FORWARD', false]);
  });

  it('rejects missing versions with a NotFound naming each missing end', async () => {
    // Act
    const failure = compareContractVersions(
      { contracts: repository([v1]) },
      { tenant: 't1', name: 'agents', from: '0.9.0', to: '2.0.0' },
    );

    // Assess
    await expect(failure).rejects.toBeInstanceOf(ContractNotFoundError);
    await expect(failure).rejects.toMatchObject({
      problems: [
        { pointer: '/query/from', message: 'version 0.9.0 is not registered' },
        { pointer: '/query/to', message: 'version 2.0.0 is not registered' },
      ],
    });
  });

  it("rejects another tenant's versions as not registered", async () => {
    // Act
    const failure = compareContractVersions(
      { contracts: repository([v1, v2]) },
      { tenant: 't2', name: 'agents', from: '1.0.0', to: '2.0.0' },
    );

    // Assess
    await expect(failure).rejects.toBeInstanceOf(ContractNotFoundError);
  });
});
