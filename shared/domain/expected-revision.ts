/**
 * What a conditional write expects of the stored resource, in domain words. The HTTP layer reads it
 * from `If-Match` / `If-None-Match` (RFC 9110 §13.1, see `shared/http/conditional-request.ts`);
 * repositories take it whole and turn it into one conditional write.
 *
 * - `unconditional`: write whatever is stored (no precondition header);
 * - `any-existing`: only if some version is stored (`If-Match: *`);
 * - `must-not-exist`: only if nothing is stored (`If-None-Match: *`);
 * - `one-of`: only if the stored revision is one of `revisions` (`If-Match: "3", "4"`); never empty.
 */
export type ExpectedRevision =
  | { readonly kind: 'unconditional' }
  | { readonly kind: 'any-existing' }
  | { readonly kind: 'must-not-exist' }
  | { readonly kind: 'one-of'; readonly revisions: readonly number[] };

/** The write that expects nothing. */
export const UNCONDITIONAL: ExpectedRevision = { kind: 'unconditional' };

/**
 * Says in words why `expected` did not hold for `subject`, for a RevisionMismatchError's detail.
 *
 * @param subject - what was written, e.g. `the policy "HTTP_429"`
 * @example describeMismatch('the instance "orders-1"', { kind: 'one-of', revisions: [3, 4] })
 * // 'the instance "orders-1" is not at revision 3 or 4; read it again'
 */
export function describeMismatch(subject: string, expected: ExpectedRevision): string {
  switch (expected.kind) {
    case 'must-not-exist':
      return `${subject} already exists`;
    case 'any-existing':
      return `${subject} does not exist`;
    case 'one-of':
      return `${subject} is not at revision ${expected.revisions.join(' or ')}; read it again`;
    case 'unconditional':
      return `${subject} was changed concurrently`;
  }
}
