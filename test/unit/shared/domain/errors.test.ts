import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { issueProblems, listedProblems, MAX_LISTED_PROBLEMS } from '../../../../shared/domain/errors';
import { RoutingRuleSchema } from '../../../../shared/domain/mesh/routing-rule';

describe('issueProblems', () => {
  it("says why a record's key was refused instead of zod's 'Invalid key in record'", () => {
    // Act
    const parsed = RoutingRuleSchema.safeParse({
      id: 'r1',
      sourceService: 'a',
      targetService: 'b',
      headersToAdd: { authorization: 'x', 'x-ok': 'y' },
    });

    // Assess
    expect(parsed.success).toBe(false);
    const problems = issueProblems(parsed.error?.issues ?? []);
    expect(problems).toEqual([
      {
        pointer: '/headersToAdd/authorization',
        message: expect.stringMatching(/^the name is a credential header .*credential secret instead$/),
        keyword: 'invalid_key',
      },
    ]);
  });

  it('lists one problem per unknown member, each at its own pointer', () => {
    const parsed = z.object({ a: z.number() }).strict().safeParse({ a: 1, b: 2, 'c/d': 3 });
    expect(issueProblems(parsed.error?.issues ?? [], '/body').map((p) => p.pointer)).toEqual(['/body/b', '/body/c~1d']);
  });
});

describe('listedProblems', () => {
  it('keeps up to the maximum and counts the rest in one more member', () => {
    const many = Array.from({ length: 250 }, (_, i) => ({ pointer: `/${i}`, message: 'is wrong' }));
    const listed = listedProblems(many, '/x');
    expect(listed).toHaveLength(MAX_LISTED_PROBLEMS + 1);
    expect(listed.slice(0, MAX_LISTED_PROBLEMS)).toEqual(many.slice(0, MAX_LISTED_PROBLEMS));
    expect(listed[MAX_LISTED_PROBLEMS]).toEqual({ pointer: '/x', message: '150 more problems not listed' });
    expect(listedProblems(many.slice(0, 3))).toEqual(many.slice(0, 3));
  });
});
