import type { APIGatewayProxyResult } from 'aws-lambda';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createEventsHandler } from '../../../../functions/events/app';
import { eventsDeps, eventsTables } from '../../../../functions/events/wiring';
import { routes } from '../../../../functions/routes';
import { httpOptions } from '../../../../functions/wiring';
import { DynamoDbDeadLetterRepository } from '../../../../shared/adapters/dynamodb/dead-letter-repository';
import {
  contractsTable,
  deliveryTable,
  errorsTable,
  eventsTable,
} from '../../../../shared/adapters/dynamodb/table-definitions';
import { createLocalEventBus, type LocalEventBusParts } from '../../../../shared/adapters/local/local-event-bus-wiring';
import { LocalReplayer } from '../../../../shared/adapters/local/local-replayer';
import { principalContext } from '../../../../shared/domain/auth/authorizer-policy';
import type { IntegrationEvent } from '../../../../shared/domain/events/integration-event';
import type { ApiHandler } from '../../../../shared/middleware/http-api';
import { freshTable } from '../../../support/dynamodb';
import { apiEvent, lambdaContext } from '../../../support/events';
import { HANDLER_TEST_NOW_MS, testFunctionBase } from '../../../support/handler-env';
import { testCipher } from '../../../support/secrets';

// The document client signs its calls to the embedded DynamoDB: any credentials do.
process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';

const SCOPES = [...new Set(routes.flatMap((route) => route.scopes as readonly string[]))];
const EXPIRES_AT = HANDLER_TEST_NOW_MS / 1000 + 3_600;
const A = { tenant: 'acme', principal: 'agent-a' };
const B = { tenant: 'globex', principal: 'agent-b' };
type Caller = typeof A;

const event = (id: string, overrides: Partial<IntegrationEvent> = {}) => ({
  id,
  type: 'order.created',
  version: '1.0.0',
  source: 'shop.orders',
  timestamp: HANDLER_TEST_NOW_MS - 60_000,
  correlationId: 'corr-1',
  payload: { orderId: id, total: 120 },
  ...overrides,
});

/**
 * The events function over the embedded DynamoDB (fresh tables) and the in-process bus, with auth
 * enforced: each request carries its caller as the gateway authorizer's context.
 */
async function eventsFunction(): Promise<{
  handler: ApiHandler;
  bus: LocalEventBusParts;
  replayer: LocalReplayer;
  deadLetters: DynamoDbDeadLetterRepository;
}> {
  const [events, delivery, contracts, errors] = await Promise.all(
    [eventsTable, deliveryTable, contractsTable, errorsTable].map((definition) => freshTable(definition)),
  );
  const base = testFunctionBase('events', {
    env: {
      DYNAMODB_ENDPOINT: inject('dynamoDbEndpoint'),
      AUTH_ENFORCED: 'token',
      EVENTS_TABLE: events?.tableName,
      DELIVERY_TABLE: delivery?.tableName,
      CONTRACTS_TABLE: contracts?.tableName,
      ERRORS_TABLE: errors?.tableName,
      // Loopback, plain-HTTP webhooks: the local runner's outbound settings.
      OUTBOUND_ALLOW_LOOPBACK: 'true',
      OUTBOUND_REQUIRE_HTTPS: 'false',
    },
  });
  const tables = eventsTables(base);
  const bus = createLocalEventBus();
  const replayer = new LocalReplayer(tables.eventLog, bus.rules, () => base.clock.now().getTime());
  const handler = createEventsHandler(
    eventsDeps(base, tables, {
      cipher: testCipher,
      events: bus.bus,
      rules: bus.rules,
      queue: bus.deliveryQueue,
      replayer,
    }),
    httpOptions(base),
  );
  const deadLetters = new DynamoDbDeadLetterRepository(base.documentClient, delivery?.tableName as string, 30);
  return { handler, bus, replayer, deadLetters };
}

