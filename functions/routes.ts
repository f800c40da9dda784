import type * as z from 'zod';
import type { RouteDefinition } from '../shared/http/route-definition';
import {
  ConditionalHeaders,
  ContractListResponse,
  ContractResponse,
  ErrorPolicyBody,
  ErrorPolicyListResponse,
  ErrorPolicyResponse,
  ErrorStatsQuery,
  ErrorStatsResponse,
  HealthResponse,
  LatestQuery,
  ListQuery,
  NameParams,
  NameVersionParams,
  PolicyKeyParams,
  RegisterContractQuery,
  RegisterContractResponse,
  ReportErrorBody,
  ReportErrorResponse,
  ValidateRequestBody,
  ValidateResponseBody,
  ValidationResultResponse,
  VersionListResponse,
} from './api-schemas';

/** The Lambda functions of the API; one per capability (infra creates one NodejsFunction each). */
export type FunctionName = 'contracts' | 'errors' | 'system';

const problem = (description: string) => ({ description });

/** The route table. */
export const routes = [
  {
    operationId: 'getHealth',
    method: 'GET',
    path: '/v1/health',
    function: 'system',
    summary: 'Health: 200 when the service can reach its tables, 503 otherwise',
    tags: ['system'],
    scopes: [],
    public: true,
    responses: { 200: { description: 'Healthy', schema: HealthResponse }, 503: problem('A table is unreachable') },
  },
  {
    operationId: 'getOpenApiDocument',
    method: 'GET',
    path: '/v1/openapi.json',
    function: 'system',
    summary: 'The OpenAPI 3.1 document of this API, generated from the route table',
    tags: ['system'],
    scopes: [],
    public: true,
    responses: { 200: { description: 'OpenAPI 3.1 document' } },
  },
  {
    operationId: 'registerContract',
    method: 'POST',
    path: '/v1/contracts',
    function: 'contracts',
    summary:
      'Register a contract version (contract document, or OpenAPI 3.0/3.1 / Swagger 2.0 as JSON or YAML); versions are immutable',
    tags: ['contracts'],
    scopes: ['contracts:write'],
    request: {
      query: RegisterContractQuery,
      body: ContractResponse,
      bodyFormats: ['json', 'yaml'],
      bodyValidatedBy: 'operation',
    },
    responses: {
      200: {
        description: 'Identical content was already registered (idempotent), or a dry run',
        schema: RegisterContractResponse,
      },
      201: { description: 'Registered', schema: RegisterContractResponse },
      409: problem('The version exists with different content, or it breaks compatibility'),
      422: problem('The document is invalid; every problem is listed with its JSON pointer'),
    },
  },
  {
    operationId: 'listContracts',
    method: 'GET',
    path: '/v1/contracts',
    function: 'contracts',
    summary: 'List contract names (paginated with limit and cursor)',
    tags: ['contracts'],
    scopes: ['contracts:read'],
    request: { query: ListQuery },
    responses: { 200: { description: 'One page of contracts', schema: ContractListResponse } },
  },
  {
    operationId: 'getLatestContract',
    method: 'GET',
    path: '/v1/contracts/{name}',
    function: 'contracts',
    summary: 'The latest version by semver precedence (deprecated versions skipped; prereleases with ?prerelease=true)',
    tags: ['contracts'],
    scopes: ['contracts:read'],
    request: { params: NameParams, query: LatestQuery },
    responses: { 200: { description: 'The latest version', schema: ContractResponse }, 404: problem('Not found') },
  },
  {
    operationId: 'listContractVersions',
    method: 'GET',
    path: '/v1/contracts/{name}/versions',
    function: 'contracts',
    summary: 'Every version of a contract, highest precedence first',
    tags: ['contracts'],
    scopes: ['contracts:read'],
    request: { params: NameParams },
    responses: { 200: { description: 'Versions', schema: VersionListResponse }, 404: problem('Not found') },
  },
  {
    operationId: 'getContractVersion',
    method: 'GET',
    path: '/v1/contracts/{name}/versions/{version}',
    function: 'contracts',
    summary: 'One exact version (deprecated versions included)',
    tags: ['contracts'],
    scopes: ['contracts:read'],
    request: { params: NameVersionParams },
    responses: { 200: { description: 'The version', schema: ContractResponse }, 404: problem('Not found') },
  },
  {
    operationId: 'deprecateContractVersion',
    method: 'DELETE',
    path: '/v1/contracts/{name}/versions/{version}',
    function: 'contracts',
    summary: 'Deprecate a version: no longer "latest", still resolvable by exact version',
    tags: ['contracts'],
    scopes: ['contracts:write'],
    request: { params: NameVersionParams },
    responses: { 200: { description: 'The deprecated version', schema: ContractResponse }, 404: problem('Not found') },
  },
  {
    operationId: 'validateRequest',
    method: 'POST',
    path: '/v1/contracts/{name}/validate',
    function: 'contracts',
    summary: 'Validate a request (body, query, headers, path parameters) against a contract endpoint',
    tags: ['contracts'],
    scopes: ['contracts:read'],
    request: { params: NameParams, body: ValidateRequestBody },
    responses: {
      200: { description: 'The validation result', schema: ValidationResultResponse },
      404: problem('Unknown contract, version or endpoint (the known endpoints are listed)'),
    },
  },
  {
    operationId: 'validateResponse',
    method: 'POST',
    path: '/v1/contracts/{name}/validate-response',
    function: 'contracts',
    summary: 'Validate a response body against the schema the endpoint declares for its status',
    tags: ['contracts'],
    scopes: ['contracts:read'],
    request: { params: NameParams, body: ValidateResponseBody },
    responses: {
      200: { description: 'The validation result', schema: ValidationResultResponse },
      404: problem('Unknown contract, version or endpoint'),
    },
  },
  {
    operationId: 'listErrorPolicies',
    method: 'GET',
    path: '/v1/error-policies',
    function: 'errors',
    summary:
      'Every effective error policy: the built-in ones (transient, permanent, system, default) and stored code policies',
    tags: ['errors'],
    scopes: ['errors:read'],
    responses: { 200: { description: 'The policies', schema: ErrorPolicyListResponse } },
  },
  {
    operationId: 'getErrorPolicy',
    method: 'GET',
    path: '/v1/error-policies/{key}',
    function: 'errors',
    summary: 'The effective policy under a key (an error code, a category or default); ETag = revision',
    tags: ['errors'],
    scopes: ['errors:read'],
    request: { params: PolicyKeyParams },
    responses: {
      200: {
        description: 'The policy',
        schema: ErrorPolicyResponse,
        headers: { ETag: 'The stored revision, quoted (stored policies only)' },
      },
      404: problem('No policy is stored under this code'),
    },
  },
  {
    operationId: 'putErrorPolicy',
    method: 'PUT',
    path: '/v1/error-policies/{key}',
    function: 'errors',
    summary: 'Create or replace the policy under a key; If-Match (revision) and If-None-Match: * make it conditional',
    tags: ['errors'],
    scopes: ['errors:write'],
    request: {
      params: PolicyKeyParams,
      headers: ConditionalHeaders,
      body: ErrorPolicyBody,
      bodyValidatedBy: 'operation',
    },
    responses: {
      200: { description: 'Replaced', schema: ErrorPolicyResponse, headers: { ETag: 'The new revision, quoted' } },
      201: {
        description: 'Created',
        schema: ErrorPolicyResponse,
        headers: { ETag: 'The new revision, quoted', Location: 'The URL of the policy' },
      },
      412: problem('If-Match / If-None-Match does not hold'),
      422: problem('The policy is invalid; every problem is listed with its JSON pointer'),
    },
  },
  {
    operationId: 'deleteErrorPolicy',
    method: 'DELETE',
    path: '/v1/error-policies/{key}',
    function: 'errors',
    summary: "Remove a stored policy: a category or default reverts to its built-in policy, a code to its category's",
    tags: ['errors'],
    scopes: ['errors:write'],
    request: { params: PolicyKeyParams, headers: ConditionalHeaders },
    responses: {
      204: { description: 'Removed' },
      404: problem('No policy is stored under this key'),
      412: problem('If-Match does not hold'),
    },
  },
  {
    operationId: 'reportError',
    method: 'POST',
    path: '/v1/errors',
    function: 'errors',
    summary:
      'Report a failed call: classifies it, counts it per source:code, raises an integration.alert at the threshold, and answers retry (with delay), fail or fallback',
    tags: ['errors'],
    scopes: ['errors:write'],
    request: { body: ReportErrorBody, bodyValidatedBy: 'operation' },
    responses: {
      200: { description: 'Counted; the resolution says what to do next', schema: ReportErrorResponse },
      422: problem('The report is invalid or its category cannot be determined'),
    },
  },
  {
    operationId: 'getErrorStats',
    method: 'GET',
    path: '/v1/errors/stats',
    function: 'errors',
    summary: 'Error counts per source:code in one window (1m or 1h; the current one unless ?at=), with alert states',
    tags: ['errors'],
    scopes: ['errors:read'],
    request: { query: ErrorStatsQuery },
    responses: { 200: { description: 'One page of counters', schema: ErrorStatsResponse } },
  },
] as const satisfies readonly RouteDefinition<FunctionName>[];

