import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { PROBLEM_CONTENT_TYPE, toProblem } from '../http/problem';
import { readTraceContext, type TraceContext, traceHeaders } from '../http/trace-context';
import type { Observability } from '../observability/powertools';

type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/**
 * Wraps a routed API handler in the common middy stack: Powertools tracer, logger (Lambda
 * context, correlation id from `traceparent` / `X-Trace-Id`) and metrics (one `Requests` count
 * per status class), W3C trace-context propagation on every response, and RFC 9457 problem
 * responses for every error. Anything that is not a domain error is logged with its stack and
 * answered with a generic 500 carrying the request id.
 *
 * @example export const handler = httpApi(createRouter(routes, operations, deps, opts), observability);
 */
export function httpApi(handler: ApiHandler, { logger, metrics, tracer }: Observability) {
  // Keyed by event: the local runner serves concurrent requests through one handler instance.
  const traces = new WeakMap<APIGatewayProxyEvent, TraceContext>();
  const finish = (event: APIGatewayProxyEvent, response: APIGatewayProxyResult): APIGatewayProxyResult => {
    metrics.addMetric(`Http${Math.floor(response.statusCode / 100)}xx`, MetricUnit.Count, 1);
    const trace = traces.get(event);
    return { ...response, headers: { ...response.headers, ...(trace && traceHeaders(trace)) } };
  };
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>()
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .use({
      before: (request) => {
        const headers: Record<string, string | undefined> = {};
        for (const [name, value] of Object.entries(request.event.headers ?? {}))
          headers[name.toLowerCase()] = value as string | undefined;
        const trace = readTraceContext(headers);
        traces.set(request.event, trace);
        logger.appendKeys({ correlation_id: trace.traceId, request_id: request.event.requestContext?.requestId });
      },
      after: (request) => {
        request.response = finish(request.event, request.response);
      },
      onError: (request) => {
        const requestId = request.event.requestContext?.requestId ?? request.context.awsRequestId;
        const { problem, headers, internal } = toProblem(request.error, requestId);
        if (internal) logger.error('Unhandled error', request.error as Error);
        else if (problem.status >= 500) logger.warn(problem.detail, { problemType: problem.type });
        request.response = finish(request.event, {
          statusCode: problem.status,
          headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...headers },
          body: JSON.stringify(problem),
        });
      },
    })
    .handler(handler);
}
