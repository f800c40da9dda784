import { ValidationError } from '../domain/errors';
import { decide, type Resolution } from '../domain/resilience/decide';
import { HttpStatusError } from '../domain/resilience/errors';
import { type ErrorCategory, IntegrationError } from '../domain/resilience/integration-error';
import { resolvePolicy, UNCLASSIFIED_CODE } from '../domain/resilience/policy';
import { classifyError } from '../resilience/classify';
import { type RecordErrorDeps, type RecordedError, recordError } from './record-error';

/** A failed call as an agent or service reports it (`POST /v1/errors`). */
export type ErrorReportInput = {
  source: string;
  code?: string;
  status?: number;
  category?: ErrorCategory;
  message: string;
  /** 1-based number of the attempt of the reporter's operation that failed. */
  attempt: number;
  /** The failed response's Retry-After header, verbatim. */
  retryAfter?: string;
  context: Record<string, unknown>;
};

/** What the framework tells the reporter: the classified error, what to do next, counts and alert. */
export type ErrorReport = {
  error: IntegrationError;
  resolution: Resolution;
  recorded: RecordedError;
};

/**
 * Classifies a reported error, decides retry / fail / fallback for the reporter's attempt, and
 * counts it (raising the alert when due) — `decide` and `recordError` as a service, for agents
 * that do their own calls.
 *
 * The category comes from, in order: the report's `category`; its HTTP `status` (408/429/502/503/504
 * transient, other 4xx permanent, other 5xx system); the policy stored under its `code`; the code
 * itself when it is one the classifier knows (AWS error names, Node.js error codes).
 *
 * @throws {ValidationError} (pointer `/category`) when none of these determines the category
 * @throws {DependencyUnavailableError} when the counters cannot be written
 * @example await reportError(deps, { source: 'agent:planner', status: 503, message: '', attempt: 1, context: {} });
 */
export async function reportError(deps: RecordErrorDeps, input: ErrorReportInput): Promise<ErrorReport> {
  const overrides = await deps.policyCache.overrides();
  const classified = classifyReport(input, overrides.get(input.code ?? '')?.category);
  const error = new IntegrationError(input.message || classified.message, {
    code: input.code ?? classified.code,
    category: classified.category,
    source: input.source,
    timestamp: deps.clock.now().getTime(),
    ...(classified.retryAfterMs !== undefined && { retryAfterMs: classified.retryAfterMs }),
    context: { ...input.context, ...(input.status !== undefined && { status: input.status }) },
  });
  const resolution = decide(error, input.attempt, resolvePolicy(overrides, error));
  const recorded = await recordError(deps, error);
  return { error, resolution, recorded };
}

function classifyReport(
  input: ErrorReportInput,
  storedCategory: ErrorCategory | undefined,
): { code: string; category: ErrorCategory; message: string; retryAfterMs?: number } {
  if (input.status !== undefined) {
    const fromStatus = classifyError(
      new HttpStatusError(input.status, input.retryAfter === undefined ? {} : { retryAfter: input.retryAfter }),
      { source: input.source },
    );
    return {
      code: fromStatus.code,
      category: input.category ?? fromStatus.category,
      message: fromStatus.message,
      ...(fromStatus.retryAfterMs !== undefined && { retryAfterMs: fromStatus.retryAfterMs }),
    };
  }
  const code = input.code as string;
  const category = input.category ?? storedCategory ?? knownCategory(code, input.source);
  if (!category) {
    throw new ValidationError(`The category of error code "${code}" cannot be determined`, [
      {
        pointer: '/category',
        message: `give the category (transient, permanent or system), the HTTP status, or store a policy under "${code}" first`,
      },
    ]);
  }
  return { code, category, message: code };
}

/** The category the classifier gives a bare code when it knows it as an AWS error name or a Node.js error code. */
function knownCategory(code: string, source: string): ErrorCategory | undefined {
  // Shaped like an AWS SDK v3 error without a status, so AWS error names are recognised as well as Node.js codes.
  const probe = Object.assign(new Error(code), { name: code, code, $metadata: {} });
  const classified = classifyError(probe, { source });
  return classified.code === UNCLASSIFIED_CODE ? undefined : classified.category;
}
