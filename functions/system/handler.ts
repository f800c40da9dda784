import { DynamoDbContractRepository } from '../../shared/adapters/dynamodb/contract-repository';
import { DynamoDbErrorPolicyRepository } from '../../shared/adapters/dynamodb/error-policy-repository';
import { loadConfig } from '../../shared/config';
import { createRouter } from '../../shared/http/router';
import { httpApi } from '../../shared/middleware/http-api';
import { createObservability } from '../../shared/observability/powertools';
import type { ContractRepository } from '../../shared/ports/contract-repository';
import { type OperationsOf, routes } from '../routes';
import { policyAwareDynamoDb } from '../wiring';
import { buildOpenApiDocument } from './openapi-document';

/** What the system function needs: one store per table to ping. */
export type SystemDeps = { stores: Record<string, Pick<ContractRepository, 'ping'>> };

/**
 * Health and the API description. API Gateway also sends every request that matches no route
 * (`/{proxy+}` and `ANY` on each resource) here, so the router answers 404 or 405 as problem+json.
 */
export const systemOperations: OperationsOf<'system', SystemDeps> = {
  getHealth: async (_request, deps) => {
    const checks: Record<string, 'ok'> = {};
    for (const [name, store] of Object.entries(deps.stores)) {
      await store.ping();
      checks[name] = 'ok';
    }
    return { status: 200, body: { status: 'ok', checks }, headers: { 'cache-control': 'no-store' } };
  },
  getOpenApiDocument: async ({ headers, basePath }) => {
    const host = headers['x-forwarded-host'] ?? headers.host ?? 'localhost:3000';
    const proto =
      headers['x-forwarded-proto'] ?? (host.startsWith('localhost') || host.startsWith('127.') ? 'http' : 'https');
    return { status: 200, body: buildOpenApiDocument(`${proto}://${host}${basePath}`) };
  },
};

const config = loadConfig(['CONTRACTS_TABLE', 'ERRORS_TABLE']);
const observability = createObservability('system');
const { documentClient: client } = policyAwareDynamoDb(config, observability);
const deps: SystemDeps = {
  stores: {
    contracts: new DynamoDbContractRepository(client, config.CONTRACTS_TABLE),
    errors: new DynamoDbErrorPolicyRepository(client, config.ERRORS_TABLE),
  },
};

/** Lambda entry point of the system function. */
export const handler = httpApi(
  createRouter(routes, systemOperations, deps, { maxBodyBytes: config.MAX_BODY_BYTES }),
  observability,
);
