import { describe, expect, it } from 'vitest';
import { NotOwnerError } from '../../../../shared/domain/auth/errors';
import { contentHash } from '../../../../shared/domain/canonical-json';
import type { ContractDocumentInput, ContractVersion } from '../../../../shared/domain/contracts/contract';
import { CompiledContractCache } from '../../../../shared/domain/contracts/validator';
import {
  ConflictError,
  DependencyUnavailableError,
  InputTooLargeError,
  ValidationError,
} from '../../../../shared/domain/errors';
import type { IntegrationEvent } from '../../../../shared/domain/events/integration-event';
import { TENANT_METADATA_KEY } from '../../../../shared/domain/events/tenancy';
import type { EventLog, EventRecord } from '../../../../shared/ports/event-log';
import type { PublishOutcome } from '../../../../shared/ports/event-publisher';
import type { SourceClaims } from '../../../../shared/ports/source-claims';
import { ErrorPolicyCache } from '../../../../shared/use-cases/error-policy-cache';
import {
  PUBLISH_LEASE_MS,
  type PublishEventsDeps,
  type PublishReport,
  publishEvents,
  publishFailure,
} from '../../../../shared/use-cases/publish-events';
import { recordingClock } from '../../../support/clock';
import { AUTH_OFF_OWNER, storedVersion } from '../../../support/contracts';
import { rejectionOf } from '../../../support/rejection';

const START = Date.parse('2026-11-30T10:00:00Z');
// The tenant the test contracts belong to (`storedVersion`'s default owner): they judge this publisher's payloads.
const TENANT = AUTH_OFF_OWNER.tenant;
const OWNER = { tenant: TENANT, principal: 'agent-1' };

/** Source claims in memory, with DynamoDbSourceClaims' rule: the first tenant keeps a source. */
function memorySources(claims = new Map<string, string>()): SourceClaims & { claims: Map<string, string> } {
  return {
    claims,
    claim: async (source, owner) => {
      if (!claims.has(source)) claims.set(source, owner.tenant);
      return claims.get(source) === owner.tenant;
    },
  };
}

/** The event log in memory, with DynamoDbEventLog's claim rule; one tenant publishes, so records are keyed by id. */
function memoryEventLog(records = new Map<string, EventRecord>()): EventLog & { records: Map<string, EventRecord> } {
  return {
    records,
    claim: async (record, _expiresAt, now) => {
      const existing = records.get(record.event.id);
      const takeOver =
        existing?.contentHash === record.contentHash &&
        (existing.status === 'failed' || (existing.status === 'pending' && (existing.leaseUntil ?? 0) < now));
      if (existing && !takeOver) return { claimed: false, existing };
      records.set(record.event.id, { ...record, receivedAt: existing?.receivedAt ?? record.receivedAt });
      return { claimed: true };
    },
    markPublished: async (_tenant, id, publishedAt, eventBridgeId) => {
      const current = records.get(id);
      if (current?.status !== 'pending') return;
      const { leaseUntil: _lease, ...rest } = current;
      records.set(id, { ...rest, status: 'published', publishedAt, ...(eventBridgeId && { eventBridgeId }) });
    },
    markFailed: async (_tenant, id, error) => {
      const current = records.get(id);
      if (current?.status !== 'pending') return;
      const { leaseUntil: _lease, ...rest } = current;
      records.set(id, { ...rest, status: 'failed', error });
    },
    get: async (_tenant, id) => records.get(id),
    listByCorrelation: async () => ({ items: [] }),
    listPublishedBetween: async function* () {},
  };
}

/** A bus whose n-th call answers `script[n]` for each event (default: published); every call recorded. */
function scriptedBus(...script: Array<(event: IntegrationEvent) => PublishOutcome>) {
  const calls: IntegrationEvent[][] = [];
  return {
    calls,
    publish: async (events: readonly IntegrationEvent[]): Promise<PublishOutcome[]> => {
      const answer = script[calls.length] ?? published;
      calls.push([...events]);
      return events.map(answer);
    },
  };
}
const published = (e: IntegrationEvent): PublishOutcome => ({
  id: e.id,
  status: 'published',
  eventBridgeId: `eb-${e.id}`,
});
const refused =
  (code: string, retryable: boolean, ids?: string[]) =>
  (e: IntegrationEvent): PublishOutcome =>
    !ids || ids.includes(e.id)
      ? { id: e.id, status: 'failed', errorCode: code, errorMessage: `${code} for ${e.id}`, retryable }
      : published(e);

