import type Ajv2020 from 'ajv/dist/2020.js';
import type { FieldProblem } from '../../errors';
import type { ContractDocument, JsonSchema } from '../contract';
import { DIALECT_2020_12 } from './ajv';
import { deeplyNestedArrays, quadraticUniqueItems, unsupportedPatterns } from './compile-guards';
import { longRefChains } from './ref-chains';
import { escapePointer } from './schema-nodes';

/**
 * Problems a named schema has on its own: a `$schema` other than 2020-12, or keywords the
 * 2020-12 meta-schema refuses (one problem per meta-schema error, pointing into the schema).
 *
 * @param ajv - an Ajv with the 2020-12 meta-schema
 * @param schemas - the contract's named schemas
 */
export function metaSchemaProblems(ajv: Ajv2020, schemas: Record<string, JsonSchema>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const [name, schema] of Object.entries(schemas)) {
    const dialect = typeof schema === 'object' ? schema.$schema : undefined;
    if (dialect !== undefined && dialect !== DIALECT_2020_12 && dialect !== `${DIALECT_2020_12}#`) {
      problems.push({
        pointer: `/schemas/${escapePointer(name)}/$schema`,
        keyword: '$schema',
        message: `contracts use JSON Schema 2020-12; remove $schema or set it to ${DIALECT_2020_12}`,
      });
      continue;
    }
    if (!ajv.validateSchema(schema)) {
      for (const error of ajv.errors ?? []) {
        problems.push({
          pointer: `/schemas/${escapePointer(name)}${error.instancePath}`,
          message: error.message ?? error.keyword,
          keyword: error.keyword,
        });
      }
    }
  }
  return problems;
}

/**
 * The compile guards (`compile-guards.ts`, `ref-chains.ts`) over every schema of a contract: the
 * named schemas, then each endpoint's query, header and path parameter schemas.
 */
export function guardProblems(contract: Pick<ContractDocument, 'endpoints' | 'schemas'>): FieldProblem[] {
  const problems: FieldProblem[] = [
    ...quadraticUniqueItems(contract.schemas, '/schemas'),
    ...deeplyNestedArrays(contract.schemas, '/schemas'),
    ...longRefChains(contract.schemas),
    ...unsupportedPatterns(contract.schemas, '/schemas'),
  ];
  contract.endpoints.forEach((endpoint, index) => {
    for (const part of ['query', 'headers', 'pathParameters'] as const) {
      for (const [name, spec] of Object.entries(endpoint[part])) {
        if (spec.schema === undefined) continue;
        const pointer = `/endpoints/${index}/${part}/${escapePointer(name)}/schema`;
        problems.push(...quadraticUniqueItems(spec.schema, pointer));
        problems.push(...deeplyNestedArrays(spec.schema, pointer));
        problems.push(...unsupportedPatterns(spec.schema, pointer));
      }
    }
  });
  return problems;
}
