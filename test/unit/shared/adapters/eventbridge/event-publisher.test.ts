import {
  AccessDeniedException,
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  ThrottlingException,
} from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBridgeEventPublisher } from '../../../../../shared/adapters/eventbridge/event-publisher';
import { putEventsEntrySize, toPutEventsBatches } from '../../../../../shared/domain/events/entry-rules';
import type { IntegrationEvent } from '../../../../../shared/domain/events/integration-event';

const BUS = 'aif-bus';
const eventBridge = mockClient(EventBridgeClient);

/** An event with a two-digit id, so every event of a test has the same entry size unless overridden. */
function integrationEvent(n: number, overrides: Partial<IntegrationEvent> = {}): IntegrationEvent {
  return {
    id: `evt-${String(n).padStart(2, '0')}`,
    type: 'integration.alert',
    version: '1.0.0',
    source: 'aif.errors',
    timestamp: Date.parse('2026-11-30T10:15:42.123Z'),
    correlationId: 'corr-1',
    payload: { n },
    metadata: {},
    ...overrides,
  };
}

const events = (count: number) => Array.from({ length: count }, (_, n) => integrationEvent(n));

const idOf = (entry: PutEventsRequestEntry) => (JSON.parse(entry.Detail ?? '{}') as IntegrationEvent).id;

/** Answers every call with an EventId per entry, `eb-<event id>`, unless told otherwise. */
function acceptAll() {
  eventBridge.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => ({
    FailedEntryCount: 0,
    Entries: input.Entries.map((entry) => ({ EventId: `eb-${idOf(entry)}` })),
  }));
}

const sentBatches = () => eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries ?? []);