const event = (id: string, overrides: Partial<IntegrationEvent> = {}): IntegrationEvent => ({
  id,
  type: 'order.created',
  version: '1.0.0',
  source: 'shop.orders',
  timestamp: START - 60_000,
  payload: { orderId: id, total: 120 },
  // As it travels: stamped with the publisher's tenant.
  metadata: { [TENANT_METADATA_KEY]: TENANT },
  ...overrides,
});

/** The event contract `order.created@1.0.0`: payload needs orderId (string) and total (number ≥ 0). */
const orderContract = (schemas?: ContractDocumentInput['schemas']): ContractVersion =>
  storedVersion({
    name: 'order.created',
    version: '1.0.0',
    schemas: schemas ?? {
      ...storedVersion().schemas,
      payload: {
        type: 'object',
        required: ['orderId', 'total'],
        properties: { orderId: { type: 'string' }, total: { type: 'number', minimum: 0 } },
      },
    },
  });

function fakes(
  options: {
    bus?: ReturnType<typeof scriptedBus>;
    contracts?: ContractVersion[];
    log?: ReturnType<typeof memoryEventLog>;
    sources?: ReturnType<typeof memorySources>;
  } = {},
) {
  const clock = recordingClock(START);
  const log = options.log ?? memoryEventLog();
  const bus = options.bus ?? scriptedBus();
  const contracts = options.contracts ?? [];
  const sources = options.sources ?? memorySources();
  const deps: PublishEventsDeps = {
    eventLog: log,
    events: bus,
    sources,
    contracts: {
      listVersionHeaders: async (tenant, name) => contracts.filter((c) => c.owner.tenant === tenant && c.name === name),
      getVersion: async (tenant, name, version) =>
        contracts.find((c) => c.owner.tenant === tenant && c.name === name && c.version === version),
    },
    compiled: new CompiledContractCache(8),
    policyCache: new ErrorPolicyCache(
      {
        list: async () => [],
        get: async () => undefined,
        put: async () => Promise.reject(),
        delete: async () => false,
      },
      clock,
    ),
    clock,
    retentionDays: 30,
  };
  return { deps, clock, log, bus, sources };
}

const pointers = (report: PublishReport) =>
  report.results.flatMap((r) => ('errors' in r ? (r.errors ?? []).map((e) => e.pointer) : [])).sort();

