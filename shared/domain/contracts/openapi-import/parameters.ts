import type { ParameterSpec } from '../contract';
import type { ImportContext } from './context';
import type { ParameterObject } from './dialect';
import { isObject, type Json, stringOr } from './json';
import { convertSchema, inlineNamedRefs } from './schemas';

/** A parameter and the pointer it was declared at. */
export type LocatedParameter = { parameter: ParameterObject; pointer: string };

/**
 * The parameters of an operation: path-level first, then the operation's, which replace those with the
 * same name and location. A `$ref` left in place is a circular one: a problem.
 */
export function collectParameters(
  shared: unknown[],
  operation: Json,
  ctx: ImportContext,
  pointer: string,
): LocatedParameter[] {
  const parameters = new Map<string, LocatedParameter>();
  const collect = (list: unknown[], listPointer: string) =>
    list.forEach((parameter, i) => {
      if (isObject(parameter) && typeof parameter.name === 'string' && typeof parameter.in === 'string') {
        parameters.set(`${parameter.in}:${parameter.name}`, {
          parameter: parameter as ParameterObject,
          pointer: `${listPointer}/${i}`,
        });
      } else if (isObject(parameter) && typeof parameter.$ref === 'string') {
        ctx.problems.push({ pointer: `${listPointer}/${i}/$ref`, message: `$ref "${parameter.$ref}" is circular` });
      }
    });
  collect(shared, `${pointer.slice(0, pointer.lastIndexOf('/'))}/parameters`);
  collect(Array.isArray(operation.parameters) ? operation.parameters : [], `${pointer}/parameters`);
  return [...parameters.values()];
}

/**
 * A query, header or path parameter as a contract ParameterSpec. Its schema has component references
 * inlined because parameter schemas are compiled on their own.
 */
export function importParameter(parameter: ParameterObject, ctx: ImportContext, pointer: string): ParameterSpec {
  const spec: ParameterSpec = { required: parameter.required === true || parameter.in === 'path' };
  const description = stringOr(parameter.description);
  if (description !== undefined) spec.description = description;
  const found = ctx.dialect.parameterSchema(parameter);
  if (found !== undefined) {
    const schema = inlineNamedRefs(convertSchema(found.schema, ctx, `${pointer}${found.at}`), ctx.schemas);
    spec.schema = schema;
    const delimiter = arrayDelimiter(parameter, schema, ctx);
    if (delimiter !== undefined) spec.delimiter = delimiter;
    const fallback = isObject(schema) ? schema.default : undefined;
    if (['string', 'number', 'boolean'].includes(typeof fallback)) spec.defaultValue = String(fallback);
  }
  return spec;
}

/**
 * How an array parameter is serialized into one string, if it is: Swagger 2 `collectionFormat`, OpenAPI 3
 * `style`/`explode` (see the dialects).
 */
function arrayDelimiter(
  parameter: ParameterObject,
  schema: unknown,
  ctx: ImportContext,
): ParameterSpec['delimiter'] | undefined {
  const type = isObject(schema) ? schema.type : undefined;
  if (!(type === 'array' || (Array.isArray(type) && type.includes('array')))) return undefined;
  return ctx.dialect.arrayDelimiter(parameter);
}
