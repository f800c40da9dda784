import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbErrorCounterRepository } from '../../../../../shared/adapters/dynamodb/error-counter-repository';
import { DynamoDbErrorPolicyRepository } from '../../../../../shared/adapters/dynamodb/error-policy-repository';
import { errorsTable } from '../../../../../shared/adapters/dynamodb/table-definitions';
import { MalformedInputError, RevisionMismatchError } from '../../../../../shared/domain/errors';
import type { IntegrationEvent } from '../../../../../shared/domain/events/integration-event';
import { IntegrationError } from '../../../../../shared/domain/resilience/integration-error';
import { BUILT_IN_POLICIES, type ErrorPolicy } from '../../../../../shared/domain/resilience/policy';
import { type Clock, nowMs } from '../../../../../shared/ports/clock';
import type { EventPublisher, PublishOutcome } from '../../../../../shared/ports/event-publisher';
import { ErrorPolicyCache } from '../../../../../shared/use-cases/error-policy-cache';
import { getErrorStats } from '../../../../../shared/use-cases/error-stats';
import {
  ALERT_EVENT_TYPE,
  ALERT_TAKEOVER_AFTER_MS,
  alertEventId,
  recordError,
} from '../../../../../shared/use-cases/record-error';
import { recordingClock } from '../../../../support/clock';
import { freshTable } from '../../../../support/dynamodb';

/** Records what is published; fails every publish while `failing` is set. */
class RecordingPublisher implements EventPublisher {
  readonly published: IntegrationEvent[] = [];
  failing = false;
  async publish(events: readonly IntegrationEvent[]): Promise<PublishOutcome[]> {
    if (this.failing) {
      return events.map((e) => ({
        id: e.id,
        status: 'failed',
        errorCode: 'InternalFailure',
        errorMessage: 'test outage',
        retryable: true,
      }));
    }
    this.published.push(...events);
    return events.map((e) => ({ id: e.id, status: 'published', eventBridgeId: `eb-${e.id}` }));
  }
}

/** The tenant whose errors most tests count. */
const T = 'tenant-a';
/** Who writes the policies these tests store: an operator holding errors:admin. */
const OPERATOR = { tenant: 'ops', principal: 'admin-1' };
const WRITE = { at: '2026-11-30T09:00:00.000Z', by: OPERATOR };

const quickTransient: ErrorPolicy = {
  ...BUILT_IN_POLICIES.transient,
  initialDelayMs: 1,
  maxDelayMs: 5,
  maxRetries: 2,
};