describe('publishEvents', () => {
  describe('one envelope', () => {
    it('claims the id, puts the event on the bus and records it published', async () => {
      // Prepare
      const { deps, bus, log } = fakes();

      // Act
      const report = await publishEvents(deps, event('evt-1'), OWNER);

      // Assess
      expect(report).toEqual({
        outcome: 'published',
        failedEntryCount: 0,
        results: [{ index: 0, id: 'evt-1', status: 'published', eventBridgeId: 'eb-evt-1' }],
      });
      expect(bus.calls).toEqual([[event('evt-1')]]);
      expect(log.records.get('evt-1')).toMatchObject({
        status: 'published',
        eventBridgeId: 'eb-evt-1',
        contentHash: contentHash(event('evt-1')),
        receivedAt: new Date(START).toISOString(),
      });
    });

    it('fills in the default metadata before hashing, so an envelope without metadata is the same event', async () => {
      // Prepare
      const { deps, bus } = fakes();
      const { metadata: _none, ...bare } = event('evt-1');

      // Act
      const first = await publishEvents(deps, bare, OWNER);
      const again = await publishEvents(deps, event('evt-1'), OWNER);

      // Assess
      expect(first.results[0]?.status).toBe('published');
      expect(again.results[0]).toMatchObject({ status: 'duplicate', eventBridgeId: 'eb-evt-1' });
      expect(bus.calls).toHaveLength(1);
    });

    it('rejects a body that is neither an envelope nor an array of 1–100', async () => {
      // Prepare
      const { deps } = fakes();

      // Act
      const empty = await rejectionOf<ValidationError>(publishEvents(deps, [], OWNER));
      const tooMany = await rejectionOf<ValidationError>(
        publishEvents(
          deps,
          Array.from({ length: 101 }, (_, i) => event(`e-${i}`)),
          OWNER,
        ),
      );
      const scalar = await rejectionOf<ValidationError>(publishEvents(deps, 'evt-1', OWNER));

      // Assess
      for (const error of [empty, tooMany, scalar]) expect(error).toBeInstanceOf(ValidationError);
    });
  });

  describe('validation', () => {
    it('rejects invalid envelopes of a batch with pointers under their index, and publishes the others', async () => {
      // Prepare
      const { deps, bus } = fakes();
      const { payload: _missing, ...noPayload } = event('evt-2');

      // Act
      const report = await publishEvents(
        deps,
        [event('evt-1'), noPayload, { ...event('evt-3'), source: 'aws.ec2', extra: 1 }],
        OWNER,
      );

      // Assess
      expect(report).toMatchObject({ outcome: 'partially-published', failedEntryCount: 2 });
      expect(report.results.map((r) => r.status)).toEqual(['published', 'rejected', 'rejected']);
      expect(pointers(report)).toEqual(['/1/payload', '/2/extra', '/2/source']);
      expect(report.results[1]).toMatchObject({ id: 'evt-2', httpStatus: 422 });
      expect(bus.calls.flat().map((e) => e.id)).toEqual(['evt-1']);
    });

    it('rejects the second use of an id in one batch, pointing at it', async () => {
      // Prepare
      const { deps, bus } = fakes();

      // Act
      const report = await publishEvents(deps, [event('evt-1'), event('evt-2'), event('evt-1')], OWNER);

      // Assess
      expect(report).toMatchObject({ outcome: 'partially-published', failedEntryCount: 1 });
      expect(report.results[2]).toMatchObject({ status: 'rejected', errors: [{ pointer: '/2/id' }] });
      expect(bus.calls.flat().map((e) => e.id)).toEqual(['evt-1', 'evt-2']);
    });

    it('validates the payload against the event contract named like the type, schema "payload"', async () => {
      // Prepare
      const { deps, bus } = fakes({ contracts: [orderContract()] });

      // Act
      const report = await publishEvents(
        deps,
        [
          event('evt-1'),
          event('evt-2', { payload: { orderId: 7, total: -1 } }),
          event('evt-3', { type: 'order.cancelled', payload: { anything: true } }),
        ],
        OWNER,
      );

      // Assess
      expect(report).toMatchObject({ outcome: 'partially-published', failedEntryCount: 1 });
      expect(report.results.map((r) => r.status)).toEqual(['published', 'rejected', 'published']);
      expect(pointers(report)).toEqual(['/1/payload/orderId', '/1/payload/total']);
      // Sorted: publishEvents sends them in the order their validation finished, not in input order.
      expect(
        bus.calls
          .flat()
          .map((e) => e.id)
          .sort(),
      ).toEqual(['evt-1', 'evt-3']);
    });

    it('judges payloads by the publisher’s tenant’s event contracts only', async () => {
      // Prepare: tenant-a registered order.created; tenant-b registered nothing under that name
      const { deps } = fakes({ contracts: [{ ...orderContract(), owner: { tenant: 'tenant-a', principal: 'a' } }] });
      const invalid = event('evt-bad', { payload: { orderId: 7 } });

      // Act
      const byA = await publishEvents(deps, invalid, { tenant: 'tenant-a', principal: 'a' });
      const byB = await publishEvents(deps, event('evt-bad-b', { payload: { orderId: 7 } }), {
        tenant: 'tenant-b',
        principal: 'b',
      });

      // Assess
      expect(byA.outcome).toBe('refused');
      expect(pointers(byA)).toEqual(['/payload/orderId', '/payload/total']);
      expect(byB.results).toEqual([expect.objectContaining({ status: 'published' })]);
    });

    it('accepts a version that coerces to semver, as sent, and checks it against the contract at the coerced version', async () => {
      // Prepare
      const { deps, bus } = fakes({ contracts: [orderContract()] });

      // Act
      const report = await publishEvents(
        deps,
        [event('evt-1', { version: '1.0' }), event('evt-2', { version: 'v1', payload: { orderId: 7 } })],
        OWNER,
      );

      // Assess
      expect(report.results.map((r) => r.status)).toEqual(['published', 'rejected']);
      expect(pointers(report)).toEqual(['/1/payload/orderId', '/1/payload/total']);
      expect(bus.calls.flat().map((e) => e.version)).toEqual(['1.0']);
    });

    it('rejects a version that does not coerce to semver, saying why', async () => {
      // Prepare
      const { deps } = fakes();

      // Act
      const report = await publishEvents(
        deps,
        [event('evt-1', { version: 'latest' }), event('evt-2', { version: '1.2.3.4' })],
        OWNER,
      );

      // Assess
      expect(report.outcome).toBe('refused');
      expect(report.results.flatMap((r) => ('errors' in r ? (r.errors ?? []) : []))).toEqual([
        expect.objectContaining({ pointer: '/0/version', message: expect.stringContaining('1.0 → 1.0.0') }),
        expect.objectContaining({ pointer: '/1/version', message: expect.stringContaining('semantic version') }),
      ]);
    });

    it('rejects an event whose version the contract lacks, or whose contract has no payload schema', async () => {
      // Prepare
      const { deps: versioned } = fakes({ contracts: [orderContract()] });
      const { deps: schemaless } = fakes({ contracts: [orderContract(storedVersion().schemas)] });

      // Act
      const unknownVersion = await publishEvents(versioned, event('evt-1', { version: '2.0.0' }), OWNER);
      const noSchema = await publishEvents(schemaless, event('evt-1'), OWNER);

      // Assess
      expect(pointers(unknownVersion)).toEqual(['/version']);
      expect(pointers(noSchema)).toEqual(['/type']);
    });

    it('refuses an entry over maxEntryBytes with 413 before claiming it', async () => {
      // Prepare
      const { deps, log, bus } = fakes();
      deps.maxEntryBytes = 2_048;

      // Act
      const report = await publishEvents(deps, event('evt-1', { payload: { blob: 'x'.repeat(2_048) } }), OWNER);

      // Assess
      expect(report).toMatchObject({ outcome: 'refused', failedEntryCount: 1 });
      expect(report.results[0]).toMatchObject({ status: 'rejected', httpStatus: 413, errors: [{ pointer: '/' }] });
      expect(log.records.size).toBe(0);
      expect(bus.calls).toEqual([]);
    });
  });

  describe('tenants and sources', () => {
    it("stamps every event with the publisher's tenant, overwriting a tenant claimed in the body", async () => {
      // Prepare
      const { deps, bus, log } = fakes();
      const forged = event('evt-1', { metadata: { [TENANT_METADATA_KEY]: 'globex', traceparent: 'x' } });

      // Act
      const report = await publishEvents(deps, forged, OWNER);

      // Assess
      expect(report.outcome).toBe('published');
      expect(bus.calls[0]?.[0]?.metadata).toEqual({ [TENANT_METADATA_KEY]: TENANT, traceparent: 'x' });
      expect(log.records.get('evt-1')).toMatchObject({
        owner: OWNER,
        event: { metadata: { [TENANT_METADATA_KEY]: TENANT } },
      });
    });

    it('refuses the reserved aif sources with 403 whatever their case, publishing the rest of the batch', async () => {
      // Prepare
      const { deps, bus, sources } = fakes();
      const batch = ['aif', 'aif.errors', 'AIF.mesh', 'aifshop', 'shop.aif'].map((source, i) =>
        event(`evt-${i}`, { source }),
      );

      // Act
      const report = await publishEvents(deps, batch, OWNER);

      // Assess
      expect(report).toMatchObject({ outcome: 'partially-published', failedEntryCount: 3 });
      expect(report.results.map((r) => r.status)).toEqual([
        'forbidden',
        'forbidden',
        'forbidden',
        'published',
        'published',
      ]);
      expect(report.results[1]).toMatchObject({
        httpStatus: 403,
        detail: 'The source aif.errors is reserved for the framework (aif and aif.*)',
        errors: [{ pointer: '/1/source', keyword: 'owner' }],
      });
      expect(bus.calls.flat().map((e) => e.id)).toEqual(['evt-3', 'evt-4']);
      expect([...sources.claims.keys()].sort()).toEqual(['aifshop', 'shop.aif']);
    });

    it("refuses a source another tenant claimed, naming it, while the caller's other entries publish", async () => {
      // Prepare
      const { deps, bus, log } = fakes({ sources: memorySources(new Map([['billing', 'globex']])) });

      // Act
      const report = await publishEvents(
        deps,
        [event('evt-1'), event('evt-2', { source: 'billing' }), event('evt-3')],
        OWNER,
      );

      // Assess
      expect(report).toMatchObject({ outcome: 'partially-published', failedEntryCount: 1 });
      expect(report.results[1]).toEqual({
        index: 1,
        id: 'evt-2',
        status: 'forbidden',
        httpStatus: 403,
        detail: 'The source billing belongs to another tenant',
        errors: [{ pointer: '/1/source', message: 'The source billing belongs to another tenant', keyword: 'owner' }],
      });
      expect(bus.calls.flat().map((e) => e.id)).toEqual(['evt-1', 'evt-3']);
      // The refused event claimed no id: the source's owner may still use it.
      expect(log.records.has('evt-2')).toBe(false);
    });

    it('claims a source for the first publisher and keeps publishing it (idempotent), not for the next tenant', async () => {
      // Prepare
      const { deps, sources } = fakes();
      const other = { tenant: 'globex', principal: 'agent-9' };

      // Act
      const first = await publishEvents(deps, event('evt-1'), OWNER);
      const again = await publishEvents(deps, event('evt-2'), OWNER);
      const theirs = await publishEvents(deps, event('evt-3'), other);

      // Assess
      expect([first.outcome, again.outcome]).toEqual(['published', 'published']);
      expect(sources.claims.get('shop.orders')).toBe(TENANT);
      expect(theirs).toMatchObject({ outcome: 'refused', results: [{ status: 'forbidden', httpStatus: 403 }] });
      expect(publishFailure(theirs)).toBeInstanceOf(NotOwnerError);
    });

    it('fails the entries of a source whose claim cannot be made now with 503', async () => {
      // Prepare
      const { deps } = fakes();
      deps.sources = {
        claim: async () => {
          throw new DependencyUnavailableError('The events table is throttled');
        },
      };

      // Act
      const report = await publishEvents(deps, event('evt-1'), OWNER);

      // Assess
      expect(report).toMatchObject({ outcome: 'refused', results: [{ status: 'failed', httpStatus: 503 }] });
      expect(publishFailure(report)).toBeInstanceOf(DependencyUnavailableError);
    });
  });

  describe('idempotency', () => {
    it('answers a published id with the same content as a duplicate without sending it again', async () => {
      // Prepare
      const log = memoryEventLog(
        new Map([
          [
            'evt-1',
            {
              event: event('evt-1'),
              contentHash: contentHash(event('evt-1')),
              status: 'published',
              receivedAt: 't0',
              owner: OWNER,
              publishedAt: '2026-11-30T09:00:00.000Z',
              eventBridgeId: 'eb-old',
            },
          ],
        ]),
      );
      const { deps, bus } = fakes({ log });

      // Act
      const report = await publishEvents(deps, event('evt-1'), OWNER);

      // Assess
      expect(report).toEqual({
        outcome: 'published',
        failedEntryCount: 0,
        results: [
          {
            index: 0,
            id: 'evt-1',
            status: 'duplicate',
            eventBridgeId: 'eb-old',
            publishedAt: '2026-11-30T09:00:00.000Z',
          },
        ],
      });
      expect(bus.calls).toEqual([]);
    });

    it('answers 409 for an id holding other content, and for one another request is publishing', async () => {
      // Prepare
      const log = memoryEventLog(
        new Map<string, EventRecord>([
          [
            'evt-1',
            { event: event('evt-1'), contentHash: 'other', status: 'published', receivedAt: 't0', owner: OWNER },
          ],
          [
            'evt-2',
            {
              event: event('evt-2'),
              contentHash: contentHash(event('evt-2')),
              status: 'pending',
              receivedAt: 't0',
              owner: OWNER,
              leaseUntil: START + PUBLISH_LEASE_MS,
            },
          ],
        ]),
      );
      const { deps, bus } = fakes({ log });

      // Act
      const report = await publishEvents(deps, [event('evt-1'), event('evt-2')], OWNER);

      // Assess
      expect(report).toMatchObject({ outcome: 'refused', failedEntryCount: 2 });
      expect(report.results).toEqual([
        expect.objectContaining({ id: 'evt-1', status: 'conflict', httpStatus: 409 }),
        expect.objectContaining({ id: 'evt-2', status: 'conflict', httpStatus: 409 }),
      ]);
      expect(bus.calls).toEqual([]);
    });

    it('publishes again an id whose earlier publication failed', async () => {
      // Prepare
      const log = memoryEventLog(
        new Map<string, EventRecord>([
          [
            'evt-1',
            {
              event: event('evt-1'),
              contentHash: contentHash(event('evt-1')),
              status: 'failed',
              receivedAt: 't0',
              owner: OWNER,
              error: { code: 'InternalFailure', message: 'x' },
            },
          ],
        ]),
      );
      const { deps, bus } = fakes({ log });

      // Act
      const report = await publishEvents(deps, event('evt-1'), OWNER);

      // Assess
      expect(report).toMatchObject({ outcome: 'published', failedEntryCount: 0 });
      expect(bus.calls).toHaveLength(1);
      expect(log.records.get('evt-1')).toMatchObject({ status: 'published', receivedAt: 't0', owner: OWNER });
      expect(log.records.get('evt-1')).not.toHaveProperty('error');
    });
  });

  describe('payload and metadata rules', () => {
    it('refuses numbers beyond a double, header-unsafe metadata and oversized batches, naming each', async () => {
      // Prepare
      const { deps, bus } = fakes();
      const huge = {
        ...event('evt-inf'),
        payload: { n: Number.POSITIVE_INFINITY, list: [1, Number.NEGATIVE_INFINITY] },
      };
      const evil = { ...event('evt-evil'), metadata: { traceparent: 'x\r\nX-Evil: 1' } };

      // Act
      const report = await publishEvents(deps, [huge, evil], OWNER);
      const tooMany = await publishEvents(
        deps,
        Array.from({ length: 101 }, (_, i) => event(`e${i}`)),
        OWNER,
      ).catch((e) => e);

      // Assess
      expect(report).toMatchObject({ outcome: 'refused', failedEntryCount: 2 });
      expect(pointers(report)).toEqual(['/0/payload/list/1', '/0/payload/n', '/1/metadata/traceparent']);
      expect(bus.calls).toHaveLength(0);
      expect(tooMany.problems[0].message).toBe('a batch holds 1–100 events; this one has 101');
    });
  });

  describe('event-log failures', () => {
    it("gives one event's failed claim its own outcome and still publishes the others, in input order", async () => {
      // Prepare
      const log = memoryEventLog();
      const claim = log.claim.bind(log);
      log.claim = async (record, expiresAt, now) => {
        if (record.event.id === 'evt-b') throw new DependencyUnavailableError('throttled', 1);
        if (record.event.id === 'evt-c') throw new InputTooLargeError('too large for one item');
        return claim(record, expiresAt, now);
      };
      const { deps, bus } = fakes({ log });

      // Act
      const report = await publishEvents(deps, [event('evt-a'), event('evt-b'), event('evt-c'), event('evt-d')], OWNER);

      // Assess
      expect(report).toMatchObject({ outcome: 'partially-published', failedEntryCount: 2 });
      expect(report.results.map((r) => `${r.id}:${r.status}`)).toEqual([
        'evt-a:published',
        'evt-b:failed',
        'evt-c:rejected',
        'evt-d:published',
      ]);
      expect(report.results[2]).toMatchObject({ httpStatus: 413, errors: [{ pointer: '/2/payload' }] });
      expect(bus.calls.flat().map((e) => e.id)).toEqual(['evt-a', 'evt-d']);
      expect(log.records.get('evt-a')?.status).toBe('published');
    });
  });

  describe('bus failures', () => {
    it('re-sends only the entries that failed retryably, after the backoff, until they are published', async () => {
      // Prepare
      const bus = scriptedBus(refused('InternalFailure', true, ['evt-2']), published);
      const { deps, clock } = fakes({ bus });

      // Act
      const report = await publishEvents(deps, [event('evt-1'), event('evt-2'), event('evt-3')], OWNER);

      // Assess
      expect(report).toMatchObject({ outcome: 'published', failedEntryCount: 0 });
      expect(bus.calls.map((call) => call.map((e) => e.id))).toEqual([['evt-1', 'evt-2', 'evt-3'], ['evt-2']]);
      expect(clock.sleeps).toHaveLength(1);
      expect(clock.sleeps[0]).toBeGreaterThanOrEqual(100);
      expect(clock.sleeps[0]).toBeLessThanOrEqual(120);
    });

    it('fails an entry the bus refuses for good with 422 and records it failed, the others published', async () => {
      // Prepare
      const bus = scriptedBus(refused('InvalidArgument', false, ['evt-2']));
      const { deps, log, clock } = fakes({ bus });

      // Act
      const report = await publishEvents(deps, [event('evt-1'), event('evt-2')], OWNER);

      // Assess
      expect(report).toMatchObject({ outcome: 'partially-published', failedEntryCount: 1 });
      expect(report.results[1]).toMatchObject({ status: 'failed', httpStatus: 422 });
      expect(log.records.get('evt-2')).toMatchObject({
        status: 'failed',
        error: { code: 'InvalidArgument', message: 'InvalidArgument for evt-2' },
      });
      expect(log.records.get('evt-1')?.status).toBe('published');
      expect(bus.calls).toHaveLength(1);
      expect(clock.sleeps).toEqual([]);
    });

    it('gives up on entries still failing after the policy retries with 503, within the 10 s budget', async () => {
      // Prepare
      const throttled = refused('ThrottlingException', true);
      const bus = scriptedBus(...Array.from({ length: 20 }, () => throttled));
      const { deps, clock, log } = fakes({ bus });

      // Act
      const report = await publishEvents(deps, event('evt-1'), OWNER);

      // Assess: the transient policy retries 5 times
      expect(report).toMatchObject({ outcome: 'refused', failedEntryCount: 1 });
      expect(report.results[0]).toMatchObject({ status: 'failed', httpStatus: 503 });
      expect(bus.calls).toHaveLength(6);
      expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(10_000);
      expect(log.records.get('evt-1')?.status).toBe('failed');
    });

    it('reports a batch where no event reached the bus as refused, whatever each failure was', async () => {
      // Prepare
      const log = memoryEventLog(
        new Map<string, EventRecord>([
          [
            'evt-2',
            { event: event('evt-2'), contentHash: 'other', status: 'published', receivedAt: 't0', owner: OWNER },
          ],
        ]),
      );
      const bus = scriptedBus(...Array.from({ length: 10 }, () => refused('ThrottlingException', true, ['evt-4'])));
      const { deps } = fakes({ log, bus });
      deps.maxEntryBytes = 4_096;

      // Act
      const report = await publishEvents(
        deps,
        [
          { ...event('evt-1'), version: 'one' },
          event('evt-2'),
          event('evt-3', { payload: { blob: 'x'.repeat(5_000) } }),
          event('evt-4'),
        ],
        OWNER,
      );

      // Assess
      expect(report.results.map((r) => ('httpStatus' in r ? r.httpStatus : r.status))).toEqual([422, 409, 413, 503]);
      expect(report).toMatchObject({ outcome: 'refused', failedEntryCount: 4 });
      expect(publishFailure(report)).toBeInstanceOf(DependencyUnavailableError);
    });
  });
});

