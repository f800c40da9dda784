import type * as z from 'zod';
import type { RouteDefinition } from '../shared/http/route-definition';
import {
  BreakerConfigBody,
  BreakerConfigResponse,
  BreakerListResponse,
  ConditionalHeaders,
  ContractListResponse,
  ContractResponse,
  DeadLetterIdParams,
  DeadLetterListResponse,
  DeadLetterQuery,
  ErrorPolicyBody,
  ErrorPolicyListResponse,
  ErrorPolicyResponse,
  ErrorStatsQuery,
  ErrorStatsResponse,
  EventIdParams,
  EventListResponse,
  EventRecordResponse,
  EventsByCorrelationQuery,
  HealthResponse,
  LatestQuery,
  ListQuery,
  MeshIdParams,
  MeshProxyParams,
  NameParams,
  NameVersionParams,
  PatternTestBody,
  PatternTestResponse,
  PolicyKeyParams,
  PublishEventsBody,
  PublishEventsResponse,
  RedriveBody,
  RedriveResponse,
  RegisterContractBody,
  RegisterContractQuery,
  RegisterContractResponse,
  RegisteredInstanceResponse,
  ReplayBody,
  ReplayNameParams,
  ReplayResponse,
  ReportErrorBody,
  ReportErrorResponse,
  RoutingRuleBody,
  RoutingRuleListResponse,
  RoutingRuleResponse,
  ServiceInstanceBody,
  ServiceInstanceListResponse,
  SubscriptionBody,
  SubscriptionIdParams,
  SubscriptionListResponse,
  SubscriptionResponse,
  TopologyResponse,
  ValidateRequestBody,
  ValidateResponseBody,
  ValidationResultResponse,
  VersionListResponse,
} from './api-schemas';
import type { HttpFunctionName } from './manifest';

