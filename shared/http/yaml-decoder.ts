import { parse } from 'yaml';

/**
 * Parses a YAML 1.2 request body (RFC 9512 `application/yaml`). Alias expansion is capped at 100
 * so that a "billion laughs" document cannot exhaust memory.
 *
 * @throws {Error} (yaml's YAMLParseError) with line and column for malformed YAML
 * @example decodeYaml('openapi: 3.1.0') // { openapi: '3.1.0' }
 */
export function decodeYaml(text: string): unknown {
  return parse(text, { maxAliasCount: 100, prettyErrors: true });
}
