/** The CLI's failures, each with the exit code it ends the process with (see `exitCodeOf`). */
import type * as z from 'zod';
import type { ProblemDetailsSchema } from '../functions/api-schemas/problem-details';

/** An RFC 9457 problem details document as the API answers it: the route table's own schema. */
export type ProblemDetails = z.infer<typeof ProblemDetailsSchema>;

/** One problem the API listed in a problem's `errors[]` (RFC 9457 extension, JSON pointer into the request). */
export type ProblemError = NonNullable<ProblemDetails['errors']>[number];

/** Bad flags or arguments, or a file that cannot be read or parsed: exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * The API answered a 4xx or 5xx status. `problem` is the problem+json body; an answer that was not
 * problem+json (a proxy's HTML page, say) is wrapped in a problem with the status and the text.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly problem: ProblemDetails,
  ) {
    super(`${status} ${problem.title}: ${problem.detail}`);
  }
}

/** The API could not be reached (connection refused, DNS, TLS, timeout): exit code 5. */
export class UnreachableError extends Error {
  override readonly name = 'UnreachableError';
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`cannot reach ${url}: ${reason}`);
  }
}

/** A check the command ran came out negative (an incompatible diff): exit code 4, as a 4xx answer. */
export class RejectedError extends Error {
  override readonly name = 'RejectedError';
}

/** Exit codes: 0 success, 2 usage, 4 the API answered 4xx (or a check failed), 5 a 5xx or no answer. */
export const EXIT = { ok: 0, usage: 2, clientError: 4, serverError: 5 } as const;

/**
 * The exit code a failure ends the CLI with.
 *
 * @returns 2 for `UsageError`, 4 for a 4xx `ApiError` and `RejectedError`, 5 for a 5xx `ApiError`,
 *   `UnreachableError` and anything unexpected (a bug is not the user's usage error)
 */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof RejectedError) return EXIT.clientError;
  if (error instanceof ApiError) return error.status < 500 ? EXIT.clientError : EXIT.serverError;
  return EXIT.serverError;
}
