import { BadRequestError, PreconditionFailedError } from '../domain/errors';
import type { RevisionCondition } from '../ports/error-policy-repository';

/**
 * The write condition from `If-Match` / `If-None-Match` (RFC 9110 §13.1): `If-None-Match: *` →
 * `absent`; `If-Match: *` → `present`; `If-Match: "3", "4"` → one of those revisions (weak tags
 * never match: If-Match compares strongly, §13.1.1).
 *
 * @throws {BadRequestError} for both headers at once, an If-None-Match other than `*`, or an
 *   If-Match that holds no entity tag
 * @throws {PreconditionFailedError} for an If-Match with only weak (or foreign) tags
 */
export function revisionCondition(headers: Record<string, string>): RevisionCondition {
  const ifNoneMatch = headers['if-none-match']?.trim();
  const ifMatch = headers['if-match']?.trim();
  if (ifNoneMatch !== undefined && ifMatch !== undefined) {
    throw new BadRequestError('Send If-Match or If-None-Match, not both', [
      { pointer: '/headers/if-none-match', message: 'cannot be combined with If-Match' },
    ]);
  }
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch !== '*') {
      throw new BadRequestError('If-None-Match supports only "*" (create only)', [
        { pointer: '/headers/if-none-match', message: 'must be *' },
      ]);
    }
    return { expected: 'absent' };
  }
  if (ifMatch === undefined) return {};
  if (ifMatch === '*') return { expected: 'present' };
  const tags = ifMatch.split(',').map((tag) => tag.trim());
  if (!tags.every((tag) => /^(?:W\/)?"[\x21\x23-\x7e]*"$/.test(tag))) {
    throw new BadRequestError('If-Match must be * or entity tags such as "3" (an ETag this API sent)', [
      { pointer: '/headers/if-match', message: 'must be * or a list of quoted entity tags' },
    ]);
  }
  const revisions = [...new Set(tags.flatMap((tag) => /^"([1-9][0-9]{0,14})"$/.exec(tag)?.[1] ?? []).map(Number))];
  if (revisions.length === 0 || revisions.length > 100) {
    throw new PreconditionFailedError(
      revisions.length === 0
        ? 'If-Match names no strong entity tag of ours (weak tags never match); a stored resource has ETag "<revision>"'
        : 'If-Match names more than 100 revisions',
    );
  }
  return { expected: revisions };
}
