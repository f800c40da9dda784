import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { type Clock, nowMs, systemClock } from '../shared/ports/clock';

/** What the local runner knows of one HTTP request. */
export type LocalRequest = {
  method: string;
  /** Path and query as received, e.g. `/v1/contracts?limit=2`. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  sourceIp: string;
};

/**
 * Builds the API Gateway REST (payload v1) proxy event that Lambda would receive: `headers` with
 * the last value and `multiValueHeaders` with all values, the same for the query string;
 * `resource` and `pathParameters` of the matched route; every body base64-encoded (the binary media types include `*` + `/*`, i.e. any type);
 * and a `requestContext` with a fresh request id.
 *
 * @param route - the matched resource path and its decoded parameters (`{proxy+}` when none matched)
 * @example toProxyEvent(req, { resource: '/v1/contracts/{name}', pathParameters: { name: 'petstore' } }, 'local')
 */
export function toProxyEvent(
  request: LocalRequest,
  route: { resource: string; pathParameters: Record<string, string> | null },
  stage: string,
): APIGatewayProxyEvent {
  const url = new URL(request.url, 'http://localhost');
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    multiValueHeaders[name] = values;
    headers[name] = values[values.length - 1] as string;
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) {
    query[name] = value;
    multiQuery[name] = [...(multiQuery[name] ?? []), value];
  }
  // The deployed API lists `*/*` as a binary media type (so the mesh router forwards bytes intact):
  // API Gateway then hands every request body to Lambda base64-encoded, whatever its Content-Type.
  const isText = request.body.length === 0;
  const requestId = randomUUID();
  const now = systemClock.now();
  return {
    resource: route.resource,
    path: url.pathname,
    httpMethod: request.method.toUpperCase(),
    headers,
    multiValueHeaders,
    queryStringParameters: Object.keys(query).length > 0 ? query : null,
    multiValueQueryStringParameters: Object.keys(multiQuery).length > 0 ? multiQuery : null,
    pathParameters: route.pathParameters,
    stageVariables: null,
    body: request.body.length === 0 ? null : isText ? request.body.toString('utf8') : request.body.toString('base64'),
    isBase64Encoded: request.body.length > 0 && !isText,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: request.method.toUpperCase(),
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: request.sourceIp,
        user: null,
        userAgent: headers['user-agent'] ?? null,
        userArn: null,
      },
      // As behind a custom domain mapped at the root: no stage segment in the URL.
      path: url.pathname,
      stage,
      requestId,
      requestTimeEpoch: now.getTime(),
      requestTime: now.toISOString(),
      resourceId: 'local',
      resourcePath: route.resource,
    },
  };
}

/**
 * A Lambda context for one local invocation.
 *
 * @param timeoutMs - the function's timeout, so `getRemainingTimeInMillis` counts down from it
 * @param clock - what the countdown reads @default systemClock
 */
export function toLambdaContext(
  functionName: string,
  requestId: string,
  timeoutMs = 29_000,
  clock: Clock = systemClock,
): Context {
  const deadline = nowMs(clock) + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - nowMs(clock)),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Response headers as one flat record: `multiValueHeaders` joined, then `headers`. */
export function responseHeaders(result: APIGatewayProxyResult): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) out[name] = values.map(String);
  for (const [name, value] of Object.entries(result.headers ?? {})) out[name] = String(value);
  return out;
}
