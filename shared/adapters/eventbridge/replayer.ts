import { DescribeReplayCommand, type EventBridgeClient, StartReplayCommand } from '@aws-sdk/client-eventbridge';
import type { Owner } from '../../domain/auth/owner';
import { ConflictError, ValidationError } from '../../domain/errors';
import { physicalName } from '../../domain/events/tenancy';
import type { Replay, Replayer, ReplayState } from '../../ports/replays';
import { rethrowEventBridgeError } from './subscription-rules';

/** A replay's Description holds at most 512 characters (StartReplay). */
const MAX_DESCRIPTION_LENGTH = 512;

/**
 * The EventBridge name of a tenant's replay: replay names are account-wide, the API's are per
 * tenant, so the name is `<prefix><name, cut to fit>-<16 hex digits of SHA-256(tenant, name)>`
 * (`physicalName`, at most 64 characters of `. - _` letters and digits, StartReplay). The prefix is
 * the stack's subscription rule prefix (SUBSCRIPTION_RULE_PREFIX), so the functions' IAM policy
 * can name exactly this stack's replays (`replay/<prefix>*`).
 *
 * @example replayPhysicalName('aif-sub-', 'acme', 'orders-fix') // 'aif-sub-orders-fix-…'
 */
export const replayPhysicalName = (prefix: string, tenant: string, name: string): string =>
  physicalName(prefix, tenant, name);

/** Options of {@link EventBridgeReplayer}. */
export type EventBridgeReplayerOptions = {
  /** ARN of the bus's archive, the replay's `EventSourceArn`. */
  archiveArn: string;
  /** ARN of the bus the archive belongs to: replays can only go back to it (ReplayDestination). */
  eventBusArn: string;
  /** What every replay name of this stack starts with (SUBSCRIPTION_RULE_PREFIX; {@link replayPhysicalName}). */
  namePrefix: string;
  /**
   * ARNs of the subscription rules a replay goes to: those of `tenant`'s subscriptions to
   * `eventTypes`, or of every subscription of `tenant` when undefined. They become the replay's
   * `Destination.FilterArns`; each of those rules matches only its tenant's events.
   */
  ruleArnsFor: (tenant: string, eventTypes?: string[]) => Promise<string[]>;
};

/**
 * Replayer on EventBridge: StartReplay from the bus archive back onto the bus, restricted
 * (`Destination.FilterArns`) to the caller's tenant's subscription rules `ruleArnsFor` names —
 * and since every subscription rule requires its tenant (`rulePattern`), only that tenant's
 * archived events reach them — and DescribeReplay. Names are per tenant ({@link replayPhysicalName}).
 * EventBridge replays events whose time is at or after `EventStartTime` and before
 * `EventEndTime`, minute by minute, in no guaranteed order (StartReplay). The event types of a
 * replay and the principal who started it are kept in its Description as JSON
 * (`{"principal":"…","eventTypes":[…]}`) so `describe` can report them, when they fit in its 512
 * characters.
 *
 * Errors: `ResourceAlreadyExistsException` → `ConflictError`; `ValidationException` →
 * `ValidationError` with EventBridge's message; throttling (including `LimitExceededException`,
 * too many replays at once), timeouts and 5xx → `DependencyUnavailableError`; anything else is
 * rethrown unchanged.
 *
 * @example
 * const replayer = new EventBridgeReplayer(new EventBridgeClient({}), {
 *   archiveArn: 'arn:aws:events:eu-west-1:123456789012:archive/aif-dev-archive',
 *   eventBusArn: 'arn:aws:events:eu-west-1:123456789012:event-bus/aif-dev-bus',
 *   ruleArnsFor: async (tenant, types) => (await subscriptions.list(tenant)).filter((s) => !types || types.includes(s.eventType)).flatMap((s) => s.ruleArn ?? []),
 * });
 * await replayer.start({ name: 'nightly', from: Date.parse('2026-11-30T00:00Z'), to: Date.parse('2026-12-01T00:00Z'), owner });
 */
export class EventBridgeReplayer implements Replayer {
  /**
   * @param client - a client built once per cold start
   * @param options - see {@link EventBridgeReplayerOptions}
   */
  constructor(
    private readonly client: EventBridgeClient,
    private readonly options: EventBridgeReplayerOptions,
  ) {}

