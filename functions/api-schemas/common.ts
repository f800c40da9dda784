import * as z from 'zod';
import { pageLimit } from './fields';

/** Who owns a stored object (`shared/domain/auth/owner.ts`): its tenant and the principal that wrote it. */
export const OwnerSchema = z
  .object({
    tenant: z.string().meta({ description: 'The tenant the object belongs to; only that tenant sees it' }),
    principal: z.string().meta({ description: 'The principal (token subject) that wrote it' }),
  })
  .meta({ id: 'Owner' });

export const ListQuery = z.object({
  limit: pageLimit(100, 25),
  cursor: z.string().min(1).max(2048).optional(),
});

/** Conditional-request headers of every conditional write (RFC 9110 §13.1), read by `expectedRevisionOf`. */
export const ConditionalHeaders = z.object({
  'if-match': z.string().max(2048).optional().meta({
    description:
      'Write only if the stored resource has one of these ETags ("<revision>", weak tags never match), or exists at all (*)',
  }),
  'if-none-match': z.string().max(16).optional().meta({ description: '`*`: write only if nothing is stored' }),
});