describe('events handler with two tenants (dynalite, in-process bus)', () => {
  let handler: ApiHandler;
  let bus: LocalEventBusParts;
  let replayer: LocalReplayer;
  let deadLetters: DynamoDbDeadLetterRepository;

  /** One request as `caller`. */
  const as = (caller: Caller, input: Parameters<typeof apiEvent>[0]): Promise<APIGatewayProxyResult> => {
    const request = apiEvent(input);
    const authorizer = principalContext({ ...caller, scopes: SCOPES, expiresAt: EXPIRES_AT });
    return handler({ ...request, requestContext: { ...request.requestContext, authorizer } }, lambdaContext);
  };
  const json = (result: APIGatewayProxyResult) => JSON.parse(result.body);
  const byId = (caller: Caller, kind: string, id: string, method = 'GET', param = 'id') =>
    as(caller, {
      method,
      path: `/v1/${kind}/${id}`,
      resource: `/v1/${kind}/{${param}}`,
      pathParameters: { [param]: id },
    });
  const subscribe = (caller: Caller, id: string, filter?: Record<string, unknown>) =>
    as(caller, {
      method: 'POST',
      path: '/v1/subscriptions',
      body: {
        id,
        eventType: 'order.created',
        ...(filter && { filter }),
        target: { type: 'webhook', url: 'http://127.0.0.1:9/hooks' },
      },
    });
  /** What the rules put on the delivery queue, as `tenant/subscription:event`. */
  const queued = () =>
    bus.queues.delivery.receive(10).map((m) => {
      const { tenant, subscriptionId, event: e } = JSON.parse(m.body);
      return `${tenant}/${subscriptionId}:${e.id}`;
    });

  beforeAll(async () => {
    ({ handler, bus, replayer, deadLetters } = await eventsFunction());
  });

  it("publishes A's batch, refusing B a source A claimed while B's other entries publish, and aif.* to both", async () => {
    // Act
    const first = await as(A, { method: 'POST', path: '/v1/events', body: [event('a-1'), event('a-2')] });
    const mixed = await as(B, {
      method: 'POST',
      path: '/v1/events',
      body: [event('b-1', { source: 'globex.billing' }), event('b-2'), event('b-3', { source: 'aif.errors' })],
    });
    const reserved = await as(A, { method: 'POST', path: '/v1/events', body: event('a-3', { source: 'aif.mesh' }) });
    const again = await as(A, { method: 'POST', path: '/v1/events', body: event('a-4') });

    // Assess
    expect(first.statusCode).toBe(202);
    expect(mixed.statusCode).toBe(207);
    expect(json(mixed).results).toEqual([
      { index: 0, id: 'b-1', status: 'published' },
      expect.objectContaining({
        id: 'b-2',
        status: 'forbidden',
        httpStatus: 403,
        detail: expect.stringContaining('shop.orders'),
      }),
      expect.objectContaining({
        id: 'b-3',
        status: 'forbidden',
        httpStatus: 403,
        detail: expect.stringContaining('aif.errors'),
      }),
    ]);
    expect(reserved.statusCode).toBe(403);
    expect(json(reserved)).toMatchObject({ type: 'urn:aif:problem:forbidden', results: [{ status: 'forbidden' }] });
    expect(again.statusCode).toBe(202);
  });

  it('keeps event ids per tenant and shows each tenant its own events only', async () => {
    // Prepare: B publishes an id A used, with other content, under its own source
    await as(A, { method: 'POST', path: '/v1/events', body: event('shared-1') });

    // Act
    const theirs = await as(B, {
      method: 'POST',
      path: '/v1/events',
      body: event('shared-1', { source: 'globex.orders', payload: { other: true } }),
    });
    const aSees = await byId(A, 'events', 'shared-1');
    const bSees = await byId(B, 'events', 'shared-1');
    const bMissing = await byId(B, 'events', 'a-1');
    const aFlow = await as(A, { method: 'GET', path: '/v1/events', query: { correlationId: 'corr-1' } });
    const bFlow = await as(B, { method: 'GET', path: '/v1/events', query: { correlationId: 'corr-1' } });

    // Assess
    expect(json(theirs).results).toEqual([{ index: 0, id: 'shared-1', status: 'published' }]);
    expect(json(aSees)).toMatchObject({ owner: A, event: { payload: { orderId: 'shared-1' } } });
    expect(json(bSees)).toMatchObject({ owner: B, event: { payload: { other: true } } });
    expect(json(bSees).event.metadata).toEqual({ 'aif-tenant': 'globex' });
    expect(bMissing.statusCode).toBe(404);
    expect(json(aFlow).items.every((r: { owner: Caller }) => r.owner.tenant === 'acme')).toBe(true);
    expect(
      json(bFlow)
        .items.map((r: { event: { id: string } }) => r.event.id)
        .sort(),
    ).toEqual(['b-1', 'shared-1']);
  });

  it("ignores a tenant claimed in the body: B's event forged for A reaches B's subscriptions only", async () => {
    // Prepare
    await subscribe(A, 'a-all');
    await subscribe(B, 'b-all');
    queued();

    // Act
    await as(B, {
      method: 'POST',
      path: '/v1/events',
      body: event('forged-1', { source: 'globex.orders', metadata: { 'aif-tenant': 'acme' } }),
    });

    // Assess
    expect(queued()).toEqual(['globex/b-all:forged-1']);
  });

  it("answers 404 for another tenant's subscription, lists per tenant, and lets both use one id", async () => {
    // Prepare
    const mine = await subscribe(A, 'orders-sub');

    // Act
    const theirsSameId = await subscribe(B, 'orders-sub', { total: [{ numeric: ['>', 0] }] });
    const bGets = await byId(B, 'subscriptions', 'a-all');
    const bDeletes = await byId(B, 'subscriptions', 'a-all', 'DELETE');
    const aList = await as(A, { method: 'GET', path: '/v1/subscriptions' });
    const bList = await as(B, { method: 'GET', path: '/v1/subscriptions' });

    // Assess
    expect(mine.statusCode).toBe(201);
    expect(json(mine).owner).toEqual(A);
    expect(theirsSameId.statusCode).toBe(201);
    expect(json(theirsSameId).owner).toEqual(B);
    expect(bGets.statusCode).toBe(404);
    expect(bDeletes.statusCode).toBe(404);
    expect((await byId(A, 'subscriptions', 'a-all')).statusCode).toBe(200);
    expect(json(aList).items.map((s: { id: string }) => s.id)).toEqual(['a-all', 'orders-sub']);
    expect(json(bList).items.map((s: { id: string }) => s.id)).toEqual(['b-all', 'orders-sub']);
  });

  it("never routes A's events to B's match-all subscriptions", async () => {
    // Prepare
    await subscribe(B, 'b-any', { orderId: [{ exists: true }] });
    queued();

    // Act
    await as(A, { method: 'POST', path: '/v1/events', body: event('route-1') });

    // Assess
    expect(queued().sort()).toEqual(['acme/a-all:route-1', 'acme/orders-sub:route-1']);
  });

  it("replays A's events to A's subscriptions only, and keeps replay names per tenant", async () => {
    // Prepare
    queued();
    const range = {
      from: new Date(HANDLER_TEST_NOW_MS - 3_600_000).toISOString(),
      to: new Date(HANDLER_TEST_NOW_MS).toISOString(),
    };

    // Act
    const started = await as(A, { method: 'POST', path: '/v1/replays', body: { name: 'nightly', ...range } });
    await as(A, { method: 'POST', path: '/v1/replays', body: { name: 'a-only', ...range } });
    const sameNameForB = await as(B, {
      method: 'POST',
      path: '/v1/replays',
      body: { name: 'nightly', ...range, eventTypes: ['invoice.sent'] },
    });
    await replayer.idle();
    const aReplay = await byId(A, 'replays', 'nightly', 'GET', 'name');
    const bReplay = await byId(B, 'replays', 'nightly', 'GET', 'name');
    const bGetsMissing = await byId(B, 'replays', 'a-only', 'GET', 'name');
    const replayed = queued();

    // Assess
    expect(started.statusCode).toBe(202);
    expect(sameNameForB.statusCode).toBe(202);
    expect(json(aReplay)).toMatchObject({ name: 'nightly', state: 'COMPLETED', owner: A });
    expect(json(bReplay)).toMatchObject({ name: 'nightly', eventTypes: ['invoice.sent'], owner: B });
    expect(bGetsMissing.statusCode).toBe(404);
    expect(replayed.length).toBeGreaterThan(0);
    expect(replayed.every((m) => m.startsWith('acme/'))).toBe(true);
    expect(replayed).not.toContain('acme/a-all:forged-1');
  });

  it("lists, deletes and redrives the caller's dead letters only", async () => {
    // Prepare: A and B each have a dead letter of their subscription "orders-sub"
    const letter = (n: number, owner: Caller) => ({
      id: `dl-${String(HANDLER_TEST_NOW_MS + n).padStart(13, '0')}-0000000${n}`,
      subscriptionId: 'orders-sub',
      eventId: `evt-${n}`,
      eventType: 'order.created',
      event: { ...event(`evt-${n}`), metadata: { 'aif-tenant': owner.tenant } } as IntegrationEvent,
      attempts: 3,
      reason: 'retries-exhausted' as const,
      lastError: { code: 'HTTP_500', category: 'transient' as const, message: 'HTTP 500' },
      createdAt: new Date(HANDLER_TEST_NOW_MS).toISOString(),
      owner,
    });
    const [mine, theirs] = [letter(1, A), letter(2, B)];
    await deadLetters.put(mine);
    await deadLetters.put(theirs);
    queued();
    const list = async (caller: Caller, query: Record<string, string> = {}) =>
      json(await as(caller, { method: 'GET', path: '/v1/dead-letters', query })).items.map((d: { id: string }) => d.id);
    const redrive = (caller: Caller, body: unknown) =>
      as(caller, { method: 'POST', path: '/v1/dead-letters/redrive', body });

    // Act
    const bLists = [
      await list(B),
      await list(B, { subscriptionId: 'orders-sub' }),
      await list(B, { type: 'order.created' }),
    ];
    const bDeletes = await byId(B, 'dead-letters', mine.id, 'DELETE');
    const bRedrivesIds = json(await redrive(B, { ids: [mine.id] }));
    const bRedrivesSubscription = json(await redrive(B, { subscriptionId: 'orders-sub' }));
    const redrivenForB = queued();

    // Assess
    expect(bLists).toEqual([[theirs.id], [theirs.id], [theirs.id]]);
    expect(bDeletes.statusCode).toBe(404);
    expect(bRedrivesIds).toMatchObject({ redriven: 0, notFound: [mine.id] });
    expect(bRedrivesSubscription).toMatchObject({ redriven: 1, redrivenIds: [theirs.id] });
    expect(redrivenForB).toEqual(['globex/orders-sub:evt-2']);
    expect(await list(A)).toEqual([mine.id]);
    expect(json(await as(A, { method: 'GET', path: '/v1/dead-letters' })).items[0].owner).toEqual(A);
  });
});
