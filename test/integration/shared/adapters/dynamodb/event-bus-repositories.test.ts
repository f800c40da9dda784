import { randomBytes } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DynamoDbDeadLetterRepository,
  newDeadLetterId,
} from '../../../../../shared/adapters/dynamodb/dead-letter-repository';
import { DynamoDbEventLog } from '../../../../../shared/adapters/dynamodb/event-log';
import { DynamoDbSourceClaims } from '../../../../../shared/adapters/dynamodb/source-claims';
import { DynamoDbSubscriptionRepository } from '../../../../../shared/adapters/dynamodb/subscription-repository';
import { deliveryTable, eventsTable } from '../../../../../shared/adapters/dynamodb/table-definitions';
import { contentHash } from '../../../../../shared/domain/canonical-json';
import { InputTooLargeError, MalformedInputError, ValidationError } from '../../../../../shared/domain/errors';
import type { IntegrationEvent } from '../../../../../shared/domain/events/integration-event';
import type { Subscription } from '../../../../../shared/domain/events/subscription';
import type { DeadLetter } from '../../../../../shared/ports/dead-letters';
import type { EventRecord } from '../../../../../shared/ports/event-log';
import { freshTable } from '../../../../support/dynamodb';
import { PLACEHOLDER_SECRET } from '../../../../support/secrets';

const LEASE_MS = 30_000;
const TENANT = 'acme';
const OWNER = { tenant: TENANT, principal: 'agent-1' };
const OTHER = { tenant: 'globex', principal: 'agent-9' };
const keyOf = (id: string, tenant = TENANT) => ({ tenant, id });
const EXPIRES_AT = 1_900_000_000;

function integrationEvent(id: string, overrides: Partial<IntegrationEvent> = {}): IntegrationEvent {
  return {
    id,
    type: 'order.created',
    version: '1.0.0',
    source: 'shop.orders',
    timestamp: Date.parse('2026-11-30T10:15:00.000Z'),
    payload: { orderId: id, status: 'new', name: 'reserved words as keys' },
    metadata: {},
    ...overrides,
  };
}

/** The pending record a publisher claims at `now`. */
function pending(event: IntegrationEvent, now: number): EventRecord & { status: 'pending'; leaseUntil: number } {
  return {
    event,
    contentHash: contentHash(event),
    status: 'pending',
    receivedAt: new Date(now).toISOString(),
    leaseUntil: now + LEASE_MS,
    owner: OWNER,
  };
}

/** `length` characters of 92 printable ASCII symbols, uniformly random: gzip cannot shrink them much. */
function incompressibleText(length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&()*+,-./:;<=>?@[]^_{|}~ '";
  const bytes = randomBytes(length);
  let text = '';
  for (const byte of bytes) text += alphabet[byte % alphabet.length];
  return text;
}

const cursorOf = (key: Record<string, string>) => Buffer.from(JSON.stringify(key)).toString('base64url');

