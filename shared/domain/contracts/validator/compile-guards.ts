import { RE2JS } from 're2js';
import type { FieldProblem } from '../../errors';
import { DATA_KEYWORDS, errorMessage, escapePointer } from './schema-nodes';

// Static checks run before any schema is compiled: each refuses a construct that is legal JSON
// Schema but would let one request (or the compilation itself) occupy a function for minutes.

/** Largest `maxItems` allowed with `uniqueItems` over items that may be objects or arrays. */
export const MAX_UNIQUE_ITEMS_COMPARED = 1000;

/**
 * Finds `uniqueItems: true` where Ajv must compare items pairwise (items that may be objects or
 * arrays: O(n²) deep comparisons, so a 2 MiB body could occupy a function for minutes) without a
 * `maxItems` of at most MAX_UNIQUE_ITEMS_COMPARED. Scalar item types are checked with a hash (linear).
 */
export function quadraticUniqueItems(root: unknown, rootPointer: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const stack: Array<[unknown, string]> = [[root, rootPointer]];
  while (stack.length > 0) {
    const [node, pointer] = stack.pop() as [unknown, string];
    if (node === null || typeof node !== 'object') continue;
    const schema = node as Record<string, unknown>;
    if (schema.uniqueItems === true) {
      const itemType = (schema.items as { type?: unknown } | undefined)?.type;
      const types = Array.isArray(itemType) ? itemType : itemType === undefined ? [] : [itemType];
      const scalar = types.length > 0 && !types.includes('object') && !types.includes('array');
      const bounded = typeof schema.maxItems === 'number' && schema.maxItems <= MAX_UNIQUE_ITEMS_COMPARED;
      if (!scalar && !bounded) {
        problems.push({
          pointer: `${pointer}/uniqueItems`,
          keyword: 'uniqueItems',
          message: `uniqueItems over items that may be objects or arrays compares every pair of items: add maxItems (at most ${MAX_UNIQUE_ITEMS_COMPARED}) or give items a scalar type`,
        });
      }
    }
    for (const [key, child] of Object.entries(schema)) stack.push([child, `${pointer}/${escapePointer(key)}`]);
  }
  return problems;
}

/**
 * Most arrays nested inside one another (at any distance) on one path of a schema. Ajv's compiler
 * walks every array twice, so its time doubles with each level; a 150-byte `const` of arrays
 * nested 40 deep takes minutes to compile.
 */
export const MAX_SCHEMA_ARRAY_NESTING = 12;

export function deeplyNestedArrays(root: unknown, rootPointer: string): FieldProblem[] {
  const stack: Array<[unknown, string, number]> = [[root, rootPointer, 0]];
  while (stack.length > 0) {
    const [node, pointer, arrays] = stack.pop() as [unknown, string, number];
    if (node === null || typeof node !== 'object') continue;
    const level = Array.isArray(node) ? arrays + 1 : arrays;
    if (level > MAX_SCHEMA_ARRAY_NESTING) {
      return [
        {
          pointer,
          keyword: 'maxArrayNesting',
          message: `arrays nest more than ${MAX_SCHEMA_ARRAY_NESTING} deep here; JSON Schema compilers slow down exponentially with that nesting`,
        },
      ];
    }
    for (const [key, child] of Object.entries(node)) stack.push([child, `${pointer}/${escapePointer(key)}`, level]);
  }
  return [];
}

/**
 * Compiles every `pattern` and `patternProperties` key with RE2 up front, so a pattern RE2 cannot
 * run (lookaround, backreferences) is refused with the pointer of the pattern itself.
 */
export function unsupportedPatterns(root: unknown, rootPointer: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const check = (pattern: string, pointer: string) => {
    try {
      RE2JS.compile(RE2JS.translateRegExp(pattern));
    } catch (error) {
      problems.push({ pointer, keyword: 'pattern', message: `RE2 cannot run this pattern: ${errorMessage(error)}` });
    }
  };
  const stack: Array<[unknown, string]> = [[root, rootPointer]];
  while (stack.length > 0) {
    const [node, pointer] = stack.pop() as [unknown, string];
    if (node === null || typeof node !== 'object') continue;
    const schema = node as Record<string, unknown>;
    if (typeof schema.pattern === 'string') check(schema.pattern, `${pointer}/pattern`);
    if (schema.patternProperties !== null && typeof schema.patternProperties === 'object') {
      for (const key of Object.keys(schema.patternProperties)) {
        check(key, `${pointer}/patternProperties/${escapePointer(key)}`);
      }
    }
    for (const [key, child] of Object.entries(schema)) {
      if (!DATA_KEYWORDS.has(key)) stack.push([child, `${pointer}/${escapePointer(key)}`]);
    }
  }
  return problems;
}
