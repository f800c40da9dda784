import type { Owner } from '../domain/auth/owner';
import { issueProblems, NotFoundError, ValidationError } from '../domain/errors';
import type { ExpectedRevision } from '../domain/expected-revision';
import { decodeCursor, encodeCursor, invalidCursorError } from '../domain/page-cursor';
import { ERROR_CATEGORIES } from '../domain/resilience/integration-error';
import {
  BUILT_IN_POLICIES,
  BUILT_IN_POLICY_KEYS,
  type ErrorPolicy,
  ErrorPolicySchema,
  isBuiltInPolicyKey,
  PolicyKeySchema,
} from '../domain/resilience/policy';
import type { WriteOutcome } from '../domain/write-outcome';
import type { Clock } from '../ports/clock';
import type { Page } from '../ports/contract-repository';
import type { ErrorPolicyPages, ErrorPolicyRepository } from '../ports/error-policy-repository';
import type { ErrorPolicyCache } from './error-policy-cache';

/** What the error-policy operations need. */
export type ErrorPolicyDeps = {
  policyStore: ErrorPolicyRepository & ErrorPolicyPages;
  policyCache: ErrorPolicyCache;
  clock: Clock;
};

/**
 * A policy as the API shows it: the effective policy under a key and where it comes from. Policies
 * are framework-wide administration: every tenant reads the same ones (`errors:read`), writing
 * needs `errors:admin`, and a stored policy shows who wrote it last.
 */
export type ErrorPolicyView = {
  key: string;
  policy: ErrorPolicy;
  /** `custom`: stored by an operator (has revision, updatedAt and updatedBy); `built-in`: the framework's default. */
  origin: 'custom' | 'built-in';
  revision?: number;
  updatedAt?: string;
  /** The tenant and principal of the last write's caller. */
  updatedBy?: Owner;
};

/** What the cursor of the policy listing holds: the listing's name and the last key answered. */
const POLICY_CURSOR_KEYS = ['listing', 'after'] as const;
const POLICY_LISTING = { listing: 'error-policies' } as const;

/**
 * One page of the effective policies: first the four built-in keys (`transient`, `permanent`,
 * `system`, `default`), each replaced by its stored override when there is one, then the stored
 * code policies in key order, read a DynamoDB page at a time. The cursor names the last key
 * answered (a built-in key, or a code key), so pages follow on whatever was written meanwhile.
 *
 * @param page.limit - page size, 1–100
 * @param page.cursor - the `nextCursor` of the previous page of this listing
 * @returns the page; `nextCursor` only when more policies follow
 * @throws {MalformedInputError} (pointer `/query/cursor`) for a cursor not issued by this listing
 * @throws {DependencyUnavailableError} when storage is unavailable
 * @example await listErrorPolicies(deps, { limit: 3 }) // transient, permanent, system + nextCursor
 */
export async function listErrorPolicies(
  deps: ErrorPolicyDeps,
  page: { limit: number; cursor?: string },
): Promise<Page<ErrorPolicyView>> {
  const after = decodeCursor(page.cursor, POLICY_CURSOR_KEYS, POLICY_LISTING)?.after;
  // Only a key a policy can have: a forged one never reaches the store as a key it would refuse.
  if (after !== undefined && !PolicyKeySchema.safeParse(after).success) throw invalidCursorError();
  // After a built-in key, the next built-in; after a code key, past every built-in.
  const builtInStart =
    after === undefined
      ? 0
      : isBuiltInPolicyKey(after)
        ? BUILT_IN_POLICY_KEYS.indexOf(after) + 1
        : BUILT_IN_POLICY_KEYS.length;
  const builtInKeys = BUILT_IN_POLICY_KEYS.slice(builtInStart, builtInStart + page.limit);
  const builtInsLeft = builtInStart + builtInKeys.length < BUILT_IN_POLICY_KEYS.length;
  const [builtIns, codes] = await Promise.all([
    Promise.all(builtInKeys.map((key) => getErrorPolicy(deps, key))),
    // While built-ins are left the page is full of them; otherwise the store fills the rest (a
    // limit of 0 only asks whether code policies follow the last built-in).
    builtInsLeft
      ? { items: [], more: true }
      : deps.policyStore.listPage({
          limit: page.limit - builtInKeys.length,
          ...(after !== undefined && !isBuiltInPolicyKey(after) && { after }),
          except: BUILT_IN_POLICY_KEYS,
        }),
  ]);
  const items = [...builtIns, ...codes.items.map((s): ErrorPolicyView => ({ ...s, origin: 'custom' }))];
  const last = items.at(-1);
  return { items, ...(codes.more && last && { nextCursor: encodeCursor({ ...POLICY_LISTING, after: last.key }) }) };
}

