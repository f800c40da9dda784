import { MalformedInputError, RevisionMismatchError } from '../domain/errors';
import type { ExpectedRevision } from '../domain/expected-revision';

/** An entity tag as RFC 9110 §8.8.3 spells it: optionally weak (`W/`), quoted, no `"` inside. */
const ENTITY_TAG = /^(?:W\/)?"[\x21\x23-\x7e]*"$/;
/** A strong tag this API sends: a quoted revision, 1 or more. */
const OUR_STRONG_TAG = /^"([1-9][0-9]{0,14})"$/;
/** Most revisions one If-Match may name (bounds the ConditionExpression). */
const MAX_REVISIONS = 100;

/**
 * The one reader of conditional-request headers (RFC 9110 §13.1) for every conditional write:
 * - neither header → `unconditional`;
 * - `If-None-Match: *` → `must-not-exist`;
 * - `If-Match: *` → `any-existing`;
 * - `If-Match: "3", W/"4", "5"` → `one-of` [3, 5]: every listed tag counts, but weak tags never
 *   match (If-Match compares strongly, §13.1.1).
 *
 * @param headers - the request headers, names lower-cased
 * @throws {MalformedInputError} for both headers at once, an If-None-Match other than `*`, or an
 *   If-Match that is not `*` or a list of entity tags
 * @throws {RevisionMismatchError} for an If-Match with no strong tag of ours (nothing can match),
 *   or more than 100 revisions
 * @example expectedRevisionOf({ 'if-match': '"4", "1"' }) // { kind: 'one-of', revisions: [4, 1] }
 */
export function expectedRevisionOf(headers: Readonly<Record<string, string>>): ExpectedRevision {
  const ifNoneMatch = headers['if-none-match']?.trim();
  const ifMatch = headers['if-match']?.trim();
  if (ifNoneMatch !== undefined && ifMatch !== undefined) {
    throw new MalformedInputError('Send If-Match or If-None-Match, not both', [
      { pointer: '/headers/if-none-match', message: 'cannot be combined with If-Match' },
    ]);
  }
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch !== '*') {
      throw new MalformedInputError('If-None-Match supports only "*" (create only)', [
        { pointer: '/headers/if-none-match', message: 'must be *' },
      ]);
    }
    return { kind: 'must-not-exist' };
  }
  if (ifMatch === undefined) return { kind: 'unconditional' };
  if (ifMatch === '*') return { kind: 'any-existing' };
  // Empty list elements are ignored (RFC 9110 §5.6.1): `"2",` is the list ["2"].
  const tags = ifMatch
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');
  if (tags.length === 0 || !tags.every((tag) => ENTITY_TAG.test(tag))) {
    throw new MalformedInputError('If-Match must be * or entity tags such as "3" (an ETag this API sent)', [
      { pointer: '/headers/if-match', message: 'must be * or a list of quoted entity tags' },
    ]);
  }
  const revisions = [...new Set(tags.flatMap((tag) => OUR_STRONG_TAG.exec(tag)?.[1] ?? []).map(Number))];
  if (revisions.length === 0 || revisions.length > MAX_REVISIONS) {
    throw new RevisionMismatchError(
      revisions.length === 0
        ? 'If-Match names no strong entity tag of ours (weak tags never match); a stored resource has ETag "<revision>"'
        : `If-Match names more than ${MAX_REVISIONS} revisions`,
    );
  }
  return { kind: 'one-of', revisions };
}
