import {
  DescribeReplayCommand,
  EventBridgeClient,
  EventBridgeServiceException,
  LimitExceededException,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventBridgeReplayer, replayPhysicalName } from '../../../../../shared/adapters/eventbridge/replayer';
import { ConflictError, DependencyUnavailableError, ValidationError } from '../../../../../shared/domain/errors';
import { rejectionOf } from '../../../../support/rejection';

const eventBridge = mockClient(EventBridgeClient);

const ARCHIVE_ARN = 'arn:aws:events:eu-west-1:123456789012:archive/aif-dev-archive';
const BUS_ARN = 'arn:aws:events:eu-west-1:123456789012:event-bus/aif-dev-bus';
const ruleArn = (id: string) => `arn:aws:events:eu-west-1:123456789012:rule/aif-dev-bus/aif-dev-sub-${id}`;
const FROM = Date.parse('2026-11-30T00:00:00.000Z');
const TO = Date.parse('2026-12-01T00:00:00.000Z');
const OWNER = { tenant: 'acme', principal: 'agent-1' };
const physical = (name: string) => replayPhysicalName('aif-dev-sub-', OWNER.tenant, name);

function replayer(ruleArns: string[] = [ruleArn('orders'), ruleArn('billing')]) {
  const ruleArnsFor = vi.fn(async (_tenant: string, _eventTypes?: string[]) => ruleArns);
  return {
    ruleArnsFor,
    replayer: new EventBridgeReplayer(new EventBridgeClient({}), {
      archiveArn: ARCHIVE_ARN,
      eventBusArn: BUS_ARN,
      namePrefix: 'aif-dev-sub-',
      ruleArnsFor,
    }),
  };
}

const validationException = (message: string) =>
  new EventBridgeServiceException({
    name: 'ValidationException',
    $fault: 'client',
    message,
    $metadata: { httpStatusCode: 400 },
  });

