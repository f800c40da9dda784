import type Ajv2020 from 'ajv/dist/2020.js';
import type { FieldProblem } from '../../errors';
import type { JsonSchema } from '../contract';
import { refTo } from './ajv';
import { schemaErrorMessage } from './issues';
import { DATA_KEYWORDS, escapePointer } from './schema-nodes';

/**
 * Values the registration dry run validates against every schema: the empty value of each type,
 * plus an object holding every property name the schemas mention (so that `dependentSchemas`,
 * `if`/`then` and `properties` branches that recurse are entered) and an array of it.
 */
export function dryRunSamples(schemas: Record<string, JsonSchema>): unknown[] {
  const names = new Set<string>();
  const stack: unknown[] = [schemas];
  while (stack.length > 0 && names.size < 1000) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    const schema = node as Record<string, unknown>;
    for (const key of ['properties', 'dependentSchemas', 'dependentRequired'] as const) {
      const value = schema[key];
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        for (const name of Object.keys(value)) names.add(name);
      }
    }
    if (Array.isArray(schema.required))
      for (const name of schema.required) if (typeof name === 'string') names.add(name);
    for (const [key, child] of Object.entries(schema)) if (!DATA_KEYWORDS.has(key)) stack.push(child);
  }
  const everything = Object.fromEntries([...names].map((name) => [name, null]));
  return [null, {}, [], 0, 1.5, '', true, everything, [everything]];
}

/** How many schemas one dry-run compilation covers (see {@link dryRunProblems}). */
const DRY_RUN_CHUNK = 64;

/**
 * The dry run: finds what only shows when a schema is evaluated — `$ref` cycles that consume no
 * input, `$dynamicRef` to anchors that do not exist — by compiling the schemas and validating
 * {@link dryRunSamples} against them.
 *
 * One compilation covers many schemas (`anyOf` over their refs), because compiling them one by one
 * costs O(n²) for long `$ref` chains; chunks of 64, because Ajv nests `anyOf` branches, so one
 * `anyOf` over thousands of refs is quadratic too. Only a chunk that fails is retried schema by
 * schema, to say which one is at fault.
 *
 * @param ajv - the Ajv the contract's schemas are registered in
 * @param schemas - the contract's named schemas
 * @returns one problem per failing schema, pointing at `/schemas/<name>`
 */
export function dryRunProblems(ajv: Ajv2020, schemas: Record<string, JsonSchema>): FieldProblem[] {
  const samples = dryRunSamples(schemas);
  const dryRun = (schema: object) => {
    const validate = ajv.compile(schema);
    for (const sample of samples) validate(sample);
  };
  const names = Object.keys(schemas);
  const problems: FieldProblem[] = [];
  for (let start = 0; start < names.length; start += DRY_RUN_CHUNK) {
    const chunk = names.slice(start, start + DRY_RUN_CHUNK);
    try {
      dryRun({ anyOf: chunk.map((name) => refTo(name)) });
      continue;
    } catch {
      // find out which schema below
    }
    for (const name of chunk) {
      try {
        dryRun(refTo(name));
      } catch (error) {
        problems.push({ pointer: `/schemas/${escapePointer(name)}`, message: schemaErrorMessage(error) });
      }
    }
  }
  return problems;
}
