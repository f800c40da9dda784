import type {
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayRequestAuthorizerEvent,
  Context,
} from 'aws-lambda';
import ipaddr from 'ipaddr.js';
import {
  type AuthorizerResponse,
  type PolicyStatement,
  principalFromContext,
} from '../shared/domain/auth/authorizer-policy';
import type { Principal } from '../shared/domain/auth/principal';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_PREFIX } from '../shared/http/problem';
import { toLambdaContext } from './proxy-event';

/** The authorizer function's handler, as `createAuthorizerHandler` builds it. */
export type AuthorizerHandler = (event: APIGatewayRequestAuthorizerEvent, context: Context) => Promise<unknown>;

/**
 * What the local gateway's authorizer step decided: pass on with this authorizer context, or
 * answer. `decidedBy` says whose denial it is, for the audit trail: the authorizer's 401s it
 * records itself; a 403 is the gateway's own reading of the policy (`principal`: whom it denied).
 */
export type GatewayAuthorization =
  | { readonly allowed: true; readonly authorizer: Record<string, string> }
  | {
      readonly allowed: false;
      readonly result: APIGatewayProxyResult;
      readonly decidedBy: 'authorizer' | 'gateway';
      readonly principal?: Principal;
    };

/** Why the gateway answers 403 (the ACCESS_DENIED problem's detail). */
export const ACCESS_DENIED_DETAIL = 'The access token lacks a scope this operation needs';

/**
 * Whether `host` names a loopback interface: `localhost`, 127.0.0.0/8, `::1` (also IPv4-mapped).
 * Any other name counts as not loopback — names are not resolved here.
 *
 * @example isLoopbackHost('127.0.0.1') // true; isLoopbackHost('0.0.0.0') // false
 */
export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (name === 'localhost' || name === 'localhost.') return true;
  if (!ipaddr.isValid(name)) return false;
  return ipaddr.process(name).range() === 'loopback';
}

/**
 * The execute-api method ARN API Gateway puts in a REQUEST authorizer event for a call: the local
 * API's id and stage are both `local`, the path is the request's path (percent-encoding kept).
 *
 * @example localMethodArn('GET', '/v1/health') // 'arn:aws:execute-api:us-east-1:000000000000:local/local/GET/v1/health'
 */
export function localMethodArn(method: string, path: string, region = process.env.AWS_REGION ?? 'us-east-1'): string {
  return `arn:aws:execute-api:${region}:000000000000:local/local/${method.toUpperCase()}${path}`;
}

/**
 * IAM's evaluation of an authorizer's policy for one method ARN, as API Gateway applies it: a
 * statement applies when its Action covers `execute-api:Invoke` and a Resource matches, where `*`
 * matches any run of characters (including `/`) and `?` any one character; an explicit Deny wins,
 * otherwise some Allow must apply (the default is deny).
 *
 * @example policyAdmits({ Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: ['arn:…/local/GET/v1/*'] }] }, 'arn:…/local/GET/v1/x/y') // true
 */
export function policyAdmits(policy: AuthorizerResponse['policyDocument'] | undefined, arn: string): boolean {
  const statements = (policy?.Statement ?? []) as readonly PolicyStatement[];
  const applies = (statement: PolicyStatement) =>
    asList(statement.Action).some((action) => iamMatch(action.toLowerCase(), 'execute-api:invoke')) &&
    asList(statement.Resource).some((resource) => iamMatch(resource, arn));
  if (statements.some((s) => s.Effect === 'Deny' && applies(s))) return false;
  return statements.some((s) => s.Effect === 'Allow' && applies(s));
}

/**
 * What API Gateway does with a REQUEST Lambda authorizer in front of a method: builds the
 * authorizer event from the request, invokes the authorizer, and reads its outcome — the error
 * `Unauthorized` → 401 (UNAUTHORIZED); a policy that does not admit the method ARN → 403
 * (ACCESS_DENIED); any other error or a malformed answer → 500 (AUTHORIZER_FAILURE), never an
 * allow. On an allow, the integration's `requestContext.authorizer` is the answer's `context` plus
 * `principalId`. No answer is cached: every call is authorized afresh (a cache TTL of 0).
 *
 * @param event - the proxy event the function would receive (its headers, path and query)
 * @returns the authorizer context to pass on, or the gateway's problem+json answer
 */
