import type { Logger } from '@aws-lambda-powertools/logger';
import type { HttpMiddleware, HttpResult } from '../http/pipeline';
import { PROBLEM_CONTENT_TYPE, toProblem } from '../http/problem';

/**
 * Maps every error thrown further in to an RFC 9457 `application/problem+json` answer (always JSON,
 * whatever was negotiated): domain errors with their status, type, detail and `errors[]`; anything
 * else is logged with its stack and answered with a generic 500 carrying the request id — never
 * the error's message or stack. The body ends with a newline, as every JSON answer does.
 */
export function problemDetails(logger: Logger): HttpMiddleware {
  return async (context, next) => {
    try {
      return await next();
    } catch (error) {
      return problemResult(error, context.requestId, logger);
    }
  };
}

/** The problem+json answer for `error` (also used by the Lambda-level fallback for middy's timeout). */
export function problemResult(error: unknown, requestId: string, logger: Logger): HttpResult {
  const { problem, headers, internal } = toProblem(error, requestId);
  if (internal) logger.error('Unhandled error', error as Error);
  else if (problem.status >= 500) logger.warn(problem.detail, { problemType: problem.type });
  return {
    status: problem.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...headers },
    body: `${JSON.stringify(problem)}\n`,
  };
}
