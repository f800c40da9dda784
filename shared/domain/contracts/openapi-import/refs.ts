import { $RefParser } from '@apidevtools/json-schema-ref-parser';
import type { FieldProblem } from '../../errors';
import type { OpenApiDialect } from './dialect';
import { fail, throwIfProblems } from './errors';
import { escapeSegment, isObject, type Json } from './json';

/** Marks a reference to a named schema while the ref parser inlines every other `$ref`. */
export const SCHEMA_REF = '\u0000$ref';

/**
 * Copies the document, refuses external and dangling `$ref`s, marks references to named schemas (so they stay
 * references) and lets the ref parser inline every other internal `$ref`.
 */
export async function resolveReferences(input: Json, dialect: OpenApiDialect): Promise<Json> {
  const schemaPrefix = dialect.namedSchemaRefPrefix;
  const problems: FieldProblem[] = [];
  const stack = new Set<object>();

  const copy = (value: unknown, pointer: string): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    if (stack.has(value)) {
      problems.push({ pointer, message: 'the document contains a cycle (a YAML alias that includes itself)' });
      return null;
    }
    stack.add(value);
    try {
      if (Array.isArray(value)) return value.map((item, i) => copy(item, `${pointer}/${i}`));
      const source = value as Json;
      const ref = source.$ref;
      const out: Json = Object.create(null); // a `__proto__` key stays an own key
      let schemaRef: string | undefined;
      if (typeof ref === 'string') {
        const at = `${pointer}/$ref`;
        if (!ref.startsWith('#')) {
          problems.push({
            pointer: at,
            message: `external $ref "${ref}" is not supported: send a single bundled document in which every $ref is internal (#/...)`,
          });
        } else if (!resolvesInternally(input, ref)) {
          problems.push({ pointer: at, message: `$ref "${ref}" points to nothing in the document` });
        } else if (ref.startsWith(schemaPrefix) && ref.length > schemaPrefix.length) {
          schemaRef = `#/$defs/${ref.slice(schemaPrefix.length)}`;
        }
      }
      for (const [key, child] of Object.entries(source)) {
        if (key === '$ref' && schemaRef !== undefined) out[SCHEMA_REF] = schemaRef;
        else out[key] = copy(child, `${pointer}/${escapeSegment(key)}`);
      }
      return out;
    } finally {
      stack.delete(value);
    }
  };

  const copied = copy(input, '') as Json;
  throwIfProblems(problems);
  try {
    const parser = new $RefParser();
    return (await parser.dereference(copied, {
      resolve: { external: false, file: false, http: false },
      dereference: { circular: 'ignore' },
      mutateInputSchema: true,
    })) as Json;
  } catch (error) {
    const details = error as { message?: string; targetRef?: string; parentPath?: string };
    const pointer = typeof details.parentPath === 'string' ? fragmentToPointer(details.parentPath) : '';
    throw fail(
      'The $refs of the OpenAPI document cannot be resolved',
      [
        {
          pointer: pointer ?? '',
          message: details.targetRef
            ? `$ref "${details.targetRef}" cannot be resolved: ${details.message ?? 'unknown error'}`
            : `$refs cannot be resolved: ${details.message ?? String(error)}`,
        },
      ],
      error,
    );
  }
}

/** `#/a/b~1c` → `/a/b~1c`, percent-decoded; undefined when it is not a JSON-pointer fragment. */
export function fragmentToPointer(fragment: string): string | undefined {
  const hash = fragment.indexOf('#');
  const body = hash >= 0 ? fragment.slice(hash + 1) : fragment;
  if (body !== '' && !body.startsWith('/')) return undefined;
  try {
    return decodeURIComponent(body);
  } catch {
    return undefined;
  }
}

/** The unescaped segments of a JSON pointer. */
export function pointerSegments(pointer: string): string[] {
  return pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** Whether an internal `$ref` reaches a value, following `$ref`s met on the way (as the ref parser does). */
function resolvesInternally(root: Json, ref: string, depth = 0): boolean {
  const pointer = fragmentToPointer(ref);
  if (pointer === undefined || depth > 64) return false;
  let node: unknown = root;
  for (const segment of pointerSegments(pointer)) {
    if (isObject(node) && typeof node.$ref === 'string' && !Object.hasOwn(node, segment)) {
      if (!node.$ref.startsWith('#')) return false;
      node = lookup(root, node.$ref, depth + 1);
    }
    if (Array.isArray(node) && /^(0|[1-9]\d*)$/.test(segment) && Number(segment) < node.length) {
      node = node[Number(segment)];
    } else if (isObject(node) && Object.hasOwn(node, segment)) {
      node = node[segment];
    } else return false;
  }
  return true;
}

/** The value an internal `$ref` reaches (following `$ref`s on the way), or undefined. */
function lookup(root: Json, ref: string, depth: number): unknown {
  if (depth > 64) return undefined;
  const pointer = fragmentToPointer(ref);
  if (pointer === undefined) return undefined;
  let node: unknown = root;
  for (const segment of pointerSegments(pointer)) {
    if (isObject(node) && typeof node.$ref === 'string' && !Object.hasOwn(node, segment)) {
      node = lookup(root, node.$ref, depth + 1);
    }
    if (Array.isArray(node)) node = node[Number(segment)];
    else if (isObject(node)) node = node[segment];
    else return undefined;
  }
  return node;
}
