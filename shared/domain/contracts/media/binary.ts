import { checkCborStructure } from '../../../http/codecs/cbor-structure';
import { checkMsgpackStructure } from '../../../http/codecs/msgpack-structure';
import { toJsonPointer } from '../../errors';
import type { ValidationIssue } from '../validator';

/**
 * Deepest nesting of a decoded body that is judged: the HTTP pipeline's bound on JSON bodies
 * (`MAX_BODY_DEPTH`, 256), so that a body inside a body is bounded like the request itself.
 */
export const MAX_DECODED_DEPTH = 256;

/** A decoded value in JSON's data model, or the issues that kept it from being one. */
export type Decoded = { value: unknown; issues?: undefined } | { value?: undefined; issues: ValidationIssue[] };

/**
 * A MessagePack body (msgpack spec 2.0) decoded with `@msgpack/msgpack` and mapped to JSON's data
 * model (see `toJsonModel`). 64-bit integers are decoded as BigInt so that none is rounded silently.
 * Its headers are walked first (`checkMsgpackStructure`): declared lengths beyond the bytes, and
 * nesting beyond 256 levels, are issues before the library allocates for them. The library is
 * loaded on first use.
 */
export async function decodeMsgpack(bytes: Uint8Array, prefix: string): Promise<Decoded> {
  const { decode } = await import('@msgpack/msgpack');
  return decodeWith(
    () => {
      checkMsgpackStructure(bytes);
      return decode(bytes, { useBigInt64: true });
    },
    prefix,
    'MessagePack',
  );
}

/**
 * A CBOR body (RFC 8949) decoded with `cbor2` (duplicate map keys refused) and mapped to JSON's data
 * model (see `toJsonModel`). Its item headers are walked first (`checkCborStructure`), as for
 * MessagePack. The library is loaded on first use.
 */
export async function decodeCbor(bytes: Uint8Array, prefix: string): Promise<Decoded> {
  const { decode } = await import('cbor2');
  return decodeWith(
    () => {
      checkCborStructure(bytes);
      return decode(bytes, { rejectDuplicateKeys: true });
    },
    prefix,
    'CBOR',
  );
}

/** Runs a library decoder: its failure becomes a `decode` issue at `prefix`, its value is mapped by `toJsonModel`. */
function decodeWith(decode: () => unknown, prefix: string, format: string): Decoded {
  let raw: unknown;
  try {
    raw = decode();
  } catch (error) {
    return decodeFailure(prefix, format, error);
  }
  return toJsonModel(raw, prefix);
}

function decodeFailure(prefix: string, format: string, error: unknown): Decoded {
  const reason = error instanceof Error ? error.message : String(error);
  return { issues: [{ instancePath: prefix, keyword: 'decode', message: `is not valid ${format}: ${reason}` }] };
}

/**
 * Maps a decoded MessagePack/CBOR value to what a JSON Schema judges, issue by path where that is
 * impossible: byte strings → base64 strings (OpenAPI `format: byte`); integers of 64 bits → numbers
 * when within ±(2^53 − 1), else an issue (no silent rounding); dates (CBOR tags 0/1, the MessagePack
 * timestamp) → ISO 8601 strings; maps with text keys → objects; `undefined` → an issue (JSON has
 * none); NaN and ±Infinity → issues; other keys, tags, extension types and simple values → issues.
 */
export function toJsonModel(raw: unknown, prefix: string): Decoded {
  const issues: ValidationIssue[] = [];
  const issue = (path: string[], message: string) =>
    issues.push({ instancePath: prefix + toJsonPointer(path), keyword: 'decode', message });
  const walk = (value: unknown, path: string[]): unknown => {
    if (path.length > MAX_DECODED_DEPTH) {
      issue(path, `nests deeper than ${MAX_DECODED_DEPTH} levels`);
      return null;
    }
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) issue(path, `${value} has no JSON representation`);
      return value;
    }
    if (typeof value === 'bigint') {
      if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
        issue(path, `integer ${value} is beyond ±(2^53 - 1) and cannot be judged exactly`);
      }
      return Number(value);
    }
    if (value === undefined) {
      issue(path, 'undefined has no JSON representation');
      return null;
    }
    if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, String(index)]));
    if (value instanceof Map) {
      const object: Record<string, unknown> = {};
      for (const [key, item] of value) {
        if (typeof key !== 'string') issue(path, `has a map key of type ${typeof key}; only text keys are judged`);
        else
          Object.defineProperty(object, key, {
            value: walk(item, [...path, key]),
            enumerable: true,
            writable: true,
            configurable: true,
          });
      }
      return object;
    }
    if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
      const object: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        Object.defineProperty(object, key, {
          value: walk(item, [...path, key]),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return object;
    }
    issue(
      path,
      `holds a ${value.constructor?.name ?? 'value'} (a tag, extension or simple value) that has no JSON representation`,
    );
    return null;
  };
  const value = walk(raw, []);
  return issues.length > 0 ? { issues } : { value };
}
