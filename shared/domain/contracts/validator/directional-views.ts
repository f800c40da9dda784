import type Ajv2020 from 'ajv/dist/2020.js';
import type { JsonSchema } from '../contract';
import { SCHEMA_ROOT_ID } from './ajv';
import { DATA_KEYWORDS } from './schema-nodes';

/**
 * Adds the request and response views of the schemas (roots `urn:aif:contract:request` and
 * `:response`). As OpenAPI defines them (OpenAPI 3.0 §4.7.25, 3.1 via JSON Schema's annotations
 * read that way by OpenAPI tooling): a `readOnly` property is required only in responses, a
 * `writeOnly` one only in requests — so a `required` id marked readOnly is not demanded of clients.
 */
export function addDirectionalViews(ajv: Ajv2020, schemas: Record<string, JsonSchema>): void {
  ajv.addSchema(
    { $id: `${SCHEMA_ROOT_ID}:request`, $defs: withoutRequired(schemas, 'readOnly') },
    undefined,
    undefined,
    false,
  );
  ajv.addSchema(
    { $id: `${SCHEMA_ROOT_ID}:response`, $defs: withoutRequired(schemas, 'writeOnly') },
    undefined,
    undefined,
    false,
  );
}

/** A copy of the schemas in which properties flagged `flag: true` are dropped from `required`. */
function withoutRequired(
  schemas: Record<string, JsonSchema>,
  flag: 'readOnly' | 'writeOnly',
): Record<string, JsonSchema> {
  const copy = structuredClone(schemas);
  const flagged = (property: unknown): boolean => {
    if (property === null || typeof property !== 'object') return false;
    const p = property as Record<string, unknown>;
    if (p[flag] === true) return true;
    if (typeof p.$ref === 'string' && p.$ref.startsWith('#/$defs/')) {
      const target =
        copy[decodeURIComponent(p.$ref.slice('#/$defs/'.length)).replaceAll('~1', '/').replaceAll('~0', '~')];
      return typeof target === 'object' && target !== null && target[flag] === true;
    }
    return false;
  };
  const stack: unknown[] = [copy];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    const schema = node as Record<string, unknown>;
    const properties = schema.properties as Record<string, unknown> | undefined;
    if (Array.isArray(schema.required) && properties !== null && typeof properties === 'object') {
      schema.required = schema.required.filter((name) => !flagged(properties[name as string]));
    }
    for (const [key, child] of Object.entries(schema)) if (!DATA_KEYWORDS.has(key)) stack.push(child);
  }
  return copy;
}
