import * as z from 'zod';
import { type FieldProblem, issueProblems, ValidationError } from '../domain/errors';
import {
  ABORTED_CODE,
  classifyError,
  classifyHttpStatus,
  parseRetryAfterMs,
  TIMEOUT_CODE,
} from '../domain/resilience/classify';
import { ErrorSourceSchema } from '../domain/resilience/counting';
import { decide, type Resolution } from '../domain/resilience/decide';
import { CONFIGURATION_ERROR_CODE } from '../domain/resilience/errors';
import { ERROR_CATEGORIES, type ErrorCategory, IntegrationError } from '../domain/resilience/integration-error';
import {
  MAX_POLICY_DELAY_MS,
  PolicyKeySchema,
  type PolicyOverrides,
  resolvePolicy,
  UNCLASSIFIED_CODE,
} from '../domain/resilience/policy';
import { type RecordErrorDeps, type RecordedError, recordError } from './record-error';

/** A failed call as an agent or service reports it (`POST /v1/errors`). */
export const ErrorReportSchema = z
  .object({
    source: ErrorSourceSchema.meta({ description: 'Who failed, e.g. webhook:orders-sub or mesh:payments' }),
    code: PolicyKeySchema.optional().meta({
      description:
        'Error code: one of ours (HTTP_503, TIMEOUT, ABORTED, CONFIGURATION_ERROR, UNCLASSIFIED), a Node.js code (ECONNRESET), an AWS throttling or availability error name, or your own; HTTP_<status> by default',
    }),
    status: z.number().int().min(400).max(599).optional().meta({ description: 'HTTP status the call failed with' }),
    category: z
      .enum(ERROR_CATEGORIES as [ErrorCategory, ...ErrorCategory[]])
      .optional()
      .meta({
        description:
          'Overrides classification; without it the status, a policy stored under the code, or the code itself decides',
      }),
    message: z.string().max(2048).default(''),
    attempt: z.number().int().min(1).max(1_000_000).default(1).meta({
      description: 'Number of the attempt of this operation that failed (1 = first); decides retry or give up',
    }),
    previousDelayMs: z.number().int().min(0).max(MAX_POLICY_DELAY_MS).optional().meta({
      description: 'The delay waited before this attempt, milliseconds (decorrelated jitter grows from it)',
    }),
    retryAfter: z
      .string()
      .max(64)
      .optional()
      .meta({ description: "The failed response's Retry-After header, verbatim (seconds or an HTTP-date)" }),
    context: z
      .record(z.string().max(128), z.union([z.string().max(1024), z.number(), z.boolean(), z.null()]))
      .refine((c) => typeof c !== 'object' || c === null || Object.keys(c).length <= 32, {
        message: 'at most 32 entries',
        when: () => true,
      })
      .default({}),
  })
  .strict()
  .meta({
    id: 'ErrorReport',
    description: 'A failed call. Give its code, its HTTP status, or both (a code HTTP_<n> must agree with status n).',
  });

/** A validated error report. */
export type ErrorReportInput = z.output<typeof ErrorReportSchema>;

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
 * itself when the classifier knows it (our codes, `HTTP_<status>`, Node.js error codes, AWS
 * throttling and availability error names). A `retryAfter` (delta-seconds or HTTP-date) counts
 * with or without a status.
 *
 * @param body - the request body, unvalidated (an {@link ErrorReportSchema} is expected)
 * @param concerns.tenant - the reporting caller's tenant: a raised alert travels for it (`recordError`)
 * @throws {ValidationError} naming every problem: the body's, and `/category` when nothing
 *   determines the category
 * @throws {DependencyUnavailableError} when the counters cannot be written
 * @example await reportError(deps, { source: 'agent:planner', status: 503, attempt: 1 });
 */
