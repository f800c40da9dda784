import { type Owner, UNAUTHENTICATED_PRINCIPAL, UNAUTHENTICATED_TENANT } from '../../shared/domain/auth/owner';
import { contentHash } from '../../shared/domain/canonical-json';
import {
  type ContractDocument,
  type ContractDocumentInput,
  ContractDocumentSchema,
  type ContractVersion,
} from '../../shared/domain/contracts/contract';

/** A small agents API contract document; `overrides` replace top-level fields. */
export function agentsContract(overrides: Partial<ContractDocumentInput> = {}): ContractDocumentInput {
  return {
    name: 'agents',
    version: '1.0.0',
    description: 'Agent registry',
    baseUrl: 'https://agents.example.com/v1',
    authentication: { type: 'api_key', keyLocation: 'header', keyName: 'X-Api-Key' },
    endpoints: [
      {
        path: '/agents',
        method: 'POST',
        requestSchema: 'NewAgent',
        responseSchema: 'Agent',
        errorSchemas: { '4XX': 'Error' },
        headers: { 'X-Api-Key': { required: true } },
      },
      {
        path: '/agents/{id}',
        method: 'GET',
        responseSchema: 'Agent',
        errorSchemas: { '404': 'Error' },
        pathParameters: { id: { required: true, schema: { type: 'string', format: 'uuid' } } },
        query: { verbose: { required: false, schema: { type: 'boolean' } } },
      },
    ],
    schemas: {
      NewAgent: {
        type: 'object',
        required: ['name', 'capabilities'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1 },
          capabilities: { type: 'array', items: { type: 'string', enum: ['search', 'code', 'chat'] }, minItems: 1 },
          maxConcurrency: { type: 'integer', minimum: 1 },
          owner: { $ref: '#/$defs/Owner' },
          endpoint: { type: ['string', 'null'], format: 'uri' },
        },
      },
      Owner: { type: 'object', required: ['email'], properties: { email: { type: 'string', format: 'email' } } },
      Agent: {
        type: 'object',
        required: ['id', 'name'],
        properties: { id: { type: 'string', format: 'uuid' }, name: { type: 'string' } },
      },
      Error: { type: 'object', required: ['message'], properties: { message: { type: 'string' } } },
    },
    errorCodes: { '404': { message: 'Not found', description: 'No such agent' } },
    ...overrides,
  };
}

/** A parsed contract document. */
export function parsedAgentsContract(overrides: Partial<ContractDocumentInput> = {}): ContractDocument {
  return ContractDocumentSchema.parse(agentsContract(overrides));
}

/** The owner of test contracts unless a test names one: the caller when auth is off. */
export const AUTH_OFF_OWNER: Owner = { tenant: UNAUTHENTICATED_TENANT, principal: UNAUTHENTICATED_PRINCIPAL };

/** A stored contract version as the repository holds it, in `owner`'s tenant. */
export function storedVersion(
  overrides: Partial<ContractDocumentInput> = {},
  owner: Owner = AUTH_OFF_OWNER,
): ContractVersion {
  const document = parsedAgentsContract(overrides);
  return {
    ...document,
    id: `${document.name}@${document.version}`,
    owner,
    compatibility: 'BACKWARD',
    contentHash: contentHash(document),
    createdAt: '2026-11-30T00:00:00.000Z',
    deprecated: false,
  };
}