export async function authorizeAtGateway(
  authorizer: AuthorizerHandler,
  event: APIGatewayProxyEvent,
): Promise<GatewayAuthorization> {
  const methodArn = localMethodArn(event.httpMethod, event.path);
  const authorizerEvent: APIGatewayRequestAuthorizerEvent = {
    type: 'REQUEST',
    methodArn,
    resource: event.resource,
    path: event.path,
    httpMethod: event.httpMethod,
    headers: event.headers,
    multiValueHeaders: event.multiValueHeaders,
    pathParameters: event.pathParameters,
    queryStringParameters: event.queryStringParameters,
    multiValueQueryStringParameters: event.multiValueQueryStringParameters,
    stageVariables: event.stageVariables,
    requestContext: { ...event.requestContext, authorizer: undefined },
  };
  let answer: unknown;
  try {
    answer = await authorizer(authorizerEvent, toLambdaContext('aif-authorizer', event.requestContext.requestId));
  } catch (error) {
    if (error instanceof Error && error.message === 'Unauthorized') return denied(unauthorized(event), 'authorizer');
    return denied(authorizerFailure(event), 'authorizer');
  }
  const response = answer as Partial<AuthorizerResponse> | undefined;
  if (!response || typeof response.principalId !== 'string' || !response.policyDocument)
    return denied(authorizerFailure(event), 'authorizer');
  if (!policyAdmits(response.policyDocument, methodArn)) {
    const principal = principalFromContext(response.context);
    return { ...denied(accessDenied(event), 'gateway'), ...(principal && { principal }) };
  }
  // API Gateway hands context values to the integration as strings (its flattening).
  const context = Object.fromEntries(Object.entries(response.context ?? {}).map(([k, v]) => [k, String(v)]));
  return { allowed: true, authorizer: { ...context, principalId: response.principalId } };
}

const denied = (result: APIGatewayProxyResult, decidedBy: 'authorizer' | 'gateway') =>
  ({ allowed: false, result, decidedBy }) as const;

// The gateway responses: API Gateway answers them without knowing why (the authorizer only says
// `Unauthorized`), so each is one fixed problem per outcome.
const unauthorized = (event: APIGatewayProxyEvent) =>
  gatewayResponse(
    event,
    401,
    'unauthorized',
    'The request is not authenticated',
    'A valid Bearer access token is required',
    {
      'www-authenticate': 'Bearer error="invalid_token"',
    },
  );
const accessDenied = (event: APIGatewayProxyEvent) =>
  gatewayResponse(
    event,
    403,
    'insufficient-scope',
    'The access token does not allow this operation',
    ACCESS_DENIED_DETAIL,
    { 'www-authenticate': 'Bearer error="insufficient_scope"' },
  );
const authorizerFailure = (event: APIGatewayProxyEvent) =>
  gatewayResponse(
    event,
    500,
    'authorizer-failure',
    'The request could not be authorized',
    `The authorizer failed; quote request id ${event.requestContext.requestId} when reporting it`,
    {},
  );

function gatewayResponse(
  event: APIGatewayProxyEvent,
  status: number,
  code: string,
  title: string,
  detail: string,
  headers: Record<string, string>,
): APIGatewayProxyResult {
  const requestId = event.requestContext.requestId;
  return {
    statusCode: status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...headers },
    body: `${JSON.stringify({
      type: `${PROBLEM_TYPE_PREFIX}${code}`,
      title,
      status,
      detail,
      instance: `urn:aif:request:${requestId}`,
      requestId,
    })}\n`,
  };
}

const asList = (value: string | readonly string[] | undefined): readonly string[] =>
  value === undefined ? [] : typeof value === 'string' ? [value] : value;

/** IAM's string wildcards: `*` any run of characters, `?` exactly one; everything else literal. */
function iamMatch(pattern: string, value: string): boolean {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 's').test(value);
}