describe('EventBridgeEventPublisher', () => {
  afterEach(() => {
    eventBridge.reset();
  });

  describe('publish', () => {
    it('sends 25 events in three PutEvents calls of 10, 10 and 5 and maps each event to its entry', async () => {
      // Prepare
      acceptAll();
      const input = events(25);
      input[0] = integrationEvent(0, {
        metadata: { 'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1', traceparent: 'w3c' },
      });
      input[1] = integrationEvent(1, {
        metadata: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
      });
      const publisher = new EventBridgeEventPublisher(new EventBridgeClient({}), BUS);

      // Act
      const outcomes = await publisher.publish(input);

      // Assess
      const batches = sentBatches();
      expect(batches.map((entries) => entries.length)).toEqual([10, 10, 5]);
      expect(batches.flat().map(idOf)).toEqual(input.map((event) => event.id));
      const [first, second] = batches[0]!;
      expect(first).toEqual({
        Source: 'aif.errors',
        DetailType: 'integration.alert',
        Detail: JSON.stringify(input[0]),
        Time: new Date('2026-11-30T10:15:42.123Z'),
        EventBusName: BUS,
        TraceHeader: 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1',
      });
      expect(JSON.parse(first!.Detail!)).toEqual(input[0]);
      expect(second).not.toHaveProperty('TraceHeader');
      expect(outcomes).toEqual(
        input.map((event) => ({ id: event.id, status: 'published', eventBridgeId: `eb-${event.id}` })),
      );
    });

    it('closes a call before its summed entry sizes would exceed maxEntryBytes', async () => {
      // Prepare
      acceptAll();
      const input = events(6);
      const entrySize = putEventsEntrySize({
        Source: input[0]!.source,
        DetailType: input[0]!.type,
        Detail: JSON.stringify(input[0]),
        Time: new Date(input[0]!.timestamp),
      });
      const maxEntryBytes = 2 * entrySize + Math.floor(entrySize / 2);
      const publisher = new EventBridgeEventPublisher(new EventBridgeClient({}), BUS, { maxEntryBytes });

      // Act
      const outcomes = await publisher.publish(input);

      // Assess
      const batches = sentBatches();
      expect(batches.map((entries) => entries.length)).toEqual([2, 2, 2]);
      for (const entries of batches) {
        const total = entries.reduce(
          (sum, e) => sum + putEventsEntrySize(e as Parameters<typeof putEventsEntrySize>[0]),
          0,
        );
        expect(total).toBeLessThanOrEqual(maxEntryBytes);
      }
      expect(outcomes.every((outcome) => outcome.status === 'published')).toBe(true);
    });

    it.each([
      { errorCode: 'InternalFailure', retryable: true },
      { errorCode: 'ThrottlingException', retryable: true },
      { errorCode: 'MalformedDetail', retryable: false },
      { errorCode: 'NotAuthorizedForSourceException', retryable: false },
    ])(
      'fails only the entry EventBridge answered with $errorCode (retryable: $retryable)',
      async ({ errorCode, retryable }) => {
        // Prepare
        eventBridge.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => ({
          FailedEntryCount: 1,
          Entries: input.Entries.map((entry, i) =>
            i === 3
              ? { ErrorCode: errorCode, ErrorMessage: `${errorCode} for entry 3` }
              : { EventId: `eb-${idOf(entry)}` },
          ),
        }));
        const input = events(6);
        const publisher = new EventBridgeEventPublisher(new EventBridgeClient({}), BUS);

        // Act
        const outcomes = await publisher.publish(input);

        // Assess
        expect(outcomes[3]).toEqual({
          id: 'evt-03',
          status: 'failed',
          errorCode,
          errorMessage: `${errorCode} for entry 3`,
          retryable,
        });
        const others = outcomes.filter((_, i) => i !== 3);
        expect(others).toEqual(
          input
            .filter((_, i) => i !== 3)
            .map((event) => ({ id: event.id, status: 'published', eventBridgeId: `eb-${event.id}` })),
        );
      },
    );

    it.each([
      {
        name: 'ThrottlingException',
        error: new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }),
        retryable: true,
      },
      {
        name: 'AccessDeniedException',
        error: new AccessDeniedException({ message: 'not allowed', $metadata: { httpStatusCode: 400 } }),
        retryable: false,
      },
      {
        name: 'TimeoutError',
        error: Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }),
        retryable: true,
      },
    ])(
      'fails every event of a call that threw $name and still sends the other calls',
      async ({ name, error, retryable }) => {
        // Prepare
        eventBridge.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => {
          if (input.Entries.some((entry) => idOf(entry) === 'evt-10')) throw error;
          return { FailedEntryCount: 0, Entries: input.Entries.map((entry) => ({ EventId: `eb-${idOf(entry)}` })) };
        });
        const input = events(25);
        const publisher = new EventBridgeEventPublisher(new EventBridgeClient({}), BUS);

        // Act
        const outcomes = await publisher.publish(input);

        // Assess
        expect(sentBatches()).toHaveLength(3);
        expect(outcomes).toHaveLength(25);
        outcomes.forEach((outcome, i) => {
          if (i >= 10 && i < 20) {
            expect(outcome).toEqual({
              id: input[i]!.id,
              status: 'failed',
              errorCode: name,
              errorMessage: error.message,
              retryable,
            });
          } else {
            expect(outcome).toEqual({ id: input[i]!.id, status: 'published', eventBridgeId: `eb-${input[i]!.id}` });
          }
        });
      },
    );

    it('fails an event whose entry alone exceeds maxEntryBytes with EntryTooLarge, without a call', async () => {
      // Prepare
      acceptAll();
      const oversized = integrationEvent(0, { payload: { blob: 'x'.repeat(5_000) } });
      const publisher = new EventBridgeEventPublisher(new EventBridgeClient({}), BUS, { maxEntryBytes: 4_096 });

      // Act
      const outcomes = await publisher.publish([oversized]);

      // Assess
      expect(sentBatches()).toHaveLength(0);
      expect(outcomes).toEqual([
        {
          id: 'evt-00',
          status: 'failed',
          errorCode: 'EntryTooLarge',
          errorMessage: expect.stringMatching(/4096 bytes/),
          retryable: false,
        },
      ]);
    });

    it.each([
      { field: 'type (detail-type)', overrides: { type: 'd'.repeat(129) } },
      { field: 'source', overrides: { source: 's'.repeat(257) } },
    ])('fails only the event whose $field is too long and sends the rest', async ({ overrides }) => {
      // Prepare
      acceptAll();
      const input = [
        integrationEvent(0),
        integrationEvent(1, overrides),
        integrationEvent(2, { type: 't'.repeat(128), source: 's'.repeat(256) }),
      ];
      const publisher = new EventBridgeEventPublisher(new EventBridgeClient({}), BUS);

      // Act
      const outcomes = await publisher.publish(input);

      // Assess
      expect(sentBatches().flat().map(idOf)).toEqual(['evt-00', 'evt-02']);
      expect(outcomes).toEqual([
        { id: 'evt-00', status: 'published', eventBridgeId: 'eb-evt-00' },
        {
          id: 'evt-01',
          status: 'failed',
          errorCode: 'InvalidArgument',
          errorMessage: expect.any(String),
          retryable: false,
        },
        { id: 'evt-02', status: 'published', eventBridgeId: 'eb-evt-02' },
      ]);
    });

    it('fails an event whose payload cannot be serialised as JSON with MalformedDetail', async () => {
      // Prepare
      acceptAll();
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      const publisher = new EventBridgeEventPublisher(new EventBridgeClient({}), BUS);

      // Act
      const outcomes = await publisher.publish([integrationEvent(0, { payload: circular }), integrationEvent(1)]);

      // Assess
      expect(outcomes[0]).toMatchObject({
        id: 'evt-00',
        status: 'failed',
        errorCode: 'MalformedDetail',
        retryable: false,
      });
      expect(outcomes[1]).toMatchObject({ id: 'evt-01', status: 'published' });
    });

    it('fails, as retryable, an entry the response has no result for', async () => {
      // Prepare
      eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'eb-1' }] });
      const publisher = new EventBridgeEventPublisher(new EventBridgeClient({}), BUS);

      // Act
      const outcomes = await publisher.publish(events(2));

      // Assess
      expect(outcomes).toEqual([
        { id: 'evt-00', status: 'published', eventBridgeId: 'eb-1' },
        {
          id: 'evt-01',
          status: 'failed',
          errorCode: 'MissingResultEntry',
          errorMessage: expect.any(String),
          retryable: true,
        },
      ]);
    });

    it('makes no call for no events', async () => {
      const publisher = new EventBridgeEventPublisher(new EventBridgeClient({}), BUS);

      await expect(publisher.publish([])).resolves.toEqual([]);
      expect(sentBatches()).toHaveLength(0);
    });
  });

  describe('constructor', () => {
    it('rejects a maxEntryBytes that is not a positive integer', () => {
      expect(() => new EventBridgeEventPublisher(new EventBridgeClient({}), BUS, { maxEntryBytes: 0 })).toThrow(
        RangeError,
      );
    });
  });
});

describe('entry rules', () => {
  describe('putEventsEntrySize', () => {
    it('counts 14 bytes for Time and the UTF-8 bytes of Source, DetailType, Detail and each resource', () => {
      const size = putEventsEntrySize({
        Source: 'aif',
        DetailType: 'é',
        Detail: '{"k":"€"}',
        Time: new Date(0),
        Resources: ['arn:a', '🙂'],
      });

      expect(size).toBe(14 + 3 + 2 + 11 + 5 + 4);
    });
  });

  describe('toPutEventsBatches', () => {
    it('keeps input order and puts every item in exactly one batch', () => {
      const items = [5, 5, 5, 1, 9, 1].map((sizeBytes, index) => ({ index, sizeBytes }));

      const batches = toPutEventsBatches(items, { maxEntries: 3, maxBatchBytes: 10 });

      expect(batches.map((batch) => batch.map((item) => item.index))).toEqual([
        [0, 1],
        [2, 3],
        [4, 5],
      ]);
    });

    it('rejects an item larger than a whole batch', () => {
      expect(() => toPutEventsBatches([{ sizeBytes: 11 }], { maxBatchBytes: 10 })).toThrow(RangeError);
    });
  });
});
