import * as z from 'zod';
import type { FieldProblem } from '../errors';
import { ROUTER_OWNED_HEADERS } from './routing-rule';

/** Secrets Manager secret names: 1–512 of letters, digits and `/ _ + = . @ -` (Secrets Manager API reference, CreateSecret `Name`). */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

/**
 * `PUT /v1/services/{id}/upstream-credential`: where the router finds the credential it sends to a
 * service's instances. `secretName` names a Secrets Manager secret (by name, not ARN) whose
 * `SecretString` is the header's whole value (e.g. `Bearer eyJ…` or an API key); `header` is the
 * header it goes in (default `authorization`), which the caller's own value of never reaches the
 * upstream. The secret value itself is never stored or answered by this API.
 *
 * @example UpstreamCredentialSchema.parse({ secretName: 'aif/AifApi/mesh/acme/orders' })
 * // { secretName: 'aif/AifApi/mesh/acme/orders', header: 'authorization' }
 */
export const UpstreamCredentialSchema = z
  .object({
    secretName: z.string().regex(SECRET_NAME, 'must be a Secrets Manager secret name (not an ARN)'),
    header: z
      .string()
      .max(128)
      .regex(/^[A-Za-z0-9-]+$/)
      .transform((name) => name.toLowerCase())
      .refine((name) => !ROUTER_OWNED_HEADERS.has(name), {
        message: 'is set by the router (hop-by-hop, framing, Host or trace context)',
      })
      .default('authorization'),
  })
  .strict();

/** A service's upstream credential reference. */
export type UpstreamCredential = z.infer<typeof UpstreamCredentialSchema>;

/**
 * The secret names a tenant may reference: `<prefix><tenant>/`, so one tenant's service cannot send
 * another tenant's secret (the function's IAM grant covers the whole `<prefix>` of the stack).
 *
 * @param prefix - MESH_SECRET_PREFIX, e.g. `aif/AifApi/mesh/`
 * @param tenant - the caller's tenant
 * @returns the problem at `/secretName`, or undefined when the name is the tenant's
 * @example secretNameProblem('acme/orders', 'aif/x/mesh/', 'acme') // { pointer: '/secretName', … }
 */
export function secretNameProblem(secretName: string, prefix: string, tenant: string): FieldProblem | undefined {
  const own = `${prefix}${tenant}/`;
  if (!SECRET_NAME.test(own)) {
    return {
      pointer: '/secretName',
      message: `tenant ${JSON.stringify(tenant)} holds characters a secret name cannot: no upstream secret can be referenced`,
      keyword: 'secretPrefix',
    };
  }
  if (secretName.startsWith(own) && secretName.length > own.length) return undefined;
  return { pointer: '/secretName', message: `must start with ${own} (this tenant's secrets)`, keyword: 'secretPrefix' };
}