describe('EventBridgeReplayer', () => {
  afterEach(() => {
    eventBridge.reset();
  });

  describe('start', () => {
    it('starts a replay from the archive to the rules of the subscriptions to the event types', async () => {
      // Prepare
      eventBridge.on(StartReplayCommand).resolves({
        ReplayArn: 'arn:aws:events:eu-west-1:123456789012:replay/orders-fix',
        State: 'STARTING',
        ReplayStartTime: new Date('2026-12-02T08:00:00.000Z'),
      });
      const { replayer: subject, ruleArnsFor } = replayer([ruleArn('orders')]);

      // Act
      const replay = await subject.start({
        name: 'orders-fix',
        from: FROM,
        to: TO,
        eventTypes: ['order.created'],
        owner: OWNER,
      });

      // Assess
      expect(ruleArnsFor).toHaveBeenCalledWith('acme', ['order.created']);
      expect(eventBridge.commandCalls(StartReplayCommand)[0]!.args[0].input).toEqual({
        ReplayName: physical('orders-fix'),
        Description: '{"principal":"agent-1","eventTypes":["order.created"]}',
        EventSourceArn: ARCHIVE_ARN,
        EventStartTime: new Date(FROM),
        EventEndTime: new Date(TO),
        Destination: { Arn: BUS_ARN, FilterArns: [ruleArn('orders')] },
      });
      expect(replay).toEqual({
        name: 'orders-fix',
        state: 'STARTING',
        from: '2026-11-30T00:00:00.000Z',
        to: '2026-12-01T00:00:00.000Z',
        eventTypes: ['order.created'],
        startedAt: '2026-12-02T08:00:00.000Z',
        owner: OWNER,
      });
    });

    it("derives the physical name from tenant and name: two tenants' replays of one name never collide", () => {
      // Act
      const acme = replayPhysicalName('aif-dev-sub-', 'acme', 'nightly');
      const globex = replayPhysicalName('aif-dev-sub-', 'globex', 'nightly');
      const longest = replayPhysicalName('aif-dev-sub-', 'acme', 'n'.repeat(64));

      // Assess
      expect(acme).toMatch(/^aif-dev-sub-nightly-[0-9a-f]{16}$/);
      expect(globex).not.toBe(acme);
      expect(longest).toHaveLength(64);
      expect(longest).toMatch(/^[.\-_A-Za-z0-9]+$/);
    });

    it('replays to every subscription rule when no event types are given', async () => {
      // Prepare
      eventBridge.on(StartReplayCommand).resolves({ State: 'STARTING' });
      const { replayer: subject, ruleArnsFor } = replayer();

      // Act
      await subject.start({ name: 'everything', from: FROM, to: TO, owner: OWNER });

      // Assess
      expect(ruleArnsFor).toHaveBeenCalledWith('acme', undefined);
      const input = eventBridge.commandCalls(StartReplayCommand)[0]!.args[0].input;
      expect(input.Description).toBe('{"principal":"agent-1"}');
      expect(input.Destination).toEqual({ Arn: BUS_ARN, FilterArns: [ruleArn('orders'), ruleArn('billing')] });
    });

    it('rejects a name in use with ConflictError', async () => {
      // Prepare
      eventBridge
        .on(StartReplayCommand)
        .rejects(new ResourceAlreadyExistsException({ message: 'exists', $metadata: { httpStatusCode: 400 } }));

      // Act / Assess
      await expect(
        replayer().replayer.start({ name: 'taken', from: FROM, to: TO, owner: OWNER }),
      ).rejects.toBeInstanceOf(ConflictError);
    });

    it("rejects EventBridge's ValidationException as ValidationError with its message", async () => {
      // Prepare
      eventBridge
        .on(StartReplayCommand)
        .rejects(validationException('Parameter EventStartTime is not valid. Reason: before the archive was created'));

      // Act
      const error = await rejectionOf<ValidationError>(
        replayer().replayer.start({ name: 'early', from: FROM, to: TO, owner: OWNER }),
      );

      // Assess
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toContain('Parameter EventStartTime is not valid. Reason: before the archive was created');
    });

    it('fails without calling EventBridge when no rule would receive the replay or the range is empty', async () => {
      // Prepare
      const { replayer: subject } = replayer([]);

      // Act / Assess
      await expect(
        subject.start({ name: 'none', from: FROM, to: TO, eventTypes: ['x.y'], owner: OWNER }),
      ).rejects.toBeInstanceOf(ValidationError);
      await expect(
        replayer().replayer.start({ name: 'backwards', from: TO, to: FROM, owner: OWNER }),
      ).rejects.toBeInstanceOf(ValidationError);
      expect(eventBridge.commandCalls(StartReplayCommand)).toHaveLength(0);
    });

    it('fails with DependencyUnavailableError when too many replays run', async () => {
      // Prepare
      eventBridge
        .on(StartReplayCommand)
        .rejects(new LimitExceededException({ message: 'limit', $metadata: { httpStatusCode: 400 } }));

      // Act / Assess
      await expect(
        replayer().replayer.start({ name: 'busy', from: FROM, to: TO, owner: OWNER }),
      ).rejects.toBeInstanceOf(DependencyUnavailableError);
    });
  });

  describe('describe', () => {
    it("maps DescribeReplay's answer to a Replay", async () => {
      // Prepare
      eventBridge.on(DescribeReplayCommand).resolves({
        ReplayName: physical('orders-fix'),
        Description: '{"principal":"agent-1","eventTypes":["order.created","order.paid"]}',
        State: 'COMPLETED',
        EventStartTime: new Date(FROM),
        EventEndTime: new Date(TO),
        ReplayStartTime: new Date('2026-12-02T08:00:00.000Z'),
        ReplayEndTime: new Date('2026-12-02T08:05:00.000Z'),
      });

      // Act
      const replay = await replayer().replayer.describe('acme', 'orders-fix');

      // Assess
      expect(eventBridge.commandCalls(DescribeReplayCommand)[0]!.args[0].input).toEqual({
        ReplayName: physical('orders-fix'),
      });
      expect(replay).toEqual({
        name: 'orders-fix',
        state: 'COMPLETED',
        from: '2026-11-30T00:00:00.000Z',
        to: '2026-12-01T00:00:00.000Z',
        eventTypes: ['order.created', 'order.paid'],
        startedAt: '2026-12-02T08:00:00.000Z',
        endedAt: '2026-12-02T08:05:00.000Z',
        owner: OWNER,
      });
    });

    it("answers undefined for an unknown replay or another tenant's, and reports a failed one with its reason", async () => {
      // Prepare
      eventBridge
        .on(DescribeReplayCommand, { ReplayName: physical('ghost') })
        .rejects(new ResourceNotFoundException({ message: 'no replay', $metadata: { httpStatusCode: 400 } }))
        .on(DescribeReplayCommand, { ReplayName: replayPhysicalName('aif-dev-sub-', 'globex', 'broken') })
        .rejects(new ResourceNotFoundException({ message: 'no replay', $metadata: { httpStatusCode: 400 } }))
        .on(DescribeReplayCommand, { ReplayName: physical('broken') })
        .resolves({
          ReplayName: physical('broken'),
          State: 'FAILED',
          StateReason: 'the archive was deleted',
          EventStartTime: new Date(FROM),
          EventEndTime: new Date(TO),
        });

      // Act
      const ghost = await replayer().replayer.describe('acme', 'ghost');
      const broken = await replayer().replayer.describe('acme', 'broken');
      const othersBroken = await replayer().replayer.describe('globex', 'broken');

      // Assess
      expect(ghost).toBeUndefined();
      expect(broken).toEqual({
        name: 'broken',
        state: 'FAILED',
        stateReason: 'the archive was deleted',
        from: '2026-11-30T00:00:00.000Z',
        to: '2026-12-01T00:00:00.000Z',
        owner: { tenant: 'acme', principal: '' },
      });
      // Another tenant asking for "broken" asks EventBridge for its own physical name: not found.
      expect(othersBroken).toBeUndefined();
    });
  });
});
