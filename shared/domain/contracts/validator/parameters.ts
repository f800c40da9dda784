import type { JsonSchema, ParameterSpec } from '../contract';

/**
 * One object schema for a request part (query, headers, path): each parameter a property with its
 * schema (anything when it has none), the required ones in `required`. `rename` maps a parameter's
 * name to the key it is validated under (header names lower-cased).
 */
export function parameterObjectSchema(
  specs: Record<string, ParameterSpec>,
  rename: (name: string) => string = (name) => name,
): Record<string, unknown> {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    properties[rename(name)] = spec.schema ?? true;
    if (spec.required) required.push(rename(name));
  }
  return { type: 'object', properties, required };
}

/** The delimiter of each parameter whose array value arrives joined into one string, by (renamed) name. */
export function delimitersOf(
  specs: Record<string, ParameterSpec>,
  rename: (name: string) => string = (name) => name,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, spec] of Object.entries(specs))
    if (spec.delimiter !== undefined) out.set(rename(name), spec.delimiter);
  return out;
}

/** Splits the string values of delimited array parameters (in place; `values` is a copy). */
export function split(values: Record<string, unknown>, delimiters: Map<string, string>): Record<string, unknown> {
  for (const [name, delimiter] of delimiters) {
    const value = values[name];
    if (typeof value === 'string') values[name] = value === '' ? [] : value.split(delimiter);
  }
  return values;
}

/** A copy with every key lower-cased (header names are case-insensitive). */
export function lowerCaseKeys(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) out[key.toLowerCase()] = value;
  return out;
}
