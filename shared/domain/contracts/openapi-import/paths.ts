import {
  type ContractDocumentInput,
  type HttpMethod,
  normalizeTemplate,
  type ParameterSpec,
  pathTemplateParameters,
} from '../contract';
import type { ErrorCodes, ImportContext } from './context';
import { escapeSegment, isObject, type Json, OPERATION_METHODS, stringOr } from './json';
import { allMedia, pickMedia, requestBodyOf } from './openapi-3';
import { collectParameters, importParameter, type LocatedParameter } from './parameters';
import { bodySchemaName } from './schemas';
import { formDataRequestSchema, swagger2MediaTypes } from './swagger-2';

type Endpoint = NonNullable<ContractDocumentInput['endpoints']>[number];

/** One endpoint per path and contract method; invalid templates and colliding paths are problems. */
export function importPaths(paths: Json, ctx: ImportContext, errorCodes: ErrorCodes): Endpoint[] {
  const endpoints: Endpoint[] = [];
  const seen = new Map<string, string>();
  for (const [path, item] of Object.entries(paths)) {
    if (!path.startsWith('/') || !isObject(item)) continue;
    const pathPointer = `/paths/${escapeSegment(path)}`;
    if (!/^\/[^\s?#]*$/.test(path) || /\{[^}]*\{|\}[^{]*\}|\{\}/.test(path)) {
      ctx.problems.push({
        pointer: pathPointer,
        message: `path "${path}" must start with "/", hold no spaces, query or fragment and have balanced {parameters}`,
      });
      continue;
    }
    const shared = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of OPERATION_METHODS) {
      const operation = item[method];
      if (!isObject(operation)) continue;
      const pointer = `${pathPointer}/${method}`;
      const upper = method.toUpperCase() as HttpMethod;
      const key = `${upper} ${normalizeTemplate(path)}`;
      const other = seen.get(key);
      if (other !== undefined) {
        ctx.problems.push({
          pointer,
          message: `${upper} ${path} collides with ${other}: their templates differ only in parameter names`,
        });
        continue;
      }
      seen.set(key, `${upper} ${path}`);
      endpoints.push(importOperation({ path, method: upper, operation, shared, ctx, pointer, errorCodes }));
      ctx.sources.endpoints.push(pointer);
    }
  }
  return endpoints;
}

/** One operation being imported; `base` names its inline schemas (`<base>.request`, `<base>.response`…). */
type OperationImport = {
  path: string;
  method: HttpMethod;
  operation: Json;
  shared: unknown[];
  ctx: ImportContext;
  pointer: string;
  errorCodes: ErrorCodes;
};

function importOperation(input: OperationImport): Endpoint {
  const { path, method, operation, ctx, pointer } = input;
  const operationId = stringOr(operation.operationId);
  const base = operationId
    ? operationId.replace(/[^A-Za-z0-9._-]+/g, '_')
    : `${method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+/g, '_')}`.replace(/_+$/, '');
  const endpoint: Endpoint = {
    path,
    method,
    description: stringOr(operation.description) ?? stringOr(operation.summary) ?? '',
  };
  if (operationId) endpoint.operationId = operationId;
  const parameters = importParameters(input, endpoint, base);

  // 3.x request body.
  const requestBody = requestBodyOf(operation);
  if (requestBody) {
    if (requestBody.media) {
      const at = `${pointer}${requestBody.media.at}`;
      endpoint.requestSchema = bodySchemaName(requestBody.media.schema, ctx, `${base}.request`, at);
      const media = importMediaTypes(
        input,
        requestBody.content,
        endpoint.requestSchema,
        `${base}.request`,
        '/requestBody',
      );
      if (media) endpoint.requestMediaTypes = media;
    }
    endpoint.requestBodyRequired = requestBody.required;
  } else if (endpoint.requestSchema === undefined) {
    endpoint.requestBodyRequired = false;
  }

  endpoint.errorSchemas = importResponses(input, endpoint, base);
  endpoint.query = parameters.query;
  endpoint.headers = parameters.headers;
  endpoint.pathParameters = parameters.pathParameters;
  return endpoint;
}

/**
 * The operation's parameters by location. Swagger 2.0 bodies are parameters too: `in: body` sets the
 * request schema at once, `in: formData` parameters make one object schema when there is no body.
 * Path parameters the template names but the document does not declare are added as required.
 */
function importParameters(
  input: OperationImport,
  endpoint: Endpoint,
  base: string,
): Record<'query' | 'headers' | 'pathParameters', Record<string, ParameterSpec>> {
  const { ctx, pointer } = input;
  const query: Record<string, ParameterSpec> = {};
  const headers: Record<string, ParameterSpec> = {};
  const pathParameters: Record<string, ParameterSpec> = {};
  const formData: LocatedParameter[] = [];
  for (const { parameter, pointer: at } of collectParameters(input.shared, input.operation, ctx, pointer)) {
    const location = parameter.in;
    if (location === 'body') {
      if (parameter.schema !== undefined) {
        endpoint.requestSchema = bodySchemaName(parameter.schema, ctx, `${base}.request`, `${at}/schema`);
        endpoint.requestBodyRequired = parameter.required === true;
        const media = swagger2MediaTypes(consumesOf(input), endpoint.requestSchema);
        if (media) endpoint.requestMediaTypes = media;
      }
      continue;
    }
    if (location === 'formData') {
      formData.push({ parameter, pointer: at });
      continue;
    }
    if (location === 'header' && ctx.dialect.ignoresHeader(parameter.name)) continue;
    const target =
      location === 'query' ? query : location === 'header' ? headers : location === 'path' ? pathParameters : undefined;
    if (target) target[parameter.name] = importParameter(parameter, ctx, at);
  }
  for (const name of pathTemplateParameters(input.path)) {
    pathParameters[name] ??= { required: true };
  }
  if (formData.length > 0 && endpoint.requestSchema === undefined) {
    const body = formDataRequestSchema(formData, ctx, `${base}.request`, pointer);
    endpoint.requestSchema = body.name;
    endpoint.requestBodyRequired = body.required;
    endpoint.requestMediaTypes = swagger2MediaTypes(consumesOf(input), body.name, true);
  }
  return { query, headers, pathParameters };
}

