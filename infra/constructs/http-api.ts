import { Duration, Size, Stack, Validations } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
  ApiKeySourceType,
  AuthorizationType,
  EndpointType,
  type IResource,
  LambdaIntegration,
  LogGroupLogDestination,
  type Method,
  type MethodDeploymentOptions,
  type MethodOptions,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { PolicyDocument } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { RouteDefinition } from '../../shared/http/route-definition';

/** How the methods of an {@link HttpApi} authenticate callers (built by `ApiAuthorization`). */
export interface MethodAuthorization {
  /**
   * The credentials callers present, which shape the gateway's 401 / 403 answers: `bearer`
   * (`WWW-Authenticate: Bearer …`), `sigv4` (IAM), `none` (nothing is checked).
   */
  readonly scheme: 'bearer' | 'sigv4' | 'none';
  /** The options of the method serving `route`, or of a fallback method (`undefined`). */
  methodOptions(route: RouteDefinition | undefined): MethodOptions;
  /**
   * Why a protected method does not use a Cognito user pool authorizer (cdk-nag COG4), recorded on
   * each protected method. Absent when methods are open (`none`): cdk-nag then reports APIG4 and
   * COG4 on every non-public method, as it should.
   */
  readonly protectedMethodReason?: string;
}

/** Props of an {@link HttpApi}. */
export interface HttpApiProps<F extends string> {
  /** How each method authenticates: public routes open, every other method (fallbacks too) protected. */
  readonly authorization: MethodAuthorization;
  /** The route table (`functions/routes.ts`): one API Gateway method per route. */
  readonly routes: readonly RouteDefinition<F>[];
  /** The function of each name the routes use. */
  readonly functions: Readonly<Record<F, IFunction>>;
  /**
   * The function that receives every request no route matches (`ANY` on `/`, `/{proxy+}` and each
   * resource whose route is not itself `ANY`); its router answers 404 or 405 as problem+json.
   */
  readonly fallbackFunction: F;
  /**
   * Name of the deployment stage, the first segment of the invoke URL's path.
   *
   * @default 'dev'
   */
  readonly stageName?: string;
  /**
   * Steady-state requests per second the stage accepts before answering 429.
   *
   * @default 100
   */
  readonly throttleRateLimit?: number;
  /**
   * Requests the stage absorbs in a burst above the steady rate.
   *
   * @default 200
   */
  readonly throttleBurstLimit?: number;
  /**
   * Stricter throttles of single routes' methods, by operation id (the stage's `methodOptions`,
   * for all callers together), each at most the stage's own. @default none
   */
  readonly methodThrottles?: Readonly<Record<string, { readonly rateLimit: number; readonly burstLimit: number }>>;
  /**
   * Where API Gateway takes a request's API key from for usage plans: `AUTHORIZER` — the
   * `usageIdentifierKey` the Lambda authorizer answers. @default HEADER (API Gateway's; no method requires a key)
   */
  readonly apiKeySource?: 'AUTHORIZER';
  /**
   * How long access log events are kept.
   *
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Disables the default `execute-api` endpoint (set when a custom domain fronts the API, so its
   * mTLS cannot be bypassed). @default false
   */
  readonly disableExecuteApiEndpoint?: boolean;
  /** The API's resource policy (e.g. a source-IP allowlist, `restApiNetworkOptions`). @default none */
  readonly policy?: PolicyDocument;
  /**
   * Smallest response body API Gateway compresses when the client accepts gzip/deflate, bytes.
   *
   * @default 1024
   */
  readonly minCompressionSizeBytes?: number;
  /**
   * 5XX responses within 5 minutes that raise the server-error alarm.
   *
   * @default 5
   */
  readonly serverErrorAlarmThreshold?: number;
}

