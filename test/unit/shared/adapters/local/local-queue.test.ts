import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createLocalDeliveryQueues,
  LOCAL_DELIVERY_DLQ_NAME,
  LOCAL_DELIVERY_MAX_RECEIVE_COUNT,
  LOCAL_DELIVERY_QUEUE_NAME,
  LocalDeliveryQueue,
} from '../../../../../shared/adapters/local/local-delivery-queue';
import {
  LocalQueue,
  type LocalQueueOptions,
  MessageNotInflightError,
  md5OfMessageAttributes,
  ReceiptHandleIsInvalidError,
} from '../../../../../shared/adapters/local/local-queue';
import { ReceiptExpiredError } from '../../../../../shared/adapters/sqs/sqs-delivery-queue';
import { recordingClock } from '../../../../support/clock';

const START = Date.parse('2026-11-30T10:00:00Z');

function queueWithClock(options: Partial<LocalQueueOptions> = {}) {
  const clock = recordingClock(START);
  const queue = new LocalQueue({ name: 'orders', clock, ...options });
  return { clock, queue };
}

const bodies = (queue: LocalQueue, max = 10) => queue.receive(max).map((message) => message.body);

describe('LocalQueue', () => {
  describe('send and receive', () => {
    it('returns a sent message with its md5, attributes and SQS system attributes', () => {
      // Prepare
      const { clock, queue } = queueWithClock();
      const id = queue.send('Test message.', {
        messageAttributes: { testAttr: { dataType: 'Number', stringValue: '100' } },
      });
      clock.advance(2);

      // Act
      const [message] = queue.receive(10);

      // Assess
      expect(message).toEqual({
        messageId: id,
        receiptHandle: expect.stringMatching(/^AQEB/),
        body: 'Test message.',
        md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
        md5OfMessageAttributes: md5OfMessageAttributes({ testAttr: { dataType: 'Number', stringValue: '100' } }),
        messageAttributes: { testAttr: { dataType: 'Number', stringValue: '100' } },
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(START),
          SenderId: '000000000000',
          ApproximateFirstReceiveTimestamp: String(START + 2),
        },
      });
    });

    it('hides a received message for the visibility timeout, then returns it with a higher count and a new handle', () => {
      // Prepare
      const { clock, queue } = queueWithClock({ visibilityTimeoutSeconds: 30 });
      queue.send('a');
      const [first] = queue.receive();

      // Act
      clock.advance(29_999);
      const hidden = queue.receive();
      clock.advance(1);
      const [second] = queue.receive();

      // Assess
      expect(hidden).toEqual([]);
      expect(second?.messageId).toBe(first?.messageId);
      expect(second?.attributes.ApproximateReceiveCount).toBe('2');
      expect(second?.attributes.ApproximateFirstReceiveTimestamp).toBe(String(START));
      expect(second?.receiptHandle).not.toBe(first?.receiptHandle);
    });

    it('uses a per-receive visibility timeout when given one', () => {
      // Prepare
      const { clock, queue } = queueWithClock({ visibilityTimeoutSeconds: 30 });
      queue.send('a');

      // Act
      queue.receive(1, { visibilityTimeoutSeconds: 5 });
      clock.advance(5_000);

      // Assess
      expect(bodies(queue)).toEqual(['a']);
    });

    it('returns at most maxNumberOfMessages, one by default', () => {
      // Prepare
      const { queue } = queueWithClock();
      for (let n = 0; n < 12; n++) queue.send(`m${n}`);

      // Act
      const one = queue.receive();
      const ten = queue.receive(10);
      const rest = queue.receive(10);

      // Assess
      expect(one.map((m) => m.body)).toEqual(['m0']);
      expect(ten).toHaveLength(10);
      expect(rest.map((m) => m.body)).toEqual(['m11']);
    });

    it('rejects maxNumberOfMessages outside 1–10', () => {
      // Prepare
      const { queue } = queueWithClock();

      // Act / Assess
      expect(() => queue.receive(0)).toThrow(RangeError);
      expect(() => queue.receive(11)).toThrow(RangeError);
      expect(() => queue.receive(1.5)).toThrow(RangeError);
    });

    it('hands out copies: changing a received message changes nothing in the queue', () => {
      // Prepare
      const { clock, queue } = queueWithClock({ visibilityTimeoutSeconds: 0 });
      const attributes = { kind: { dataType: 'String', stringValue: 'x' } };
      queue.send('a', { messageAttributes: attributes });
      attributes.kind.stringValue = 'changed';
      const [first] = queue.receive();
      first!.messageAttributes.kind!.stringValue = 'changed too';

      // Act
      clock.advance(0);
      const [second] = queue.receive();

      // Assess
      expect(second?.messageAttributes).toEqual({ kind: { dataType: 'String', stringValue: 'x' } });
    });
  });

  describe('delays', () => {
    it('keeps a message with delaySeconds invisible until its delay ends', () => {
      // Prepare
      const { clock, queue } = queueWithClock();
      queue.send('later', { delaySeconds: 5 });

      // Act
      const early = bodies(queue);
      const countsWhileDelayed = queue.approximateCounts();
      clock.advance(5_000);

      // Assess
      expect(early).toEqual([]);
      expect(countsWhileDelayed).toEqual({ visible: 0, inFlight: 0, delayed: 1 });
      expect(queue.nextVisibleAt()).toBeUndefined();
      expect(bodies(queue)).toEqual(['later']);
    });

    it('applies the queue-level delay unless the message sets its own', () => {
      // Prepare
      const { clock, queue } = queueWithClock({ delaySeconds: 10 });
      queue.send('queue default');
      queue.send('own', { delaySeconds: 0 });

      // Act
      const now = bodies(queue);
      clock.advance(10_000);

      // Assess
      expect(now).toEqual(['own']);
      expect(bodies(queue)).toEqual(['queue default']);
    });

    it('rejects delays outside 0–900 seconds', () => {
      // Prepare
      const { queue } = queueWithClock();

      // Act / Assess
      expect(() => queue.send('a', { delaySeconds: 901 })).toThrow(RangeError);
      expect(() => queue.send('a', { delaySeconds: -1 })).toThrow(RangeError);
      expect(() => new LocalQueue({ name: 'q', delaySeconds: 901 })).toThrow(RangeError);
    });
  });

  describe('changeVisibility', () => {
    it('counts the new timeout from now and reverts to the queue timeout on the next receive', () => {
      // Prepare
      const { clock, queue } = queueWithClock({ visibilityTimeoutSeconds: 30 });
      queue.send('a');
      const [message] = queue.receive();
      clock.advance(10_000);

      // Act
      queue.changeVisibility(message!.receiptHandle, 60);
      clock.advance(59_999);
      const stillHidden = queue.receive();
      clock.advance(1);
      const [again] = queue.receive();
      clock.advance(30_000);

      // Assess
      expect(stillHidden).toEqual([]);
      expect(again?.attributes.ApproximateReceiveCount).toBe('2');
      expect(bodies(queue)).toEqual(['a']);
    });

    it('makes the message visible at once with 0 and tells subscribers', () => {
      // Prepare
      const { queue } = queueWithClock();
      queue.send('a');
      const [message] = queue.receive();
      const listener = vi.fn();
      queue.subscribe(listener);

      // Act
      queue.changeVisibility(message!.receiptHandle, 0);

      // Assess
      expect(listener).toHaveBeenCalledTimes(1);
      expect(queue.approximateCounts()).toEqual({ visible: 1, inFlight: 0, delayed: 0 });
    });

    it('fails with MessageNotInflightError once the visibility timeout has ended', () => {
      // Prepare
      const { clock, queue } = queueWithClock({ visibilityTimeoutSeconds: 30 });
      queue.send('a');
      const [message] = queue.receive();
      clock.advance(30_000);

      // Act / Assess
      expect(() => queue.changeVisibility(message!.receiptHandle, 10)).toThrow(MessageNotInflightError);
    });

    it('rejects timeouts outside 0–43 200 s and beyond 12 hours after the receive', () => {
      // Prepare
      const { clock, queue } = queueWithClock();
      queue.send('a');
      const [message] = queue.receive();
      clock.advance(1_000);

      // Act / Assess
      expect(() => queue.changeVisibility(message!.receiptHandle, 43_201)).toThrow(RangeError);
      expect(() => queue.changeVisibility(message!.receiptHandle, -1)).toThrow(RangeError);
      expect(() => queue.changeVisibility(message!.receiptHandle, 43_200)).toThrow(/12 hours/);
      expect(() => queue.changeVisibility(message!.receiptHandle, 43_199)).not.toThrow();
    });
  });

  describe('delete and receipt handles', () => {
    it('deletes a message with the handle of its latest receive, even after its visibility ended', () => {
      // Prepare
      const { clock, queue } = queueWithClock();
      queue.send('a');
      const [message] = queue.receive();
      clock.advance(60_000);

      // Act
      queue.delete(message!.receiptHandle);

      // Assess
      expect(queue.approximateCounts()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    });

    it('fails with ReceiptHandleIsInvalidError for a handle of an earlier receive', () => {
      // Prepare
      const { clock, queue } = queueWithClock({ visibilityTimeoutSeconds: 1 });
      queue.send('a');
      const [first] = queue.receive();
      clock.advance(1_000);
      queue.receive();

      // Act / Assess
      expect(() => queue.delete(first!.receiptHandle)).toThrow(ReceiptHandleIsInvalidError);
      expect(() => queue.changeVisibility(first!.receiptHandle, 0)).toThrow(ReceiptHandleIsInvalidError);
      expect(queue.approximateCounts().inFlight).toBe(1);
    });

    it('fails with ReceiptHandleIsInvalidError for a deleted message and a handle never issued', () => {
      // Prepare
      const { queue } = queueWithClock();
      queue.send('a');
      const [message] = queue.receive();
      queue.delete(message!.receiptHandle);

      // Act / Assess
      expect(() => queue.delete(message!.receiptHandle)).toThrow(ReceiptHandleIsInvalidError);
      expect(() => queue.delete('AQEBmadeup')).toThrow(ReceiptHandleIsInvalidError);
    });
  });

  describe('redrive', () => {
    it('moves a message to the DLQ at the receive that would exceed maxReceiveCount, keeping id, body and counts', () => {
      // Prepare
      const clock = recordingClock(START);
      const deadLetters = new LocalQueue({ name: 'orders-dlq', clock });
      const queue = new LocalQueue({
        name: 'orders',
        clock,
        visibilityTimeoutSeconds: 10,
        redrivePolicy: { deadLetterQueue: deadLetters, maxReceiveCount: 2 },
      });
      const id = queue.send('poison', { messageAttributes: { kind: { dataType: 'String', stringValue: 'x' } } });
      const receives: string[] = [];

      // Act
      for (let n = 0; n < 3; n++) {
        receives.push(...queue.receive(10).map((m) => m.attributes.ApproximateReceiveCount));
        clock.advance(10_000);
      }
      const [dead] = deadLetters.receive(10);

      // Assess
      expect(receives).toEqual(['1', '2']);
      expect(queue.approximateCounts()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
      expect(dead).toMatchObject({
        messageId: id,
        body: 'poison',
        messageAttributes: { kind: { dataType: 'String', stringValue: 'x' } },
        attributes: {
          ApproximateReceiveCount: '3',
          SentTimestamp: String(START),
          ApproximateFirstReceiveTimestamp: String(START),
          DeadLetterQueueSourceArn: 'arn:aws:sqs:local:000000000000:orders',
        },
      });
    });

    it('returns the other visible messages in the same receive that redrives one', () => {
      // Prepare
      const clock = recordingClock(START);
      const deadLetters = new LocalQueue({ name: 'dlq', clock });
      const queue = new LocalQueue({
        name: 'orders',
        clock,
        visibilityTimeoutSeconds: 0,
        redrivePolicy: { deadLetterQueue: deadLetters, maxReceiveCount: 1 },
      });
      queue.send('first');
      queue.receive();
      queue.send('second');

      // Act
      const received = bodies(queue);

      // Assess
      expect(received).toEqual(['second']);
      expect(deadLetters.approximateCounts().visible).toBe(1);
    });

    it('refuses maxReceiveCount outside 1–1000 and a queue as its own DLQ', () => {
      // Prepare
      const dlq = new LocalQueue({ name: 'dlq' });

      // Act / Assess
      expect(() => new LocalQueue({ name: 'q', redrivePolicy: { deadLetterQueue: dlq, maxReceiveCount: 0 } })).toThrow(
        RangeError,
      );
      expect(
        () => new LocalQueue({ name: 'q', redrivePolicy: { deadLetterQueue: dlq, maxReceiveCount: 1001 } }),
      ).toThrow(RangeError);
    });
  });

  describe('ordering', () => {
    it('delivers higher priority first, then earliest visible, then earliest sent', () => {
      // Prepare
      const { clock, queue } = queueWithClock();
      const priority = (value: number) => ({ priority: { dataType: 'Number', stringValue: String(value) } });
      queue.send('none-1');
      queue.send('low', { messageAttributes: priority(1) });
      queue.send('delayed-none', { delaySeconds: 1 });
      queue.send('high', { messageAttributes: priority(100) });
      queue.send('none-2');
      queue.send('string-priority-ignored', {
        messageAttributes: { priority: { dataType: 'String', stringValue: '9' } },
      });
      clock.advance(1_000);

      // Act
      const order = bodies(queue);

      // Assess
      expect(order).toEqual(['high', 'low', 'none-1', 'none-2', 'string-priority-ignored', 'delayed-none']);
    });
  });

  describe('approximateCounts and nextVisibleAt', () => {
    it('counts visible, in-flight and delayed messages and says when the next hidden one shows', () => {
      // Prepare
      const { queue } = queueWithClock({ visibilityTimeoutSeconds: 30 });
      queue.send('in flight');
      queue.receive();
      queue.send('visible');
      queue.send('delayed', { delaySeconds: 20 });

      // Act
      const counts = queue.approximateCounts();
      const next = queue.nextVisibleAt();

      // Assess
      expect(counts).toEqual({ visible: 1, inFlight: 1, delayed: 1 });
      expect(next).toBe(START + 20_000);
    });

    it('drops messages past the retention period, in flight or not', () => {
      // Prepare
      const { clock, queue } = queueWithClock({ messageRetentionPeriodSeconds: 60 });
      queue.send('old');
      const [message] = queue.receive();
      queue.send('also old', { delaySeconds: 0 });

      // Act
      clock.advance(60_001);

      // Assess
      expect(queue.approximateCounts()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
      expect(() => queue.delete(message!.receiptHandle)).toThrow(ReceiptHandleIsInvalidError);
    });

    it('purges every message', () => {
      // Prepare
      const { queue } = queueWithClock();
      queue.send('a');
      queue.send('b');
      queue.receive();

      // Act
      const purged = queue.purge();

      // Assess
      expect(purged).toBe(2);
      expect(queue.approximateCounts()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    });
  });

  describe('input rules', () => {
    it('rejects empty bodies, characters outside XML 1.0 and messages over the size limit', () => {
      // Prepare
      const { queue } = queueWithClock({ maximumMessageSizeBytes: 1024 });

      // Act / Assess
      expect(() => queue.send('')).toThrow(RangeError);
      expect(() => queue.send('bell \u0007')).toThrow(/character/);
      expect(() => queue.send('lone \uD800 surrogate')).toThrow(/character/);
      expect(() => queue.send('x'.repeat(1024))).not.toThrow();
      expect(() =>
        queue.send('x'.repeat(1020), { messageAttributes: { ab: { dataType: 'String', stringValue: 'c' } } }),
      ).toThrow(/1029 bytes/);
    });

    it('rejects attributes SQS refuses', () => {
      // Prepare
      const { queue } = queueWithClock();
      const string = { dataType: 'String', stringValue: 'v' };
      const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, n) => [`a${n}`, string]));

      // Act / Assess
      expect(() => queue.send('a', { messageAttributes: eleven })).toThrow(/at most 10/);
      expect(() => queue.send('a', { messageAttributes: { 'AWS.trace': string } })).toThrow(RangeError);
      expect(() => queue.send('a', { messageAttributes: { 'a..b': string } })).toThrow(RangeError);
      expect(() => queue.send('a', { messageAttributes: { a: { dataType: 'Text', stringValue: 'v' } } })).toThrow(
        /data type/,
      );
      expect(() => queue.send('a', { messageAttributes: { a: { dataType: 'Number', stringValue: 'ten' } } })).toThrow(
        /non-numeric/,
      );
      expect(() => queue.send('a', { messageAttributes: { a: { dataType: 'Binary', binaryValue: '***' } } })).toThrow(
        /base64/,
      );
      expect(() => queue.send('a', { messageAttributes: { a: { dataType: 'String' } } })).toThrow(/stringValue/);
      expect(() =>
        queue.send('a', { messageAttributes: { n: { dataType: 'Number.int', stringValue: '-1.5e3' } } }),
      ).not.toThrow();
    });

    it('rejects queue names and settings outside SQS bounds', () => {
      // Act / Assess
      expect(() => new LocalQueue({ name: 'orders.fifo' })).toThrow(RangeError);
      expect(() => new LocalQueue({ name: 'x'.repeat(81) })).toThrow(RangeError);
      expect(() => new LocalQueue({ name: 'q', visibilityTimeoutSeconds: 43_201 })).toThrow(RangeError);
      expect(() => new LocalQueue({ name: 'q', messageRetentionPeriodSeconds: 59 })).toThrow(RangeError);
      expect(() => new LocalQueue({ name: 'q', maximumMessageSizeBytes: 1_048_577 })).toThrow(RangeError);
    });
  });

  describe('subscribe', () => {
    it('tells listeners about sends, deletes and visibility changes until unsubscribed', () => {
      // Prepare
      const { queue } = queueWithClock();
      const listener = vi.fn();
      const unsubscribe = queue.subscribe(listener);

      // Act
      queue.send('a');
      const [message] = queue.receive();
      queue.changeVisibility(message!.receiptHandle, 5);
      queue.delete(message!.receiptHandle);
      unsubscribe();
      queue.send('b');

      // Assess
      expect(listener).toHaveBeenCalledTimes(3);
    });
  });
});