export async function reportError(
  deps: RecordErrorDeps,
  body: unknown,
  concerns: { tenant?: string } = {},
): Promise<ErrorReport> {
  const overrides = await deps.policyCache.overrides();
  const parsed = ErrorReportSchema.safeParse(body);
  const problems: FieldProblem[] = parsed.success ? [] : issueProblems(parsed.error.issues);
  const raw = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (raw.code === undefined && raw.status === undefined) {
    problems.push({ pointer: '/code', message: 'give the error code, the HTTP status, or both', keyword: 'custom' });
  }
  const category = categoryOf(raw, overrides, problems);
  const statusCode = typeof raw.code === 'string' ? /^HTTP_([0-9]{3})$/.exec(raw.code)?.[1] : undefined;
  if (statusCode !== undefined && raw.status !== undefined && Number(statusCode) !== raw.status) {
    problems.push({
      pointer: '/code',
      message: `says HTTP ${statusCode} but status is ${String(raw.status)}; send one of them, or both the same`,
      keyword: 'custom',
    });
  }
  const now = deps.clock.now().getTime();
  const retryAfterMs = typeof raw.retryAfter === 'string' ? parseRetryAfterMs(raw.retryAfter, now) : undefined;
  if (typeof raw.retryAfter === 'string' && retryAfterMs === undefined) {
    problems.push({
      pointer: '/retryAfter',
      message: 'must be delta-seconds (e.g. "120") or an HTTP-date (RFC 9110 §10.2.3)',
      keyword: 'custom',
    });
  }
  if (!parsed.success || problems.length > 0 || category === undefined) {
    throw new ValidationError(`The error report has ${problems.length} problem(s)`, problems);
  }
  const input = parsed.data;
  const error = new IntegrationError(input.message || `${input.code ?? `HTTP ${input.status}`} from ${input.source}`, {
    code: input.code ?? `HTTP_${input.status}`,
    category,
    source: input.source,
    timestamp: now,
    ...(retryAfterMs !== undefined && { retryAfterMs }),
    context: { ...input.context, ...(input.status !== undefined && { httpStatusCode: input.status }) },
  });
  const resolution = decide(error, input.attempt, resolvePolicy(overrides, error), {
    ...(input.previousDelayMs !== undefined && { previousDelayMs: input.previousDelayMs }),
  });
  const recorded = await recordError(deps, error, concerns);
  return { error, resolution, recorded };
}

/** The report's category, or undefined after adding the `/category` problem when nothing determines it. */
function categoryOf(
  raw: Record<string, unknown>,
  overrides: PolicyOverrides,
  problems: FieldProblem[],
): ErrorCategory | undefined {
  const { category, status, code } = raw;
  if (typeof category === 'string' && (ERROR_CATEGORIES as readonly string[]).includes(category)) {
    return category as ErrorCategory;
  }
  if (category !== undefined) return undefined; // already reported by the schema
  if (typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599) {
    return classifyHttpStatus(status);
  }
  if (status !== undefined || typeof code !== 'string') return undefined;
  const known = (overrides.has(code) ? overrides.get(code)?.category : undefined) ?? knownCategory(code);
  if (!known) {
    problems.push({
      pointer: '/category',
      message: `the category of code "${code}" cannot be determined: give the category (transient, permanent or system), the HTTP status, or store a policy under "${code}" first`,
      keyword: 'custom',
    });
  }
  return known;
}

const OUR_CODES: Readonly<Record<string, ErrorCategory>> = {
  [TIMEOUT_CODE]: 'transient',
  [ABORTED_CODE]: 'permanent',
  [CONFIGURATION_ERROR_CODE]: 'system',
  [UNCLASSIFIED_CODE]: 'system',
};

/** The category of a bare code the classifier knows: ours, `HTTP_<status>`, Node.js codes, AWS throttling/availability names. */
function knownCategory(code: string): ErrorCategory | undefined {
  if (Object.hasOwn(OUR_CODES, code)) return OUR_CODES[code];
  const status = /^HTTP_([45][0-9][0-9])$/.exec(code)?.[1];
  if (status) return classifyHttpStatus(Number(status));
  // Shaped like an AWS SDK v3 error without a status, so AWS error names are recognised as well as Node.js codes.
  const probe = Object.assign(new Error(code), { name: code, code, $metadata: {} });
  // Only the category is read: the probe has no Retry-After, and its timestamp is thrown away.
  const classified = classifyError(probe, { source: 'report', now: () => 0 });
  return classified.code === UNCLASSIFIED_CODE ? undefined : classified.category;
}
