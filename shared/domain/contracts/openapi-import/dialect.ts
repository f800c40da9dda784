import type { ParameterSpec } from '../contract';
import type { Json } from './json';

/** A Parameter Object (or a Swagger 2.0 parameter) with the two fields every version requires. */
export type ParameterObject = Json & { name: string; in: string };

/** A schema found in the document and the pointer (relative to its owner) it was found at. */
export type LocatedSchema = { schema: unknown; at: string };

/**
 * What differs between Swagger 2.0, OpenAPI 3.0 and OpenAPI 3.1 for the import; everything else
 * (paths, operations, schemas, `$ref`s, security requirements) is read the same way.
 */
export type OpenApiDialect = {
  readonly version: '2.0' | '3.0' | '3.1';
  /** Where the named schemas live, as a pointer and as the `$ref` prefix that reaches them. */
  readonly namedSchemasPointer: string;
  readonly namedSchemaRefPrefix: string;
  namedSchemas(doc: Json): unknown;
  readonly securitySchemesPointer: string;
  securitySchemes(doc: Json): unknown;
  /** Where the base URL comes from (for problems), and the base URL itself. */
  readonly baseUrlPointer: string;
  baseUrl(doc: Json): string | undefined;
  /** Whether a Schema Object says it also admits `null` the pre-2020-12 way. */
  isNullable(schema: Json): boolean;
  /** Header parameters the specification says to ignore. */
  ignoresHeader(name: string): boolean;
  /** The schema of a non-body parameter, relative to the parameter's pointer. */
  parameterSchema(parameter: ParameterObject): LocatedSchema | undefined;
  /** How an array parameter is joined into one string, if it is (undefined: the parameter repeats). */
  arrayDelimiter(parameter: ParameterObject): ParameterSpec['delimiter'] | undefined;
  /** The schema of a Response Object, relative to the response's pointer. */
  responseSchema(response: unknown): LocatedSchema | undefined;
};
