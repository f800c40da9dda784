import { RE2JS } from 're2js';

/** A compiled pattern. */
export type PatternMatcher = { test(input: string): boolean; source: string };

/** Compiled patterns by source, a pure cache: a check evaluates the same pattern against many values. */
const compiledPatterns = new Map<string, PatternMatcher | null>();

/** Patterns are matched with RE2 here too (linear time), as the validator does: no ReDoS in a check. */
export function compilePattern(pattern: unknown): PatternMatcher | undefined {
  if (typeof pattern !== 'string') return undefined;
  if (compiledPatterns.has(pattern)) return compiledPatterns.get(pattern) ?? undefined;
  let matcher: PatternMatcher | null = null;
  try {
    const re = RE2JS.compile(RE2JS.translateRegExp(pattern));
    matcher = { test: (input) => re.test(input), source: pattern };
  } catch {
    matcher = null;
  }
  if (compiledPatterns.size >= 512) compiledPatterns.clear();
  compiledPatterns.set(pattern, matcher);
  return matcher ?? undefined;
}