describe('DynamoDbEventLog (dynalite)', () => {
  let client: DynamoDBDocumentClient;
  let tableName: string;
  let log: DynamoDbEventLog;
  const now = Date.parse('2026-11-30T10:20:00.000Z');

  beforeAll(async () => {
    ({ client, tableName } = await freshTable(eventsTable));
    log = new DynamoDbEventLog(client, tableName);
  });

  /** Claims and publishes an event at `now`. */
  async function publish(event: IntegrationEvent): Promise<void> {
    const result = await log.claim(pending(event, now), EXPIRES_AT, now);
    expect(result.claimed).toBe(true);
    await log.markPublished(TENANT, event.id, new Date(now).toISOString(), `eb-${event.id}`);
  }

  describe('claim', () => {
    it('lets exactly one of 20 racing claims of a new id win', async () => {
      // Prepare
      const event = integrationEvent('evt-race');

      // Act
      const results = await Promise.all(
        Array.from({ length: 20 }, () => log.claim(pending(event, now), EXPIRES_AT, now)),
      );

      // Assess
      expect(results.filter((r) => r.claimed)).toHaveLength(1);
      for (const loser of results.filter((r) => !r.claimed)) {
        expect(loser).toMatchObject({
          claimed: false,
          existing: { status: 'pending', contentHash: contentHash(event), leaseUntil: now + LEASE_MS, event },
        });
      }
    });

    it('answers a claim of a used id with other content with the stored record', async () => {
      // Prepare
      const first = integrationEvent('evt-conflict');
      await log.claim(pending(first, now), EXPIRES_AT, now);
      const other = integrationEvent('evt-conflict', { payload: { orderId: 'something else' } });

      // Act
      const result = await log.claim(pending(other, now + LEASE_MS * 10), EXPIRES_AT, now + LEASE_MS * 10);

      // Assess
      expect(result).toEqual({
        claimed: false,
        existing: {
          event: first,
          contentHash: contentHash(first),
          status: 'pending',
          receivedAt: new Date(now).toISOString(),
          leaseUntil: now + LEASE_MS,
          owner: OWNER,
        },
      });
    });

    it('lets the same content take over a failed record, keeping when the log first saw the id', async () => {
      // Prepare
      const event = integrationEvent('evt-failed');
      await log.claim(pending(event, now), EXPIRES_AT, now);
      await log.markFailed(TENANT, event.id, { code: 'InternalFailure', message: 'try again' });
      const failed = await log.get(TENANT, event.id);

      // Act
      const later = now + 1_000;
      const result = await log.claim(pending(event, later), EXPIRES_AT, later);

      // Assess
      expect(failed).toMatchObject({ status: 'failed', error: { code: 'InternalFailure', message: 'try again' } });
      expect(failed?.leaseUntil).toBeUndefined();
      expect(result).toEqual({ claimed: true });
      expect(await log.get(TENANT, event.id)).toEqual({
        event,
        contentHash: contentHash(event),
        status: 'pending',
        receivedAt: new Date(now).toISOString(),
        leaseUntil: later + LEASE_MS,
        owner: OWNER,
      });
    });

    it('lets the same content take over an expired lease but not a live one or a published record', async () => {
      // Prepare
      const event = integrationEvent('evt-lease');
      await log.claim(pending(event, now), EXPIRES_AT, now);

      // Act
      const whileLive = await log.claim(pending(event, now + LEASE_MS - 1), EXPIRES_AT, now + LEASE_MS - 1);
      const atExpiry = await log.claim(pending(event, now + LEASE_MS), EXPIRES_AT, now + LEASE_MS);
      const afterExpiry = await log.claim(pending(event, now + LEASE_MS + 1), EXPIRES_AT, now + LEASE_MS + 1);
      await log.markPublished(TENANT, event.id, '2026-11-30T10:21:00.000Z', 'eb-lease');
      const afterPublish = await log.claim(pending(event, now + LEASE_MS * 100), EXPIRES_AT, now + LEASE_MS * 100);

      // Assess
      expect(whileLive.claimed).toBe(false);
      expect(atExpiry.claimed).toBe(false);
      expect(afterExpiry.claimed).toBe(true);
      expect(afterPublish).toMatchObject({
        claimed: false,
        existing: { status: 'published', publishedAt: '2026-11-30T10:21:00.000Z', eventBridgeId: 'eb-lease' },
      });
      expect(afterPublish.claimed === false && afterPublish.existing.leaseUntil).toBeUndefined();
    });

    it('stores a ~300 KB event compressed and reads it back unchanged', async () => {
      // Prepare: hex text halves under gzip, so the item stays under 400 KB
      let deep: Record<string, unknown> = { leaf: true };
      for (let i = 0; i < 40; i++) deep = { child: deep };
      const event = integrationEvent('evt-large', {
        correlationId: 'corr-large',
        payload: { blob: randomBytes(150 * 1024).toString('hex'), deep, status: 'x', ttl: 1 },
      });
      expect(JSON.stringify(event).length).toBeGreaterThan(300 * 1024);

      // Act
      await publish(event);

      // Assess
      expect((await log.get(TENANT, event.id))?.event).toEqual(event);
      expect((await log.listByCorrelation(TENANT, 'corr-large', { limit: 5 })).items.map((r) => r.event)).toEqual([
        event,
      ]);
      const raw = await client.send(new GetCommand({ TableName: tableName, Key: { pk: 'EVENT#acme#evt-large' } }));
      const stored = raw.Item?.event as Uint8Array | undefined;
      expect(stored).toBeInstanceOf(Uint8Array);
      expect(stored?.byteLength).toBeLessThan(200 * 1024);
    });

    it('rejects an incompressible 500 KB event with InputTooLargeError and stores nothing', async () => {
      // Prepare
      const event = integrationEvent('evt-too-large', { payload: { blob: incompressibleText(500 * 1024) } });

      // Act
      const attempt = log.claim(pending(event, now), EXPIRES_AT, now);

      // Assess
      await expect(attempt).rejects.toBeInstanceOf(InputTooLargeError);
      expect(await log.get(TENANT, event.id)).toBeUndefined();
    });
  });

  describe('markPublished / markFailed', () => {
    it('leaves records that are absent or no longer pending as they are', async () => {
      // Prepare
      const event = integrationEvent('evt-marks');
      await publish(event);

      // Act
      await log.markFailed(TENANT, event.id, { code: 'Late', message: 'a stale publisher' });
      await log.markPublished(TENANT, event.id, '2030-01-01T00:00:00.000Z', 'eb-other');
      await log.markPublished(TENANT, 'evt-never-claimed', '2030-01-01T00:00:00.000Z');
      await log.markFailed(TENANT, 'evt-never-claimed', { code: 'X', message: 'y' });

      // Assess
      expect(await log.get(TENANT, event.id)).toMatchObject({
        status: 'published',
        publishedAt: new Date(now).toISOString(),
        eventBridgeId: 'eb-evt-marks',
      });
      expect(await log.get(TENANT, 'evt-never-claimed')).toBeUndefined();
    });
  });

  describe('listByCorrelation', () => {
    it('lists the published events of one correlation oldest first, by timestamp then id, page by page', async () => {
      // Prepare
      const at = (iso: string) => Date.parse(iso);
      const flow = [
        integrationEvent('flow-c', { correlationId: 'corr-flow', timestamp: at('2026-11-30T10:00:02.000Z') }),
        integrationEvent('flow-a', { correlationId: 'corr-flow', timestamp: at('2026-11-30T10:00:01.000Z') }),
        integrationEvent('flow-b2', { correlationId: 'corr-flow', timestamp: at('2026-11-30T10:00:01.500Z') }),
        integrationEvent('flow-b1', { correlationId: 'corr-flow', timestamp: at('2026-11-30T10:00:01.500Z') }),
        integrationEvent('flow-old', { correlationId: 'corr-flow', timestamp: at('1999-01-01T00:00:00.000Z') }),
      ];
      for (const event of flow) await publish(event);
      await publish(integrationEvent('flow-other', { correlationId: 'corr-other' }));
      await publish(integrationEvent('flow-none'));
      const unpublished = integrationEvent('flow-pending', { correlationId: 'corr-flow' });
      await log.claim(pending(unpublished, now), EXPIRES_AT, now);

      // Act
      const ids: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await log.listByCorrelation(TENANT, 'corr-flow', { limit: 2, ...(cursor && { cursor }) });
        ids.push(...page.items.map((r) => r.event.id));
        expect(page.items.every((r) => r.status === 'published')).toBe(true);
        cursor = page.nextCursor;
        pages++;
      } while (cursor);

      // Assess
      expect(ids).toEqual(['flow-old', 'flow-a', 'flow-b1', 'flow-b2', 'flow-c']);
      expect(pages).toBeGreaterThanOrEqual(3);
    });

    it('fails a cursor of another correlation or a crafted one with a 400', async () => {
      // Prepare
      for (const id of ['x1', 'x2', 'x3'])
        await publish(integrationEvent(`cur-${id}`, { correlationId: 'corr-cursor' }));
      const first = await log.listByCorrelation(TENANT, 'corr-cursor', { limit: 1 });
      expect(first.nextCursor).toBeDefined();

      // Act / Assess
      for (const cursor of [
        first.nextCursor,
        cursorOf({ pk: 'EVENT#acme#cur-x1', gsi1pk: 'CORR#acme#corr-cursor', gsi1sk: 'x'.repeat(1100) }),
        cursorOf({ pk: 'EVENT#acme#cur-x1', gsi1pk: 'CORR#acme#corr-cursor' }),
        'not-a-cursor',
      ]) {
        const other = cursor === first.nextCursor ? 'corr-flow' : 'corr-cursor';
        await expect(log.listByCorrelation(TENANT, other, { limit: 1, cursor })).rejects.toBeInstanceOf(
          MalformedInputError,
        );
      }
    });
  });

  describe('listPublishedBetween', () => {
    it('yields the published events with from ≤ timestamp < to across hour boundaries, oldest first', async () => {
      // Prepare: a table of its own, so events of other tests do not fall in the range
      const own = await freshTable(eventsTable);
      const hourly = new DynamoDbEventLog(own.client, own.tableName);
      const at = (iso: string) => Date.parse(iso);
      const events = [
        integrationEvent('h-before', { timestamp: at('2026-11-30T09:29:59.999Z') }),
        integrationEvent('h-from', { timestamp: at('2026-11-30T09:30:00.000Z') }),
        integrationEvent('h-0959', { timestamp: at('2026-11-30T09:59:59.999Z') }),
        integrationEvent('h-1000-b', { timestamp: at('2026-11-30T10:00:00.000Z') }),
        integrationEvent('h-1000-a', { timestamp: at('2026-11-30T10:00:00.000Z'), correlationId: 'c' }),
        integrationEvent('h-1030', { timestamp: at('2026-11-30T10:30:00.000Z') }),
        integrationEvent('h-1159', { timestamp: at('2026-11-30T11:59:59.999Z') }),
        integrationEvent('h-to', { timestamp: at('2026-11-30T12:00:00.000Z') }),
        integrationEvent('h-next-day', { timestamp: at('2026-12-01T10:30:00.000Z') }),
      ];
      for (const event of events) {
        await hourly.claim(pending(event, now), EXPIRES_AT, now);
        await hourly.markPublished(TENANT, event.id, new Date(now).toISOString());
      }
      await hourly.claim(
        pending(integrationEvent('h-pending', { timestamp: at('2026-11-30T10:15:00.000Z') }), now),
        EXPIRES_AT,
        now,
      );
      const failed = integrationEvent('h-failed', { timestamp: at('2026-11-30T10:16:00.000Z') });
      await hourly.claim(pending(failed, now), EXPIRES_AT, now);
      await hourly.markFailed(TENANT, failed.id, { code: 'X', message: 'refused' });

      // Act
      const ids: string[] = [];
      for await (const event of hourly.listPublishedBetween(
        TENANT,
        at('2026-11-30T09:30:00.000Z'),
        at('2026-11-30T12:00:00.000Z'),
      )) {
        ids.push(event.id);
      }
      const empty: string[] = [];
      for await (const event of hourly.listPublishedBetween(
        TENANT,
        at('2026-11-30T12:00:00.000Z'),
        at('2026-11-30T09:00:00.000Z'),
      )) {
        empty.push(event.id);
      }

      // Assess
      expect(ids).toEqual(['h-from', 'h-0959', 'h-1000-a', 'h-1000-b', 'h-1030', 'h-1159']);
      expect(empty).toEqual([]);
    });
  });
});