  /**
   * Starts a replay of the archived events with `from ≤ time < to` to the rules of the owner's
   * tenant's matching subscriptions.
   *
   * @param input - `name` (1–64 of `. - _` letters and digits, unique per tenant), `from`/`to` in ms
   *   since the epoch, optional `eventTypes`, and the `owner` starting it
   * @returns the replay as StartReplay reports it (usually `STARTING`)
   * @throws {ValidationError} when `from` is not before `to`, when no subscription rule would receive
   *   the replay (without FilterArns EventBridge would replay to every rule on the bus), or when
   *   EventBridge refuses the request (`ValidationException`)
   * @throws {ConflictError} when the tenant has a replay with this name
   * @throws {DependencyUnavailableError} when EventBridge throttles, times out or fails
   * @example const replay = await replayer.start({ name: 'orders-fix', from, to, eventTypes: ['order.created'] });
   */
  async start(input: { name: string; from: number; to: number; eventTypes?: string[]; owner: Owner }): Promise<Replay> {
    if (!(input.from < input.to)) {
      throw new ValidationError('A replay needs a time range with from before to', [
        { pointer: '/to', message: 'must be after from' },
      ]);
    }
    const filterArns = await this.options.ruleArnsFor(input.owner.tenant, input.eventTypes);
    if (filterArns.length === 0) {
      throw new ValidationError('No subscription would receive this replay', [
        {
          pointer: input.eventTypes ? '/eventTypes' : '',
          message: input.eventTypes
            ? 'no active subscription has any of these event types'
            : 'there are no active subscriptions',
        },
      ]);
    }
    const description = describeReplay(input.owner.principal, input.eventTypes);
    try {
      const out = await this.client.send(
        new StartReplayCommand({
          ReplayName: replayPhysicalName(this.options.namePrefix, input.owner.tenant, input.name),
          ...(description !== undefined && { Description: description }),
          EventSourceArn: this.options.archiveArn,
          EventStartTime: new Date(input.from),
          EventEndTime: new Date(input.to),
          Destination: { Arn: this.options.eventBusArn, FilterArns: filterArns },
        }),
      );
      return {
        name: input.name,
        state: (out.State ?? 'STARTING') as ReplayState,
        from: new Date(input.from).toISOString(),
        to: new Date(input.to).toISOString(),
        ...(input.eventTypes && { eventTypes: [...input.eventTypes] }),
        ...(out.StateReason && { stateReason: out.StateReason }),
        ...(out.ReplayStartTime && { startedAt: out.ReplayStartTime.toISOString() }),
        owner: { tenant: input.owner.tenant, principal: input.owner.principal },
      };
    } catch (error) {
      if (errorName(error) === 'ResourceAlreadyExistsException') {
        throw new ConflictError(`A replay named ${input.name} exists; choose another name`, [
          { pointer: '/name', message: 'is in use' },
        ]);
      }
      rethrowRefusal(error, `StartReplay ${input.name}`);
    }
  }

  /**
   * Reads the state of a tenant's replay (DescribeReplay of its physical name).
   *
   * @returns the replay, or undefined when the tenant has none by that name
   * @throws {ValidationError} when EventBridge refuses the request (`ValidationException`)
   * @throws {DependencyUnavailableError} when EventBridge throttles, times out or fails
   * @example const replay = await replayer.describe('acme', 'orders-fix'); // { state: 'COMPLETED', endedAt: '…', … }
   */
  async describe(tenant: string, name: string): Promise<Replay | undefined> {
    try {
      const out = await this.client.send(
        new DescribeReplayCommand({ ReplayName: replayPhysicalName(this.options.namePrefix, tenant, name) }),
      );
      const { principal, eventTypes } = parseDescription(out.Description);
      return {
        name,
        state: (out.State ?? 'STARTING') as ReplayState,
        from: out.EventStartTime?.toISOString() ?? '',
        to: out.EventEndTime?.toISOString() ?? '',
        ...(eventTypes && { eventTypes }),
        ...(out.StateReason && { stateReason: out.StateReason }),
        ...(out.ReplayStartTime && { startedAt: out.ReplayStartTime.toISOString() }),
        ...(out.ReplayEndTime && { endedAt: out.ReplayEndTime.toISOString() }),
        owner: { tenant, principal: principal ?? '' },
      };
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') return undefined;
      rethrowRefusal(error, `DescribeReplay ${name}`);
    }
  }
}

/** `ValidationException` → ValidationError with EventBridge's message; the rest as `rethrowEventBridgeError`. */
function rethrowRefusal(error: unknown, operation: string): never {
  if (errorName(error) === 'ValidationException') {
    const message = (error as { message?: unknown }).message;
    const detail = typeof message === 'string' && message.length > 0 ? message : 'the request is not valid';
    throw new ValidationError(`EventBridge refused the replay: ${detail}`, [{ pointer: '', message: detail }], {
      cause: error,
    });
  }
  rethrowEventBridgeError(error, operation);
}

function errorName(error: unknown): string | undefined {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : undefined;
}

/** The Description: `{"principal","eventTypes"}` as JSON, without what does not fit in 512 characters. */
function describeReplay(principal: string, eventTypes: string[] | undefined): string | undefined {
  const candidates = [{ principal, ...(eventTypes && { eventTypes }) }, { principal }, eventTypes && { eventTypes }];
  for (const candidate of candidates) {
    const description = candidate && JSON.stringify(candidate);
    if (description && description.length <= MAX_DESCRIPTION_LENGTH) return description;
  }
  return undefined;
}

function parseDescription(description: string | undefined): { principal?: string; eventTypes?: string[] } {
  try {
    const parsed = JSON.parse(description ?? '') as { principal?: unknown; eventTypes?: unknown };
    const eventTypes = Array.isArray(parsed.eventTypes)
      ? parsed.eventTypes.filter((t): t is string => typeof t === 'string')
      : [];
    return {
      ...(typeof parsed.principal === 'string' && { principal: parsed.principal }),
      ...(eventTypes.length > 0 && { eventTypes }),
    };
  } catch {
    return {};
  }
}