describe('publishFailure', () => {
  const failing = (httpStatus: number, index: number): PublishReport['results'][number] => ({
    index,
    id: `e${index}`,
    status: 'rejected',
    httpStatus,
    detail: 'bad',
    errors: [{ pointer: `/${index}/payload`, message: 'is required' }],
  });

  it('maps the most urgent failure to its problem: 503 over 403 over 409 over 413 over 422', () => {
    // Prepare
    const reportOf = (...statuses: number[]): PublishReport => ({
      outcome: 'refused',
      results: statuses.map(failing),
      failedEntryCount: statuses.length,
    });

    // Act
    const unavailable = publishFailure(reportOf(422, 413, 409, 403, 503));
    const forbidden = publishFailure(reportOf(422, 413, 409, 403));
    const conflict = publishFailure(reportOf(422, 413, 409));
    const tooLarge = publishFailure(reportOf(422, 413));
    const invalid = publishFailure(reportOf(422));

    // Assess
    expect(unavailable).toBeInstanceOf(DependencyUnavailableError);
    expect(forbidden).toBeInstanceOf(NotOwnerError);
    expect(conflict).toBeInstanceOf(ConflictError);
    expect(tooLarge).toBeInstanceOf(InputTooLargeError);
    expect(invalid).toBeInstanceOf(ValidationError);
  });

  it('names every field problem and carries every result and the failed count', () => {
    // Prepare
    const results: PublishReport['results'] = [failing(422, 0), failing(422, 1)];

    // Act
    const error = publishFailure({ outcome: 'refused', results, failedEntryCount: 2 });

    // Assess
    expect(error.message).toBe('2 of 2 event(s) were not published; see results');
    expect(error.problems).toEqual([
      { pointer: '/0/payload', message: 'is required' },
      { pointer: '/1/payload', message: 'is required' },
    ]);
    expect(error.extensions).toEqual({ results, failedEntryCount: 2 });
  });
});
