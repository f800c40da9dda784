import { ownerOf } from '../../shared/domain/auth/owner';
import { statusOf } from '../../shared/http/outcome-status';
import { type HttpHandlerOptions, httpApi } from '../../shared/middleware/http-api';
import { compareContractVersions } from '../../shared/use-cases/compare-contract-versions';
import { deprecateContractVersion, listContracts, listContractVersions } from '../../shared/use-cases/contract-queries';
import { registerContract } from '../../shared/use-cases/register-contract';
import { resolveContract } from '../../shared/use-cases/resolve-contract';
import { validateUpgradedRequest, validateUpgradedResponse } from '../../shared/use-cases/upgrade-traffic';
import { validateRequest, validateResponse } from '../../shared/use-cases/validate-traffic';
import { type OperationsOf, routes } from '../routes';
import { type ContractsFunctionDeps, transformerOperations } from './transformer-operations';

/**
 * The contract registry's operations: each maps a validated request to a use case and shapes the
 * answer. Every one acts in the caller's tenant (`caller.tenant`): another tenant's contracts are
 * never listed, and answer 404 like missing ones.
 */
export const contractOperations: OperationsOf<'contracts', ContractsFunctionDeps> = {
  registerContract: async ({ body, query, caller }, deps) => {
    const result = await registerContract(deps, { body, ...query, owner: ownerOf(caller) });
    return {
      status: statusOf(result.outcome),
      body: result,
      ...(result.outcome === 'created' && {
        headers: { location: `/v1/contracts/${result.contract.name}/versions/${result.contract.version}` },
      }),
    };
  },
  listContracts: async ({ query, caller }, deps) => ({
    status: 200,
    body: await listContracts(deps, { ...query, tenant: caller.tenant }),
  }),
  getLatestContract: async ({ params, query, caller }, deps) => ({
    status: 200,
    body: await resolveContract(deps, {
      tenant: caller.tenant,
      name: params.name,
      includePrerelease: query.prerelease ?? false,
    }),
  }),
  listContractVersions: async ({ params, query, caller }, deps) => {
    const page = await listContractVersions(deps, { ...params, ...query, tenant: caller.tenant });
    return {
      status: 200,
      body: {
        name: params.name,
        items: page.items.map(({ version, deprecated, createdAt, contentHash, owner }) => ({
          version,
          deprecated,
          createdAt,
          contentHash,
          owner,
        })),
        ...(page.nextCursor !== undefined && { nextCursor: page.nextCursor }),
      },
    };
  },
  getContractVersion: async ({ params, caller }, deps) => ({
    status: 200,
    body: await resolveContract(deps, { ...params, tenant: caller.tenant }),
  }),
  compareContractVersions: async ({ params, query, caller }, deps) => ({
    status: 200,
    body: await compareContractVersions(deps, { ...params, ...query, tenant: caller.tenant }),
  }),
  deprecateContractVersion: async ({ params, caller }, deps) => ({
    status: 200,
    body: await deprecateContractVersion(deps, { ...params, tenant: caller.tenant }),
  }),
  validateRequest: async ({ params, query, body, caller }, deps) => {
    const input = { ...body, name: params.name, tenant: caller.tenant };
    return {
      status: 200,
      body:
        query.upgradeFrom === undefined
          ? await validateRequest(deps, input)
          : await validateUpgradedRequest(deps, { ...input, upgradeFrom: query.upgradeFrom }),
    };
  },
  validateResponse: async ({ params, query, body, caller }, deps) => {
    const input = { ...body, name: params.name, tenant: caller.tenant };
    return {
      status: 200,
      body:
        query.upgradeFrom === undefined
          ? await validateResponse(deps, input)
          : await validateUpgradedResponse(deps, { ...input, upgradeFrom: query.upgradeFrom }),
    };
  },
  ...transformerOperations,
};

/**
 * The contracts function: the contract registry's routes over the HTTP pipeline. The AWS entry point
 * (`./handler.ts`) and the local runner (`local/wiring.ts`) pass their own dependencies.
 *
 * @example const handler = createContractsHandler(contractsDeps(base), httpOptions(base));
 */
export const createContractsHandler = (deps: ContractsFunctionDeps, options: HttpHandlerOptions) =>
  httpApi(routes, contractOperations, deps, options);
