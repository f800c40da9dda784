import { statusOf } from '../../shared/http/outcome-status';
import { type HttpHandlerOptions, httpApi } from '../../shared/middleware/http-api';
import { deprecateContractVersion, listContracts, listContractVersions } from '../../shared/use-cases/contract-queries';
import { registerContract } from '../../shared/use-cases/register-contract';
import { type ContractRegistryDeps, resolveContract } from '../../shared/use-cases/resolve-contract';
import { validateRequest, validateResponse } from '../../shared/use-cases/validate-traffic';
import { type OperationsOf, routes } from '../routes';

/** The contract registry's operations: each maps a validated request to a use case and shapes the answer. */
export const contractOperations: OperationsOf<'contracts', ContractRegistryDeps> = {
  registerContract: async ({ body, query }, deps) => {
    const result = await registerContract(deps, { body, ...query });
    return {
      status: statusOf(result.outcome),
      body: result,
      ...(result.outcome === 'created' && {
        headers: { location: `/v1/contracts/${result.contract.name}/versions/${result.contract.version}` },
      }),
    };
  },
  listContracts: async ({ query }, deps) => ({ status: 200, body: await listContracts(deps, query) }),
  getLatestContract: async ({ params, query }, deps) => ({
    status: 200,
    body: await resolveContract(deps, { name: params.name, includePrerelease: query.prerelease ?? false }),
  }),
  listContractVersions: async ({ params }, deps) => ({
    status: 200,
    body: {
      name: params.name,
      items: (await listContractVersions(deps, params)).map(({ version, deprecated, createdAt, contentHash }) => ({
        version,
        deprecated,
        createdAt,
        contentHash,
      })),
    },
  }),
  getContractVersion: async ({ params }, deps) => ({ status: 200, body: await resolveContract(deps, params) }),
  deprecateContractVersion: async ({ params }, deps) => ({
    status: 200,
    body: await deprecateContractVersion(deps, params),
  }),
  validateRequest: async ({ params, body }, deps) => ({
    status: 200,
    body: await validateRequest(deps, { name: params.name, ...body }),
  }),
  validateResponse: async ({ params, body }, deps) => ({
    status: 200,
    body: await validateResponse(deps, { name: params.name, ...body }),
  }),
};

/**
 * The contracts function: the contract registry's routes over the HTTP pipeline. The AWS entry point
 * (`./handler.ts`) and the local runner (`local/wiring.ts`) pass their own dependencies.
 *
 * @example const handler = createContractsHandler(contractsDeps(base), httpOptions(base));
 */
export const createContractsHandler = (deps: ContractRegistryDeps, options: HttpHandlerOptions) =>
  httpApi(routes, contractOperations, deps, options);
