import type { Owner } from '../domain/auth/owner';
import { issueProblems, NotFoundError, ValidationError } from '../domain/errors';
import type { ExpectedRevision } from '../domain/expected-revision';
import { ERROR_CATEGORIES } from '../domain/resilience/integration-error';
import {
  BUILT_IN_POLICIES,
  BUILT_IN_POLICY_KEYS,
  type ErrorPolicy,
  ErrorPolicySchema,
  isBuiltInPolicyKey,
} from '../domain/resilience/policy';
import type { WriteOutcome } from '../domain/write-outcome';
import type { Clock } from '../ports/clock';
import type { ErrorPolicyRepository } from '../ports/error-policy-repository';
import type { ErrorPolicyCache } from './error-policy-cache';

/** What the error-policy operations need. */
export type ErrorPolicyDeps = { policyStore: ErrorPolicyRepository; policyCache: ErrorPolicyCache; clock: Clock };

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

/**
 * Every effective policy: the four built-in keys (`transient`, `permanent`, `system`, `default`),
 * each replaced by its stored override when there is one, then every stored code policy by key.
 *
 * @throws {DependencyUnavailableError} when storage is unavailable
 */
export async function listErrorPolicies(deps: ErrorPolicyDeps): Promise<ErrorPolicyView[]> {
  const stored = new Map((await deps.policyStore.list()).map((s) => [s.key, s]));
  const builtIn: ErrorPolicyView[] = BUILT_IN_POLICY_KEYS.map((key) => {
    const custom = stored.get(key);
    return custom ? { ...custom, origin: 'custom' } : { key, policy: BUILT_IN_POLICIES[key], origin: 'built-in' };
  });
  const codes = [...stored.values()]
    .filter((s) => !isBuiltInPolicyKey(s.key))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((s): ErrorPolicyView => ({ ...s, origin: 'custom' }));
  return [...builtIn, ...codes];
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