describe('DynamoDbEventLog tenants (dynalite)', () => {
  const now = Date.parse('2026-11-30T10:20:00.000Z');

  it("treats another tenant's use of an id as its own event: claim, get, correlation and hour listings per tenant", async () => {
    // Prepare
    const { client, tableName } = await freshTable(eventsTable);
    const log = new DynamoDbEventLog(client, tableName);
    const mine = integrationEvent('evt-shared', { correlationId: 'corr-shared' });
    const theirs = integrationEvent('evt-shared', { correlationId: 'corr-shared', payload: { other: true } });
    await log.claim(pending(mine, now), EXPIRES_AT, now);
    await log.markPublished(TENANT, mine.id, new Date(now).toISOString(), 'eb-mine');

    // Act
    const theirClaim = await log.claim({ ...pending(theirs, now), owner: OTHER }, EXPIRES_AT, now);
    await log.markPublished(OTHER.tenant, theirs.id, new Date(now).toISOString(), 'eb-theirs');
    const byCorrelation = async (tenant: string) =>
      (await log.listByCorrelation(tenant, 'corr-shared', { limit: 10 })).items.map((r) => r.event.payload);
    const byHour = async (tenant: string) => {
      const found: IntegrationEvent[] = [];
      for await (const event of log.listPublishedBetween(tenant, now - 3_600_000, now + 3_600_000)) found.push(event);
      return found.map((e) => e.payload);
    };

    // Assess
    expect(theirClaim).toEqual({ claimed: true });
    expect(await log.get(TENANT, 'evt-shared')).toMatchObject({ event: mine, owner: OWNER, eventBridgeId: 'eb-mine' });
    expect(await log.get(OTHER.tenant, 'evt-shared')).toMatchObject({ event: theirs, owner: OTHER });
    expect(await log.get('initech', 'evt-shared')).toBeUndefined();
    expect(await byCorrelation(TENANT)).toEqual([mine.payload]);
    expect(await byCorrelation(OTHER.tenant)).toEqual([theirs.payload]);
    expect(await byHour(TENANT)).toEqual([mine.payload]);
    expect(await byHour(OTHER.tenant)).toEqual([theirs.payload]);
  });

  it("leaves another tenant's record alone when marking the same id", async () => {
    // Prepare
    const { client, tableName } = await freshTable(eventsTable);
    const log = new DynamoDbEventLog(client, tableName);
    const event = integrationEvent('evt-mark');
    await log.claim(pending(event, now), EXPIRES_AT, now);

    // Act
    await log.markFailed(OTHER.tenant, event.id, { code: 'X', message: 'not theirs' });
    await log.markPublished(OTHER.tenant, event.id, new Date(now).toISOString());

    // Assess
    expect(await log.get(TENANT, event.id)).toMatchObject({ status: 'pending' });
    expect(await log.get(OTHER.tenant, event.id)).toBeUndefined();
  });
});

