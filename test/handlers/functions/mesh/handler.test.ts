import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { awsMeshHandler } from '../../../../functions/mesh/wiring';
import { apiEvent, lambdaContext } from '../../../support/events';
import { testFunctionBase } from '../../../support/handler-env';

const handler = awsMeshHandler(testFunctionBase('mesh'));
const ddb = mockClient(DynamoDBDocumentClient);
// The audit trail's aif.audit events: never a real call.
mockClient(EventBridgeClient);

const call = (input: Parameters<typeof apiEvent>[0]) => handler(apiEvent(input), lambdaContext);
const json = (result: { body: string }) => JSON.parse(result.body);
const pointersOf = (result: { body: string }) =>
  json(result)
    .errors.map((e: { pointer: string }) => e.pointer)
    .sort();

/** A registration body; `overrides` replace single fields. */
const registration = (overrides: Record<string, unknown> = {}) => ({
  id: 'orders-1',
  name: 'orders',
  version: '1.2.0',
  endpoint: 'https://orders-1.example.com/',
  healthEndpoint: 'https://orders-1.example.com/health',
  ...overrides,
});

/** With auth off (the handler tests' default) every caller is this one, holding every scope. */
const OWNER = { tenant: 'default', principal: 'anonymous' };
/** The registration's condition: the id is free or the caller's (never a takeover). */
const OWNERSHIP =
  'attribute_not_exists(#pk) OR (#owner.#tenant = :ownerTenant AND #owner.#principal = :ownerPrincipal)';
/** The deregistration's condition for a caller holding mesh:admin: the instance is its tenant's. */
const TENANT_OWNED = '#owner.#tenant = :ownerTenant';
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'failed', $metadata: {} });

/** A stored instance item as DynamoDbServiceRegistry writes it. */
const instanceItem = (id: string, name: string, status: string) => ({
  pk: 'INSTANCE',
  sk: id,
  gsi1pk: `SERVICE#default#${name}`,
  gsi1sk: id,
  gsi2pk: 'TENANT#default',
  gsi2sk: id,
  owner: OWNER,
  name,
  version: '1.2.0',
  endpoint: `https://${id}.example.com/`,
  healthEndpoint: `https://${id}.example.com/health`,
  metadata: {},
  weight: 100,
  status,
  revision: 1,
  registeredAt: '2026-11-30T10:00:00.000Z',
  lastHeartbeatAt: '2026-11-30T10:00:00.000Z',
});

/**
 * Answers the partition and index queries of the mesh table from `partitions` (pk, or index key
 * → items); anything else is empty.
 */
const partitions = (items: Record<string, Record<string, unknown>[]>) =>
  ddb.on(QueryCommand).callsFake((input: QueryCommandInput) => ({
    Items: items[String(input.ExpressionAttributeValues?.[':pk'] ?? input.ExpressionAttributeValues?.[':key'])] ?? [],
  }));

/** The UpdateItem of an instance (the service-name claim is another UpdateItem). */
const instanceUpdate = () =>
  ddb
    .commandCalls(UpdateCommand)
    .map((c) => c.args[0].input)
    .find((input) => input.Key?.pk === 'INSTANCE');

/** The claim of `orders` succeeds (it is free, or the caller's tenant's), and so do the tenant's quota counters. */
const claimSucceeds = (name = 'orders') => {
  quotasFree();
  return ddb.on(UpdateCommand, { Key: { pk: `SERVICE#${name}`, sk: 'CLAIM' } }).resolves({});
};

/** Every quota counter of the caller's tenant has room (its conditional ADD succeeds). */
const quotasFree = () => {
  for (const sk of ['instancesPerTenant', 'instancesPerService#orders', 'routingRulesPerTenant'])
    ddb.on(UpdateCommand, { Key: { pk: 'QUOTA#default', sk } }).resolves({});
};

