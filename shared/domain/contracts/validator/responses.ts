import type { EndpointSpec } from '../contract';

/** The response validators' key for a list-form `errorSchemas` (no status key can collide with it). */
export const ANY_LISTED_ERROR_SCHEMA = 'any-listed';

/**
 * Which declared schema judges a response with `status`: `2XX` (the `responseSchema`), an exact
 * error code, its class (`4XX`), `default`, or the list-form key; `undefined` when none applies.
 */
export function responseKey(endpoint: EndpointSpec, status: number): string | undefined {
  if (status >= 200 && status < 300 && endpoint.responseSchema !== undefined) return '2XX';
  const { errorSchemas } = endpoint;
  if (Array.isArray(errorSchemas)) {
    return status >= 400 && errorSchemas.length > 0 ? ANY_LISTED_ERROR_SCHEMA : undefined;
  }
  const exact = String(status);
  const statusClass = `${exact[0]}XX`;
  if (exact in errorSchemas) return exact;
  if (statusClass in errorSchemas) return statusClass;
  if ('default' in errorSchemas) return 'default';
  return undefined;
}
