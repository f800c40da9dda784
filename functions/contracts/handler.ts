import { DynamoDbContractRepository } from '../../shared/adapters/dynamodb/contract-repository';
import { loadConfig } from '../../shared/config';
import { CompiledContractCache } from '../../shared/domain/contracts/validator';
import { statusOf } from '../../shared/http/outcome-status';
import { createRouter } from '../../shared/http/router';
import { decodeYaml } from '../../shared/http/yaml-decoder';
import { httpApi } from '../../shared/middleware/http-api';
import { createObservability } from '../../shared/observability/powertools';
import { systemClock } from '../../shared/ports/clock';
import { deprecateContractVersion, listContracts, listContractVersions } from '../../shared/use-cases/contract-queries';
import { registerContract } from '../../shared/use-cases/register-contract';
import { type ContractRegistryDeps, resolveContract } from '../../shared/use-cases/resolve-contract';
import { validateRequest, validateResponse } from '../../shared/use-cases/validate-traffic';
import { type OperationsOf, routes } from '../routes';
import { policyAwareDynamoDb } from '../wiring';

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

const config = loadConfig(['CONTRACTS_TABLE', 'ERRORS_TABLE']);
const observability = createObservability('contracts');
const { documentClient } = policyAwareDynamoDb(config, observability);
const deps: ContractRegistryDeps = {
  contracts: new DynamoDbContractRepository(documentClient, config.CONTRACTS_TABLE),
  clock: systemClock,
  compiled: new CompiledContractCache(64),
};

/** Lambda entry point of the contracts function (API Gateway REST proxy integration). */
export const handler = httpApi(
  createRouter(routes, contractOperations, deps, {
    maxBodyBytes: config.MAX_BODY_BYTES,
    decoders: { yaml: decodeYaml },
  }),
  observability,
);