/**
 * The lowest 2xx response with a schema gives `responseSchema`; every other status key with a schema goes to
 * the returned error schemas, and every exact non-2xx status to `errorCodes` (the first description wins).
 */
function importResponses(input: OperationImport, endpoint: Endpoint, base: string): Record<string, string> {
  const { operation, ctx, pointer, errorCodes } = input;
  const errorSchemas: Record<string, string> = {};
  if (!isObject(operation.responses)) return errorSchemas;
  const entries = Object.entries(operation.responses)
    .map(([status, response]) => [status.toUpperCase().replace(/^DEFAULT$/, 'default'), status, response] as const)
    .filter(([key]) => /^([1-5][0-9][0-9]|[1-5]XX|default)$/.test(key));
  const success = entries
    .filter(([key]) => key.startsWith('2'))
    .sort(([a], [b]) => (a === '2XX' ? 1 : b === '2XX' ? -1 : Number(a) - Number(b)));
  const schemaAt = (status: string, at: string): string => `${pointer}/responses/${escapeSegment(status)}${at}`;
  for (const [, status, response] of success) {
    const schema = ctx.dialect.responseSchema(response);
    if (!schema) continue;
    endpoint.responseSchema = bodySchemaName(schema.schema, ctx, `${base}.response`, schemaAt(status, schema.at));
    const media = responseMedia(input, response, endpoint.responseSchema, `${base}.response`, status);
    if (media) endpoint.responseMediaTypes = { ...endpoint.responseMediaTypes, '2XX': media };
    break;
  }
  for (const [key, status, response] of entries) {
    if (key.startsWith('2')) continue;
    const schema = ctx.dialect.responseSchema(response);
    if (schema) {
      errorSchemas[key] = bodySchemaName(schema.schema, ctx, `${base}.error.${key}`, schemaAt(status, schema.at));
      const media = responseMedia(input, response, errorSchemas[key], `${base}.error.${key}`, status);
      if (media) endpoint.responseMediaTypes = { ...endpoint.responseMediaTypes, [key]: media };
    }
    if (/^\d{3}$/.test(key) && !Object.hasOwn(errorCodes, key)) {
      const description = isObject(response) ? (stringOr(response.description) ?? '') : '';
      errorCodes[key] = { message: description, description };
    }
  }
  return errorSchemas;
}

/**
 * Every media type of a 3.x `content` map with its schema name. The media type `pickMedia` chose keeps
 * `chosenName` (the endpoint's `requestSchema`, `responseSchema` or error schema); the others get
 * `<base>.<media type>` unless their schema is the same (a shared `$ref`, an identical inline schema),
 * which keeps contracts small (they are stored gzipped in one DynamoDB item). Undefined when the map
 * says no more than the default does — one JSON media type (`application/json`) — so documents
 * without other media types import as they did before.
 */
function importMediaTypes(
  input: OperationImport,
  content: unknown,
  chosenName: string,
  base: string,
  prefix: string,
): Record<string, string> | undefined {
  const media = allMedia(content);
  const chosen = pickMedia(content);
  if (!chosen || media.length === 0) return undefined;
  if (media.length === 1 && media[0]?.key === 'application/json') return undefined;
  const names = new Map<string, string>([[JSON.stringify(chosen.schema), chosenName]]);
  const result: Record<string, string> = {};
  for (const { key, type, schema } of media) {
    const identity = JSON.stringify(schema);
    let name = names.get(identity);
    if (name === undefined) {
      const at = `${input.pointer}${prefix}/content/${escapeSegment(type)}/schema`;
      name = bodySchemaName(schema, input.ctx, `${base}.${key.replace(/[^a-z0-9.+-]+/g, '_')}`, at);
      names.set(identity, name);
    }
    result[key] = name;
  }
  return result;
}

/** A response's media types: its 3.x `content`, or Swagger 2.0's `produces` for its one schema. */
function responseMedia(
  input: OperationImport,
  response: unknown,
  name: string,
  base: string,
  status: string,
): Record<string, string> | undefined {
  if (input.ctx.dialect.version === '2.0') {
    return swagger2MediaTypes(input.operation.produces ?? input.ctx.swagger2Media.produces, name);
  }
  const content = isObject(response) ? response.content : undefined;
  return importMediaTypes(input, content, name, base, `/responses/${escapeSegment(status)}`);
}

/** Swagger 2.0 `consumes` of an operation: its own, else the document's. */
function consumesOf(input: OperationImport): unknown {
  return input.operation.consumes ?? input.ctx.swagger2Media.consumes;
}
