/**
 * One problem with a piece of input: a JSON pointer (RFC 6901) to where it is and what is wrong.
 * Pointers into the request body start at the body's root (`/endpoints/0/path`); problems with
 * parameters start with the part's name (`/query/limit`, `/pathParameters/name`). `keyword` names
 * the rule that failed when there is one (a zod issue code, a compatibility rule).
 */
export type FieldProblem = { pointer: string; message: string; keyword?: string };

/** The most problems an answer lists one by one (problem details `errors`, a batch entry's `errors`). */
export const MAX_LISTED_PROBLEMS = 100;

/**
 * The first `max` problems, and one more member counting the rest (`N more problems not listed`,
 * at `pointer`) when there are more: an answer stays proportional to the limit, not to the input
 * (230,000 unknown members would otherwise list 230,000 problems).
 *
 * @example listedProblems(problems, '/0').length <= MAX_LISTED_PROBLEMS + 1
 */
export function listedProblems(
  problems: readonly FieldProblem[],
  pointer = '',
  max = MAX_LISTED_PROBLEMS,
): FieldProblem[] {
  if (problems.length <= max) return [...problems];
  return [...problems.slice(0, max), { pointer, message: `${problems.length - max} more problems not listed` }];
}

/**
 * Base class of every error the domain raises on purpose. Errors are named for what went wrong in
 * domain words; `shared/http/problem.ts` maps each subclass to an HTTP status and an RFC 9457
 * problem type; anything that is not a DomainError is an internal error (500).
 */
export abstract class DomainError extends Error {
  /** Stable problem slug, e.g. `validation-failed`; becomes the problem `type` URI. */
  abstract readonly code: string;
  /** Short human title that does not vary between occurrences (RFC 9457 §3.1.3). */
  abstract readonly title: string;
  readonly problems: FieldProblem[];
  /**
   * Extension members of the problem details (RFC 9457 §3.2), e.g. `results` of a partly failed
   * batch; they never replace the standard members.
   */
  readonly extensions: Readonly<Record<string, unknown>>;

  constructor(
    message: string,
    problems: FieldProblem[] = [],
    options?: { cause?: unknown; extensions?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.problems = problems;
    this.extensions = options?.extensions ?? {};
  }
}

/** The input is well-formed but breaks the rules. */
export class ValidationError extends DomainError {
  readonly code: string = 'validation-failed';
  readonly title: string = 'The request does not satisfy the contract of this operation';
}

/** The input cannot be read at all: malformed JSON/YAML, wrong parameter syntax. */
export class MalformedInputError extends DomainError {
  readonly code: string = 'bad-request';
  readonly title: string = 'The request is malformed';
}

/** The addressed resource does not exist. */
export class NotFoundError extends DomainError {
  readonly code: string = 'not-found';
  readonly title: string = 'The resource does not exist';
}

/** The request conflicts with the resource's current state. */
export class ConflictError extends DomainError {
  readonly code: string = 'conflict';
  readonly title: string = 'The request conflicts with the current state of the resource';
}

/**
 * Field problems from zod issues (a failed `safeParse`), pointers prefixed with `prefix`.
 *
 * @example issueProblems(schema.safeParse(body).error?.issues ?? []) // [{ pointer: '/maxRetries', … }]
 */
export function issueProblems(issues: ReadonlyArray<ZodLikeIssue>, prefix = ''): FieldProblem[] {
  return issues.flatMap((issue) =>
    // One problem per unknown member, each at its own pointer.
    issue.code === 'unrecognized_keys' && issue.keys && issue.keys.length > 0
      ? issue.keys.map((key) => ({
          pointer: toJsonPointer([...issue.path, key], prefix),
          message: 'is not a member of this object',
          keyword: issue.code,
        }))
      : [{ pointer: toJsonPointer(issue.path, prefix), message: messageOf(issue), keyword: issue.code }],
  );
}

type ZodLikeIssue = {
  path: ReadonlyArray<PropertyKey>;
  message: string;
  code: string;
  keys?: readonly string[];
  /** zod 4 `invalid_key` (a record's key): why the key was refused. */
  issues?: ReadonlyArray<{ message: string }>;
};

// A record key refused by its own refinement says why (zod only says "Invalid key in record").
function messageOf(issue: ZodLikeIssue): string {
  const reasons = issue.code === 'invalid_key' ? (issue.issues ?? []).map((inner) => inner.message) : [];
  if (reasons.length === 0) return issue.message;
  const reason = reasons.join('; ');
  return /^[a-z]/.test(reason) ? `the name ${reason}` : `the name is not valid: ${reason}`;
}

/** Converts a zod issue path (`['endpoints', 0, 'path']`) into a JSON pointer (`/endpoints/0/path`). */
export function toJsonPointer(path: ReadonlyArray<PropertyKey>, prefix = ''): string {
  return prefix + path.map((segment) => `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/**
 * A dependency (DynamoDB, EventBridge…) is throttling or unavailable and the request may be
 * retried later (`retryAfterSeconds`).
 */
export class DependencyUnavailableError extends DomainError {
  readonly code: string = 'dependency-unavailable';
  readonly title: string = 'A dependency is temporarily unavailable';

  /** @param retryAfterSeconds - the `Retry-After` value to send, in seconds */
  constructor(
    message: string,
    readonly retryAfterSeconds = 1,
    options?: { cause?: unknown; extensions?: Record<string, unknown>; problems?: FieldProblem[] },
  ) {
    super(message, options?.problems ?? [], options);
  }
}

/** The input exceeds the size that can be accepted or stored. */
export class InputTooLargeError extends DomainError {
  readonly code: string = 'payload-too-large';
  readonly title: string = 'The request body is too large';
}

/** A conditional write's ExpectedRevision does not hold for the stored resource. */
export class RevisionMismatchError extends DomainError {
  readonly code: string = 'precondition-failed';
  readonly title: string = 'The resource has changed since the client last read it';
}

/** An upstream (a routed instance) failed or answered nothing usable. */
export class UpstreamFailedError extends DomainError {
  readonly code: string = 'bad-gateway';
  readonly title: string = 'The upstream service failed';
}

/** An upstream (a routed instance) did not answer in time. */
export class UpstreamTimeoutError extends DomainError {
  readonly code: string = 'gateway-timeout';
  readonly title: string = 'The upstream service did not answer in time';
}

/**
 * @deprecated Old names kept only for `shared/http/router.ts` and `shared/use-cases/publish-events.ts`,
 * which other work is rewriting; use {@link MalformedInputError} / {@link InputTooLargeError}.
 */
