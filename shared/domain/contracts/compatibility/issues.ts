import { isJsonObject } from './json';
import type { CheckContext, DocumentName, RawIssue, SchemaNode, Side } from './model';

/** "the new version" or "the previous version", for the version on `side`. */
export const versionName = (context: { newSide: Side }, side: Side): string =>
  side === context.newSide ? 'the new version' : 'the previous version';

const documentOf = (context: { newSide: Side }, side: Side): DocumentName =>
  side === context.newSide ? 'next' : 'previous';

/** Rule name depending on whether the new version is the narrower (`sup`) or the wider (`sub`) side. */
export const ruleFor = (context: CheckContext, whenNewIsSup: string, whenNewIsSub: string): string =>
  context.newSide === 'sup' ? whenNewIsSup : whenNewIsSub;

/** `constraint-tightened` when the new version accepts less, `constraint-loosened` when it accepts more. */
export const tightenedRule = (context: CheckContext): string =>
  ruleFor(context, 'constraint-tightened', 'constraint-loosened');

/** An issue whose pointer refers into the document of `side`. */
export function issueOn(context: CheckContext, rule: string, side: Side, pointer: string, detail: string): RawIssue {
  return { rule, pointer, document: documentOf(context, side), detail };
}

/**
 * Where an issue about keyword `keyword` of `sup` lies in the new version: the sup keyword itself when
 * sup is new, else the sub conjunct carrying `keyword` (or the first sub conjunct).
 */
export function newSideLocation(
  context: CheckContext,
  subs: SchemaNode[],
  sup: SchemaNode,
  keyword?: string,
): { side: Side; pointer: string } {
  if (context.newSide === 'sup') return { side: 'sup', pointer: keyword ? `${sup.pointer}/${keyword}` : sup.pointer };
  const holder = keyword ? subs.find((n) => isJsonObject(n.schema) && n.schema[keyword] !== undefined) : undefined;
  if (holder) return { side: 'sub', pointer: `${holder.pointer}/${keyword}` };
  return { side: 'sub', pointer: subs[0]?.pointer ?? '' };
}

/** An issue located at keyword `keyword` of the new version's side. */
export function issueAtKeyword(
  context: CheckContext,
  subs: SchemaNode[],
  sup: SchemaNode,
  keyword: string,
  rule: string,
  detail: string,
): RawIssue {
  const { side, pointer } = newSideLocation(context, subs, sup, keyword);
  return issueOn(context, rule, side, pointer, detail);
}

/** One issue per schema location: the same location reached through a recursive path keeps its shortest field path. */
export function dedupe(issues: RawIssue[]): RawIssue[] {
  const seen = new Map<string, RawIssue>();
  for (const issue of issues) {
    const key = `${issue.rule}\u0000${issue.document}\u0000${issue.pointer}\u0000${issue.detail.replace(/^field '[^']*': /, '')}`;
    const known = seen.get(key);
    if (!known || issue.detail.length < known.detail.length) seen.set(key, issue);
  }
  return [...seen.values()];
}