/**
 * Media types API Gateway treats as binary: request bodies of these types reach the functions
 * base64-encoded (`isBase64Encoded`), and a function's base64 response is decoded to bytes when the
 * client's first `Accept` type matches one of them.
 *
 * `*\/*` makes the API binary-safe for the mesh router (`ANY /v1/mesh/{service}/{proxy+}`), which
 * forwards request bodies of any type byte for byte and always answers with the instance's body
 * base64-encoded: with a narrower list, a proxied answer to a client whose `Accept` did not match
 * (`application/json`, a browser's `text/html,…`) would reach the client as base64 text.
 * It does not change the JSON routes: their responses are not base64-encoded (`isBase64Encoded`
 * unset), which API Gateway passes through as text whatever the list holds; their request bodies
 * now always arrive base64-encoded, and the router decodes them before parsing (`parseBody` and the
 * raw-body path both honour `isBase64Encoded`). The API has only Lambda proxy integrations — no
 * MOCK or non-proxy integration whose templates `*\/*` would turn binary. The binary codecs the API
 * negotiates besides JSON stay listed to document them (every name each codec reads, and
 * Protobuf's two names for the codec issue 12 adds). Binary answers (MessagePack, CBOR) are
 * returned base64-encoded with `isBase64Encoded`, and API Gateway decodes them when the client's
 * first `Accept` type is listed — with `*\/*`, always.
 */
export const BINARY_MEDIA_TYPES = [
  'application/msgpack',
  'application/x-msgpack',
  'application/cbor',
  'application/x-protobuf',
  'application/protobuf',
  '*/*',
] as const;

/** The problem+json content type of every error the gateway itself produces. */
const PROBLEM_JSON = 'application/problem+json';

/**
 * Errors API Gateway answers itself, before (or instead of) a function, reshaped into RFC 9457
 * problem details like the functions' own. Gateway response templates only substitute variables
 * (no VTL), and no variable holds the status code, so `status` is written only where the
 * response type fixes it; RFC 9457 §3.1.2 makes the member advisory.
 */
const GATEWAY_PROBLEMS: ReadonlyArray<{
  id: string;
  type: ResponseType;
  code: string;
  title: string;
  status?: number;
  headers?: Record<string, string>;
}> = [
  {
    id: 'Default4xx',
    type: ResponseType.DEFAULT_4XX,
    code: 'gateway-rejected',
    title: 'The API gateway rejected the request',
  },
  { id: 'Default5xx', type: ResponseType.DEFAULT_5XX, code: 'gateway-error', title: 'The API gateway failed' },
  {
    id: 'Throttled',
    type: ResponseType.THROTTLED,
    code: 'too-many-requests',
    title: 'Too many requests',
    status: 429,
    headers: { 'Retry-After': '1' },
  },
  {
    // API Gateway REST APIs accept at most 10 MB per request (a fixed quota); the functions enforce
    // their own, smaller MAX_BODY_BYTES and answer 413 the same way.
    id: 'RequestTooLarge',
    type: ResponseType.REQUEST_TOO_LARGE,
    code: 'payload-too-large',
    title: 'The request body is too large',
    status: 413,
  },
  {
    // API Gateway's answer (403 by default) to a path no resource matches. The `/{proxy+}`
    // fallback leaves it almost unreachable; if it happens, the truth is "no such route".
    id: 'MissingAuthenticationToken',
    type: ResponseType.MISSING_AUTHENTICATION_TOKEN,
    code: 'route-not-found',
    title: 'No such route',
    status: 404,
  },
  {
    // No or an unverifiable token (the authorizer threw "Unauthorized", or the identity source,
    // the Authorization header, was missing). RFC 6750 §3.1.
    id: 'Unauthorized',
    type: ResponseType.UNAUTHORIZED,
    code: 'unauthorized',
    title: 'The request is not authenticated',
    status: 401,
    headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
  },
  {
    // The authorizer's policy (or, with IAM, the caller's policies) does not allow the method: the
    // token lacks a scope of the route. The gateway cannot name the route's scopes here.
    id: 'AccessDenied',
    type: ResponseType.ACCESS_DENIED,
    code: 'insufficient-scope',
    title: 'The caller may not call this operation',
    status: 403,
    headers: { 'WWW-Authenticate': 'Bearer error="insufficient_scope"' },
  },
  {
    // The authorizer failed (an unreachable JWKS, a crash, a timeout): a server error, never an allow.
    id: 'AuthorizerFailure',
    type: ResponseType.AUTHORIZER_FAILURE,
    code: 'authorizer-failure',
    title: 'The caller could not be authenticated because of a server error',
    status: 500,
  },
  {
    id: 'AuthorizerConfigurationError',
    type: ResponseType.AUTHORIZER_CONFIGURATION_ERROR,
    code: 'authorizer-failure',
    title: 'The caller could not be authenticated because of a server error',
    status: 500,
  },
  {
    id: 'IntegrationTimeout',
    type: ResponseType.INTEGRATION_TIMEOUT,
    code: 'upstream-timeout',
    title: 'The function did not answer in time',
    status: 504,
  },
];