describe('DynamoDbSourceClaims (dynalite)', () => {
  it('gives a source to the first tenant of racing claims, idempotently for its owner', async () => {
    // Prepare
    const { client, tableName } = await freshTable(eventsTable);
    const sources = new DynamoDbSourceClaims(client, tableName, () => new Date(now0));
    const tenants = ['t-1', 't-2', 't-3', 't-4', 't-5'];

    // Act
    const results = await Promise.all(tenants.map((tenant) => sources.claim('shop', { tenant, principal: 'p' })));
    const winner = tenants[results.indexOf(true)] as string;
    const again = await sources.claim('shop', { tenant: winner, principal: 'another-principal' });
    const stored = await client.send(new GetCommand({ TableName: tableName, Key: { pk: 'SOURCE#shop' } }));

    // Assess
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(again).toBe(true);
    expect(stored.Item).toMatchObject({
      owner: { tenant: winner, principal: 'p' },
      claimedAt: new Date(now0).toISOString(),
    });
    expect(await sources.claim('shop', { tenant: 'someone-else', principal: 'p' })).toBe(false);
    expect(await sources.claim('shop.other', { tenant: 'someone-else', principal: 'p' })).toBe(true);
  });
});
const now0 = Date.parse('2026-11-30T10:00:00.000Z');

