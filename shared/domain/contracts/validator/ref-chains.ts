import type { FieldProblem } from '../../errors';
import type { JsonSchema } from '../contract';
import { escapePointer } from './schema-nodes';

/**
 * Longest chain of named schemas referring to one another (A → B → C …). Ajv's compile time
 * grows with the square of a chain's length (a 2000-long chain takes seconds and then overflows
 * the stack); real contracts stay far below.
 */
export const MAX_REF_CHAIN = 64;

/**
 * Refuses a contract whose longest chain of named schemas referring to one another is longer than
 * MAX_REF_CHAIN; reports the first schema where such a chain starts.
 */
export function longRefChains(schemas: Record<string, JsonSchema>): FieldProblem[] {
  const depth = chainDepths(refEdges(schemas));
  return [...depth]
    .filter(([, d]) => d > MAX_REF_CHAIN)
    .slice(0, 1)
    .map(([name, d]) => ({
      pointer: `/schemas/${escapePointer(name)}`,
      keyword: 'maxRefChain',
      message: `a chain of ${d} schemas referring to one another starts here; at most ${MAX_REF_CHAIN} are supported`,
    }));
}

/** For each named schema, the names its local `#/$defs/<name>` references point to (pointer-unescaped). */
function refEdges(schemas: Record<string, JsonSchema>): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const [name, schema] of Object.entries(schemas)) {
    const targets = new Set<string>();
    const stack: unknown[] = [schema];
    while (stack.length > 0) {
      const node = stack.pop();
      if (node === null || typeof node !== 'object') continue;
      const ref = (node as { $ref?: unknown }).$ref;
      if (typeof ref === 'string' && ref.startsWith('#/$defs/')) {
        const target = decodeURIComponent(ref.slice('#/$defs/'.length).split('/')[0] ?? '');
        targets.add(target.replaceAll('~1', '/').replaceAll('~0', '~'));
      }
      for (const child of Object.values(node)) stack.push(child);
    }
    edges.set(name, targets);
  }
  return edges;
}

/**
 * The length of the longest reference path starting at each schema (a schema alone counts 1).
 *
 * Depth-first search with memo, iterative so a 2000-long chain cannot overflow the stack: each
 * frame holds the children still to visit; a frame whose children are done takes 1 + its deepest
 * child. A reference back into the current path (a cycle, which is legal when it consumes input)
 * ends the path there — it counts 0, so cycles cannot inflate the depth. References to names the
 * contract does not define are not followed.
 */
function chainDepths(edges: Map<string, Set<string>>): Map<string, number> {
  const depth = new Map<string, number>();
  for (const start of edges.keys()) {
    if (depth.has(start)) continue;
    const onPath = new Set<string>([start]);
    const stack: Array<{ name: string; children: string[] }> = [
      { name: start, children: [...(edges.get(start) ?? [])] },
    ];
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as { name: string; children: string[] };
      const child = frame.children.pop();
      if (child === undefined) {
        const longest = Math.max(
          0,
          ...[...(edges.get(frame.name) ?? [])].map((c) => (onPath.has(c) ? 0 : (depth.get(c) ?? 0))),
        );
        depth.set(frame.name, longest + 1);
        onPath.delete(frame.name);
        stack.pop();
      } else if (!depth.has(child) && !onPath.has(child) && edges.has(child)) {
        onPath.add(child);
        stack.push({ name: child, children: [...(edges.get(child) ?? [])] });
      }
    }
  }
  return depth;
}
