/**
 * A tenant as one segment of a DynamoDB key (`CONTRACT#<tenant>#<name>`, `SUBSCRIPTION#<tenant>`):
 * percent-encoded (`encodeURIComponent`), so a tenant claim holding `#` — any string a token carries
 * — can never make one tenant's key read as another's. Reversed by {@link tenantOfSegment}.
 *
 * @throws {Error} on an empty tenant: every stored object has an owning tenant
 * @example tenantSegment('acme#1') // 'acme%231'
 */
export function tenantSegment(tenant: string): string {
  if (tenant.length === 0) throw new Error('A tenant key segment needs a non-empty tenant');
  return encodeURIComponent(tenant);
}

/** The tenant of a key segment written by {@link tenantSegment}. */
export const tenantOfSegment = (segment: string): string => decodeURIComponent(segment);