describe('DynamoDbSubscriptionRepository (dynalite)', () => {
  let repository: DynamoDbSubscriptionRepository;
  let table: Awaited<ReturnType<typeof freshTable>>;

  beforeAll(async () => {
    table = await freshTable(deliveryTable);
    repository = new DynamoDbSubscriptionRepository(table.client, table.tableName);
  });

  function subscription(id: string, overrides: Partial<Subscription> = {}): Subscription {
    return {
      owner: OWNER,
      id,
      eventType: 'order.created',
      target: { type: 'webhook', url: 'https://hooks.example.com/orders', secrets: [PLACEHOLDER_SECRET] },
      maxRetries: 5,
      retryPolicy: { backoffStrategy: 'exponential', initialDelayMs: 1_000, maxDelayMs: 60_000, jitter: 'full' },
      timeoutMs: 10_000,
      priority: 0,
      deliveryFormat: 'application/json',
      status: 'provisioning',
      createdAt: '2026-11-30T10:00:00.000Z',
      ...overrides,
    };
  }

  describe('deliveryFormat', () => {
    it('stores a delivery format and reads it back', async () => {
      // Act
      await repository.create(subscription('msgpack-sub', { deliveryFormat: 'application/msgpack' }));

      // Assess
      expect((await repository.get(keyOf('msgpack-sub')))?.deliveryFormat).toBe('application/msgpack');
    });

    it('reads an item stored before delivery formats as JSON, in get, list and page', async () => {
      // Prepare: the item as the repository wrote it before the field existed
      const { deliveryFormat: _none, ...old } = subscription('old-sub');
      await table.client.send(
        new PutCommand({
          TableName: table.tableName,
          Item: { ...old, pk: `SUBSCRIPTION#${OWNER.tenant}`, sk: 'old-sub' },
        }),
      );

      // Act
      const got = await repository.get(keyOf('old-sub'));
      const listed = (await repository.list(OWNER.tenant)).find((s) => s.id === 'old-sub');
      const paged = (await repository.page(OWNER.tenant, { limit: 100 })).items.find((s) => s.id === 'old-sub');

      // Assess
      expect(got).toEqual({ ...old, deliveryFormat: 'application/json' });
      expect(listed?.deliveryFormat).toBe('application/json');
      expect(paged?.deliveryFormat).toBe('application/json');
    });
  });

  describe('create', () => {
    it('lets exactly one of 10 racing creations of one id win and shows the others what is stored', async () => {
      // Prepare
      const candidates = Array.from({ length: 10 }, (_, i) =>
        subscription('race-sub', {
          target: { type: 'webhook', url: `https://h${i}.example.com/`, secrets: [PLACEHOLDER_SECRET] },
        }),
      );

      // Act
      const results = await Promise.all(candidates.map((c) => repository.create(c)));

      // Assess
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const stored = await repository.get(keyOf('race-sub'));
      expect(stored).toEqual(candidates[results.findIndex((r) => r.created)]);
      for (const loser of results.filter((r) => !r.created)) {
        expect(loser).toEqual({ created: false, existing: stored });
      }
    });

    it('keeps filters with reserved words as keys and deeper than 32 levels', async () => {
      // Prepare
      let deep: Record<string, unknown> = { status: ['paid'] };
      for (let i = 0; i < 40; i++) deep = { level: deep };
      const filter = { name: [{ prefix: 'a' }], size: [{ numeric: ['>', 100] }], ttl: [{ exists: true }], deep };

      // Act
      await repository.create(subscription('filtered-sub', { filter }));

      // Assess
      expect((await repository.get(keyOf('filtered-sub')))?.filter).toEqual(filter);
    });
  });

  describe('activate', () => {
    it('marks an existing subscription active with its rule ARN and returns it', async () => {
      // Prepare
      await repository.create(subscription('activate-sub'));
      const ruleArn = 'arn:aws:events:eu-west-1:123456789012:rule/aif-bus/aif-dev-sub-activate-sub';

      // Act
      const active = await repository.activate(keyOf('activate-sub'), ruleArn);

      // Assess
      expect(active).toEqual(subscription('activate-sub', { status: 'active', ruleArn }));
      expect(await repository.get(keyOf('activate-sub'))).toEqual(active);
      expect(await repository.activate(keyOf('activate-sub'))).toEqual(active);
    });

    it('answers undefined for a missing subscription and does not create it', async () => {
      expect(await repository.activate(keyOf('ghost-sub'), 'arn')).toBeUndefined();
      expect(await repository.get(keyOf('ghost-sub'))).toBeUndefined();
    });
  });

  describe('list / delete', () => {
    it('lists every subscription in id order and deletes one once', async () => {
      // Prepare
      const own = await freshTable(deliveryTable);
      const isolated = new DynamoDbSubscriptionRepository(own.client, own.tableName);
      for (const id of ['m-sub', 'b-sub', 'z-sub', 'a-sub']) await isolated.create(subscription(id));

      // Act
      const listed = await isolated.list(TENANT);
      const deleted = await isolated.delete(keyOf('m-sub'));
      const deletedAgain = await isolated.delete(keyOf('m-sub'));

      // Assess
      expect(listed.map((s) => s.id)).toEqual(['a-sub', 'b-sub', 'm-sub', 'z-sub']);
      expect(deleted).toBe(true);
      expect(deletedAgain).toBe(false);
      expect((await isolated.list(TENANT)).map((s) => s.id)).toEqual(['a-sub', 'b-sub', 'z-sub']);
    });
  });

  describe('tenants', () => {
    it("keeps two tenants' subscriptions of one id apart: get, list, activate and delete see the caller's only", async () => {
      // Prepare
      const own = await freshTable(deliveryTable);
      const isolated = new DynamoDbSubscriptionRepository(own.client, own.tableName);
      const mine = subscription('shared-id');
      const theirs = subscription('shared-id', { owner: OTHER, eventType: 'invoice.sent' });
      await isolated.create(subscription('only-mine'));

      // Act
      const created = await Promise.all([isolated.create(mine), isolated.create(theirs)]);
      const activatedTheirs = await isolated.activate(keyOf('only-mine', OTHER.tenant), 'arn');
      const deletedByThem = await isolated.delete(keyOf('only-mine', OTHER.tenant));

      // Assess
      expect(created).toEqual([{ created: true }, { created: true }]);
      expect(await isolated.get(keyOf('shared-id'))).toEqual(mine);
      expect(await isolated.get(keyOf('shared-id', OTHER.tenant))).toEqual(theirs);
      expect((await isolated.list(TENANT)).map((s) => s.id)).toEqual(['only-mine', 'shared-id']);
      expect(await isolated.list(OTHER.tenant)).toEqual([theirs]);
      expect(activatedTheirs).toBeUndefined();
      expect(deletedByThem).toBe(false);
      expect(await isolated.get(keyOf('only-mine'))).toEqual(subscription('only-mine'));
      expect(await isolated.get(keyOf('only-mine', OTHER.tenant))).toBeUndefined();
      expect((await isolated.listAll()).map((s) => `${s.owner.tenant}/${s.id}`).sort()).toEqual([
        'acme/only-mine',
        'acme/shared-id',
        'globex/shared-id',
      ]);
    });

    it('never reads a tenant whose name holds the key separator as another tenant', async () => {
      // Prepare: "acme#x" must not read as the partition of "acme" plus anything
      const own = await freshTable(deliveryTable);
      const isolated = new DynamoDbSubscriptionRepository(own.client, own.tableName);
      await isolated.create(subscription('sub-1', { owner: { tenant: 'acme#x', principal: 'p' } }));

      // Act
      const listedByAcme = await isolated.list(TENANT);

      // Assess
      expect(listedByAcme).toEqual([]);
      expect((await isolated.list('acme#x')).map((s) => s.id)).toEqual(['sub-1']);
    });
  });
});

