import type * as z from 'zod';
import { type FieldProblem, issueProblems, MalformedInputError, ValidationError } from '../domain/errors';
import type { HttpMiddleware } from '../http/pipeline';

/**
 * Validates the request against the route table's zod schemas: path parameters, query and headers
 * (400, every problem named with its pointer under `/pathParameters`, `/query`, `/headers`), then
 * the body (422, pointers from the body's root) unless the route's operation validates it itself.
 * The parsed (coerced, defaulted) values replace the raw ones.
 *
 * @throws {MalformedInputError} for parameters · {ValidationError} for a missing or invalid body
 */
export function validateRequest(): HttpMiddleware {
  return (context, next) => {
    const request = context.route?.request;
    const problems: FieldProblem[] = [];
    context.params = check(request?.params, context.pathParameters, '/pathParameters', problems);
    context.query = check(request?.query, singleValues(context.event.queryStringParameters), '/query', problems);
    check(request?.headers, context.headers, '/headers', problems);
    if (problems.length > 0)
      throw new MalformedInputError(`${problems.length} path or query parameter(s) are invalid`, problems);
    if (request?.body && request.bodyValidatedBy !== 'operation' && !request.rawBody) {
      if (context.body === undefined) {
        throw new ValidationError('This operation needs a request body', [
          { pointer: '/body', message: 'is required' },
        ]);
      }
      context.body = check(request.body, context.body, '', problems);
      if (problems.length > 0)
        throw new ValidationError(`The request body has ${problems.length} problem(s)`, problems);
    }
    return next();
  };
}

function check(schema: z.ZodType | undefined, value: unknown, prefix: string, problems: FieldProblem[]): unknown {
  if (!schema) return value;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  // One by one: spreading a few hundred thousand problems into push() overflows the call stack.
  for (const problem of issueProblems(parsed.error.issues, prefix)) problems.push(problem);
  return undefined;
}

function singleValues(parameters: Record<string, string | undefined> | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(parameters ?? {})) {
    if (value !== undefined) out[name] = value;
  }
  return out;
}
