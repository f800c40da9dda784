import Ajv2020 from 'ajv/dist/2020.js';
import type { RegExpEngine } from 'ajv/dist/types/index.js';
import addFormats from 'ajv-formats';
import equal from 'fast-deep-equal';
import { RE2JS } from 're2js';
import { escapePointer } from './schema-nodes';

/** The `$id` under which a contract's `schemas` are registered as `$defs`. */
export const SCHEMA_ROOT_ID = 'urn:aif:contract';
/** The only dialect contracts use; a `$schema` naming another is refused at registration. */
export const DIALECT_2020_12 = 'https://json-schema.org/draft/2020-12/schema';

/**
 * `pattern` and `patternProperties` run on RE2 (re2js): matching time is linear in the input, so a
 * contract's regex cannot hang validation (ReDoS). ECMA-262 escapes RE2 spells differently (`\uXXXX`,
 * `\u{…}`, `\cX`, `[^]`) are translated first; RE2 has no lookaround or backreferences, and such
 * patterns are refused when the contract is registered. `\s` is RE2's ASCII whitespace class.
 */
const re2: RegExpEngine = Object.assign((pattern: string) => RE2JS.compile(RE2JS.translateRegExp(pattern)), {
  code: 'RE2JS.compile',
});

/**
 * Replaces Ajv's `enum`, which compares the value with every allowed value in turn (an enum of
 * 100 000 values against an array of 10 000 items is 10⁹ comparisons), by a Set lookup for
 * scalars and deep equality (fast-deep-equal, as Ajv uses) for the rest. Same result and error.
 */
function useHashedEnum(ajv: Ajv2020): void {
  ajv.removeKeyword('enum');
  ajv.addKeyword({
    keyword: 'enum',
    schemaType: 'array',
    // errors: false lets Ajv report failures itself, appending in linear time (errors a keyword
    // returns are concatenated, quadratic over many failing items); toIssues restores the message.
    errors: false,
    compile: (allowed: unknown[]) => {
      const isScalar = (v: unknown) => v === null || typeof v !== 'object';
      const scalars = new Set(allowed.filter(isScalar));
      const structured = allowed.filter((v) => !isScalar(v));
      return (data: unknown) => (isScalar(data) ? scalars.has(data) : structured.some((v) => equal(v, data)));
    },
  });
}

/**
 * An Ajv for contract schemas: 2020-12, ajv-formats, RE2 patterns, the hashed `enum`.
 *
 * @param coerceTypes - `'array'` for parameters (strings on the wire), `false` for bodies
 * @param allErrors - `false` stops at the first error (bounded work for any body size)
 */
export function createAjv(coerceTypes: false | 'array', allErrors = true): Ajv2020 {
  // inlineRefs off: every named schema compiles once and is called by reference; inlining made a chain of
  // n $refs cost O(n²) to compile (and overflow the stack for long chains).
  const ajv = new Ajv2020({
    allErrors,
    strict: false,
    coerceTypes,
    logger: false,
    inlineRefs: false,
    code: { regExp: re2 },
  });
  addFormats(ajv);
  useHashedEnum(ajv);
  // OpenAPI's numeric and binary formats (OpenAPI 3.1 §4.2 "Data Types") are annotations here.
  for (const format of ['int32', 'int64', 'float', 'double', 'byte', 'binary', 'password']) {
    if (!ajv.formats[format]) ajv.addFormat(format, true);
  }
  return ajv;
}

/** A `$ref` to the named schema under `root` (the plain, request or response view). */
export function refTo(name: string, root = SCHEMA_ROOT_ID): { $ref: string } {
  return { $ref: `${root}#/$defs/${encodeURIComponent(escapePointer(name))}` };
}
