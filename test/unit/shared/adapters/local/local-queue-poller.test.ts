import { readFileSync } from 'node:fs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LocalDeliveryQueue } from '../../../../../shared/adapters/local/local-delivery-queue';
import { LocalQueue, type LocalQueueOptions } from '../../../../../shared/adapters/local/local-queue';
import {
  DrainTimeoutError,
  LocalQueuePoller,
  type LocalQueuePollerOptions,
  type SqsBatchHandler,
} from '../../../../../shared/adapters/local/local-queue-poller';

const START = Date.parse('2026-11-30T10:00:00Z');

const fixture = JSON.parse(
  readFileSync(new URL('../../../../fixtures/aws-events/sqs-batch.base.json', import.meta.url), 'utf8'),
) as SQSEvent;

/** Records every invocation; answers with `respond` (default: every message succeeded). */
function recordingHandler(respond: (event: SQSEvent) => SQSBatchResponse | undefined = () => undefined) {
  const events: SQSEvent[] = [];
  const handler = vi.fn<SqsBatchHandler>(async (event) => {
    events.push(event);
    return respond(event);
  });
  return { handler, events };
}

function setUp(
  handler: SqsBatchHandler,
  options: { queue?: Partial<LocalQueueOptions>; poller?: LocalQueuePollerOptions; maxReceiveCount?: number } = {},
) {
  const deadLetters = new LocalQueue({ name: 'orders-dlq' });
  const queue = new LocalQueue({
    name: 'orders',
    visibilityTimeoutSeconds: 30,
    ...(options.maxReceiveCount !== undefined && {
      redrivePolicy: { deadLetterQueue: deadLetters, maxReceiveCount: options.maxReceiveCount },
    }),
    ...options.queue,
  });
  const onError = vi.fn();
  const poller = new LocalQueuePoller(queue, handler, { onError, ...options.poller });
  return { queue, deadLetters, poller, onError };
}

/** Lets pending microtasks and zero-delay timers run. */
const settle = () => vi.advanceTimersByTimeAsync(0);

const ids = (event: SQSEvent | undefined) => event?.Records.map((record) => record.body) ?? [];

