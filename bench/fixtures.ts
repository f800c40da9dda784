import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { toProxyEvent } from '../local/proxy-event';
import { UNAUTHENTICATED_PRINCIPAL, UNAUTHENTICATED_TENANT } from '../shared/domain/auth/owner';
import { contentHash } from '../shared/domain/canonical-json';
import type { ContractDocument, ContractSummary, ContractVersion } from '../shared/domain/contracts/contract';
import type { ContractRepository, ContractVersionHeader, Page } from '../shared/ports/contract-repository';

/** The request body schema of `POST /pets`, as registered in the Petstore contract. */
export const NEW_PET_SCHEMA = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string' }, tag: { type: 'string' } },
} as const;

/** A payload that satisfies `NewPet`. */
export const VALID_PET = { name: 'Rex', tag: 'dog' };
/** A payload that breaks `NewPet` twice: `name` is missing and `tag` is not a string. */
export const INVALID_PET = { tag: 5 };

const endpointDefaults = {
  description: '',
  requestBodyRequired: true,
  errorSchemas: {},
  timeout: 30_000,
  headers: {},
  query: {},
  pathParameters: {},
};

/** The Petstore contract document (name `petstore`, version `1.0.0`), with every default filled in. */
export const PETSTORE_DOCUMENT: ContractDocument = {
  name: 'petstore',
  version: '1.0.0',
  description: 'Petstore (benchmark fixture)',
  endpoints: [
    { ...endpointDefaults, method: 'POST', path: '/pets', operationId: 'createPet', requestSchema: 'NewPet' },
    {
      ...endpointDefaults,
      method: 'GET',
      path: '/pets/{petId}',
      operationId: 'getPet',
      pathParameters: { petId: { required: true, schema: { type: 'string' } } },
    },
  ],
  schemas: { NewPet: NEW_PET_SCHEMA },
  errorCodes: {},
};

/**
 * The Petstore contract as the registry stores it: the document plus id, owner, hash, time and
 * flags. It belongs to the tenant of callers when auth is off, as the benchmarked handlers run.
 */
export const PETSTORE_VERSION: ContractVersion = {
  ...PETSTORE_DOCUMENT,
  id: 'petstore@1.0.0',
  owner: { tenant: UNAUTHENTICATED_TENANT, principal: UNAUTHENTICATED_PRINCIPAL },
  compatibility: 'BACKWARD',
  contentHash: contentHash(PETSTORE_DOCUMENT),
  createdAt: '2025-01-01T00:00:00.000Z',
  deprecated: false,
};

/**
 * A read-only, in-memory `ContractRepository` holding fixed versions (each in its owner's tenant),
 * so the warm benchmark measures the route and not storage. Writes are refused.
 */
export class FixedContractRepository implements ContractRepository {
  private readonly versions: ContractVersion[];

  constructor(versions: readonly ContractVersion[] = [PETSTORE_VERSION]) {
    this.versions = [...versions];
  }

  async putVersion(): Promise<never> {
    throw new Error('FixedContractRepository is read-only');
  }

  async getVersion(tenant: string, name: string, version: string): Promise<ContractVersion | undefined> {
    return this.versions.find((v) => v.owner.tenant === tenant && v.name === name && v.version === version);
  }

  async listVersionHeaders(tenant: string, name: string): Promise<ContractVersionHeader[]> {
    return this.of(tenant, name).map(({ version, deprecated, createdAt, contentHash, owner }) => ({
      name,
      version,
      deprecated,
      createdAt,
      contentHash,
      owner,
    }));
  }

  async deprecateVersion(): Promise<never> {
    throw new Error('FixedContractRepository is read-only');
  }

  async getSummary(tenant: string, name: string): Promise<ContractSummary | undefined> {
    const versions = this.of(tenant, name);
    const first = versions[0];
    if (!first) return undefined;
    return {
      name,
      compatibility: first.compatibility,
      versionCount: versions.length,
      updatedAt: first.createdAt,
    };
  }

  async recordVersionAdded(): Promise<never> {
    throw new Error('FixedContractRepository is read-only');
  }

  async acquireRegistrationLease(): Promise<never> {
    throw new Error('FixedContractRepository is read-only');
  }

  async releaseRegistrationLease(): Promise<never> {
    throw new Error('FixedContractRepository is read-only');
  }

  async listSummaries(tenant: string): Promise<Page<ContractSummary>> {
    const names = [...new Set(this.versions.filter((v) => v.owner.tenant === tenant).map((v) => v.name))].sort();
    const items = await Promise.all(names.map((name) => this.getSummary(tenant, name)));
    return { items: items.filter((s): s is ContractSummary => s !== undefined) };
  }

  async ping(): Promise<void> {}

  private of(tenant: string, name: string): ContractVersion[] {
    return this.versions.filter((v) => v.owner.tenant === tenant && v.name === name);
  }
}

/** The JSON body a client sends to `POST /v1/contracts/petstore/validate` to check one `POST /pets` request. */
export function validateRequestBody(payload: unknown = VALID_PET): string {
  return JSON.stringify({ method: 'POST', path: '/pets', request: { body: payload } });
}

/**
 * A REST API (v1) proxy event for `POST /v1/contracts/petstore/validate`, shaped as API Gateway
 * sends it (resource, path parameters, single- and multi-value headers, request context).
 */
export function validateRequestEvent(body: string = validateRequestBody()): APIGatewayProxyEvent {
  // The same event builder the local runner uses, so the bench measures what the runner sends.
  return toProxyEvent(
    {
      method: 'POST',
      url: '/v1/contracts/petstore/validate',
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        host: 'abc123.execute-api.us-east-1.amazonaws.com',
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        'user-agent': 'bench/1.0',
      },
      body: Buffer.from(body),
      sourceIp: '203.0.113.7',
    },
    { resource: '/v1/contracts/{name}/validate', pathParameters: { name: 'petstore' } },
    'v1',
  );
}

/** A Lambda context object like the one the Node.js runtime passes (the middlewares read it). */
export function lambdaContext(functionName = 'contracts'): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2025/01/01/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => 29_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
