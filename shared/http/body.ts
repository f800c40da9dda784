import { InputTooLargeError, MalformedInputError } from '../domain/errors';
import { UnsupportedMediaTypeError } from './errors';

/** Body formats a route may accept. */
export type BodyFormat = 'json' | 'yaml';

/**
 * Text decoders for the formats other than JSON, supplied by the functions that need them so
 * that functions which don't accept YAML don't bundle a YAML parser. A decoder throws on bad input.
 */
export type BodyDecoders = Partial<Record<Exclude<BodyFormat, 'json'>, (text: string) => unknown>>;

/**
 * Deepest nesting of arrays and objects a body may have. Recursive code (canonical JSON, the
 * OpenAPI converter, Ajv) would otherwise exhaust the stack on a hostile body.
 */
export const MAX_BODY_DEPTH = 256;

/**
 * Most values (scalars, arrays, objects) a body may hold once YAML aliases are expanded. A 2 MiB
 * JSON body cannot reach it; an alias "bomb" that stays small as text can.
 */
export const MAX_BODY_VALUES = 1_000_000;

const YAML_TYPES = new Set([
  'application/yaml',
  'application/x-yaml',
  'text/yaml',
  'text/x-yaml',
  'application/vnd.oai.openapi',
]);

/**
 * Decodes and parses a request body by its Content-Type: `application/json` and any `+json`
 * type (RFC 6839) as JSON; YAML media types (RFC 9512 `application/yaml`) as YAML 1.2 where the
 * route allows it. A body without Content-Type is read as JSON.
 *
 * @param rawBody - the API Gateway `body` (base64 when `isBase64Encoded`)
 * @param maxBytes - largest accepted decoded size in bytes
 * @param decoders - parsers for the non-JSON formats the function supports
 * @returns the parsed value, or undefined for an empty body
 * @throws {InputTooLargeError} when the body is larger than `maxBytes`
 * @throws {UnsupportedMediaTypeError} for any other Content-Type
 * @throws {MalformedInputError} for malformed JSON or YAML, with the parser's reason
 */
export function parseBody(
  rawBody: string | null | undefined,
  isBase64Encoded: boolean,
  contentType: string | undefined,
  formats: readonly BodyFormat[],
  maxBytes: number,
  decoders: BodyDecoders = {},
): unknown {
  const value = decodeBody(rawBody, isBase64Encoded, contentType, formats, maxBytes, decoders);
  const { depth, values } = measure(value, MAX_BODY_DEPTH, MAX_BODY_VALUES);
  if (depth > MAX_BODY_DEPTH) {
    throw new MalformedInputError(`The body nests arrays and objects deeper than ${MAX_BODY_DEPTH} levels`, [
      { pointer: '', message: `nesting deeper than ${MAX_BODY_DEPTH} levels`, keyword: 'maxDepth' },
    ]);
  }
  if (values > MAX_BODY_VALUES) {
    throw new MalformedInputError(`The body expands to more than ${MAX_BODY_VALUES} values (YAML aliases?)`, [
      { pointer: '', message: `more than ${MAX_BODY_VALUES} values once aliases are expanded`, keyword: 'maxValues' },
    ]);
  }
  return value;
}

/**
 * Depth of nested arrays/objects (a scalar is 0). A value reached twice (YAML aliases) is counted
 * at every place it appears, as any consumer of the body will see it.
 *
 * @example nestingDepth({ a: [1] }, 10) // 2
 */
export function nestingDepth(value: unknown, limit: number): number {
  return measure(value, limit, Number.POSITIVE_INFINITY).depth;
}

/** Walks the value iteratively, stopping once depth passes `maxDepth` or the count passes `maxValues`. */
function measure(value: unknown, maxDepth: number, maxValues: number): { depth: number; values: number } {
  let depth = 0;
  let values = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [node, level] = stack.pop() as [unknown, number];
    values += 1;
    if (values > maxValues) break;
    if (node === null || typeof node !== 'object') continue;
    if (level + 1 > depth) depth = level + 1;
    if (depth > maxDepth) break;
    for (const child of Object.values(node)) stack.push([child, level + 1]);
  }
  return { depth, values };
}

function decodeBody(
  ...[rawBody, isBase64Encoded, contentType, formats, maxBytes, decoders = {}]: Parameters<typeof parseBody>
): unknown {
  if (rawBody === null || rawBody === undefined || rawBody === '') return undefined;
  const bytes = isBase64Encoded ? Buffer.from(rawBody, 'base64') : Buffer.from(rawBody, 'utf8');
  if (bytes.byteLength > maxBytes) {
    throw new InputTooLargeError(`The body is ${bytes.byteLength} bytes; this API accepts at most ${maxBytes} bytes`);
  }
  const text = bytes.toString('utf8');
  const [rawMediaType, ...parameters] = (contentType ?? 'application/json').split(';');
  const mediaType = rawMediaType?.trim().toLowerCase() ?? '';
  const charset = parameters
    .map((p) => p.trim().toLowerCase())
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/^"|"$/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    // JSON is UTF-8 (RFC 8259 §8.1); decoding another charset as UTF-8 would corrupt text silently.
    throw new UnsupportedMediaTypeError(`charset=${charset} is not accepted; send the body as UTF-8`);
  }
  const accepted = [formats.includes('json') && 'application/json', formats.includes('yaml') && 'application/yaml']
    .filter(Boolean)
    .join(', ');
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) {
    if (!formats.includes('json')) throw new UnsupportedMediaTypeError(`Send the body as ${accepted}`);
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new MalformedInputError(`The body is not valid JSON: ${(error as Error).message}`, [
        { pointer: '/body', message: (error as Error).message },
      ]);
    }
  }
  if (YAML_TYPES.has(mediaType) && formats.includes('yaml') && decoders.yaml) {
    try {
      return decoders.yaml(text);
    } catch (error) {
      throw new MalformedInputError(`The body is not valid YAML: ${(error as Error).message}`, [
        { pointer: '/body', message: (error as Error).message },
      ]);
    }
  }
  throw new UnsupportedMediaTypeError(`Content-Type ${mediaType} is not accepted here; send ${accepted}`);
}