/** The functions API Gateway invokes; one per capability (`functions/manifest.ts` has one record each). */
export type FunctionName = HttpFunctionName;

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
    // The API's description in YAML too (Accept: application/yaml), as OpenAPI tooling reads both.
    formats: ['yaml'],
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
    // OpenAPI documents come as YAML as often as JSON.
    formats: ['yaml'],
    request: {
      query: RegisterContractQuery,
      body: RegisterContractBody,
      bodyValidatedBy: 'operation',
    },
    responses: {
      200: {
        description: 'Identical content was already registered (idempotent), or a dry run',
        schema: RegisterContractResponse,
      },
      201: {
        description: 'Registered',
        schema: RegisterContractResponse,
        headers: { Location: 'The URL of the registered version' },
      },
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
    // A contract in YAML (Accept: application/yaml), as it may have been registered.
    formats: ['yaml'],
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
    formats: ['yaml'],
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
        headers: { ETag: { description: 'The stored revision, quoted (stored policies only)', optional: true } },
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
  {
    operationId: 'publishEvents',
    method: 'POST',
    path: '/v1/events',
    function: 'events',
    summary:
      'Publish one event or a batch (≤ 100) on the bus: validated (envelope, event contract, EventBridge entry rules), idempotent by id, every outcome reported',
    tags: ['events'],
    scopes: ['events:write'],
    request: { body: PublishEventsBody, bodyValidatedBy: 'operation' },
    responses: {
      202: { description: 'Every event is on the bus (or was already: duplicate)', schema: PublishEventsResponse },
      207: {
        description:
          'Some events are on the bus and others were refused or failed: `results` has every outcome, `failedEntryCount` how many are not on the bus',
        schema: PublishEventsResponse,
      },
      409: problem(
        'No event was published; an id holds other content, or is being published by another request; `results` has every outcome',
      ),
      413: problem('No event was published; one exceeds the entry size cap; `results` has every outcome'),
      422: problem(
        'No event was published; they are invalid or break their event contract; `results` has every outcome',
      ),
      503: problem(
        'No event was published; the bus refused events after retries; publish again (idempotent); `results` has every outcome',
      ),
    },
  },
  {
    operationId: 'listEvents',
    method: 'GET',
    path: '/v1/events',
    function: 'events',
    summary: 'The published events of one correlation id (the causation chain), oldest first',
    tags: ['events'],
    scopes: ['events:read'],
    request: { query: EventsByCorrelationQuery },
    responses: { 200: { description: 'One page of events', schema: EventListResponse } },
  },
  {
    operationId: 'getEvent',
    method: 'GET',
    path: '/v1/events/{id}',
    function: 'events',
    summary: 'One event from the event log, with its publication state',
    tags: ['events'],
    scopes: ['events:read'],
    request: { params: EventIdParams },
    responses: { 200: { description: 'The event', schema: EventRecordResponse }, 404: problem('Not in the log') },
  },
  {
    operationId: 'createSubscription',
    method: 'POST',
    path: '/v1/subscriptions',
    function: 'events',
    summary: 'Subscribe a webhook to an event type, with an EventBridge pattern filter on the payload',
    tags: ['events'],
    scopes: ['subscriptions:write'],
    request: { body: SubscriptionBody, bodyValidatedBy: 'operation' },
    responses: {
      200: { description: 'The same subscription existed (idempotent)', schema: SubscriptionResponse },
      201: {
        description: 'Created; the answer holds the signing secret, shown only this once',
        schema: SubscriptionResponse,
        headers: { Location: 'The URL of the subscription' },
      },
      409: problem('The id holds a different subscription'),
      422: problem('Invalid; every problem is listed (EventBridge reasons for the filter)'),
    },
  },
  {
    operationId: 'listSubscriptions',
    method: 'GET',
    path: '/v1/subscriptions',
    function: 'events',
    summary: 'Every subscription (secrets hidden)',
    tags: ['events'],
    scopes: ['subscriptions:read'],
    responses: { 200: { description: 'The subscriptions', schema: SubscriptionListResponse } },
  },
  {
    operationId: 'getSubscription',
    method: 'GET',
    path: '/v1/subscriptions/{id}',
    function: 'events',
    summary: 'One subscription (secret hidden)',
    tags: ['events'],
    scopes: ['subscriptions:read'],
    request: { params: SubscriptionIdParams },
    responses: { 200: { description: 'The subscription', schema: SubscriptionResponse }, 404: problem('Not found') },
  },
  {
    operationId: 'deleteSubscription',
    method: 'DELETE',
    path: '/v1/subscriptions/{id}',
    function: 'events',
    summary: "Unsubscribe: removes the rule's targets, then the rule, then the subscription",
    tags: ['events'],
    scopes: ['subscriptions:write'],
    request: { params: SubscriptionIdParams },
    responses: { 204: { description: 'Deleted' }, 404: problem('Not found') },
  },
  {
    operationId: 'testEventPattern',
    method: 'POST',
    path: '/v1/event-patterns/test',
    function: 'events',
    summary: "EventBridge's TestEventPattern: does the pattern match the event?",
    tags: ['events'],
    scopes: ['events:read'],
    request: { body: PatternTestBody },
    responses: {
      200: { description: 'Whether it matches', schema: PatternTestResponse },
      400: problem('The pattern is invalid (EventBridge’s reason)'),
    },
  },
  {
    operationId: 'listDeadLetters',
    method: 'GET',
    path: '/v1/dead-letters',
    function: 'events',
    summary: 'Deliveries given up on, newest first (filter by subscriptionId or type)',
    tags: ['events'],
    scopes: ['subscriptions:read'],
    request: { query: DeadLetterQuery },
    responses: { 200: { description: 'One page of dead letters', schema: DeadLetterListResponse } },
  },
  {
    operationId: 'redriveDeadLetters',
    method: 'POST',
    path: '/v1/dead-letters/redrive',
    function: 'events',
    summary: "Put dead letters back on the delivery queue, by ids or a subscription's (≤ 100 per request)",
    tags: ['events'],
    scopes: ['subscriptions:write'],
    request: { body: RedriveBody },
    responses: { 200: { description: 'What was redriven', schema: RedriveResponse } },
  },
  {
    operationId: 'deleteDeadLetter',
    method: 'DELETE',
    path: '/v1/dead-letters/{id}',
    function: 'events',
    summary: 'Give a dead letter up for good',
    tags: ['events'],
    scopes: ['subscriptions:write'],
    request: { params: DeadLetterIdParams },
    responses: { 204: { description: 'Deleted' }, 404: problem('Not found') },
  },
  {
    operationId: 'startReplay',
    method: 'POST',
    path: '/v1/replays',
    function: 'events',
    summary: 'Replay past events to the subscriptions (EventBridge archive in AWS; the event log locally)',
    tags: ['events'],
    scopes: ['events:write'],
    request: { body: ReplayBody, bodyValidatedBy: 'operation' },
    responses: {
      202: { description: 'Started', schema: ReplayResponse, headers: { Location: 'The URL of the replay' } },
      409: problem('The name is taken'),
      422: problem('Invalid range'),
    },
  },
  {
    operationId: 'getReplay',
    method: 'GET',
    path: '/v1/replays/{name}',
    function: 'events',
    summary: "A replay's state",
    tags: ['events'],
    scopes: ['events:read'],
    request: { params: ReplayNameParams },
    responses: { 200: { description: 'The replay', schema: ReplayResponse }, 404: problem('Not found') },
  },
  {
    operationId: 'registerInstance',
    method: 'POST',
    path: '/v1/services',
    function: 'mesh',
    summary:
      'Register a service instance, or re-register it (heartbeat); If-Match makes it conditional on the revision',
    tags: ['mesh'],
    scopes: ['mesh:write'],
    request: { body: ServiceInstanceBody, bodyValidatedBy: 'operation', headers: ConditionalHeaders },
    responses: {
      200: { description: 'Re-registered', schema: RegisteredInstanceResponse, headers: { ETag: 'The new revision' } },
      201: { description: 'Registered', schema: RegisteredInstanceResponse, headers: { ETag: 'The revision' } },
      412: problem('If-Match does not hold'),
      422: problem('Invalid; endpoints must be http(s) and pass the SSRF policy'),
    },
  },
  {
    operationId: 'listInstances',
    method: 'GET',
    path: '/v1/services',
    function: 'mesh',
    summary: 'Every registered instance',
    tags: ['mesh'],
    scopes: ['mesh:read'],
    responses: { 200: { description: 'The instances', schema: ServiceInstanceListResponse } },
  },
  {
    operationId: 'listServiceInstances',
    method: 'GET',
    path: '/v1/services/{id}/instances',
    function: 'mesh',
    summary: 'The instances of one service (`id` is the service name)',
    tags: ['mesh'],
    scopes: ['mesh:read'],
    request: { params: MeshIdParams },
    responses: { 200: { description: 'The instances', schema: ServiceInstanceListResponse } },
  },
  {
    operationId: 'deregisterInstance',
    method: 'DELETE',
    path: '/v1/services/{id}',
    function: 'mesh',
    summary: 'Deregister an instance (`id` is the instance id); If-Match makes it conditional on the revision',
    tags: ['mesh'],
    scopes: ['mesh:write'],
    request: { params: MeshIdParams, headers: ConditionalHeaders },
    responses: {
      204: { description: 'Deregistered' },
      404: problem('Not found'),
      412: problem('If-Match does not hold'),
    },
  },
  {
    operationId: 'putRoutingRule',
    method: 'POST',
    path: '/v1/routing-rules',
    function: 'mesh',
    summary: 'Create or replace a routing rule (matching, version splits, headers, timeout, retries)',
    tags: ['mesh'],
    scopes: ['mesh:write'],
    request: { body: RoutingRuleBody, bodyValidatedBy: 'operation' },
    responses: {
      200: { description: 'Replaced', schema: RoutingRuleResponse },
      201: { description: 'Created', schema: RoutingRuleResponse },
      422: problem('Invalid, or it routes nowhere (every split weight 0)'),
    },
  },
  {
    operationId: 'listRoutingRules',
    method: 'GET',
    path: '/v1/routing-rules',
    function: 'mesh',
    summary: 'Every routing rule',
    tags: ['mesh'],
    scopes: ['mesh:read'],
    responses: { 200: { description: 'The rules', schema: RoutingRuleListResponse } },
  },
  {
    operationId: 'deleteRoutingRule',
    method: 'DELETE',
    path: '/v1/routing-rules/{id}',
    function: 'mesh',
    summary: 'Delete a routing rule',
    tags: ['mesh'],
    scopes: ['mesh:write'],
    request: { params: MeshIdParams },
    responses: { 204: { description: 'Deleted' }, 404: problem('Not found') },
  },
  {
    operationId: 'getTopology',
    method: 'GET',
    path: '/v1/topology',
    function: 'mesh',
    summary: 'The service topology: services with instance and healthy counts, connections from rules',
    tags: ['mesh'],
    scopes: ['mesh:read'],
    responses: { 200: { description: 'The topology', schema: TopologyResponse } },
  },
  {
    operationId: 'listBreakers',
    method: 'GET',
    path: '/v1/breakers',
    function: 'mesh',
    summary: "Every circuit breaker's shared state",
    tags: ['mesh'],
    scopes: ['mesh:read'],
    responses: { 200: { description: 'The breakers', schema: BreakerListResponse } },
  },
  {
    operationId: 'getBreakerConfig',
    method: 'GET',
    path: '/v1/services/{id}/breaker-config',
    function: 'mesh',
    summary: "A service's circuit-breaker settings (`id` is the service name); the defaults when none are stored",
    tags: ['mesh'],
    scopes: ['mesh:read'],
    request: { params: MeshIdParams },
    responses: { 200: { description: 'The settings', schema: BreakerConfigResponse } },
  },
  {
    operationId: 'putBreakerConfig',
    method: 'PUT',
    path: '/v1/services/{id}/breaker-config',
    function: 'mesh',
    summary:
      "Set a service's circuit-breaker settings: failureThreshold, resetTimeoutMs, halfOpenRequests, permitLeaseMs",
    tags: ['mesh'],
    scopes: ['mesh:write'],
    request: { params: MeshIdParams, body: BreakerConfigBody, bodyValidatedBy: 'operation' },
    responses: {
      200: { description: 'Stored', schema: BreakerConfigResponse },
      422: problem('Invalid settings; every problem is listed'),
    },
  },
  {
    operationId: 'routeCall',
    method: 'ANY',
    path: '/v1/mesh/{service}/{proxy+}',
    function: 'mesh',
    summary:
      'Route a call to a healthy instance of the service (weighted, rules, shared circuit breakers, retries onto another instance)',
    tags: ['mesh'],
    scopes: ['mesh:call'],
    request: { params: MeshProxyParams, rawBody: true },
    responses: {
      default: { description: "The instance's answer, relayed as it is (any status, headers and content type)" },
      502: problem('The instance failed without an answer'),
      503: problem('No healthy instance, or every breaker is open'),
      504: problem('The instance did not answer in time'),
    },
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
  /** The HTTP method, upper case (routes with method ANY serve several). */
  method: string;
  /** The query string as API Gateway passed it, re-encoded, without `?`. */
  rawQuery: string;
  /** The concrete request path, e.g. `/v1/contracts/petstore`. */
  path: string;
  /** What precedes `path` in the URL the client called: `/<stage>` on the execute-api endpoint, '' locally. */
  basePath: string;
};

/** What an operation returns; the body is serialized as JSON. */
export type OperationResponse = {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Bytes answered as they are (proxied responses), base64-encoded to API Gateway. */
  rawBody?: Buffer;
};

/** The implementations one function provides, one per operation id it serves. */
export type OperationsOf<F extends FunctionName, D> = {
  [Id in Extract<Route, { function: F }>['operationId']]: (
    request: OperationRequest<Id>,
    deps: D,
  ) => Promise<OperationResponse>;
};
