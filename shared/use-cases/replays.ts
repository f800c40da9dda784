import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import type { Owner } from '../domain/auth/owner';
import { issueProblems, NotFoundError, ValidationError } from '../domain/errors';
import { EventTypeSchema } from '../domain/events/integration-event';
import type { Clock } from '../ports/clock';
import type { Replay, Replayer } from '../ports/replays';

/** `POST /v1/replays`: a time range of past events to send to the subscriptions again. */
export const ReplayRequestSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits and . _ - only (EventBridge replay names)')
      .optional()
      .meta({ description: "Replay name, unique within the caller's tenant; generated when absent" }),
    from: z.iso.datetime({ offset: true }).meta({ description: 'Start of the range (inclusive), ISO 8601' }),
    to: z.iso
      .datetime({ offset: true })
      .meta({ description: 'End of the range (exclusive), ISO 8601, not in the future' }),
    eventTypes: z.array(EventTypeSchema).min(1).max(100).optional().meta({
      description: 'Only to the subscriptions of these event types; all when absent',
    }),
  })
  .strict()
  .meta({ id: 'ReplayRequest' });

/**
 * Starts a replay of the caller's tenant's events to the tenant's own subscriptions (EventBridge
 * StartReplay from the bus archive in AWS, restricted to the tenant's subscription rules; the
 * tenant's part of the event log locally). Replayed events reach the subscriptions again —
 * subscribers de-duplicating by `webhook-id` see each event once.
 *
 * @param body - the request body, unvalidated
 * @param owner - who starts it (`ownerOf(caller)`): its tenant's events, subscriptions and replay names
 * @throws {ValidationError} naming every problem (range reversed, in the future, or older than the
 *   retention — events past it are gone from the archive and the log)
 * @throws {ConflictError} when the name is taken
 */
export async function startReplay(
  deps: { replayer: Replayer; clock: Clock; retentionDays: number },
  body: unknown,
  owner: Owner,
): Promise<Replay> {
  const parsed = ReplayRequestSchema.safeParse(body);
  const problems = parsed.success ? [] : issueProblems(parsed.error.issues);
  if (parsed.success) {
    const from = Date.parse(parsed.data.from);
    const to = Date.parse(parsed.data.to);
    if (from >= to) problems.push({ pointer: '/to', message: 'must be after from', keyword: 'custom' });
    if (to > deps.clock.now().getTime()) {
      problems.push({
        pointer: '/to',
        message: 'must not be in the future (EventBridge replays past events)',
        keyword: 'custom',
      });
    }
    const oldest = deps.clock.now().getTime() - deps.retentionDays * 86_400_000;
    if (from < oldest) {
      problems.push({
        pointer: '/from',
        message: `must be within the retention of ${deps.retentionDays} days (not before ${new Date(oldest).toISOString()})`,
        keyword: 'custom',
      });
    }
  }
  if (!parsed.success || problems.length > 0) {
    throw new ValidationError(`The replay request has ${problems.length} problem(s)`, problems);
  }
  const { name, from, to, eventTypes } = parsed.data;
  return deps.replayer.start({
    name: name ?? `aif-replay-${deps.clock.now().getTime()}-${randomBytes(4).toString('hex')}`,
    from: Date.parse(from),
    to: Date.parse(to),
    ...(eventTypes && { eventTypes }),
    owner: { tenant: owner.tenant, principal: owner.principal },
  });
}

/**
 * The state of one of the tenant's replays.
 *
 * @throws {NotFoundError} when the tenant has no replay of that name (another tenant's is not found either)
 */
export async function getReplay(deps: { replayer: Replayer }, tenant: string, name: string): Promise<Replay> {
  const replay = await deps.replayer.describe(tenant, name);
  if (!replay) throw new NotFoundError(`No replay ${name}`);
  return replay;
}
