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
import { EventBridgeReplayer } from '../../../../../shared/adapters/eventbridge/replayer';
import { ConflictError, DependencyUnavailableError, ValidationError } from '../../../../../shared/domain/errors';
import { rejectionOf } from '../../../../support/rejection';

const eventBridge = mockClient(EventBridgeClient);

const ARCHIVE_ARN = 'arn:aws:events:eu-west-1:123456789012:archive/aif-dev-archive';
const BUS_ARN = 'arn:aws:events:eu-west-1:123456789012:event-bus/aif-dev-bus';
const ruleArn = (id: string) => `arn:aws:events:eu-west-1:123456789012:rule/aif-dev-bus/aif-dev-sub-${id}`;
const FROM = Date.parse('2026-11-30T00:00:00.000Z');
const TO = Date.parse('2026-12-01T00:00:00.000Z');

function replayer(ruleArns: string[] = [ruleArn('orders'), ruleArn('billing')]) {
  const ruleArnsFor = vi.fn(async (_eventTypes?: string[]) => ruleArns);
  return {
    ruleArnsFor,
    replayer: new EventBridgeReplayer(new EventBridgeClient({}), {
      archiveArn: ARCHIVE_ARN,
      eventBusArn: BUS_ARN,
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
      const replay = await subject.start({ name: 'orders-fix', from: FROM, to: TO, eventTypes: ['order.created'] });

      // Assess
      expect(ruleArnsFor).toHaveBeenCalledWith(['order.created']);
      expect(eventBridge.commandCalls(StartReplayCommand)[0]!.args[0].input).toEqual({
        ReplayName: 'orders-fix',
        Description: 'eventTypes=order.created',
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
      });
    });

    it('replays to every subscription rule when no event types are given', async () => {
      // Prepare
      eventBridge.on(StartReplayCommand).resolves({ State: 'STARTING' });
      const { replayer: subject, ruleArnsFor } = replayer();

      // Act
      await subject.start({ name: 'everything', from: FROM, to: TO });

      // Assess
      expect(ruleArnsFor).toHaveBeenCalledWith(undefined);
      const input = eventBridge.commandCalls(StartReplayCommand)[0]!.args[0].input;
      expect(input.Description).toBeUndefined();
      expect(input.Destination).toEqual({ Arn: BUS_ARN, FilterArns: [ruleArn('orders'), ruleArn('billing')] });
    });

    it('rejects a name in use with ConflictError', async () => {
      // Prepare
      eventBridge
        .on(StartReplayCommand)
        .rejects(new ResourceAlreadyExistsException({ message: 'exists', $metadata: { httpStatusCode: 400 } }));

      // Act / Assess
      await expect(replayer().replayer.start({ name: 'taken', from: FROM, to: TO })).rejects.toBeInstanceOf(
        ConflictError,
      );
    });

    it("rejects EventBridge's ValidationException as ValidationError with its message", async () => {
      // Prepare
      eventBridge
        .on(StartReplayCommand)
        .rejects(validationException('Parameter EventStartTime is not valid. Reason: before the archive was created'));

      // Act
      const error = await rejectionOf<ValidationError>(
        replayer().replayer.start({ name: 'early', from: FROM, to: TO }),
      );

      // Assess
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toContain('Parameter EventStartTime is not valid. Reason: before the archive was created');
    });

    it('fails without calling EventBridge when no rule would receive the replay or the range is empty', async () => {
      // Prepare
      const { replayer: subject } = replayer([]);

      // Act / Assess
      await expect(subject.start({ name: 'none', from: FROM, to: TO, eventTypes: ['x.y'] })).rejects.toBeInstanceOf(
        ValidationError,
      );
      await expect(replayer().replayer.start({ name: 'backwards', from: TO, to: FROM })).rejects.toBeInstanceOf(
        ValidationError,
      );
      expect(eventBridge.commandCalls(StartReplayCommand)).toHaveLength(0);
    });

    it('fails with DependencyUnavailableError when too many replays run', async () => {
      // Prepare
      eventBridge
        .on(StartReplayCommand)
        .rejects(new LimitExceededException({ message: 'limit', $metadata: { httpStatusCode: 400 } }));

      // Act / Assess
      await expect(replayer().replayer.start({ name: 'busy', from: FROM, to: TO })).rejects.toBeInstanceOf(
        DependencyUnavailableError,
      );
    });
  });

  describe('describe', () => {
    it("maps DescribeReplay's answer to a Replay", async () => {
      // Prepare
      eventBridge.on(DescribeReplayCommand).resolves({
        ReplayName: 'orders-fix',
        Description: 'eventTypes=order.created,order.paid',
        State: 'COMPLETED',
        EventStartTime: new Date(FROM),
        EventEndTime: new Date(TO),
        ReplayStartTime: new Date('2026-12-02T08:00:00.000Z'),
        ReplayEndTime: new Date('2026-12-02T08:05:00.000Z'),
      });

      // Act
      const replay = await replayer().replayer.describe('orders-fix');

      // Assess
      expect(eventBridge.commandCalls(DescribeReplayCommand)[0]!.args[0].input).toEqual({ ReplayName: 'orders-fix' });
      expect(replay).toEqual({
        name: 'orders-fix',
        state: 'COMPLETED',
        from: '2026-11-30T00:00:00.000Z',
        to: '2026-12-01T00:00:00.000Z',
        eventTypes: ['order.created', 'order.paid'],
        startedAt: '2026-12-02T08:00:00.000Z',
        endedAt: '2026-12-02T08:05:00.000Z',
      });
    });

    it('answers undefined for an unknown replay and reports a failed one with its reason', async () => {
      // Prepare
      eventBridge
        .on(DescribeReplayCommand, { ReplayName: 'ghost' })
        .rejects(new ResourceNotFoundException({ message: 'no replay', $metadata: { httpStatusCode: 400 } }))
        .on(DescribeReplayCommand, { ReplayName: 'broken' })
        .resolves({
          ReplayName: 'broken',
          State: 'FAILED',
          StateReason: 'the archive was deleted',
          EventStartTime: new Date(FROM),
          EventEndTime: new Date(TO),
        });

      // Act
      const ghost = await replayer().replayer.describe('ghost');
      const broken = await replayer().replayer.describe('broken');

      // Assess
      expect(ghost).toBeUndefined();
      expect(broken).toEqual({
        name: 'broken',
        state: 'FAILED',
        stateReason: 'the archive was deleted',
        from: '2026-11-30T00:00:00.000Z',
        to: '2026-12-01T00:00:00.000Z',
      });
    });
  });
});
