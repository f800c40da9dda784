import { refuse } from './refusal';

export const WILDCARD = Symbol('wildcard');
export type WildcardToken = string | typeof WILDCARD;

/** `*` is a wildcard, `\*` a literal star and `\\` a literal backslash (User Guide, "Wildcard matching"). */
export function wildcardTokens(text: string): WildcardToken[] {
  const tokens: WildcardToken[] = [];
  for (let i = 0; i < text.length; i++) {
    const unit = text[i] as string;
    if (unit === '*') tokens.push(WILDCARD);
    else if (unit === '\\' && (text[i + 1] === '*' || text[i + 1] === '\\')) tokens.push(text[++i] as string);
    else tokens.push(unit);
  }
  return tokens;
}

/**
 * event-ruler's reason for refusing a wildcard (WildcardParser), or `undefined`. Positions count
 * UTF-8 bytes of the value wrapped in quotes, as event-ruler reports them.
 */
export function wildcardProblem(text: string): string | undefined {
  const bytes = new TextEncoder().encode(`"${text}"`);
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x2a && bytes[i + 1] === 0x2a) return `Consecutive wildcard characters at pos ${i}`;
    if (bytes[i] === 0x5c) {
      if (bytes[i + 1] === 0x2a || bytes[i + 1] === 0x5c) i++;
      else return `Invalid escape character at pos ${i}`;
    }
  }
  return undefined;
}

/** A compiled wildcard: literal runs between stars, matched left to right (linear, no backtracking). */
export function wildcardTest(text: string): (value: string) => boolean {
  const runs: string[] = [''];
  for (const token of wildcardTokens(text)) {
    if (token === WILDCARD) runs.push('');
    else runs[runs.length - 1] += token;
  }
  if (runs.length === 1) {
    const only = runs[0] as string;
    return (value) => value === only;
  }
  const first = runs[0] as string;
  const last = runs[runs.length - 1] as string;
  const middle = runs.slice(1, -1).filter((run) => run.length > 0);
  return (value) => {
    if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last)) return false;
    const end = value.length - last.length;
    let position = first.length;
    for (const run of middle) {
      const at = value.indexOf(run, position);
      if (at === -1 || at + run.length > end) return false;
      position = at + run.length;
    }
    return true;
  };
}

export function refuseWildcard(text: string): void {
  const problem = wildcardProblem(text);
  if (problem !== undefined) refuse(problem);
}
