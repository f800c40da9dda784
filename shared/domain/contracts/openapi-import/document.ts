import type { OpenApiDialect } from './dialect';
import { fail } from './errors';
import { isObject, type Json } from './json';
import { OPENAPI_3_0, OPENAPI_3_1 } from './openapi-3';
import { SWAGGER_2 } from './swagger-2';

/**
 * Tells whether a parsed JSON/YAML value looks like an OpenAPI 3.x or Swagger 2.0 document, i.e. is an
 * object with a top-level `openapi` or `swagger` field (the field every version of the specification
 * requires first). It does not check the version or anything else: `importOpenApiDocument` does.
 *
 * @param input - any parsed JSON/YAML value
 * @returns true when `input` is a plain object that has an own `openapi` or `swagger` member
 * @throws nothing: any value is accepted
 * @example isOpenApiDocument({ openapi: '3.1.0', info: {}, paths: {} }) // true
 */
export function isOpenApiDocument(input: unknown): boolean {
  return isObject(input) && (Object.hasOwn(input, 'openapi') || Object.hasOwn(input, 'swagger'));
}

/**
 * The version of an OpenAPI document: `openapi` 3.0.x or 3.1.x, or `swagger` 2.0.
 *
 * @throws {OpenApiImportError} for any other version (pointer `/openapi` or `/swagger`)
 */
export function detectDialect(input: Json): OpenApiDialect {
  if (input.openapi !== undefined) {
    const value = input.openapi;
    if (typeof value === 'string' && /^3\.0\.\d+(-[0-9A-Za-z.-]+)?$/.test(value)) return OPENAPI_3_0;
    if (typeof value === 'string' && /^3\.1\.\d+(-[0-9A-Za-z.-]+)?$/.test(value)) return OPENAPI_3_1;
    const hint = typeof value === 'string' ? '' : ' (write it as a string, e.g. "3.0.3")';
    throw fail('Unsupported OpenAPI version', [
      {
        pointer: '/openapi',
        message: `openapi ${JSON.stringify(value)} is not supported${hint}; supported versions are 3.0.x, 3.1.x and Swagger 2.0`,
      },
    ]);
  }
  if (input.swagger === '2.0' || input.swagger === 2) return SWAGGER_2;
  throw fail('Unsupported Swagger version', [
    {
      pointer: '/swagger',
      message: `swagger ${JSON.stringify(input.swagger)} is not supported; supported versions are Swagger 2.0, OpenAPI 3.0.x and 3.1.x`,
    },
  ]);
}