describe('mesh handler', () => {
  beforeEach(() => {
    // Nothing stored unless a test says so (a registration first reads whether the id is the caller's).
    ddb.on(GetCommand).resolves({});
  });

  afterEach(() => {
    ddb.reset();
  });

  describe('POST /v1/services', () => {
    it('registers an instance with one UpdateItem and answers 201 with its ETag', async () => {
      // Prepare
      ddb.on(UpdateCommand).resolves({});

      // Act
      const result = await call({ method: 'POST', path: '/v1/services', body: registration() });

      // Assess
      expect(result.statusCode).toBe(201);
      expect(result.headers?.etag).toBe('"1"');
      expect(json(result)).toMatchObject({ id: 'orders-1', revision: 1, status: 'unknown', weight: 100 });
      expect(json(result).owner).toEqual(OWNER);
      const claim = ddb.commandCalls(UpdateCommand)[0]?.args[0].input;
      expect(claim).toMatchObject({ Key: { pk: 'SERVICE#orders', sk: 'CLAIM' } });
      expect(claim?.ConditionExpression).toBe('attribute_not_exists(#pk) OR #owner.#tenant = :tenant');
      const update = instanceUpdate();
      expect(update).toMatchObject({
        TableName: 'mesh-test',
        Key: { pk: 'INSTANCE', sk: 'orders-1' },
        ReturnValues: 'ALL_OLD',
      });
      expect(update?.UpdateExpression).toContain('#status = if_not_exists(#status, :status)');
      expect(update?.UpdateExpression).toContain('ADD #revision :one');
      expect(update?.ConditionExpression).toBe(OWNERSHIP);
      expect(update?.ExpressionAttributeValues).toMatchObject({
        ':gsi1pk': 'SERVICE#default#orders',
        ':gsi2pk': 'TENANT#default',
        ':owner': OWNER,
        ':ownerTenant': 'default',
        ':ownerPrincipal': 'anonymous',
        ':endpoint': 'https://orders-1.example.com/',
        ':weight': 100,
      });
    });

    it("accepts the seed's lastHealthCheck, ignoring it with a warning, and stores the rest", async () => {
      // Prepare
      ddb.on(UpdateCommand).resolves({});

      // Act
      const result = await call({
        method: 'POST',
        path: '/v1/services',
        body: registration({ metadata: {}, weight: 1, status: 'healthy', lastHealthCheck: 1_796_040_000_000 }),
      });

      // Assess
      expect(result.statusCode).toBe(201);
      expect(json(result).warnings).toEqual([
        {
          pointer: '/lastHealthCheck',
          message: 'is set by the health checks; the value sent is ignored',
          keyword: 'server-owned',
        },
      ]);
      expect(json(result)).not.toHaveProperty('lastHealthCheck');
      const update = instanceUpdate();
      expect(JSON.stringify(update)).not.toContain('1796040000000');
    });

    it('re-registers (a heartbeat) with 200, the next revision as ETag, conditional on If-Match', async () => {
      // Prepare
      ddb.on(UpdateCommand).resolves({ Attributes: instanceItem('orders-1', 'orders', 'healthy') });

      // Act
      const result = await call({
        method: 'POST',
        path: '/v1/services',
        body: registration(),
        headers: { 'If-Match': '"1"' },
      });

      // Assess
      expect(result.statusCode).toBe(200);
      expect(result.headers?.etag).toBe('"2"');
      expect(json(result)).toMatchObject({ revision: 2, status: 'healthy', registeredAt: '2026-11-30T10:00:00.000Z' });
      const update = instanceUpdate();
      expect(update?.ConditionExpression).toBe(`(${OWNERSHIP}) AND (#revision IN (:revision0))`);
      expect(update?.ExpressionAttributeValues?.[':revision0']).toBe(1);
    });

    it('fails with 412 when If-Match names another revision', async () => {
      // Prepare
      ddb.on(UpdateCommand).rejects(conditionFailed());
      claimSucceeds();
      ddb.on(GetCommand).resolves({ Item: instanceItem('orders-1', 'orders', 'healthy') });

      // Act
      const result = await call({
        method: 'POST',
        path: '/v1/services',
        body: registration(),
        headers: { 'If-Match': '"7"' },
      });

      // Assess
      expect(result.statusCode).toBe(412);
    });

    // Every form of the conditional headers (RFC 9110 §13.1), taken whole into the one UpdateItem.
    it.each([
      ['If-Match: * on a registered instance', { 'If-Match': '*' }, 'stored', 'attribute_exists(#pk)', 200],
      ['If-Match: * on no instance', { 'If-Match': '*' }, 'refused', 'attribute_exists(#pk)', 412],
      ['If-None-Match: * on no instance', { 'If-None-Match': '*' }, 'absent', 'attribute_not_exists(#pk)', 201],
      [
        'If-None-Match: * on a registered instance',
        { 'If-None-Match': '*' },
        'refused',
        'attribute_not_exists(#pk)',
        412,
      ],
      [
        'a list whose second tag matches',
        { 'If-Match': '"4", "1"' },
        'stored',
        '#revision IN (:revision0, :revision1)',
        200,
      ],
      [
        'a list that matches nothing',
        { 'If-Match': '"4", "5"' },
        'refused',
        '#revision IN (:revision0, :revision1)',
        412,
      ],
      ['no precondition', {}, 'absent', undefined, 201],
    ] as const)('honours %s', async (_form, headers, store, condition, status) => {
      // Prepare
      if (store === 'refused') {
        ddb.on(UpdateCommand).rejects(conditionFailed());
        ddb.on(GetCommand).resolves({});
      } else {
        ddb
          .on(UpdateCommand)
          .resolves(store === 'stored' ? { Attributes: instanceItem('orders-1', 'orders', 'healthy') } : {});
      }
      claimSucceeds();

      // Act
      const result = await call({ method: 'POST', path: '/v1/services', body: registration(), headers });

      // Assess
      expect(result.statusCode).toBe(status);
      const update = instanceUpdate();
      expect(update?.ConditionExpression).toBe(condition ? `(${OWNERSHIP}) AND (${condition})` : OWNERSHIP);
      if (condition?.startsWith('#revision')) expect(update?.ExpressionAttributeValues?.[':revision0']).toBe(4);
    });

    it.each([
      ['the instance metadata address', 'http://169.254.169.254/latest/meta-data/'],
      ['loopback (not allowed in AWS mode)', 'http://127.0.0.1:8080/'],
      ['the loopback name localhost', 'http://localhost:8080/'],
      ['IPv6 loopback', 'http://[::1]:8080/'],
      ['an IPv6 unique local address', 'http://[fd00::1]:8080/'],
      ['loopback spelled as one decimal number', 'http://2130706433:8080/'],
      ['a URL with credentials', 'https://user:secret@orders-1.example.com/'],
      ['a scheme other than http(s)', 'ftp://orders-1.example.com/'],
      ['plain http: outside local mode (OUTBOUND_REQUIRE_HTTPS)', 'http://orders-1.example.com/'],
    ])('rejects %s with 422 naming /endpoint and /healthEndpoint, without writing', async (_name, url) => {
      // Act
      const result = await call({
        method: 'POST',
        path: '/v1/services',
        body: registration({ endpoint: url, healthEndpoint: `${url}health` }),
      });

      // Assess
      expect(result.statusCode).toBe(422);
      expect(result.headers?.['content-type']).toBe('application/problem+json');
      const ssrf = json(result).errors.filter((e: { keyword?: string }) => e.keyword === 'ssrf');
      expect(ssrf.map((e: { pointer: string }) => e.pointer).sort()).toEqual(['/endpoint', '/healthEndpoint']);
      expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
    });

    it('rejects a base endpoint with a query or fragment (the forwarded path would land inside it) with 422', async () => {
      // Act
      const result = await call({
        method: 'POST',
        path: '/v1/services',
        body: registration({ endpoint: 'https://orders-1.example.com/api?key=secret#top' }),
      });

      // Assess
      expect(result.statusCode).toBe(422);
      expect(pointersOf(result)).toEqual(['/endpoint']);
      expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
    });

    it('rejects an invalid registration with 422 naming every problem', async () => {
      // Act
      const result = await call({
        method: 'POST',
        path: '/v1/services',
        body: {
          id: '-orders',
          name: '',
          version: '1.2',
          endpoint: 42,
          weight: -1,
          status: 'sleepy',
          colour: 'blue',
        },
      });

      // Assess
      expect(result.statusCode).toBe(422);
      // (an empty name breaks two rules: its length and its pattern)
      expect([...new Set(pointersOf(result))]).toEqual([
        '/colour',
        '/endpoint',
        '/healthEndpoint',
        '/id',
        '/name',
        '/status',
        '/version',
        '/weight',
      ]);
      expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
    });
  });

  describe('POST /v1/routing-rules', () => {
    it('refuses router-owned and credential headers, control characters, bad ranges and a bad weight in one answer', async () => {
      // Act
      const result = await call({
        method: 'POST',
        path: '/v1/routing-rules',
        body: {
          id: 'z',
          sourceService: '*',
          targetService: 'evil',
          headersToAdd: {
            'content-length': '5',
            traceparent: 'bogus',
            'x-ok': 'a\r\nInjected: 1',
            Authorization: 'Bearer planted',
            'X-Amz-Security-Token': 'planted',
          },
          splits: [
            { versions: '>>1', weight: 10 },
            { versions: 'abc', weight: -5 },
          ],
          timeoutMs: 29_000,
        },
      });

      // Assess
      expect(result.statusCode).toBe(422);
      const pointers = JSON.parse(result.body).errors.map((e: { pointer: string }) => e.pointer);
      expect(pointers).toEqual(
        expect.arrayContaining([
          '/headersToAdd/content-length',
          '/headersToAdd/traceparent',
          '/headersToAdd/x-ok',
          '/headersToAdd/Authorization',
          '/headersToAdd/X-Amz-Security-Token',
          '/splits/0/versions',
          '/splits/1/weight',
          '/timeoutMs',
        ]),
      );
    });

    it('creates a rule with 201 (one PutItem) and refuses all-zero splits with 422 at /splits', async () => {
      // Prepare
      ddb.on(PutCommand).resolves({});
      claimSucceeds();
      const rule = {
        id: 'orders-canary',
        sourceService: '*',
        targetService: 'orders',
        splits: [
          { versions: '1.x', weight: 90 },
          { versions: '2.x', weight: 10 },
        ],
      };

      // Act
      const created = await call({ method: 'POST', path: '/v1/routing-rules', body: rule });
      const zero = await call({
        method: 'POST',
        path: '/v1/routing-rules',
        body: {
          ...rule,
          splits: [
            { versions: '1.x', weight: 0 },
            { versions: '2.x', weight: 0 },
          ],
        },
      });

      // Assess
      expect(created.statusCode).toBe(201);
      expect(json(created)).toMatchObject({
        id: 'orders-canary',
        retries: 2,
        timeoutMs: 10_000,
        priority: 0,
        owner: OWNER,
      });
      expect(ddb.commandCalls(PutCommand)[0]?.args[0].input.Item).toMatchObject({
        pk: 'RULE#default',
        sk: 'orders-canary',
        owner: OWNER,
      });
      expect(zero.statusCode).toBe(422);
      expect(pointersOf(zero)).toEqual(['/splits']);
      expect(ddb.commandCalls(PutCommand)).toHaveLength(1);
    });

    it("accepts the seed's RoutingRule, storing its timeout in milliseconds as timeoutMs", async () => {
      // Prepare
      ddb.on(PutCommand).resolves({});
      claimSucceeds('worker');
      const seedRule = {
        id: 'rule-1',
        sourceService: 'gateway',
        targetService: 'worker',
        weight: 1,
        timeout: 5000,
        retries: 3,
      };

      // Act
      const result = await call({ method: 'POST', path: '/v1/routing-rules', body: seedRule });

      // Assess
      expect(result.statusCode).toBe(201);
      expect(json(result)).toMatchObject({ id: 'rule-1', weight: 1, timeoutMs: 5000, retries: 3 });
      expect(json(result)).not.toHaveProperty('timeout');
      expect(ddb.commandCalls(PutCommand)[0]?.args[0].input.Item).toMatchObject({ weight: 1, timeoutMs: 5000 });
    });

    it('rejects a rule of weight 0 when no other weighted rule of its source weighs more, at /weight', async () => {
      // Prepare
      ddb.on(PutCommand).resolves({});
      ddb.on(QueryCommand).resolves({
        Items: [
          {
            pk: 'RULE',
            sk: 'rule-0',
            sourceService: 'gateway',
            targetService: 'other',
            weight: 0,
            priority: 0,
            timeoutMs: 10_000,
            retries: 2,
            matchJson: '{}',
            headersToAddJson: '{}',
          },
        ],
      });

      // Act
      const result = await call({
        method: 'POST',
        path: '/v1/routing-rules',
        body: { id: 'rule-1', sourceService: 'gateway', targetService: 'worker', weight: 0 },
      });

      // Assess
      expect(result.statusCode).toBe(422);
      expect(pointersOf(result)).toEqual(['/weight']);
      expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
    });
  });

  describe('GET /v1/topology', () => {
    it('answers services with instance and healthy counts, and connections from the rules', async () => {
      // Prepare
      partitions({
        'TENANT#default': [
          instanceItem('orders-1', 'orders', 'healthy'),
          instanceItem('orders-2', 'orders', 'unhealthy'),
        ],
        'RULE#default': [
          {
            pk: 'RULE#default',
            sk: 'gateway-orders',
            sourceService: 'gateway',
            targetService: 'orders',
            priority: 0,
            timeoutMs: 10_000,
            retries: 2,
            matchJson: '{}',
            headersToAddJson: '{}',
          },
        ],
      });

      // Act
      const result = await call({ method: 'GET', path: '/v1/topology' });

      // Assess
      expect(result.statusCode).toBe(200);
      expect(json(result)).toEqual({
        services: [
          { name: 'gateway', versions: [], instanceCount: 0, healthyCount: 0 },
          { name: 'orders', versions: ['1.2.0'], instanceCount: 2, healthyCount: 1 },
        ],
        connections: [{ source: 'gateway', target: 'orders', weight: 100, ruleId: 'gateway-orders' }],
      });
    });
  });

  describe('GET /v1/breakers', () => {
    it('answers every breaker with the service of the instance it guards', async () => {
      // Prepare
      ddb
        .on(GetCommand, { Key: { pk: 'INSTANCE', sk: 'orders-1' } })
        .resolves({ Item: instanceItem('orders-1', 'orders', 'healthy') });
      partitions({
        'BREAKER#default': [
          {
            pk: 'BREAKER#default',
            sk: 'orders-1',
            state: 'open',
            failureCount: 5,
            openedAt: 1_000,
            permits: {},
            successes: 0,
            version: 5,
          },
          { pk: 'BREAKER#default', sk: 'gone-1', state: 'closed', failureCount: 0, successes: 0, version: 2 },
        ],
      });

      // Act
      const result = await call({ method: 'GET', path: '/v1/breakers' });
      const query = ddb.commandCalls(QueryCommand)[0]?.args[0].input;

      // Assess
      expect(result.statusCode).toBe(200);
      expect(json(result)).toEqual({
        items: [
          {
            instanceId: 'orders-1',
            service: 'orders',
            state: 'open',
            failureCount: 5,
            openedAt: 1_000,
            permits: {},
            successes: 0,
            version: 5,
          },
          { instanceId: 'gone-1', state: 'closed', failureCount: 0, permits: {}, successes: 0, version: 2 },
        ],
      });
      expect(query?.Limit).toBe(25);
    });
  });

  describe('GET list routes (pagination)', () => {
    it.each(['/v1/services', '/v1/services/orders/instances', '/v1/routing-rules', '/v1/breakers'])(
      'pages %s with limit and answers nextCursor',
      async (path) => {
        // Prepare: DynamoDB says there is more after this page
        ddb.on(QueryCommand).callsFake((input: QueryCommandInput) => ({
          Items: [],
          LastEvaluatedKey: input.IndexName
            ? {
                pk: 'INSTANCE',
                sk: 'orders-1',
                [input.IndexName === 'byName' ? 'gsi1pk' : 'gsi2pk']: input.ExpressionAttributeValues?.[':key'],
                [input.IndexName === 'byName' ? 'gsi1sk' : 'gsi2sk']: 'orders-1',
              }
            : { pk: input.ExpressionAttributeValues?.[':key'], sk: 'x' },
        }));

        // Act
        const first = await call({ method: 'GET', path, query: { limit: '2' } });
        const next = await call({ method: 'GET', path, query: { limit: '2', cursor: json(first).nextCursor } });

        // Assess
        expect([first.statusCode, next.statusCode]).toEqual([200, 200]);
        expect(typeof json(first).nextCursor).toBe('string');
        const queries = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
        expect(queries.map((q) => q.Limit)).toEqual([2, 2]);
        expect(queries[1]?.ExclusiveStartKey).toBeDefined();
      },
    );

    it.each(['/v1/services', '/v1/routing-rules', '/v1/breakers'])(
      'rejects limit=101 with 400 and a cursor forged for another tenant with 400 at /query/cursor (%s)',
      async (path) => {
        // Prepare: a well-formed cursor naming another tenant's partition
        const forged = Buffer.from(
          JSON.stringify(
            path === '/v1/services'
              ? { pk: 'INSTANCE', sk: 'x', gsi2pk: 'TENANT#globex', gsi2sk: 'x' }
              : { pk: path === '/v1/breakers' ? 'BREAKER#globex' : 'RULE#globex', sk: 'x' },
          ),
        ).toString('base64url');

        // Act
        const tooMany = await call({ method: 'GET', path, query: { limit: '101' } });
        const crossTenant = await call({ method: 'GET', path, query: { cursor: forged } });

        // Assess
        expect(tooMany.statusCode).toBe(400);
        expect(pointersOf(tooMany)).toEqual(['/query/limit']);
        expect(crossTenant.statusCode).toBe(400);
        expect(pointersOf(crossTenant)).toEqual(['/query/cursor']);
        expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
      },
    );
  });

  describe('DELETE /v1/services/{id}', () => {
    it('answers 204 when the instance was registered and 404 when it was not', async () => {
      // Prepare
      ddb
        .on(DeleteCommand)
        .resolvesOnce({ Attributes: instanceItem('orders-1', 'orders', 'healthy') })
        .rejects(conditionFailed());
      ddb.on(GetCommand).resolves({});
      const remove = () =>
        call({
          method: 'DELETE',
          path: '/v1/services/orders-1',
          resource: '/v1/services/{id}',
          pathParameters: { id: 'orders-1' },
        });

      // Act
      const removed = await remove();
      const missing = await remove();

      // Assess
      expect(removed.statusCode).toBe(204);
      expect(removed.body).toBe('');
      expect(missing.statusCode).toBe(404);
      expect(ddb.commandCalls(DeleteCommand)[0]?.args[0].input).toMatchObject({
        TableName: 'mesh-test',
        Key: { pk: 'INSTANCE', sk: 'orders-1' },
        ConditionExpression: TENANT_OWNED,
        ExpressionAttributeValues: { ':ownerTenant': 'default' },
        ReturnValues: 'ALL_OLD',
      });
    });
    it.each([
      ['If-Match: * on a registered instance', { 'If-Match': '*' }, 'stored', 'attribute_exists(#pk)', 204],
      ['If-Match: * on no instance', { 'If-Match': '*' }, 'refused', 'attribute_exists(#pk)', 412],
      [
        'a list whose second tag matches',
        { 'If-Match': '"4", "1"' },
        'stored',
        '#revision IN (:revision0, :revision1)',
        204,
      ],
      [
        'a list that matches nothing',
        { 'If-Match': '"4", "5"' },
        'refused',
        '#revision IN (:revision0, :revision1)',
        412,
      ],
      ['no precondition', {}, 'stored', undefined, 204],
    ] as const)('honours %s', async (_form, headers, store, condition, status) => {
      // Prepare
      if (store === 'refused') {
        ddb.on(DeleteCommand).rejects(conditionFailed());
        ddb.on(GetCommand).resolves({});
      } else {
        ddb.on(DeleteCommand).resolves({ Attributes: instanceItem('orders-1', 'orders', 'healthy') });
      }

      // Act
      const result = await call({
        method: 'DELETE',
        path: '/v1/services/orders-1',
        resource: '/v1/services/{id}',
        pathParameters: { id: 'orders-1' },
        headers,
      });

      // Assess
      expect(result.statusCode).toBe(status);
      const remove = ddb.commandCalls(DeleteCommand)[0]?.args[0].input;
      expect(remove?.ConditionExpression).toBe(condition ? `(${TENANT_OWNED}) AND (${condition})` : TENANT_OWNED);
      if (condition?.startsWith('#revision'))
        expect(remove?.ExpressionAttributeValues?.[':revision1']).toBeTypeOf('number');
    });

    it('honours If-None-Match: * — nothing to delete: 404 when none is registered, 412 when one is', async () => {
      // Prepare
      ddb
        .on(GetCommand)
        .resolvesOnce({})
        .resolves({ Item: instanceItem('orders-1', 'orders', 'healthy') });
      const remove = () =>
        call({
          method: 'DELETE',
          path: '/v1/services/orders-1',
          resource: '/v1/services/{id}',
          pathParameters: { id: 'orders-1' },
          headers: { 'If-None-Match': '*' },
        });

      // Act
      const missing = await remove();
      const present = await remove();

      // Assess
      expect(missing.statusCode).toBe(404);
      expect(present.statusCode).toBe(412);
      expect(ddb.commandCalls(DeleteCommand)).toHaveLength(0);
    });
  });

  describe('DELETE /v1/routing-rules/{id}', () => {
    it('answers 204 when the rule existed and 404 when it did not', async () => {
      // Prepare
      ddb
        .on(DeleteCommand)
        .resolvesOnce({ Attributes: { pk: 'RULE', sk: 'r1' } })
        .resolves({});
      const remove = () =>
        call({
          method: 'DELETE',
          path: '/v1/routing-rules/r1',
          resource: '/v1/routing-rules/{id}',
          pathParameters: { id: 'r1' },
        });

      // Act
      const removed = await remove();
      const missing = await remove();

      // Assess
      expect(removed.statusCode).toBe(204);
      expect(missing.statusCode).toBe(404);
    });
  });

  describe('ANY /v1/mesh/{service}/{proxy+}', () => {
    it("answers 404 for a service that is not the caller's tenant's, before reading its instances", async () => {
      // Prepare: another tenant holds the name (another name than the next test's: the router caches claims)
      ddb.on(QueryCommand).resolves({ Items: [] });
      ddb.on(GetCommand).resolves({ Item: { owner: { tenant: 'globex', principal: 'agent-b' } } });

      // Act
      const result = await call({
        method: 'GET',
        path: '/v1/mesh/billing/a/b',
        resource: '/v1/mesh/{service}/{proxy+}',
        pathParameters: { service: 'billing', proxy: 'a/b' },
      });

      // Assess
      expect(result.statusCode).toBe(404);
      expect(json(result)).toMatchObject({ type: 'urn:aif:problem:not-found', detail: 'No service billing' });
      expect(ddb.commandCalls(GetCommand)[0]?.args[0].input.Key).toEqual({ pk: 'SERVICE#billing', sk: 'CLAIM' });
    });

    it('answers 503 problem+json with Retry-After when the service has no instance, calling nothing', async () => {
      // Prepare: the caller's tenant holds the name; no instances, no per-service breaker settings
      ddb.on(QueryCommand).resolves({ Items: [] });
      ddb.on(GetCommand).resolves({});
      ddb.on(GetCommand, { Key: { pk: 'SERVICE#orders', sk: 'CLAIM' } }).resolves({ Item: { owner: OWNER } });

      // Act
      const result = await call({
        method: 'GET',
        path: '/v1/mesh/orders/a/b',
        resource: '/v1/mesh/{service}/{proxy+}',
        pathParameters: { service: 'orders', proxy: 'a/b' },
      });

      // Assess
      expect(result.statusCode).toBe(503);
      expect(result.headers?.['content-type']).toBe('application/problem+json');
      expect(Number(result.headers?.['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(json(result)).toMatchObject({ type: 'urn:aif:problem:dependency-unavailable', status: 503 });
      const byName = ddb
        .commandCalls(QueryCommand)
        .map((c) => c.args[0].input)
        .find((input) => input.IndexName === 'byName');
      expect(byName?.ExpressionAttributeValues).toEqual({ ':key': 'SERVICE#default#orders' });
      expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
      expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
    });
  });
});
