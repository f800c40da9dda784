import { DescribeReplayCommand, type EventBridgeClient, StartReplayCommand } from '@aws-sdk/client-eventbridge';
import { ConflictError, ValidationError } from '../../domain/errors';
import type { Replay, Replayer, ReplayState } from '../../ports/replays';
import { rethrowEventBridgeError } from './subscription-rules';

/** How a replay's event types are kept in its Description (at most 512 characters, StartReplay). */
const EVENT_TYPES_PREFIX = 'eventTypes=';
const MAX_DESCRIPTION_LENGTH = 512;

/** Options of {@link EventBridgeReplayer}. */
export type EventBridgeReplayerOptions = {
  /** ARN of the bus's archive, the replay's `EventSourceArn`. */
  archiveArn: string;
  /** ARN of the bus the archive belongs to: replays can only go back to it (ReplayDestination). */
  eventBusArn: string;
  /**
   * ARNs of the subscription rules a replay goes to: those of subscriptions to `eventTypes`, or
   * of every subscription when undefined. They become the replay's `Destination.FilterArns`.
   */
  ruleArnsFor: (eventTypes?: string[]) => Promise<string[]>;
};

/**
 * Replayer on EventBridge: StartReplay from the bus archive back onto the bus, restricted
 * (`Destination.FilterArns`) to the subscription rules `ruleArnsFor` names, and DescribeReplay.
 * EventBridge replays events whose time is at or after `EventStartTime` and before
 * `EventEndTime`, minute by minute, in no guaranteed order (StartReplay). The event types of a
 * replay are kept in its Description (`eventTypes=a,b`) so `describe` can report them, when they
 * fit in its 512 characters.
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
 *   ruleArnsFor: async (types) => (await subscriptions.list()).filter((s) => !types || types.includes(s.eventType)).flatMap((s) => s.ruleArn ?? []),
 * });
 * await replayer.start({ name: 'nightly-2026-11-30', from: Date.parse('2026-11-30T00:00Z'), to: Date.parse('2026-12-01T00:00Z') });
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
   * Starts a replay of the archived events with `from ≤ time < to` to the rules of the matching
   * subscriptions.
   *
   * @param input - `name` (1–64 of `. - _` letters and digits, StartReplay), `from`/`to` in ms since
   *   the epoch, optional `eventTypes`
   * @returns the replay as StartReplay reports it (usually `STARTING`)
   * @throws {ValidationError} when `from` is not before `to`, when no subscription rule would receive
   *   the replay (without FilterArns EventBridge would replay to every rule on the bus), or when
   *   EventBridge refuses the request (`ValidationException`)
   * @throws {ConflictError} when a replay with this name exists
   * @throws {DependencyUnavailableError} when EventBridge throttles, times out or fails
   * @example const replay = await replayer.start({ name: 'orders-fix', from, to, eventTypes: ['order.created'] });
   */
  async start(input: { name: string; from: number; to: number; eventTypes?: string[] }): Promise<Replay> {
    if (!(input.from < input.to)) {
      throw new ValidationError('A replay needs a time range with from before to', [
        { pointer: '/to', message: 'must be after from' },
      ]);
    }
    const filterArns = await this.options.ruleArnsFor(input.eventTypes);
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
    const description = describeEventTypes(input.eventTypes);
    try {
      const out = await this.client.send(
        new StartReplayCommand({
          ReplayName: input.name,
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
   * Reads a replay's state (DescribeReplay).
   *
   * @returns the replay, or undefined when there is none by that name
   * @throws {ValidationError} when EventBridge refuses the request (`ValidationException`)
   * @throws {DependencyUnavailableError} when EventBridge throttles, times out or fails
   * @example const replay = await replayer.describe('orders-fix'); // { state: 'COMPLETED', endedAt: '…', … }
   */
  async describe(name: string): Promise<Replay | undefined> {
    try {
      const out = await this.client.send(new DescribeReplayCommand({ ReplayName: name }));
      const eventTypes = parseEventTypes(out.Description);
      return {
        name: out.ReplayName ?? name,
        state: (out.State ?? 'STARTING') as ReplayState,
        from: out.EventStartTime?.toISOString() ?? '',
        to: out.EventEndTime?.toISOString() ?? '',
        ...(eventTypes && { eventTypes }),
        ...(out.StateReason && { stateReason: out.StateReason }),
        ...(out.ReplayStartTime && { startedAt: out.ReplayStartTime.toISOString() }),
        ...(out.ReplayEndTime && { endedAt: out.ReplayEndTime.toISOString() }),
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

function describeEventTypes(eventTypes: string[] | undefined): string | undefined {
  if (!eventTypes) return undefined;
  const description = `${EVENT_TYPES_PREFIX}${eventTypes.join(',')}`;
  return description.length <= MAX_DESCRIPTION_LENGTH ? description : undefined;
}

function parseEventTypes(description: string | undefined): string[] | undefined {
  if (!description?.startsWith(EVENT_TYPES_PREFIX)) return undefined;
  const types = description.slice(EVENT_TYPES_PREFIX.length).split(',').filter(Boolean);
  return types.length > 0 ? types : undefined;
}