describe('error counting and alerts (dynalite)', () => {
  let client: DynamoDBDocumentClient;
  let tableName: string;

  beforeAll(async () => {
    ({ client, tableName } = await freshTable(errorsTable));
  });

  /** One simulated Lambda instance: its own repositories and policy cache over the shared table. */
  function instance(clock: Clock, events: EventPublisher) {
    const policyStore = new DynamoDbErrorPolicyRepository(client, tableName);
    return {
      counters: new DynamoDbErrorCounterRepository(client, tableName),
      policyCache: new ErrorPolicyCache(policyStore, clock),
      events,
      clock,
    };
  }

  const error503 = (source: string) =>
    new IntegrationError('orders answered 503', {
      code: 'HTTP_503',
      category: 'transient',
      source,
      timestamp: Date.parse('2026-11-30T10:15:20.000Z'),
    });

  describe('recordError', () => {
    it('counts 200 parallel errors from 10 instances exactly and raises exactly one alert', async () => {
      // Prepare
      const policies = new DynamoDbErrorPolicyRepository(client, tableName);
      await policies.put('transient', { ...quickTransient, alertThreshold: 50 }, WRITE);
      const clock = recordingClock(Date.parse('2026-11-30T10:15:20.000Z'));
      const publisher = new RecordingPublisher();
      const instances = Array.from({ length: 10 }, () => instance(clock, publisher));

      // Act
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => recordError(instances[i % 10]!, error503('webhook:race'), T)),
      );

      // Assess
      const stats1m = await getErrorStats(
        { counters: instances[0]!.counters, clock },
        { tenant: T, window: '1m', source: 'webhook:race', limit: 10 },
      );
      const stats1h = await getErrorStats(
        { counters: instances[0]!.counters, clock },
        { tenant: T, window: '1h', source: 'webhook:race', limit: 10 },
      );
      expect(stats1m.items).toMatchObject([{ source: 'webhook:race', code: 'HTTP_503', count: 200 }]);
      expect(stats1h.items).toMatchObject([{ count: 200 }]);
      expect(publisher.published.filter((e) => e.type === ALERT_EVENT_TYPE)).toHaveLength(1);
      expect(publisher.published[0]).toMatchObject({
        type: 'integration.alert',
        source: 'aif.errors',
        payload: {
          tenant: T,
          source: 'webhook:race',
          code: 'HTTP_503',
          category: 'transient',
          threshold: 50,
          window: '1m',
        },
      });
      expect((publisher.published[0]!.payload.count as number) >= 50).toBe(true);
      expect(results.filter((r) => r.alert?.raisedNow)).toHaveLength(1);
      expect(results.filter((r) => r.alert === undefined)).toHaveLength(49);
      expect(new Set(results.map((r) => r.counts['1m']))).toEqual(
        new Set(Array.from({ length: 200 }, (_, i) => i + 1)),
      );
      expect(stats1m.items[0]?.alert).toMatchObject({ state: 'published', threshold: 50 });
      // Losers of the alert race answer with the winner's mark, never with one of their own.
      expect(new Set(results.flatMap((r) => (r.alert ? [r.alert.eventId] : [])))).toEqual(
        new Set([publisher.published[0]?.id]),
      );
      await policies.delete('transient', WRITE);
    });

    it('raises a new alert in the next window and none below the threshold', async () => {
      // Prepare
      const clock = recordingClock(Date.parse('2026-11-30T11:00:59.000Z'));
      const publisher = new RecordingPublisher();
      const deps = instance(clock, publisher);
      const system = () =>
        new IntegrationError('boom', {
          code: 'HTTP_500',
          category: 'system',
          source: 'svc:windows',
          timestamp: nowMs(clock),
        });

      // Act: the system policy alerts at 1 per minute
      await recordError(deps, system(), T);
      await recordError(deps, system(), T);
      clock.advance(2_000);
      await recordError(deps, system(), T);

      // Assess
      expect(publisher.published.map((e) => e.payload.windowStart)).toEqual([
        '2026-11-30T11:00:00.000Z',
        '2026-11-30T11:01:00.000Z',
      ]);
      const permanent = new IntegrationError('nope', {
        code: 'HTTP_404',
        category: 'permanent',
        source: 'svc:quiet',
        timestamp: nowMs(clock),
      });
      const below = await recordError(deps, permanent, T);
      expect(below.alert).toBeUndefined();
      expect(below.policy).toMatchObject({ key: 'permanent', origin: 'built-in' });
    });

    it('keeps an alert pending when publishing fails and republishes it once the takeover delay passed', async () => {
      // Prepare
      const clock = recordingClock(Date.parse('2026-11-30T12:00:05.000Z'));
      const publisher = new RecordingPublisher();
      const deps = instance(clock, publisher);
      const error = () =>
        new IntegrationError('disk full', {
          code: 'ENOSPC',
          category: 'system',
          source: 'svc:outage',
          timestamp: nowMs(clock),
        });
      publisher.failing = true;

      // Act
      const first = await recordError(deps, error(), T);
      publisher.failing = false;
      clock.advance(1_000);
      const tooEarly = await recordError(deps, error(), T);
      clock.advance(ALERT_TAKEOVER_AFTER_MS);
      const takeover = await recordError(deps, error(), T);

      // Assess
      expect(first.alert).toMatchObject({ state: 'pending', raisedNow: true });
      expect(tooEarly.alert).toMatchObject({ state: 'pending', raisedNow: false });
      expect(takeover.alert).toMatchObject({ state: 'published', raisedNow: true });
      expect(publisher.published).toHaveLength(1);
      expect(publisher.published[0]?.id).toBe(first.alert?.eventId);
      expect(first.alert?.eventId).toBe(
        alertEventId({
          tenant: T,
          window: '1m',
          windowStart: Date.parse('2026-11-30T12:00:00.000Z'),
          source: 'svc:outage',
          code: 'ENOSPC',
        }),
      );
    });
  });

  describe('DynamoDbErrorPolicyRepository', () => {
    it('numbers revisions atomically under 20 racing unconditional writes', async () => {
      // Prepare
      const repository = new DynamoDbErrorPolicyRepository(client, tableName);

      // Act
      const written = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          repository.put('RACE_CODE', { ...quickTransient, alertThreshold: i + 1 }, WRITE),
        ),
      );

      // Assess
      expect(written.map((w) => w.stored.revision).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      expect(written.filter((w) => w.created)).toHaveLength(1);
      const stored = await repository.get('RACE_CODE');
      expect(stored?.revision).toBe(20);
      expect(stored?.policy).toEqual(written.find((w) => w.stored.revision === 20)?.stored.policy);
    });

    it('lets exactly one of 10 If-Match writes on the same revision win', async () => {
      // Prepare
      const repository = new DynamoDbErrorPolicyRepository(client, tableName);
      const created = await repository.put('IF_MATCH', quickTransient, WRITE, { kind: 'must-not-exist' });

      // Act
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          repository.put('IF_MATCH', { ...quickTransient, maxRetries: i }, WRITE, {
            kind: 'one-of',
            revisions: [created.stored.revision],
          }),
        ),
      );

      // Assess
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results.filter((r) => r.status === 'rejected')) {
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(RevisionMismatchError);
      }
      expect((await repository.get('IF_MATCH'))?.revision).toBe(2);
    });

    it('fails If-None-Match on an existing policy and deletes only the expected revision', async () => {
      // Prepare
      const repository = new DynamoDbErrorPolicyRepository(client, tableName);
      await repository.put('GUARDED', quickTransient, WRITE);

      // Act / Assess
      await expect(repository.put('GUARDED', quickTransient, WRITE, { kind: 'must-not-exist' })).rejects.toBeInstanceOf(
        RevisionMismatchError,
      );
      await expect(repository.delete('GUARDED', WRITE, { kind: 'must-not-exist' })).rejects.toBeInstanceOf(
        RevisionMismatchError,
      );
      await expect(repository.delete('GUARDED', WRITE, { kind: 'one-of', revisions: [7] })).rejects.toBeInstanceOf(
        RevisionMismatchError,
      );
      expect(await repository.delete('GUARDED', WRITE, { kind: 'one-of', revisions: [1] })).toBe(true);
      expect(await repository.delete('GUARDED', WRITE)).toBe(false);
      await expect(repository.delete('GUARDED', WRITE, { kind: 'any-existing' })).rejects.toBeInstanceOf(
        RevisionMismatchError,
      );
      expect(await repository.delete('GUARDED', WRITE, { kind: 'must-not-exist' })).toBe(false);
      expect(await repository.get('GUARDED')).toBeUndefined();
      expect((await repository.list()).map((p) => p.key)).not.toContain('GUARDED');
    });

    it('never reuses a revision after delete and re-create, so an old If-Match fails', async () => {
      // Prepare
      const repository = new DynamoDbErrorPolicyRepository(client, tableName);
      const first = await repository.put('REBORN', quickTransient, WRITE);
      await repository.delete('REBORN', WRITE);

      // Act
      const again = await repository.put('REBORN', quickTransient, WRITE, { kind: 'must-not-exist' });

      // Assess
      expect(first).toMatchObject({ created: true, stored: { revision: 1 } });
      expect(again).toMatchObject({ created: true, stored: { revision: 3 } });
      await expect(
        repository.put('REBORN', quickTransient, WRITE, { kind: 'one-of', revisions: [first.stored.revision] }),
      ).rejects.toBeInstanceOf(RevisionMismatchError);
      expect(await repository.put('REBORN', quickTransient, WRITE, { kind: 'any-existing' })).toMatchObject({
        created: false,
        stored: { revision: 4 },
      });
    });
  });

  describe('DynamoDbErrorCounterRepository.list', () => {
    it('pages through one window and filters by source without matching a longer source', async () => {
      // Prepare
      const repository = new DynamoDbErrorCounterRepository(client, tableName);
      const start = Date.parse('2026-11-30T13:00:00.000Z');
      const bump = (source: string, code: string) =>
        repository.increment(
          { tenant: T, window: '1h', windowStart: start, source, code },
          { category: 'transient', seenAt: start, expiresAt: 1 },
        );
      await Promise.all([bump('a', 'X'), bump('a', 'Y'), bump('a', 'Z'), bump('ab', 'X')]);

      // Act
      const first = await repository.list(T, '1h', start, { source: 'a', limit: 2 });
      const second = await repository.list(T, '1h', start, {
        source: 'a',
        limit: 2,
        ...(first.nextCursor && { cursor: first.nextCursor }),
      });

      // Assess
      expect([...first.items, ...second.items].map((c) => `${c.source}:${c.code}`)).toEqual(['a:X', 'a:Y', 'a:Z']);
      await expect(repository.list(T, '1m', start, { limit: 2, cursor: first.nextCursor })).rejects.toThrow(/cursor/);
    });

    it('fails crafted cursors that DynamoDB would refuse with a 400, not a 500', async () => {
      // Prepare
      const repository = new DynamoDbErrorCounterRepository(client, tableName);
      const start = Date.parse('2026-11-30T14:00:00.000Z');
      await repository.increment(
        { tenant: T, window: '1h', windowStart: start, source: 'crafted', code: 'X' },
        { category: 'transient', seenAt: start, expiresAt: 1 },
      );
      const pk = 'COUNT#tenant-a#1h#2026-11-30T14:00:00.000Z';
      const cursor = (sk: string) => Buffer.from(JSON.stringify({ pk, sk })).toString('base64url');

      // Act / Assess
      for (const [sk, source] of [
        ['x'.repeat(1100), undefined],
        ['zzzz#X', 'crafted'],
        ['a#X', 'crafted'],
      ] as const) {
        await expect(
          repository.list(T, '1h', start, { limit: 5, cursor: cursor(sk), ...(source && { source }) }),
        ).rejects.toBeInstanceOf(MalformedInputError);
      }
    });
  });

  describe('two tenants', () => {
    it('counts the same source and code of two tenants apart, each raising its own alert', async () => {
      // Prepare: the system policy alerts at the first error of a minute
      const clock = recordingClock(Date.parse('2026-11-30T15:00:10.000Z'));
      const publisher = new RecordingPublisher();
      const deps = instance(clock, publisher);
      const boom = () =>
        new IntegrationError('boom', { code: 'HTTP_500', category: 'system', source: 'svc:shared', timestamp: 1 });

      // Act
      const a1 = await recordError(deps, boom(), 'tenant-x');
      const a2 = await recordError(deps, boom(), 'tenant-x');
      const b1 = await recordError(deps, boom(), 'tenant-y');

      // Assess
      expect([a1.counts['1m'], a2.counts['1m'], b1.counts['1m']]).toEqual([1, 2, 1]);
      expect(publisher.published.map((e) => e.payload.tenant)).toEqual(['tenant-x', 'tenant-y']);
      expect(a1.alert?.eventId).not.toBe(b1.alert?.eventId);
      expect(b1.alert).toMatchObject({ raisedNow: true });
      const stats = (tenant: string) =>
        getErrorStats({ counters: deps.counters, clock }, { tenant, window: '1m', limit: 10 });
      expect((await stats('tenant-x')).items).toMatchObject([{ source: 'svc:shared', count: 2 }]);
      expect((await stats('tenant-y')).items).toMatchObject([{ source: 'svc:shared', count: 1 }]);
      expect((await stats('tenant-z')).items).toEqual([]);
    });

    it('lists only the tenant’s counters and refuses another tenant’s cursor or a forged one', async () => {
      // Prepare
      const repository = new DynamoDbErrorCounterRepository(client, tableName);
      const start = Date.parse('2026-11-30T16:00:00.000Z');
      const bump = (tenant: string, code: string) =>
        repository.increment(
          { tenant, window: '1h', windowStart: start, source: 'svc:paged', code },
          { category: 'transient', seenAt: start, expiresAt: 1 },
        );
      await Promise.all([bump('pager-a', 'A1'), bump('pager-a', 'A2'), bump('pager-b', 'B1'), bump('pager-b', 'B2')]);
      const forged = Buffer.from(
        JSON.stringify({ pk: 'COUNT#pager-b#1h#2026-11-30T16:00:00.000Z', sk: 'svc:paged#B1' }),
      ).toString('base64url');

      // Act
      const firstOfA = await repository.list('pager-a', '1h', start, { limit: 1 });
      const allOfA = await repository.list('pager-a', '1h', start, { limit: 10 });

      // Assess
      expect(allOfA.items.map((c) => c.code)).toEqual(['A1', 'A2']);
      expect(allOfA.items.every((c) => c.tenant === 'pager-a')).toBe(true);
      expect(firstOfA.nextCursor).toBeDefined();
      await expect(
        repository.list('pager-b', '1h', start, { limit: 1, cursor: firstOfA.nextCursor }),
      ).rejects.toBeInstanceOf(MalformedInputError);
      await expect(repository.list('pager-a', '1h', start, { limit: 1, cursor: forged })).rejects.toBeInstanceOf(
        MalformedInputError,
      );
    });
  });

  describe('DynamoDbErrorPolicyRepository.updatedBy', () => {
    it('records who wrote a policy last, and who deleted it on the tombstone', async () => {
      // Prepare
      const repository = new DynamoDbErrorPolicyRepository(client, tableName);
      const second = { tenant: 'ops', principal: 'admin-2' };

      // Act
      const created = await repository.put('WRITTEN_BY', quickTransient, WRITE);
      await repository.put('WRITTEN_BY', quickTransient, { at: '2026-11-30T09:05:00.000Z', by: second });
      const read = await repository.get('WRITTEN_BY');
      const listed = (await repository.list()).find((p) => p.key === 'WRITTEN_BY');
      await repository.delete('WRITTEN_BY', { at: '2026-11-30T09:10:00.000Z', by: OPERATOR });

      // Assess
      expect(created.stored.updatedBy).toEqual(OPERATOR);
      expect(read).toMatchObject({ updatedBy: second, updatedAt: '2026-11-30T09:05:00.000Z', revision: 2 });
      expect(listed?.updatedBy).toEqual(second);
      const tombstone = await client.send(
        new GetCommand({ TableName: tableName, Key: { pk: 'POLICY', sk: 'WRITTEN_BY' } }),
      );
      expect(tombstone.Item).toMatchObject({ deleted: true, updatedBy: OPERATOR, revision: 3 });
    });
  });
});