/**
 * The REST API, built from the route table: for each route its resource path (nested resources;
 * a greedy `{proxy+}` part too) and method, a Lambda proxy integration to the route's function
 * (GET routes also get HEAD; an `ANY` route is one `ANY` method). `ANY` on every other resource plus
 * `/` and `/{proxy+}` go to the fallback function, so unknown paths get 404 and wrong methods 405
 * as problem+json from the same router; a resource whose route is `ANY` gets no fallback. Also: JSON
 * access logs, X-Ray tracing, detailed metrics, stage throttling, binary media types (`*\/*`:
 * binary-safe proxying), compression, problem+json gateway responses, a 5XX alarm.
 *
 * Every method gets `authorization.methodOptions(route)` — the fallbacks too (`route` undefined):
 * `public` routes stay open, every other method needs the mode's authorizer or IAM. The gateway's
 * own 401 / 403 / authorizer failures answer problem+json too (with `WWW-Authenticate` for bearer
 * tokens).
 *
 * @example
 * const api = new HttpApi(this, 'HttpApi', {
 *   routes,
 *   functions: { contracts: contracts.function, system: system.function },
 *   fallbackFunction: 'system',
 * });
 * api.restApi.url; // https://<id>.execute-api.<region>.amazonaws.com/dev/
 */
export class HttpApi<F extends string> extends Construct {
  /** The REST API; its `deploymentStage` is the stage named by `stageName`. */
  readonly restApi: RestApi;
  /** The access log group: one JSON line per request. */
  readonly accessLogGroup: LogGroup;
  /** 5XX responses on the stage reached the threshold within 5 minutes. */
  readonly serverErrorsAlarm: Alarm;

