import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';

const base = JSON.parse(
  readFileSync(new URL('../fixtures/aws-events/apigw-rest-proxy-v1.no-auth.json', import.meta.url), 'utf8'),
) as APIGatewayProxyEvent;

/**
 * An API Gateway REST proxy event built from the Powertools sample event, for one request.
 * `resource` is the route's template path; headers are replaced by `headers`.
 */
export function apiEvent(input: {
  method: string;
  path: string;
  resource?: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}): APIGatewayProxyEvent {
  const headers = {
    Accept: '*/*',
    ...(input.body !== undefined || input.rawBody !== undefined ? { 'Content-Type': 'application/json' } : {}),
    ...input.headers,
  };
  return {
    ...structuredClone(base),
    resource: input.resource ?? input.path,
    path: input.path,
    httpMethod: input.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: input.query ?? null,
    multiValueQueryStringParameters: input.query
      ? Object.fromEntries(Object.entries(input.query).map(([k, v]) => [k, [v]]))
      : null,
    pathParameters: input.pathParameters ?? null,
    body: input.rawBody ?? (input.body === undefined ? null : JSON.stringify(input.body)),
    isBase64Encoded: false,
    requestContext: { ...structuredClone(base.requestContext), requestId: 'test-request-id' },
  };
}

/** A fixed Lambda context. */
export const lambdaContext: Context = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'aif-contracts',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:aif-contracts',
  memoryLimitInMB: '1024',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  logGroupName: '/aws/lambda/aif-contracts',
  logStreamName: '2026/11/30/[$LATEST]abcdef',
  getRemainingTimeInMillis: () => 29_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

/**
 * An API Gateway REST REQUEST authorizer event (payload as in the developer guide's "Input to an
 * API Gateway Lambda authorizer") for one call; `headers` are also given as `multiValueHeaders`
 * unless `multiValueHeaders` is passed.
 */
export function authorizerEvent(input: {
  method: string;
  path: string;
  resource?: string;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
}): APIGatewayRequestAuthorizerEvent {
  const headers = input.headers ?? {};
  return {
    type: 'REQUEST',
    methodArn: `arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/${input.method}${input.path}`,
    resource: input.resource ?? input.path,
    path: input.path,
    httpMethod: input.method,
    headers,
    multiValueHeaders: input.multiValueHeaders ?? Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {
      ...structuredClone(base.requestContext),
      requestId: 'test-request-id',
      httpMethod: input.method,
      path: `/prod${input.path}`,
      stage: 'prod',
    },
  } as APIGatewayRequestAuthorizerEvent;
}