/**
 * The effective policy under one key.
 *
 * @throws {NotFoundError} for a code key nobody stored a policy under
 */
export async function getErrorPolicy(deps: ErrorPolicyDeps, key: string): Promise<ErrorPolicyView> {
  const stored = await deps.policyStore.get(key);
  if (stored) return { ...stored, origin: 'custom' };
  if (isBuiltInPolicyKey(key)) return { key, policy: BUILT_IN_POLICIES[key], origin: 'built-in' };
  throw new NotFoundError(
    `No error policy is stored under "${key}"; errors with this code use their category's policy`,
  );
}

/**
 * Creates or replaces the policy under a key (an error code, a category, or `default`). The body
 * is validated here, in one pass with the rule that a category key only takes a policy of that
 * category, so one answer names every problem. The instance's policy cache is invalidated; other
 * Lambda instances pick the change up within their cache TTL.
 *
 * @param input.body - the request body, unvalidated (an ErrorPolicy is expected)
 * @param input.by - who writes: the caller (`ownerOf(caller)`), recorded as `updatedBy`
 * @param input.expected - what must be stored for the write to happen (unconditional when omitted)
 * @returns the stored policy and the outcome (`created` or `replaced`)
 * @throws {ValidationError} naming every problem with the body (and the key/category mismatch)
 * @throws {RevisionMismatchError} when the condition does not hold
 */
export async function putErrorPolicy(
  deps: ErrorPolicyDeps,
  input: { key: string; body: unknown; by: Owner; expected?: ExpectedRevision },
): Promise<{ outcome: Extract<WriteOutcome, 'created' | 'replaced'>; view: ErrorPolicyView }> {
  const { key } = input;
  const parsed = ErrorPolicySchema.safeParse(input.body);
  const problems = parsed.success ? [] : issueProblems(parsed.error.issues);
  const category = (input.body as { category?: unknown } | null)?.category;
  if ((ERROR_CATEGORIES as readonly string[]).includes(key) && typeof category === 'string' && category !== key) {
    problems.push({
      pointer: '/category',
      message: `must be "${key}" (the key); store policies for other categories under their own key`,
      keyword: 'custom',
    });
  }
  if (!parsed.success || problems.length > 0) {
    throw new ValidationError(`The policy has ${problems.length} problem(s)`, problems);
  }
  const { stored, created } = await deps.policyStore.put(
    key,
    parsed.data,
    { at: deps.clock.now().toISOString(), by: input.by },
    input.expected,
  );
  deps.policyCache.invalidate();
  return { outcome: created ? 'created' : 'replaced', view: { ...stored, origin: 'custom' } };
}

/**
 * Removes the stored policy under a key: a built-in key reverts to its built-in policy, a code key
 * to its category's policy. The tombstone left behind records who deleted it (`input.by`).
 *
 * @throws {NotFoundError} when nothing is stored under the key
 * @throws {RevisionMismatchError} when `input.expected` does not hold
 */
export async function deleteErrorPolicy(
  deps: ErrorPolicyDeps,
  input: { key: string; by: Owner; expected?: ExpectedRevision },
): Promise<void> {
  const deleted = await deps.policyStore.delete(
    input.key,
    { at: deps.clock.now().toISOString(), by: input.by },
    input.expected,
  );
  deps.policyCache.invalidate();
  if (!deleted) throw new NotFoundError(`No error policy is stored under "${input.key}"`);
}