  constructor(scope: Construct, id: string, props: HttpApiProps<F>) {
    super(scope, id);
    const stageName = props.stageName ?? 'dev';
    this.accessLogGroup = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
    });

    this.restApi = new RestApi(this, 'RestApi', {
      restApiName: `${Stack.of(this).stackName}-RestApi`,
      description: 'Agent Integration Framework HTTP API (routes from functions/routes.ts)',
      endpointTypes: [EndpointType.REGIONAL],
      ...(props.disableExecuteApiEndpoint && { disableExecuteApiEndpoint: true }),
      ...(props.policy && { policy: props.policy }),
      binaryMediaTypes: [...BINARY_MEDIA_TYPES],
      minCompressionSize: Size.bytes(props.minCompressionSizeBytes ?? 1024),
      // The account-wide CloudWatch role (AWS::ApiGateway::Account) is a per-region singleton that
      // other stacks may own; this app does not take it over. See the APIG6 acknowledgement.
      cloudWatchRole: false,
      defaultMethodOptions: { authorizationType: AuthorizationType.NONE },
      ...(props.apiKeySource === 'AUTHORIZER' && { apiKeySourceType: ApiKeySourceType.AUTHORIZER }),
      deployOptions: {
        stageName,
        accessLogDestination: new LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: AccessLogFormat.custom(
          JSON.stringify({
            requestId: AccessLogField.contextRequestId(),
            ip: AccessLogField.contextIdentitySourceIp(),
            method: AccessLogField.contextHttpMethod(),
            path: AccessLogField.contextPath(),
            resourcePath: AccessLogField.contextResourcePath(),
            status: AccessLogField.contextStatus(),
            latencyMs: AccessLogField.contextResponseLatency(),
            integrationLatencyMs: AccessLogField.contextIntegrationLatency(),
            responseLength: AccessLogField.contextResponseLength(),
            userAgent: AccessLogField.contextIdentityUserAgent(),
            errorType: AccessLogField.contextErrorResponseType(),
            xrayTraceId: AccessLogField.contextXrayTraceId(),
          }),
        ),
        throttlingRateLimit: props.throttleRateLimit ?? 100,
        throttlingBurstLimit: props.throttleBurstLimit ?? 200,
        ...(props.methodThrottles && { methodOptions: methodThrottleOptions(props.routes, props.methodThrottles) }),
        metricsEnabled: true,
        tracingEnabled: true,
      },
    });

    this.addRoutes(props);
    this.addGatewayResponses(props.authorization.scheme);
    this.acknowledgeApiFindings();

    this.serverErrorsAlarm = new Alarm(this, 'ServerErrorsAlarm', {
      alarmDescription: `API stage ${stageName}: 5XX responses (function failures, timeouts, unreachable tables)`,
      metric: this.restApi.deploymentStage.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: props.serverErrorAlarmThreshold ?? 5,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  private addRoutes(props: HttpApiProps<F>): void {
    const { authorization } = props;
    const integrations = new Map<F, LambdaIntegration>();
    const integrationFor = (name: F): LambdaIntegration => {
      let integration = integrations.get(name);
      if (!integration) {
        // The fallback is the target of ANY on (nearly) every resource, so a permission per method
        // would fill its resource policy (20 KB) as the route table grows; it gets one permission
        // for every method of this API (`<api>/*/*/*`, console test invocations included) instead,
        // which reaches no further: its ANY methods reach it from every path already. Other functions
        // get one permission per method, none for test invocations (they would double the statements).
        integration = new LambdaIntegration(
          props.functions[name],
          name === props.fallbackFunction ? { scopePermissionToMethod: false } : { allowTestInvoke: false },
        );
        integrations.set(name, integration);
      }
      return integration;
    };

    // Every resource of the route table's paths and their prefixes, plus `/{proxy+}` for paths no
    // resource matches; greedy `{proxy+}` parts are ordinary path parts to resourceForPath.
    const resources = new Set<IResource>([this.restApi.root]);
    // Resources where the route table declares ANY itself: API Gateway refuses a second ANY there.
    const routedAny = new Set<IResource>();
    for (const route of props.routes) {
      const segments = route.path.split('/').filter(Boolean);
      for (let depth = 1; depth <= segments.length; depth++) {
        resources.add(this.restApi.root.resourceForPath(segments.slice(0, depth).join('/')));
      }
      const resource = this.restApi.root.resourceForPath(route.path);
      if (route.method === 'ANY') routedAny.add(resource);
      // HEAD goes wherever GET goes (RFC 9110 §9.3.2: a server that supports GET supports HEAD); an
      // ANY route already serves HEAD.
      for (const httpMethod of route.method === 'GET' ? ['GET', 'HEAD'] : [route.method]) {
        const method = resource.addMethod(httpMethod, integrationFor(route.function), {
          operationName: httpMethod === 'HEAD' ? `${route.operationId}Head` : route.operationId,
          ...authorization.methodOptions(route),
        });
        if (route.public) acknowledgePublicMethod(method, `${httpMethod} ${route.path}`);
        else acknowledgeProtectedMethod(method, authorization);
      }
    }
    resources.add(this.restApi.root.resourceForPath('{proxy+}'));

    // The fallbacks need a caller like any route: an open ANY would be a way around every authorizer.
    const fallback = integrationFor(props.fallbackFunction);
    for (const resource of resources) {
      if (routedAny.has(resource)) continue;
      acknowledgeProtectedMethod(
        resource.addMethod('ANY', fallback, authorization.methodOptions(undefined)),
        authorization,
      );
    }
  }

  private addGatewayResponses(scheme: MethodAuthorization['scheme']): void {
    for (const base of GATEWAY_PROBLEMS) {
      const problem = scheme === 'bearer' ? base : withoutBearerChallenge(base, scheme);
      this.restApi.addGatewayResponse(problem.id, {
        type: problem.type,
        ...(problem.status && { statusCode: String(problem.status) }),
        responseHeaders: {
          'Content-Type': `'${PROBLEM_JSON}'`,
          ...Object.fromEntries(Object.entries(problem.headers ?? {}).map(([name, value]) => [name, `'${value}'`])),
        },
        templates: { 'application/json': problemTemplate(problem.code, problem.title, problem.status) },
      });
    }
  }

  private acknowledgeApiFindings(): void {
    Validations.of(this.restApi).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason:
        "Every function validates parameters, query and body against the route table's zod schemas and answers 422 problem+json with JSON pointers; an API Gateway validator would duplicate that with less precise errors.",
    });
    const stage = this.restApi.deploymentStage;
    // APIG3 (WAF): the stack associates a web ACL (ApiNetwork), or acknowledges its absence there.
    Validations.of(stage).acknowledge({
      id: 'AwsSolutions-APIG6',
      reason:
        'Execution logging needs the account-wide API Gateway CloudWatch role, a per-region singleton this app must not take over; every request is covered by the JSON access log, X-Ray traces and detailed metrics instead.',
    });
  }
}