export type Route = (typeof routes)[number];
export type OperationId = Route['operationId'];

type ZodOut<T> = T extends z.ZodType ? z.output<T> : Record<string, never>;
type RequestPart<R, K extends string> = R extends { request: infer Q }
  ? Q extends Record<K, infer S>
    ? ZodOut<S>
    : Record<string, never>
  : Record<string, never>;

/** What an operation receives: path parameters, query and body already validated by the route's schemas. */
export type OperationRequest<Id extends OperationId> = {
  params: RequestPart<Extract<Route, { operationId: Id }>, 'params'>;
  query: RequestPart<Extract<Route, { operationId: Id }>, 'query'>;
  body: Extract<Route, { operationId: Id }> extends { request: { bodyValidatedBy: 'operation' } }
    ? unknown
    : RequestPart<Extract<Route, { operationId: Id }>, 'body'>;
  /** Request headers with lower-case names. */
  headers: Record<string, string>;
  requestId: string;
  /** The concrete request path, e.g. `/v1/contracts/petstore`. */
  path: string;
  /** What precedes `path` in the URL the client called: `/<stage>` on the execute-api endpoint, '' locally. */
  basePath: string;
};

/** What an operation returns; the body is serialized as JSON. */
export type OperationResponse = { status: number; body?: unknown; headers?: Record<string, string> };

/** The implementations one function provides, one per operation id it serves. */
export type OperationsOf<F extends FunctionName, D> = {
  [Id in Extract<Route, { function: F }>['operationId']]: (
    request: OperationRequest<Id>,
    deps: D,
  ) => Promise<OperationResponse>;
};
