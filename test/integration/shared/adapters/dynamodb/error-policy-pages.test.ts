import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbErrorPolicyRepository } from '../../../../../shared/adapters/dynamodb/error-policy-repository';
import { errorsTable } from '../../../../../shared/adapters/dynamodb/table-definitions';
import { BUILT_IN_POLICIES, BUILT_IN_POLICY_KEYS } from '../../../../../shared/domain/resilience/policy';
import { type ErrorPolicyDeps, listErrorPolicies } from '../../../../../shared/use-cases/error-policies';
import { ErrorPolicyCache } from '../../../../../shared/use-cases/error-policy-cache';
import { fixedClock } from '../../../../support/clock';
import { freshTable } from '../../../../support/dynamodb';

const WRITE = { at: '2026-11-30T10:00:00.000Z', by: { tenant: 'ops', principal: 'admin' } };
const POLICY = { ...BUILT_IN_POLICIES.transient, maxRetries: 2 };

/** Keys of the pages of a listing, each page's keys in one string. */
async function pagesOf(deps: ErrorPolicyDeps, limit: number): Promise<string[]> {
  const pages: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await listErrorPolicies(deps, { limit, ...(cursor && { cursor }) });
    pages.push(page.items.map((i) => `${i.key}:${i.origin}`).join(' '));
    cursor = page.nextCursor;
  } while (cursor);
  return pages;
}

describe('DynamoDbErrorPolicyRepository pages (dynalite)', () => {
  let errors: { client: DynamoDBDocumentClient; tableName: string };
  let store: DynamoDbErrorPolicyRepository;

  beforeAll(async () => {
    // Prepare: an override of `default`, six code policies, HTTP_500 deleted (a tombstone)
    errors = await freshTable(errorsTable);
    store = new DynamoDbErrorPolicyRepository(errors.client, errors.tableName);
    for (const key of ['default', 'HTTP_400', 'HTTP_429', 'HTTP_500', 'HTTP_503', 'HTTP_504', 'TIMEOUT']) {
      await store.put(key, key === 'default' ? BUILT_IN_POLICIES.default : POLICY, WRITE);
    }
    await store.delete('HTTP_500', WRITE);
  });

  describe('listPage', () => {
    it('answers full pages in key order without tombstones or the excepted keys, and more exactly when more follow', async () => {
      // Act
      const page = (limit: number, after?: string) =>
        store.listPage({ limit, ...(after && { after }), except: BUILT_IN_POLICY_KEYS });
      const pages = await Promise.all([page(2), page(2, 'HTTP_429'), page(2, 'HTTP_503'), page(3, 'HTTP_503')]);

      // Assess
      expect(pages.map((p) => [p.items.map((i) => i.key), p.more])).toEqual([
        [['HTTP_400', 'HTTP_429'], true],
        [['HTTP_503', 'HTTP_504'], true],
        [['HTTP_504', 'TIMEOUT'], false],
        [['HTTP_504', 'TIMEOUT'], false],
      ]);
      expect(pages[0]?.items[0]).toEqual({
        key: 'HTTP_400',
        policy: POLICY,
        revision: 1,
        updatedAt: WRITE.at,
        updatedBy: WRITE.by,
      });
    });

    it('answers only whether policies follow for a limit of 0, and keeps built-in keys (lower case sorts last) unless excepted', async () => {
      // Act
      const [fromStart, afterLast, withBuiltIns] = await Promise.all([
        store.listPage({ limit: 0, except: BUILT_IN_POLICY_KEYS }),
        store.listPage({ limit: 0, after: 'TIMEOUT', except: BUILT_IN_POLICY_KEYS }),
        store.listPage({ limit: 100 }),
      ]);

      // Assess
      expect(fromStart).toEqual({ items: [], more: true });
      expect(afterLast).toEqual({ items: [], more: false });
      expect(withBuiltIns.items.map((i) => i.key)).toEqual([
        'HTTP_400',
        'HTTP_429',
        'HTTP_503',
        'HTTP_504',
        'TIMEOUT',
        'default',
      ]);
    });

    it('fills a page across a run of tombstones that a Query with Limit leaves short', async () => {
      // Prepare: X_01 … X_09, all but the first and the last deleted
      const keys = Array.from({ length: 9 }, (_, i) => `X_0${i + 1}`);
      for (const key of keys) await store.put(key, POLICY, WRITE);
      for (const key of keys.slice(1, -1)) await store.delete(key, WRITE);

      // Act
      const page = await store.listPage({ limit: 2, after: 'TIMEOUT', except: BUILT_IN_POLICY_KEYS });

      // Assess
      expect(page).toMatchObject({ items: [{ key: 'X_01' }, { key: 'X_09' }], more: false });
    });
  });

  describe('listErrorPolicies over it', () => {
    it('answers the same listing page by page whatever the limit, with no empty page and no cursor on the last', async () => {
      // Prepare
      const deps: ErrorPolicyDeps = {
        policyStore: store,
        policyCache: new ErrorPolicyCache(store, fixedClock('2026-11-30T10:00:00.000Z')),
        clock: fixedClock('2026-11-30T10:00:00.000Z'),
      };
      const [whole] = await pagesOf(deps, 100);

      // Act
      const byLimit = await Promise.all([1, 2, 3, 4, 5, 7].map((limit) => pagesOf(deps, limit)));

      // Assess
      expect(whole).toBe(
        'transient:built-in permanent:built-in system:built-in default:custom HTTP_400:custom HTTP_429:custom ' +
          'HTTP_503:custom HTTP_504:custom TIMEOUT:custom X_01:custom X_09:custom',
      );
      for (const pages of byLimit) {
        expect(pages.join(' ')).toBe(whole);
        expect(pages.every((p) => p.length > 0)).toBe(true);
      }
      expect(byLimit.map((pages) => pages.length)).toEqual([11, 6, 4, 3, 3, 2]);
    });
  });
});