describe('md5OfMessageAttributes', () => {
  it('matches the MD5OfMessageAttributes SQS computes', () => {
    // Prepare: vectors published with LocalStack's and sqslite's tests, both checked against SQS
    const one = { timestamp: { dataType: 'Number', stringValue: '1493147359900' } };
    const two = {
      ordinal: { dataType: 'Number', stringValue: '1' },
      category: { dataType: 'String', stringValue: 'test' },
    };

    // Act / Assess
    expect(md5OfMessageAttributes(one)).toBe('235c5c510d26fb653d073faed50ae77c');
    expect(md5OfMessageAttributes(two)).toBe('d21ae90c49061e927f57df5f5d72be1f');
    expect(md5OfMessageAttributes({})).toBeUndefined();
  });
});

describe('LocalDeliveryQueue', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  describe('send', () => {
    it('sends the message as JSON, with its delay and its priority as a Number attribute', async () => {
      // Prepare
      const { clock, queue } = queueWithClock();
      const deliveryQueue = new LocalDeliveryQueue(queue);
      const message = { tenant: 'acme', subscriptionId: 'orders-sub', event: { id: 'evt-1' } };

      // Act
      await deliveryQueue.send(message, 3, { priority: 7 });
      await deliveryQueue.send(message);
      const first = queue.receive(10);
      clock.advance(3_000);
      const [delayed] = queue.receive(10);

      // Assess
      expect(first).toHaveLength(1);
      expect(first[0]?.messageAttributes).toEqual({});
      expect(JSON.parse(delayed!.body)).toEqual(message);
      expect(delayed?.messageAttributes).toEqual({ priority: { dataType: 'Number', stringValue: '7' } });
    });

    it('rejects a priority that is not a finite number', async () => {
      // Prepare
      const deliveryQueue = new LocalDeliveryQueue(queueWithClock().queue);

      // Act / Assess
      await expect(
        deliveryQueue.send({ tenant: 'acme', subscriptionId: 's', event: {} }, 0, { priority: Number.NaN }),
      ).rejects.toThrow(RangeError);
    });
  });

  describe('changeVisibility', () => {
    it('changes the visibility of the received message', async () => {
      // Prepare
      const { queue } = queueWithClock();
      const deliveryQueue = new LocalDeliveryQueue(queue);
      queue.send('{}');
      const [message] = queue.receive();

      // Act
      await deliveryQueue.changeVisibility(message!.receiptHandle, 0);

      // Assess
      expect(queue.approximateCounts().visible).toBe(1);
    });

    it('fails with ReceiptExpiredError for a stale handle or a message no longer in flight', async () => {
      // Prepare
      const { clock, queue } = queueWithClock({ visibilityTimeoutSeconds: 1 });
      const deliveryQueue = new LocalDeliveryQueue(queue);
      queue.send('{}');
      const [first] = queue.receive();
      clock.advance(1_000);
      const [second] = queue.receive();
      clock.advance(1_000);

      // Act
      const stale = deliveryQueue.changeVisibility(first!.receiptHandle, 5);
      const notInFlight = deliveryQueue.changeVisibility(second!.receiptHandle, 5);

      // Assess
      await expect(stale).rejects.toBeInstanceOf(ReceiptExpiredError);
      await expect(notInFlight).rejects.toBeInstanceOf(ReceiptExpiredError);
      await expect(notInFlight).rejects.toMatchObject({ cause: expect.any(MessageNotInflightError) });
    });
  });

  describe('createLocalDeliveryQueues', () => {
    it('creates a delivery queue and its DLQ wired by a redrive policy, a new pair per call', () => {
      // Act
      const first = createLocalDeliveryQueues();
      const second = createLocalDeliveryQueues();

      // Assess
      expect(second.delivery).not.toBe(first.delivery);
      expect(second.deadLetters).not.toBe(first.deadLetters);
      expect(first.delivery.name).toBe(LOCAL_DELIVERY_QUEUE_NAME);
      expect(first.deadLetters.name).toBe(LOCAL_DELIVERY_DLQ_NAME);
      expect(first.delivery.redrivePolicy).toEqual({
        deadLetterQueue: first.deadLetters,
        maxReceiveCount: LOCAL_DELIVERY_MAX_RECEIVE_COUNT,
      });
    });
  });
});