describe('LocalQueuePoller', () => {
  let poller: LocalQueuePoller | undefined;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: START });
  });

  afterEach(async () => {
    await poller?.stop();
    poller = undefined;
    vi.useRealTimers();
  });

  describe('invocation', () => {
    it('invokes the handler with records shaped like Lambda SQS records', async () => {
      // Prepare
      const { handler, events } = recordingHandler();
      const setup = setUp(handler);
      poller = setup.poller;
      const messageId = setup.queue.send('Test message.', {
        messageAttributes: { testAttr: { dataType: 'Number', stringValue: '100' } },
      });

      // Act
      poller.start();
      await settle();

      // Assess
      const [record] = events[0]?.Records ?? [];
      expect(record).toEqual({
        messageId,
        receiptHandle: expect.stringMatching(/^AQEB/),
        body: 'Test message.',
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(START),
          SenderId: '000000000000',
          ApproximateFirstReceiveTimestamp: String(START),
        },
        messageAttributes: {
          testAttr: { stringValue: '100', stringListValues: [], binaryListValues: [], dataType: 'Number' },
        },
        md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
        md5OfMessageAttributes: expect.stringMatching(/^[0-9a-f]{32}$/),
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:local:000000000000:orders',
        awsRegion: 'local',
      });
      expect(Object.keys(record!)).toEqual(expect.arrayContaining(Object.keys(fixture.Records[0]!)));
      expect(Object.keys(record!.attributes)).toEqual(Object.keys(fixture.Records[0]!.attributes));
      expect(handler.mock.calls[0]?.[1]).toMatchObject({
        functionName: 'orders-consumer',
        awsRequestId: expect.any(String),
      });
      expect(handler.mock.calls[0]?.[1].getRemainingTimeInMillis()).toBe(30_000);
    });

    it('deletes every message of a batch the handler completed', async () => {
      // Prepare
      const { handler } = recordingHandler(() => ({ batchItemFailures: [] }));
      const setup = setUp(handler);
      poller = setup.poller;
      for (const body of ['a', 'b', 'c']) setup.queue.send(body);

      // Act
      poller.start();
      await settle();

      // Assess
      expect(handler).toHaveBeenCalledTimes(1);
      expect(setup.queue.approximateCounts()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    });
  });

  describe('partial batch responses', () => {
    it('keeps only the reported failures, which come back after their visibility timeout', async () => {
      // Prepare
      const { handler, events } = recordingHandler((event) =>
        event.Records.length > 1 ? { batchItemFailures: [{ itemIdentifier: event.Records[1]!.messageId }] } : undefined,
      );
      const setup = setUp(handler);
      poller = setup.poller;
      for (const body of ['a', 'b', 'c']) setup.queue.send(body);

      // Act
      poller.start();
      await settle();
      const afterFirst = setup.queue.approximateCounts();
      await vi.advanceTimersByTimeAsync(30_000);

      // Assess
      expect(afterFirst).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
      expect(ids(events[1])).toEqual(['b']);
      expect(events[1]?.Records[0]?.attributes.ApproximateReceiveCount).toBe('2');
      expect(setup.queue.approximateCounts()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    });

    it('keeps every message of a batch whose handler throws, and reports the error', async () => {
      // Prepare
      const failure = new Error('dispatcher crashed');
      const handler = vi.fn<SqsBatchHandler>(async () => {
        throw failure;
      });
      const setup = setUp(handler);
      poller = setup.poller;
      setup.queue.send('a');
      setup.queue.send('b');

      // Act
      poller.start();
      await settle();

      // Assess
      expect(setup.queue.approximateCounts()).toEqual({ visible: 0, inFlight: 2, delayed: 0 });
      expect(setup.onError).toHaveBeenCalledWith(failure, expect.objectContaining({ Records: expect.any(Array) }));
    });

    it('keeps every message when an itemIdentifier is not a messageId of the batch, as Lambda does', async () => {
      // Prepare
      const { handler } = recordingHandler(() => ({ batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] }));
      const setup = setUp(handler);
      poller = setup.poller;
      setup.queue.send('a');
      setup.queue.send('b');

      // Act
      poller.start();
      await settle();

      // Assess
      expect(setup.queue.approximateCounts().inFlight).toBe(2);
      expect(setup.onError).toHaveBeenCalledWith(expect.any(TypeError), expect.anything());
    });

    it('redelivers promptly, with ApproximateReceiveCount 2, a message the handler made visible again', async () => {
      // Prepare
      let queue: LocalQueue | undefined;
      const { handler, events } = recordingHandler(() => undefined);
      handler.mockImplementation(async (event) => {
        events.push(event);
        const [record] = event.Records;
        if (record?.attributes.ApproximateReceiveCount !== '1') return undefined;
        await new LocalDeliveryQueue(queue!).changeVisibility(record.receiptHandle, 0);
        return { batchItemFailures: [{ itemIdentifier: record.messageId }] };
      });
      const setup = setUp(handler);
      queue = setup.queue;
      poller = setup.poller;
      queue.send('retry me');

      // Act
      poller.start();
      await settle();

      // Assess
      expect(events.map((event) => event.Records[0]?.attributes.ApproximateReceiveCount)).toEqual(['1', '2']);
      expect(Date.now()).toBe(START);
      expect(queue.approximateCounts()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    });

    it('does not report a message the handler deleted itself', async () => {
      // Prepare
      let queue: LocalQueue | undefined;
      const handler = vi.fn<SqsBatchHandler>(async (event) => {
        for (const record of event.Records) queue!.delete(record.receiptHandle);
      });
      const setup = setUp(handler);
      queue = setup.queue;
      poller = setup.poller;
      queue.send('a');

      // Act
      poller.start();
      await settle();

      // Assess
      expect(handler).toHaveBeenCalledTimes(1);
      expect(setup.onError).not.toHaveBeenCalled();
      expect(queue.approximateCounts()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    });
  });

  describe('redrive', () => {
    it('moves a message that keeps failing to the DLQ after maxReceiveCount receives', async () => {
      // Prepare
      const { handler, events } = recordingHandler((event) => ({
        batchItemFailures: event.Records.map((record) => ({ itemIdentifier: record.messageId })),
      }));
      const setup = setUp(handler, { maxReceiveCount: 3 });
      poller = setup.poller;
      const id = setup.queue.send('poison');

      // Act
      poller.start();
      const drained = poller.drain();
      await vi.advanceTimersByTimeAsync(3 * 30_000);
      await drained;

      // Assess
      expect(events.map((event) => event.Records[0]?.attributes.ApproximateReceiveCount)).toEqual(['1', '2', '3']);
      const [dead] = setup.deadLetters.receive(10);
      expect(dead?.messageId).toBe(id);
      expect(dead?.attributes.DeadLetterQueueSourceArn).toBe('arn:aws:sqs:local:000000000000:orders');
    });
  });

  describe('scheduling', () => {
    it('wakes up when a delayed message becomes visible, not before', async () => {
      // Prepare
      const { handler } = recordingHandler();
      const setup = setUp(handler);
      poller = setup.poller;
      poller.start();
      setup.queue.send('later', { delaySeconds: 5 });

      // Act
      await vi.advanceTimersByTimeAsync(4_999);
      const early = handler.mock.calls.length;
      await vi.advanceTimersByTimeAsync(1);

      // Assess
      expect(early).toBe(0);
      expect(handler).toHaveBeenCalledTimes(1);
    });

    it('picks up a message sent while it waits', async () => {
      // Prepare
      const { handler } = recordingHandler();
      const setup = setUp(handler);
      poller = setup.poller;
      poller.start();
      await settle();

      // Act
      setup.queue.send('now');
      await settle();

      // Assess
      expect(handler).toHaveBeenCalledTimes(1);
    });

    it('runs at most `concurrency` batches of at most `batchSize` records at a time', async () => {
      // Prepare
      let running = 0;
      let mostRunning = 0;
      const release: Array<() => void> = [];
      const sizes: number[] = [];
      const handler = vi.fn<SqsBatchHandler>(async (event) => {
        sizes.push(event.Records.length);
        running += 1;
        mostRunning = Math.max(mostRunning, running);
        await new Promise<void>((resolve) => release.push(resolve));
        running -= 1;
      });
      const setup = setUp(handler, { poller: { batchSize: 2, concurrency: 2 } });
      poller = setup.poller;
      for (let n = 0; n < 5; n++) setup.queue.send(`m${n}`);

      // Act
      poller.start();
      await settle();
      const startedFirst = handler.mock.calls.length;
      while (release.length > 0) {
        release.shift()!();
        await settle();
      }

      // Assess
      expect(startedFirst).toBe(2);
      expect(mostRunning).toBe(2);
      expect(sizes).toEqual([2, 2, 1]);
      expect(setup.queue.approximateCounts()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    });

    it('rejects a batchSize outside 1–10 and a concurrency below 1', () => {
      // Prepare
      const queue = new LocalQueue({ name: 'q' });
      const handler = vi.fn<SqsBatchHandler>();

      // Act / Assess
      expect(() => new LocalQueuePoller(queue, handler, { batchSize: 11 })).toThrow(RangeError);
      expect(() => new LocalQueuePoller(queue, handler, { concurrency: 0 })).toThrow(RangeError);
    });
  });

  describe('drain', () => {
    it('resolves at once when the queue is empty', async () => {
      // Prepare
      const setup = setUp(recordingHandler().handler);
      poller = setup.poller;

      // Act / Assess
      await expect(poller.drain()).resolves.toBeUndefined();
    });

    it('resolves once failed messages were retried and succeeded', async () => {
      // Prepare
      const { handler } = recordingHandler((event) =>
        event.Records[0]?.attributes.ApproximateReceiveCount === '1'
          ? { batchItemFailures: [{ itemIdentifier: event.Records[0].messageId }] }
          : undefined,
      );
      const setup = setUp(handler);
      poller = setup.poller;
      setup.queue.send('a');
      poller.start();
      let drained = false;

      // Act
      const drain = poller.drain().then(() => {
        drained = true;
      });
      await vi.advanceTimersByTimeAsync(29_999);
      const drainedEarly = drained;
      await vi.advanceTimersByTimeAsync(1);
      await drain;

      // Assess
      expect(drainedEarly).toBe(false);
      expect(drained).toBe(true);
      expect(handler).toHaveBeenCalledTimes(2);
    });

    it('resolves for a stopped poller once something else empties the queue', async () => {
      // Prepare
      const setup = setUp(recordingHandler().handler);
      poller = setup.poller;
      setup.queue.send('a');
      let drained = false;
      const drain = poller.drain().then(() => {
        drained = true;
      });
      await settle();
      const drainedBefore = drained;

      // Act
      setup.queue.purge();
      await drain;

      // Assess
      expect(drainedBefore).toBe(false);
      expect(drained).toBe(true);
    });

    it('fails with DrainTimeoutError when the queue does not drain in time', async () => {
      // Prepare
      const setup = setUp(recordingHandler().handler);
      poller = setup.poller;
      setup.queue.send('a', { delaySeconds: 60 });

      // Act
      const drain = poller.drain({ timeoutMs: 1_000 });
      const assertion = expect(drain).rejects.toBeInstanceOf(DrainTimeoutError);
      await vi.advanceTimersByTimeAsync(1_000);

      // Assess
      await assertion;
      await expect(drain).rejects.toMatchObject({ counts: { visible: 0, inFlight: 0, delayed: 1 } });
    });
  });

  describe('stop', () => {
    it('waits for running batches and then receives nothing more', async () => {
      // Prepare
      let release: (() => void) | undefined;
      const handler = vi.fn<SqsBatchHandler>(async () => {
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      });
      const setup = setUp(handler);
      poller = setup.poller;
      setup.queue.send('a');
      poller.start();
      await settle();
      let stopped = false;

      // Act
      const stopping = poller.stop().then(() => {
        stopped = true;
      });
      await settle();
      const stoppedBeforeRelease = stopped;
      release!();
      await stopping;
      setup.queue.send('b');
      await vi.advanceTimersByTimeAsync(60_000);

      // Assess
      expect(stoppedBeforeRelease).toBe(false);
      expect(poller.started).toBe(false);
      expect(handler).toHaveBeenCalledTimes(1);
      expect(setup.queue.approximateCounts()).toEqual({ visible: 1, inFlight: 0, delayed: 0 });
    });
  });
});