describe('DynamoDbDeadLetterRepository (dynalite)', () => {
  let repository: DynamoDbDeadLetterRepository;
  const base = Date.parse('2026-11-30T10:00:00.000Z');

  beforeAll(async () => {
    const { client, tableName } = await freshTable(deliveryTable);
    repository = new DynamoDbDeadLetterRepository(client, tableName, 30);
  });

  function deadLetter(n: number, subscriptionId: string, eventType: string): DeadLetter {
    const event = integrationEvent(`dl-evt-${n}`, { type: eventType });
    return {
      id: newDeadLetterId(base + n * 1_000, () => n / 100),
      subscriptionId,
      eventId: event.id,
      eventType,
      event,
      attempts: 6,
      reason: 'retries-exhausted',
      lastStatus: 503,
      lastError: { code: 'HTTP_503', category: 'transient', message: 'Service Unavailable' },
      createdAt: new Date(base + n * 1_000).toISOString(),
      owner: OWNER,
    };
  }

  it("counts a tenant's dead letters by subscription, and stops at max with truncated", async () => {
    // Prepare: a tenant of its own, so the other tests' dead letters are not counted
    const owner = { tenant: 'counted', principal: 'agent-1' };
    for (const [n, sub] of [
      [901, 'sub-a'],
      [902, 'sub-b'],
      [903, 'sub-a'],
    ] as const) {
      await repository.put({ ...deadLetter(n, sub, 'order.created'), owner });
    }

    // Act
    const all = await repository.count('counted', 10);
    const capped = await repository.count('counted', 2);
    const none = await repository.count('nobody', 10);

    // Assess
    expect(all).toEqual({ total: 3, bySubscription: { 'sub-a': 2, 'sub-b': 1 }, truncated: false });
    expect(capped.total).toBe(2);
    expect(capped.truncated).toBe(true);
    expect(none).toEqual({ total: 0, bySubscription: {}, truncated: false });
  });

  /** Every page of a listing, page size 2. */
  async function listAll(filter: { subscriptionId?: string; type?: string }): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await repository.list(TENANT, { ...filter, limit: 2, ...(cursor && { cursor }) });
      ids.push(...page.items.map((d) => d.id));
      cursor = page.nextCursor;
    } while (cursor);
    return ids;
  }

  describe('newDeadLetterId', () => {
    it('makes ids that sort by creation time', () => {
      expect(newDeadLetterId(1_796_032_800_000, () => 0.5)).toBe('dl-1796032800000-80000000');
      expect(newDeadLetterId(5, () => 0)).toBe('dl-0000000000005-00000000');
      expect(newDeadLetterId(1, () => 0.999999999999)).toBe('dl-0000000000001-ffffffff');
      expect(newDeadLetterId(Date.now())).toMatch(/^dl-\d{13}-[0-9a-f]{8}$/);
      const ids = [999, 1_000, 10_000, 1_796_032_800_000].map((t) => newDeadLetterId(t));
      expect([...ids].sort()).toEqual(ids);
      expect(() => newDeadLetterId(-1)).toThrow(RangeError);
      expect(() => newDeadLetterId(1.5)).toThrow(RangeError);
    });
  });

  describe('list', () => {
    it('lists newest first, by subscription and by type, page by page', async () => {
      // Prepare
      const letters = [
        deadLetter(1, 'sub-a', 'order.created'),
        deadLetter(2, 'sub-b', 'order.created'),
        deadLetter(3, 'sub-a', 'order.paid'),
        deadLetter(4, 'sub-a', 'order.created'),
        deadLetter(5, 'sub-b', 'order.paid'),
        deadLetter(6, 'sub-a', 'order.created'),
      ];
      await Promise.all(letters.map((d) => repository.put(d)));
      const idOf = (n: number) => letters[n - 1]!.id;

      // Act
      const bySubscription = await listAll({ subscriptionId: 'sub-a' });
      const byType = await listAll({ type: 'order.created' });
      const all = await listAll({});

      // Assess
      expect(bySubscription).toEqual([6, 4, 3, 1].map(idOf));
      expect(byType).toEqual([6, 4, 2, 1].map(idOf));
      expect(all).toEqual([6, 5, 4, 3, 2, 1].map(idOf));
      expect(await repository.get(TENANT, idOf(3))).toEqual(letters[2]);
      const first = await repository.list(TENANT, { subscriptionId: 'sub-b', limit: 5 });
      expect(first.items).toEqual([letters[4], letters[1]]);
    });

    it('fails cursors of another listing and crafted cursors with a 400', async () => {
      // Prepare
      const letters = [7, 8, 9].map((n) => deadLetter(n, 'sub-c', 'invoice.sent'));
      await Promise.all(letters.map((d) => repository.put(d)));
      const bySubscription = await repository.list(TENANT, { subscriptionId: 'sub-c', limit: 1 });
      const byType = await repository.list(TENANT, { type: 'invoice.sent', limit: 1 });
      const all = await repository.list(TENANT, { limit: 1 });
      const id = letters[2]!.id;
      const attempts: Array<[{ subscriptionId?: string; type?: string }, string | undefined]> = [
        [{ subscriptionId: 'sub-a' }, bySubscription.nextCursor],
        [{ type: 'invoice.sent' }, bySubscription.nextCursor],
        [{}, bySubscription.nextCursor],
        [{ subscriptionId: 'sub-c' }, byType.nextCursor],
        [{ type: 'order.paid' }, byType.nextCursor],
        [{ subscriptionId: 'sub-c' }, all.nextCursor],
        [{}, cursorOf({ pk: 'SUBSCRIPTION', sk: id })],
        [{}, cursorOf({ pk: 'DEADLETTER', sk: 'x'.repeat(1100) })],
        [{ subscriptionId: 'sub-c' }, cursorOf({ pk: 'DEADLETTER', sk: id, gsi1pk: 'SUB#sub-c', gsi1sk: 'dl-0' })],
        [
          { subscriptionId: 'sub-c' },
          cursorOf({ pk: 'DEADLETTER', sk: 'y'.repeat(1100), gsi1pk: 'SUB#sub-c', gsi1sk: 'y'.repeat(1100) }),
        ],
        [{}, 'bm90IGpzb24'],
      ];

      // Act / Assess
      for (const [filter, cursor] of attempts) {
        expect(cursor).toBeDefined();
        await expect(repository.list(TENANT, { ...filter, limit: 1, cursor })).rejects.toBeInstanceOf(
          MalformedInputError,
        );
      }
      await expect(
        repository.list(TENANT, { subscriptionId: 'sub-c', type: 'invoice.sent', limit: 1 }),
      ).rejects.toBeInstanceOf(ValidationError);
    });
  });

  describe('tenants', () => {
    it("never lists, gets, claims, releases or deletes another tenant's dead letters", async () => {
      // Prepare
      const own = await freshTable(deliveryTable);
      const isolated = new DynamoDbDeadLetterRepository(own.client, own.tableName, 30);
      const mine = deadLetter(40, 'sub-shared', 'order.created');
      const theirs = { ...deadLetter(41, 'sub-shared', 'order.created'), owner: OTHER };
      await isolated.put(mine);
      await isolated.put(theirs);
      const ids = async (tenant: string, filter: { subscriptionId?: string; type?: string }) =>
        (await isolated.list(tenant, { ...filter, limit: 10 })).items.map((d) => d.id);

      // Act
      const claimedByThem = await isolated.claim(OTHER.tenant, mine.id, base, base - 1);
      const deletedByThem = await isolated.delete(OTHER.tenant, mine.id);
      await isolated.release(OTHER.tenant, mine.id);

      // Assess
      for (const filter of [{}, { subscriptionId: 'sub-shared' }, { type: 'order.created' }]) {
        expect(await ids(TENANT, filter)).toEqual([mine.id]);
        expect(await ids(OTHER.tenant, filter)).toEqual([theirs.id]);
      }
      expect(claimedByThem).toBeUndefined();
      expect(deletedByThem).toBe(false);
      expect(await isolated.get(OTHER.tenant, mine.id)).toBeUndefined();
      expect(await isolated.get(TENANT, mine.id)).toEqual(mine);
      expect(await isolated.get(OTHER.tenant, theirs.id)).toEqual(theirs);
      expect(await isolated.claim(TENANT, mine.id, base, base - 1)).toEqual(mine);
    });
  });

  describe('claim / release / delete', () => {
    it('lets exactly one of 10 racing claims win', async () => {
      // Prepare
      const letter = deadLetter(20, 'sub-claim', 'order.created');
      await repository.put(letter);
      const now = base + 60_000;

      // Act
      const results = await Promise.all(
        Array.from({ length: 10 }, () => repository.claim(TENANT, letter.id, now, now - 300_000)),
      );

      // Assess
      const winners = results.filter((r) => r !== undefined);
      expect(winners).toEqual([letter]);
    });

    it('takes over a stale claim, claims again after a release, and never claims a missing one', async () => {
      // Prepare
      const letter = deadLetter(21, 'sub-claim', 'order.created');
      await repository.put(letter);
      const t0 = base + 60_000;
      await repository.claim(TENANT, letter.id, t0, t0 - 300_000);

      // Act
      const fresh = await repository.claim(TENANT, letter.id, t0 + 1_000, t0);
      const stale = await repository.claim(TENANT, letter.id, t0 + 400_000, t0 + 1);
      const whileHeld = await repository.claim(TENANT, letter.id, t0 + 400_001, t0 + 1);
      await repository.release(TENANT, letter.id);
      const afterRelease = await repository.claim(TENANT, letter.id, t0 + 400_002, t0 - 1_000_000);
      const missing = await repository.claim(TENANT, 'dl-0000000000000-00000000', t0, t0);

      // Assess
      expect(fresh).toBeUndefined();
      expect(stale).toEqual(letter);
      expect(whileHeld).toBeUndefined();
      expect(afterRelease).toEqual(letter);
      expect(missing).toBeUndefined();
      expect(await repository.get(TENANT, 'dl-0000000000000-00000000')).toBeUndefined();
    });

    it('deletes once and does not re-create a released dead letter after its deletion', async () => {
      // Prepare
      const letter = deadLetter(22, 'sub-delete', 'order.created');
      await repository.put(letter);

      // Act
      const deleted = await repository.delete(TENANT, letter.id);
      const again = await repository.delete(TENANT, letter.id);
      await repository.release(TENANT, letter.id);

      // Assess
      expect(deleted).toBe(true);
      expect(again).toBe(false);
      expect(await repository.get(TENANT, letter.id)).toBeUndefined();
      expect((await repository.list(TENANT, { subscriptionId: 'sub-delete', limit: 5 })).items).toEqual([]);
    });

    it('rejects an event too large for an item with InputTooLargeError', async () => {
      // Prepare
      const letter = deadLetter(23, 'sub-large', 'order.created');
      letter.event = { ...letter.event, payload: { blob: incompressibleText(500 * 1024) } };

      // Act / Assess
      await expect(repository.put(letter)).rejects.toBeInstanceOf(InputTooLargeError);
    });
  });
});
