import type { Logger } from '@aws-lambda-powertools/logger';
import type { HttpMiddleware } from '../http/pipeline';
import { readTraceContext, traceHeaders } from '../http/trace-context';

/**
 * W3C trace context: reads `traceparent` (or `X-Trace-Id` / `X-Span-Id`), starts this hop's span,
 * puts the trace id into every log line as `correlation_id`, and answers with the trace headers —
 * on errors too, since it runs outside `problemDetails`.
 */
export function traceContext(logger: Logger): HttpMiddleware {
  return async (context, next) => {
    const trace = readTraceContext(context.headers);
    logger.appendKeys({ correlation_id: trace.traceId, request_id: context.requestId });
    const result = await next();
    return { ...result, headers: { ...result.headers, ...traceHeaders(trace) } };
  };
}