/**
 * The stage's `methodOptions` for per-route throttles: `<resource path>/<METHOD>` of each named
 * route (an `ANY` route: `/*`, every method of its resource; a GET route: its HEAD too).
 *
 * @throws {Error} when an operation id is not in the route table
 */
export function methodThrottleOptions(
  routes: readonly RouteDefinition[],
  throttles: Readonly<Record<string, { readonly rateLimit: number; readonly burstLimit: number }>>,
): Record<string, MethodDeploymentOptions> {
  const options: Record<string, MethodDeploymentOptions> = {};
  for (const [operationId, throttle] of Object.entries(throttles)) {
    const route = routes.find((r) => r.operationId === operationId);
    if (!route) throw new Error(`methodThrottles: "${operationId}" is no operation of the route table`);
    const verbs = route.method === 'ANY' ? ['*'] : route.method === 'GET' ? ['GET', 'HEAD'] : [route.method];
    for (const verb of verbs) {
      options[`${route.path}/${verb}`] = {
        throttlingRateLimit: throttle.rateLimit,
        throttlingBurstLimit: throttle.burstLimit,
      };
    }
  }
  return options;
}

function acknowledgePublicMethod(method: Method, what: string): void {
  const reason = `${what} is public by design (route table: public: true) and stays unauthenticated: health, the API description and the web console (page and assets; its API calls need credentials) carry no data.`;
  Validations.of(method).acknowledge({ id: 'AwsSolutions-APIG4', reason }, { id: 'AwsSolutions-COG4', reason });
}

/** A protected method passes APIG4; COG4 (Cognito authorizer) is answered by the mode's reason. */
function acknowledgeProtectedMethod(method: Method, authorization: MethodAuthorization): void {
  if (authorization.protectedMethodReason) {
    Validations.of(method).acknowledge({ id: 'AwsSolutions-COG4', reason: authorization.protectedMethodReason });
  }
}

type GatewayProblem = (typeof GATEWAY_PROBLEMS)[number];

/**
 * Without bearer tokens there is no Bearer challenge to send. With IAM, API Gateway answers an
 * unsigned request with MISSING_AUTHENTICATION_TOKEN, which is then "not authenticated" (401), not
 * "no such route" (the `/{proxy+}` fallback leaves no other way to get it).
 */
function withoutBearerChallenge(problem: GatewayProblem, scheme: 'sigv4' | 'none'): GatewayProblem {
  const { headers: _challenge, ...rest } = problem;
  if (scheme === 'sigv4' && problem.type === ResponseType.MISSING_AUTHENTICATION_TOKEN) {
    return { ...rest, code: 'unauthorized', title: 'The request is not signed (SigV4)', status: 401 };
  }
  return problem.headers && 'WWW-Authenticate' in problem.headers ? rest : problem;
}

/**
 * A gateway response body: `$context.error.messageString` is already a quoted JSON string, unlike
 * `$context.error.message`, so messages with quotes stay valid JSON.
 */
function problemTemplate(code: string, title: string, status?: number): string {
  return [
    '{',
    `"type":"urn:aif:problem:${code}",`,
    `"title":"${title}",`,
    status === undefined ? '' : `"status":${status},`,
    '"detail":$context.error.messageString,',
    '"instance":"urn:aif:request:$context.requestId",',
    '"requestId":"$context.requestId"',
    '}',
  ].join('');
}
