import {
  ChangeMessageVisibilityCommand,
  KmsThrottled,
  MessageNotInflight,
  QueueDoesNotExist,
  ReceiptHandleIsInvalid,
  RequestThrottled,
  SendMessageCommand,
  SQSClient,
  SQSServiceException,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ReceiptExpiredError, SqsDeliveryQueue } from '../../../../../shared/adapters/sqs/sqs-delivery-queue';
import { DependencyUnavailableError } from '../../../../../shared/domain/errors';

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/aif-delivery';
const sqs = mockClient(SQSClient);
const message = { tenant: 'acme', subscriptionId: 'orders-sub', event: { id: 'evt-1', type: 'order.created' } };
const metadata = (httpStatusCode: number) => ({ httpStatusCode, requestId: 'req-1', attempts: 3 });

function deliveryQueue() {
  return new SqsDeliveryQueue(new SQSClient({ region: 'eu-west-1' }), QUEUE_URL, {
    now: () => Date.parse('2026-11-30T10:00:00Z'),
  });
}

/** An unmodelled SQS error, as the SDK builds it from the response. */
function serviceError(name: string, httpStatusCode: number, extra: Record<string, unknown> = {}) {
  return Object.assign(
    new SQSServiceException({
      name,
      $fault: httpStatusCode < 500 ? 'client' : 'server',
      $metadata: metadata(httpStatusCode),
    }),
    extra,
  );
}

describe('SqsDeliveryQueue', () => {
  afterEach(() => {
    sqs.reset();
  });

  describe('send', () => {
    it('sends the message as a JSON body with its DelaySeconds', async () => {
      // Prepare
      sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });

      // Act
      await deliveryQueue().send(message, 30);

      // Assess
      const [call] = sqs.commandCalls(SendMessageCommand);
      expect(call?.args[0].input).toEqual({
        QueueUrl: QUEUE_URL,
        MessageBody: JSON.stringify(message),
        DelaySeconds: 30,
      });
    });

    it('leaves DelaySeconds out when no delay is given, so the queue default applies', async () => {
      // Prepare
      sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });

      // Act
      await deliveryQueue().send(message);

      // Assess
      expect(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input).not.toHaveProperty('DelaySeconds');
    });

    it('rejects a delay outside 0–900 s without calling SQS', async () => {
      // Act / Assess
      await expect(deliveryQueue().send(message, 901)).rejects.toThrow(RangeError);
      await expect(deliveryQueue().send(message, 1.5)).rejects.toThrow(RangeError);
      expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    });

    it('fails with DependencyUnavailableError when SQS throttles, keeping the original as cause', async () => {
      // Prepare
      const throttled = new RequestThrottled({ message: 'Rate exceeded', $metadata: metadata(403) });
      sqs.on(SendMessageCommand).rejects(throttled);

      // Act
      const sending = deliveryQueue().send(message);

      // Assess
      await expect(sending).rejects.toBeInstanceOf(DependencyUnavailableError);
      await expect(sending).rejects.toMatchObject({ retryAfterSeconds: 1, cause: throttled });
    });

    it("uses the server's Retry-After for retryAfterSeconds", async () => {
      // Prepare
      sqs
        .on(SendMessageCommand)
        .rejects(serviceError('ServiceUnavailable', 503, { $response: { headers: { 'retry-after': '7' } } }));

      // Act / Assess
      await expect(deliveryQueue().send(message)).rejects.toMatchObject({
        constructor: DependencyUnavailableError,
        retryAfterSeconds: 7,
      });
    });

    it('treats KmsThrottled and socket errors as transient', async () => {
      // Prepare
      sqs
        .on(SendMessageCommand)
        .rejectsOnce(new KmsThrottled({ message: 'KMS throttled', $metadata: metadata(400) }))
        .rejectsOnce(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));

      // Act / Assess
      await expect(deliveryQueue().send(message)).rejects.toBeInstanceOf(DependencyUnavailableError);
      await expect(deliveryQueue().send(message)).rejects.toBeInstanceOf(DependencyUnavailableError);
    });

    it('rethrows other errors unchanged', async () => {
      // Prepare
      const missing = new QueueDoesNotExist({
        message: 'The specified queue does not exist.',
        $metadata: metadata(400),
      });
      sqs.on(SendMessageCommand).rejects(missing);

      // Act / Assess
      await expect(deliveryQueue().send(message)).rejects.toBe(missing);
    });
  });

  describe('changeVisibility', () => {
    it('calls ChangeMessageVisibility with the receipt handle and timeout', async () => {
      // Prepare
      sqs.on(ChangeMessageVisibilityCommand).resolves({});

      // Act
      await deliveryQueue().changeVisibility('AQEBhandle', 120);

      // Assess
      expect(sqs.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input).toEqual({
        QueueUrl: QUEUE_URL,
        ReceiptHandle: 'AQEBhandle',
        VisibilityTimeout: 120,
      });
    });

    it('rejects a timeout outside 0–43 200 s without calling SQS', async () => {
      // Act / Assess
      await expect(deliveryQueue().changeVisibility('h', 43_201)).rejects.toThrow(RangeError);
      await expect(deliveryQueue().changeVisibility('h', -1)).rejects.toThrow(RangeError);
      expect(sqs.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
    });

    it.each([
      ['ReceiptHandleIsInvalid', new ReceiptHandleIsInvalid({ message: 'invalid', $metadata: metadata(404) })],
      ['MessageNotInflight', new MessageNotInflight({ message: 'not in flight', $metadata: metadata(400) })],
      ['InvalidParameterValue (by name)', serviceError('InvalidParameterValue', 400)],
      [
        'InvalidParameterValue (by query-compatible Code)',
        serviceError('ValidationException', 400, { Code: 'InvalidParameterValue' }),
      ],
    ])('fails with ReceiptExpiredError on %s', async (_, error) => {
      // Prepare
      sqs.on(ChangeMessageVisibilityCommand).rejects(error);

      // Act
      const changing = deliveryQueue().changeVisibility('AQEBstale', 30);

      // Assess
      await expect(changing).rejects.toBeInstanceOf(ReceiptExpiredError);
      await expect(changing).rejects.toMatchObject({ cause: error });
    });

    it('fails with DependencyUnavailableError when SQS throttles', async () => {
      // Prepare
      sqs
        .on(ChangeMessageVisibilityCommand)
        .rejects(new RequestThrottled({ message: 'Rate exceeded', $metadata: metadata(403) }));

      // Act / Assess
      await expect(deliveryQueue().changeVisibility('h', 30)).rejects.toBeInstanceOf(DependencyUnavailableError);
    });

    it('rethrows other errors unchanged', async () => {
      // Prepare
      const denied = serviceError('AccessDenied', 403);
      sqs.on(ChangeMessageVisibilityCommand).rejects(denied);

      // Act / Assess
      await expect(deliveryQueue().changeVisibility('h', 30)).rejects.toBe(denied);
    });
  });
});
