import type { Root, Type } from 'protobufjs';

type ProtobufLibrary = typeof import('protobufjs');

// Loaded on first use: a contracts function that never meets a .proto does not evaluate it at init.
let library: Promise<ProtobufLibrary> | undefined;

/** protobufjs (full build: the `.proto` parser), imported on first call. */
export async function loadProtobufjs(): Promise<ProtobufLibrary> {
  library ??= import('protobufjs').then((module) => (module as { default?: ProtobufLibrary }).default ?? module);
  return library;
}

/** A `.proto` source that does not parse, with where: 1-based line and column when they are known. */
export class ProtoSourceError extends Error {
  constructor(
    readonly reason: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(line === undefined ? reason : `line ${line}${column === undefined ? '' : `, column ${column}`}: ${reason}`);
  }
}

const WELL_KNOWN = /^google\/protobuf\/[a-z_]+\.proto$/;
const PARSED = new Map<string, Root>();
/** Parsed sources kept per Lambda instance (validation parses a contract's source once). */
const MAX_PARSED = 32;

/**
 * Parses one `.proto` file with protobufjs (`parse`, field names as lowerCamelCase json names) and
 * resolves every type it uses; field numbers must be ones protoc accepts (1 to 2^29 − 1, not
 * 19000–19999). Imports of well-known types protobufjs ships (`google/protobuf/
 * timestamp.proto`…) are added; any other import is refused: a contract carries one file. The
 * parsed root is cached by source text (the last {@link MAX_PARSED}).
 *
 * @throws {ProtoSourceError} naming line and column: protobufjs reports the line of a syntax error,
 *   the column is where the offending token stands on it; for a type that does not resolve or a
 *   duplicate, the first occurrence of the name it reports
 * @example await parseProtoSource('syntax = "proto3";\nmessage A {\n  string id = 1\n}') // throws: line 4, column 1: illegal token '}', ';' expected
 */
export async function parseProtoSource(source: string): Promise<Root> {
  const cached = PARSED.get(source);
  if (cached) return cached;
  const protobuf = await loadProtobufjs();
  let root: Root;
  try {
    const parsed = protobuf.parse(source);
    root = parsed.root;
    for (const name of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) {
      const common = WELL_KNOWN.test(name) ? protobuf.common.get(name) : null;
      if (!common) {
        throw new Error(
          `import '${name}' is not available: a contract carries one .proto file; only the well-known google/protobuf/*.proto types can be imported`,
        );
      }
      root.addJSON(common.nested ?? {});
    }
    root.resolveAll();
    checkFieldNumbers(protobuf, root);
  } catch (error) {
    throw located(source, error instanceof Error ? error.message : String(error));
  }
  if (PARSED.size >= MAX_PARSED) PARSED.delete(PARSED.keys().next().value as string);
  PARSED.set(source, root);
  return root;
}

// Field numbers protoc accepts (Protocol Buffers language guide, "Assigning Field Numbers"):
// 1 to 2^29 − 1, except 19,000–19,999, reserved for the implementation. protobufjs accepts any.
const MAX_FIELD_NUMBER = 536_870_911;

function checkFieldNumbers(protobuf: ProtobufLibrary, namespace: { nestedArray: unknown[] }): void {
  for (const nested of namespace.nestedArray) {
    if (nested instanceof protobuf.Type) {
      for (const field of nested.fieldsArray) {
        const id = field.id;
        if (id < 1 || id > MAX_FIELD_NUMBER || (id >= 19_000 && id <= 19_999)) {
          throw new Error(
            `field '${field.name}' of ${nested.name} has number ${id}; field numbers are 1 to ${MAX_FIELD_NUMBER}, except 19000 to 19999 (reserved for the Protocol Buffers implementation)`,
          );
        }
      }
    }
    if (nested instanceof protobuf.Namespace) checkFieldNumbers(protobuf, nested);
  }
}

/**
 * The message type `name` names in `root` (leading dot optional), or undefined when it names no
 * message (nothing, an enum, a service).
 */
export function messageType(protobuf: ProtobufLibrary, root: Root, name: string): Type | undefined {
  const found = root.lookup(name.startsWith('.') ? name : `.${name}`);
  return found instanceof protobuf.Type ? found : undefined;
}

// protobufjs: "illegal token 'int64', ';' expected (line 5)", "illegal end of input 'null' (line 3)",
// "no such Type or Enum 'B' in Type .A", "duplicate name 'id' in Type A".
function located(source: string, message: string): ProtoSourceError {
  const lines = source.split('\n');
  const lineMatch = /\s*\((?:[^()]*, )?line (\d+)\)$/.exec(message);
  const reason = lineMatch ? message.slice(0, lineMatch.index) : message;
  const token = /'([^']*)'/.exec(reason)?.[1];
  if (lineMatch) {
    const line = Number(lineMatch[1]);
    if (reason.startsWith('illegal end of input')) {
      const last = lines.length;
      return new ProtoSourceError(
        'the source ends before the definition is complete',
        last,
        (lines[last - 1] ?? '').length + 1,
      );
    }
    const at = token === undefined ? -1 : tokenIndex(lines[line - 1] ?? '', token);
    return new ProtoSourceError(reason, line, at < 0 ? undefined : at + 1);
  }
  if (token === undefined) return new ProtoSourceError(reason);
  const name = token.replace(/^\./, '').split('.').pop() as string;
  for (let i = 0; i < lines.length; i++) {
    const at = tokenIndex(withoutComment(lines[i] as string), name);
    if (at >= 0) return new ProtoSourceError(reason, i + 1, at + 1);
  }
  return new ProtoSourceError(reason);
}

// Index of `token` standing alone on `text` (an identifier not inside a longer one), or -1.
function tokenIndex(text: string, token: string): number {
  if (!/^\w+$/.test(token)) return text.indexOf(token);
  const match = new RegExp(`(?<![\\w.])${token}(?!\\w)`).exec(text);
  return match ? match.index : -1;
}

function withoutComment(line: string): string {
  const at = line.indexOf('//');
  return at < 0 ? line : line.slice(0, at);
}
