import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { awsErrorsHandler } from '../../../../functions/errors/wiring';
import { BUILT_IN_POLICIES } from '../../../../shared/domain/resilience/policy';
import { busCalls } from '../../../support/audit';
import { apiEvent, lambdaContext } from '../../../support/events';
import { testFunctionBase } from '../../../support/handler-env';

const handler = awsErrorsHandler(testFunctionBase('errors'));
const ddb = mockClient(DynamoDBDocumentClient);
const eventBridge = mockClient(EventBridgeClient);

const call = (input: Parameters<typeof apiEvent>[0]) => handler(apiEvent(input), lambdaContext);
/** A request to `/v1/error-policies/{key}` as API Gateway routes it. */
const onPolicy = (method: string, key: string, more: { body?: unknown; headers?: Record<string, string> } = {}) =>
  call({
    method,
    path: `/v1/error-policies/${key}`,
    resource: '/v1/error-policies/{key}',
    pathParameters: { key },
    ...more,
  });
const json = (result: { body: string }) => JSON.parse(result.body);
const policy = { ...BUILT_IN_POLICIES.transient, maxRetries: 2 };

describe('errors handler', () => {
  afterEach(() => {
    ddb.reset();
    eventBridge.reset();
  });

  describe('GET /v1/error-policies', () => {
    type Item = { pk: string; sk: string; policy?: unknown; revision: number; updatedAt: string; deleted?: boolean };
    const stored = (sk: string, more: Partial<Item> = {}): Item => ({
      pk: 'POLICY',
      sk,
      policy,
      revision: 1,
      updatedAt: 't',
      ...more,
    });
    /** The POLICY partition as the errors table answers Get and Query (sk order, Limit, sk > :after, tombstones filtered). */
    const policyPartition = (items: Item[]) => {
      const sorted = [...items].sort((a, b) => (a.sk < b.sk ? -1 : 1));
      ddb.on(GetCommand).callsFake(({ Key }) => ({ Item: sorted.find((i) => i.sk === Key.sk) }));
      ddb.on(QueryCommand).callsFake((input) => {
        const after = input.ExclusiveStartKey?.sk ?? input.ExpressionAttributeValues[':after'] ?? '';
        const evaluated = sorted.filter((i) => i.sk > after).slice(0, input.Limit);
        const full = evaluated.length === input.Limit;
        return {
          Items: evaluated.filter((i) => !i.deleted),
          ...(full && { LastEvaluatedKey: { pk: 'POLICY', sk: evaluated.at(-1)?.sk } }),
        };
      });
    };
    const listPolicies = (query?: Record<string, string>) =>
      call({ method: 'GET', path: '/v1/error-policies', ...(query && { query }) });
    const keysOf = (result: { body: string }) =>
      (json(result).items as Array<{ key: string; origin: string }>).map((i) => `${i.key}:${i.origin}`);

    it('lists the built-in policies, stored overrides in their place, then stored code policies', async () => {
      // Prepare
      policyPartition([
        stored('system', { policy: { ...BUILT_IN_POLICIES.system, alertThreshold: 7 }, revision: 2 }),
        stored('HTTP_429'),
        stored('HTTP_500', { deleted: true }),
      ]);

      // Act
      const result = await listPolicies();

      // Assess
      expect(result.statusCode).toBe(200);
      expect(keysOf(result)).toEqual([
        'transient:built-in',
        'permanent:built-in',
        'system:custom',
        'default:built-in',
        'HTTP_429:custom',
      ]);
      expect(json(result).items[2].policy.alertThreshold).toBe(7);
      expect(json(result)).not.toHaveProperty('nextCursor');
      expect(ddb.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
        TableName: 'errors-test',
        ConsistentRead: true,
        Limit: 22,
        FilterExpression: 'attribute_not_exists(#deleted)',
      });
    });

    it('pages built-ins first, then code policies in key order, following the cursor to a last page without one', async () => {
      // Prepare
      policyPartition(['HTTP_400', 'HTTP_429', 'HTTP_503', 'TIMEOUT', 'default'].map((key) => stored(key)));

      // Act
      const pages = [await listPolicies({ limit: '3' })];
      for (let next = json(pages[0] as { body: string }).nextCursor; next; ) {
        const page = await listPolicies({ limit: '3', cursor: next });
        pages.push(page);
        next = json(page).nextCursor;
      }

      // Assess
      expect(pages.map((p) => p.statusCode)).toEqual([200, 200, 200]);
      expect(pages.map(keysOf)).toEqual([
        ['transient:built-in', 'permanent:built-in', 'system:built-in'],
        ['default:custom', 'HTTP_400:custom', 'HTTP_429:custom'],
        ['HTTP_503:custom', 'TIMEOUT:custom'],
      ]);
      expect(json(pages[2] as { body: string })).not.toHaveProperty('nextCursor');
      // The first page is all built-ins: no Query; then one Query each, for what the page lacks and
      // the one item beyond it that tells whether more follow
      expect(ddb.commandCalls(QueryCommand).map((c) => c.args[0].input.Limit)).toEqual([3, 4]);
    });

    it('answers 25 policies by default and a cursor to the rest', async () => {
      // Prepare
      const codes = Array.from({ length: 30 }, (_, i) => `CODE_${String(i).padStart(2, '0')}`);
      policyPartition(codes.map((key) => stored(key)));

      // Act
      const first = await listPolicies();
      const rest = await listPolicies({ cursor: json(first).nextCursor, limit: '100' });

      // Assess
      expect(keysOf(first)).toHaveLength(25);
      expect(keysOf(first).at(-1)).toBe('CODE_20:custom');
      expect(keysOf(rest)).toEqual(codes.slice(21).map((key) => `${key}:custom`));
      expect(json(rest)).not.toHaveProperty('nextCursor');
    });

    it('rejects a cursor of another listing, forged, or naming no policy key with 400 naming /query/cursor', async () => {
      // Prepare
      policyPartition([stored('HTTP_429')]);
      const forged = (content: Record<string, string>) => Buffer.from(JSON.stringify(content)).toString('base64url');
      const cursors = [
        forged({ listing: 'contract-versions', tenant: 'default', name: 'agents', after: '1.0.0' }),
        forged({ listing: 'error-policies', after: 'K'.repeat(2000) }),
        forged({ listing: 'error-policies', after: 'HTTP_429', extra: 'x' }),
        forged({ pk: 'POLICY', sk: 'HTTP_429' }),
        'not-a-cursor',
      ];

      // Act
      const results = await Promise.all(cursors.map((cursor) => listPolicies({ cursor })));

      // Assess
      for (const result of results) {
        expect(result.statusCode).toBe(400);
        expect(json(result).errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/query/cursor']);
      }
      expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
    });

    it('rejects a limit of 0, 101 or a non-number with 400 naming /query/limit', async () => {
      // Act
      const results = await Promise.all(['0', '101', '-1'].map((limit) => listPolicies({ limit })));

      // Assess
      for (const result of results) {
        expect(result.statusCode).toBe(400);
        expect(json(result).errors[0].pointer).toBe('/query/limit');
      }
      expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
    });
  });

  describe('PUT /v1/error-policies/{key}', () => {
    it('creates a policy with one atomic update and answers 201 with ETag and Location', async () => {
      // Prepare
      ddb.on(UpdateCommand).resolves({});

      // Act
      const result = await onPolicy('PUT', 'HTTP_429', { body: policy });

      // Assess
      expect(result.statusCode).toBe(201);
      expect(result.headers).toMatchObject({ etag: '"1"', location: '/v1/error-policies/HTTP_429' });
      const update = ddb.commandCalls(UpdateCommand)[0]?.args[0].input;
      expect(update?.UpdateExpression).toBe(
        'SET #policy = :policy, #updatedAt = :updatedAt, #updatedBy = :updatedBy REMOVE #deleted ADD #revision :one',
      );
      expect(update?.ExpressionAttributeValues?.[':updatedBy']).toEqual({ tenant: 'default', principal: 'anonymous' });
      expect(json(result).updatedBy).toEqual({ tenant: 'default', principal: 'anonymous' });
      expect(update?.ConditionExpression).toBeUndefined();
      expect(update?.Key).toEqual({ pk: 'POLICY', sk: 'HTTP_429' });
      expect(update?.ReturnValues).toBe('ALL_OLD');
    });

    it('replaces a policy re-created after a delete with the next revision, and encodes the Location', async () => {
      // Prepare: the previous item is a tombstone at revision 4
      ddb
        .on(UpdateCommand)
        .resolves({ Attributes: { pk: 'POLICY', sk: 'a/b', revision: 4, deleted: true, updatedAt: 't' } });

      // Act
      const result = await onPolicy('PUT', 'a/b', { body: policy });

      // Assess
      expect(result.statusCode).toBe(201);
      expect(result.headers).toMatchObject({ etag: '"5"', location: '/v1/error-policies/a%2Fb' });
    });

    it('fails with 412 when If-Match names a revision that is no longer current', async () => {
      // Prepare
      ddb.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }));

      // Act
      const result = await onPolicy('PUT', 'HTTP_429', { body: policy, headers: { 'If-Match': '"3"' } });

      // Assess
      expect(result.statusCode).toBe(412);
      expect(json(result).type).toBe('urn:aif:problem:precondition-failed');
      const update = ddb.commandCalls(UpdateCommand)[0]?.args[0].input;
      expect(update?.ConditionExpression).toBe('#revision IN (:revision0) AND attribute_not_exists(#deleted)');
      expect(update?.ExpressionAttributeValues?.[':revision0']).toBe(3);
    });

    it('reads If-Match: * as "exists" and refuses weak tags with 412 without writing', async () => {
      // Prepare
      ddb
        .on(UpdateCommand)
        .resolves({ Attributes: { pk: 'POLICY', sk: 'HTTP_429', policy, revision: 2, updatedAt: 't' } });

      // Act
      const star = await onPolicy('PUT', 'HTTP_429', { body: policy, headers: { 'If-Match': '*' } });
      const weak = await onPolicy('PUT', 'HTTP_429', { body: policy, headers: { 'If-Match': 'W/"3"' } });

      // Assess
      expect(star.statusCode).toBe(200);
      expect(star.headers?.etag).toBe('"3"');
      expect(ddb.commandCalls(UpdateCommand)[0]?.args[0].input.ConditionExpression).toBe(
        'attribute_exists(#pk) AND attribute_not_exists(#deleted)',
      );
      expect(weak.statusCode).toBe(412);
      expect(ddb.commandCalls(UpdateCommand)).toHaveLength(1);
    });

    it('rejects an invalid policy with 422 naming every problem, without writing', async () => {
      // Act
      const result = await call({
        method: 'PUT',
        path: '/v1/error-policies/permanent',
        resource: '/v1/error-policies/{key}',
        pathParameters: { key: 'permanent' },
        body: {
          ...BUILT_IN_POLICIES.permanent,
          maxRetries: 2,
          initialDelayMs: 500,
          maxDelayMs: 100,
          backoffStrategy: 'cubic',
        },
      });

      // Assess
      expect(result.statusCode).toBe(422);
      const pointers = json(result)
        .errors.map((e: { pointer: string }) => e.pointer)
        .sort();
      expect(pointers).toEqual(['/backoffStrategy', '/maxDelayMs', '/maxRetries']);
      expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
    });

    it('rejects cross-field problems and a category key holding another category', async () => {
      // Act
      const crossField = await onPolicy('PUT', 'permanent', {
        body: { ...BUILT_IN_POLICIES.permanent, maxRetries: 2, initialDelayMs: 500, maxDelayMs: 100 },
      });
      const wrongCategory = await onPolicy('PUT', 'system', { body: policy });

      // Assess
      expect(crossField.statusCode).toBe(422);
      expect(
        json(crossField)
          .errors.map((e: { pointer: string }) => e.pointer)
          .sort(),
      ).toEqual(['/maxDelayMs', '/maxRetries']);
      expect(wrongCategory.statusCode).toBe(422);
      expect(json(wrongCategory).errors[0].pointer).toBe('/category');
      expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
    });

    // Every form of the conditional headers (RFC 9110 §13.1), taken whole into the one UpdateItem.
    it.each([
      [
        'If-Match: * on a stored policy',
        { 'If-Match': '*' },
        'stored',
        'attribute_exists(#pk) AND attribute_not_exists(#deleted)',
        200,
      ],
      [
        'If-Match: * on no policy',
        { 'If-Match': '*' },
        'refused',
        'attribute_exists(#pk) AND attribute_not_exists(#deleted)',
        412,
      ],
      [
        'If-None-Match: * on no policy',
        { 'If-None-Match': '*' },
        'absent',
        'attribute_not_exists(#pk) OR #deleted = :true',
        201,
      ],
      [
        'If-None-Match: * on a stored policy',
        { 'If-None-Match': '*' },
        'refused',
        'attribute_not_exists(#pk) OR #deleted = :true',
        412,
      ],
      [
        'a list whose second tag matches',
        { 'If-Match': '"4", "1"' },
        'stored',
        '#revision IN (:revision0, :revision1) AND attribute_not_exists(#deleted)',
        200,
      ],
      [
        'a list that matches nothing',
        { 'If-Match': '"4", "5"' },
        'refused',
        '#revision IN (:revision0, :revision1) AND attribute_not_exists(#deleted)',
        412,
      ],
      ['no precondition', {}, 'absent', undefined, 201],
    ] as const)('honours %s', async (_form, headers, store, condition, status) => {
      // Prepare
      if (store === 'refused') {
        ddb.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }));
      } else {
        ddb
          .on(UpdateCommand)
          .resolves(
            store === 'stored'
              ? { Attributes: { pk: 'POLICY', sk: 'HTTP_429', policy, revision: 1, updatedAt: 't' } }
              : {},
          );
      }

      // Act
      const result = await onPolicy('PUT', 'HTTP_429', { body: policy, headers });

      // Assess
      expect(result.statusCode).toBe(status);
      const update = ddb.commandCalls(UpdateCommand)[0]?.args[0].input;
      expect(update?.ConditionExpression).toBe(condition);
      if (condition?.startsWith('#revision')) expect(update?.ExpressionAttributeValues?.[':revision0']).toBe(4);
    });

    it('rejects a malformed If-Match with 400', async () => {
      const result = await onPolicy('PUT', 'HTTP_429', { body: policy, headers: { 'If-Match': 'three' } });
      expect(result.statusCode).toBe(400);
      expect(json(result).errors[0].pointer).toBe('/headers/if-match');
    });
  });

  describe('HEAD /v1/error-policies/{key}', () => {
    it('answers like GET, headers included, without a body', async () => {
      // Prepare
      ddb.on(GetCommand).resolves({ Item: { pk: 'POLICY', sk: 'HTTP_429', policy, revision: 7, updatedAt: 't' } });

      // Act
      const result = await onPolicy('HEAD', 'HTTP_429');

      // Assess
      expect(result.statusCode).toBe(200);
      expect(result.headers).toMatchObject({ etag: '"7"', 'content-type': 'application/json' });
      expect(result.body).toBe('');
    });
  });

  describe('DELETE /v1/error-policies/{key}', () => {
    it('answers 204 when a stored policy was removed and 404 when there was none', async () => {
      // Prepare
      ddb
        .on(UpdateCommand)
        .resolvesOnce({ Attributes: { sk: 'HTTP_429', policy, revision: 2 } })
        .rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }));
      const del = () => onPolicy('DELETE', 'HTTP_429');

      // Act
      const removed = await del();
      const missing = await del();

      // Assess
      expect(removed.statusCode).toBe(204);
      expect(removed.body).toBe('');
      expect(missing.statusCode).toBe(404);
      const tombstone = ddb.commandCalls(UpdateCommand)[0]?.args[0].input;
      expect(tombstone?.UpdateExpression).toBe(
        'SET #deleted = :true, #updatedAt = :updatedAt, #updatedBy = :updatedBy REMOVE #policy ADD #revision :one',
      );
      expect(tombstone?.ExpressionAttributeValues?.[':updatedBy']).toEqual({
        tenant: 'default',
        principal: 'anonymous',
      });
      expect(tombstone?.ConditionExpression).toBe('attribute_exists(#pk) AND attribute_not_exists(#deleted)');
    });
    it.each([
      [
        'If-Match: * on a stored policy',
        { 'If-Match': '*' },
        'stored',
        'attribute_exists(#pk) AND attribute_not_exists(#deleted)',
        204,
      ],
      [
        'If-Match: * on no policy',
        { 'If-Match': '*' },
        'refused',
        'attribute_exists(#pk) AND attribute_not_exists(#deleted)',
        412,
      ],
      [
        'a list whose second tag matches',
        { 'If-Match': '"4", "1"' },
        'stored',
        '#revision IN (:revision0, :revision1) AND attribute_not_exists(#deleted)',
        204,
      ],
      [
        'a list that matches nothing',
        { 'If-Match': '"4", "5"' },
        'refused',
        '#revision IN (:revision0, :revision1) AND attribute_not_exists(#deleted)',
        412,
      ],
      ['no precondition', {}, 'stored', 'attribute_exists(#pk) AND attribute_not_exists(#deleted)', 204],
    ] as const)('honours %s', async (_form, headers, store, condition, status) => {
      // Prepare
      if (store === 'refused') {
        ddb.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }));
      } else {
        ddb.on(UpdateCommand).resolves({ Attributes: { sk: 'HTTP_429', policy, revision: 1 } });
      }

      // Act
      const result = await onPolicy('DELETE', 'HTTP_429', { headers });

      // Assess
      expect(result.statusCode).toBe(status);
      expect(ddb.commandCalls(UpdateCommand)[0]?.args[0].input.ConditionExpression).toBe(condition);
    });

    it('honours If-None-Match: * — nothing to delete: 404 when none is stored, 412 when one is', async () => {
      // Prepare
      ddb
        .on(GetCommand)
        .resolvesOnce({})
        .resolves({ Item: { pk: 'POLICY', sk: 'HTTP_429', policy, revision: 1, updatedAt: 't' } });
      const del = () => onPolicy('DELETE', 'HTTP_429', { headers: { 'If-None-Match': '*' } });

      // Act
      const missing = await del();
      const present = await del();

      // Assess
      expect(missing.statusCode).toBe(404);
      expect(present.statusCode).toBe(412);
      expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
    });
  });

  describe('GET /v1/error-policies/{key}', () => {
    it('answers the built-in policy of a category nobody overrode, and 404 for an unknown code', async () => {
      // Prepare
      ddb.on(GetCommand).resolves({});

      // Act
      const builtIn = await onPolicy('GET', 'system');
      const unknown = await onPolicy('GET', 'NOPE');

      // Assess
      expect(json(builtIn)).toEqual({ key: 'system', policy: BUILT_IN_POLICIES.system, origin: 'built-in' });
      expect(builtIn.headers?.etag).toBeUndefined();
      expect(unknown.statusCode).toBe(404);
    });
  });

  describe('POST /v1/errors', () => {
    it('classifies a 503, counts it in both windows and answers retry with the backoff delay', async () => {
      // Prepare
      ddb.on(QueryCommand).resolves({ Items: [] });
      ddb.on(UpdateCommand).callsFake((input) => ({
        Attributes: {
          ...input.ExpressionAttributeValues,
          window: input.ExpressionAttributeValues[':window'],
          windowStart: input.ExpressionAttributeValues[':windowStart'],
          source: 'agent:planner',
          code: 'HTTP_503',
          category: 'transient',
          count: 1,
          lastSeenAt: 1,
        },
      }));

      // Act
      const result = await call({
        method: 'POST',
        path: '/v1/errors',
        body: { source: 'agent:planner', status: 503, attempt: 1 },
      });

      // Assess
      expect(result.statusCode).toBe(200);
      const body = json(result);
      expect(body.error).toMatchObject({
        code: 'HTTP_503',
        category: 'transient',
        source: 'agent:planner',
        retryable: true,
      });
      expect(body.resolution.action).toBe('retry');
      expect(body.resolution.delayMs).toBeGreaterThanOrEqual(110);
      expect(body.resolution.delayMs).toBeLessThanOrEqual(120);
      expect(body.policy).toEqual({ key: 'transient', origin: 'built-in' });
      const updates = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
      // Counted under the caller's tenant (auth off: `default`).
      expect(updates.map((u) => (u.Key as { pk: string }).pk.split('#').slice(0, 3).join('#')).sort()).toEqual([
        'COUNT#default#1h',
        'COUNT#default#1m',
      ]);
      expect(updates.every((u) => u.UpdateExpression?.startsWith('ADD #count :one'))).toBe(true);
      expect(busCalls(eventBridge)).toHaveLength(0);
    });

    it('publishes one integration.alert on the custom bus when the threshold is reached', async () => {
      // Prepare: the system policy alerts at the first error
      ddb.on(QueryCommand).resolves({ Items: [] });
      ddb.on(UpdateCommand).callsFake((input) =>
        input.UpdateExpression?.startsWith('ADD')
          ? {
              Attributes: {
                window: input.ExpressionAttributeValues[':window'],
                windowStart: input.ExpressionAttributeValues[':windowStart'],
                source: 'svc:db',
                code: 'HTTP_500',
                category: 'system',
                count: 1,
                lastSeenAt: 1,
              },
            }
          : {},
      );
      eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'eb-1' }] });

      // Act
      const result = await call({
        method: 'POST',
        path: '/v1/errors',
        body: { source: 'svc:db', status: 500, attempt: 4 },
      });

      // Assess
      const body = json(result);
      expect(body.resolution).toMatchObject({
        action: 'fallback',
        fallbackAction: 'degrade_gracefully',
        reason: 'retries-exhausted',
      });
      expect(body.alert).toMatchObject({ state: 'published', raisedNow: true, window: '1m', threshold: 1 });
      const entries = busCalls(eventBridge)[0]?.args[0].input.Entries;
      expect(entries).toHaveLength(1);
      expect(entries?.[0]).toMatchObject({
        EventBusName: 'aif-test-bus',
        Source: 'aif.errors',
        DetailType: 'integration.alert',
      });
      expect(JSON.parse(entries?.[0]?.Detail ?? '{}').payload).toMatchObject({
        tenant: 'default',
        source: 'svc:db',
        code: 'HTTP_500',
        count: 1,
        threshold: 1,
      });
      const claim = ddb
        .commandCalls(UpdateCommand)
        .map((c) => c.args[0].input)
        .find((u) => u.UpdateExpression === 'SET #alert = :mark');
      expect(claim?.ConditionExpression).toContain('attribute_not_exists(#alert)');
    });

    it('takes the category of a bare AWS error name or Node.js code from the classifier', async () => {
      // Prepare
      ddb.on(QueryCommand).resolves({ Items: [] });
      ddb.on(UpdateCommand).callsFake((input) => ({
        Attributes: {
          window: input.ExpressionAttributeValues[':window'],
          windowStart: 0,
          source: 's',
          code: 'c',
          category: input.ExpressionAttributeValues[':category'],
          count: 1,
          lastSeenAt: 1,
        },
      }));
      const report = (code: string) =>
        call({ method: 'POST', path: '/v1/errors', body: { source: 'svc:orders', code } });

      // Act
      const throttled = json(await report('ProvisionedThroughputExceededException'));
      const reset = json(await report('ECONNRESET'));
      const diskFull = json(await report('ENOSPC'));

      // Assess
      expect([throttled.error.category, reset.error.category, diskFull.error.category]).toEqual([
        'transient',
        'transient',
        'system',
      ]);
      expect(throttled.error.code).toBe('ProvisionedThroughputExceededException');
      expect(throttled.resolution.action).toBe('retry');
    });

    it('knows its own codes, honours Retry-After without a status and grows decorrelated jitter from previousDelayMs', async () => {
      // Prepare
      ddb.on(QueryCommand).resolves({
        Items: [
          {
            pk: 'POLICY',
            sk: 'ECONNRESET',
            revision: 1,
            updatedAt: 't',
            policy: { ...policy, maxRetries: 10, jitter: 'decorrelated', initialDelayMs: 100, maxDelayMs: 60_000 },
          },
        ],
      });
      ddb.on(UpdateCommand).callsFake((input) => ({
        Attributes: {
          window: input.ExpressionAttributeValues[':window'],
          windowStart: 0,
          source: 's',
          code: 'c',
          category: 'transient',
          count: 1,
          lastSeenAt: 1,
        },
      }));
      const report = async (body: Record<string, unknown>) =>
        json(await call({ method: 'POST', path: '/v1/errors', body: { source: 'svc:orders', ...body } }));

      // Act
      const notFound = await report({ code: 'HTTP_404' });
      const timeout = await report({ code: 'TIMEOUT' });
      const waited = await report({ code: 'HTTP_503', retryAfter: '7' });
      const grown = await Promise.all(
        Array.from({ length: 20 }, () => report({ code: 'ECONNRESET', attempt: 5, previousDelayMs: 20_000 })),
      );

      // Assess
      expect(notFound.error.category).toBe('permanent');
      expect(notFound.resolution).toMatchObject({ action: 'fail', reason: 'not-retryable' });
      expect(timeout.error.category).toBe('transient');
      expect(waited.resolution).toMatchObject({ action: 'retry', delayMs: 7_000 });
      const delays = grown.map((r) => r.resolution.delayMs as number);
      for (const delay of delays) {
        expect(delay).toBeGreaterThanOrEqual(100);
        expect(delay).toBeLessThanOrEqual(60_000);
      }
      // Uniform in [100, 60 000] from a previous 20 s; without previousDelayMs all would be ≤ 300 ms.
      // All 20 draws ≤ 300 ms from [100, 60 000] has probability (200 / 59 900)^20 < 1e-49.
      expect(Math.max(...delays)).toBeGreaterThan(300);
    });

    it('names every problem of a report at once, the undeterminable category included', async () => {
      // Prepare
      ddb.on(QueryCommand).resolves({ Items: [] });

      // Act
      const result = await call({
        method: 'POST',
        path: '/v1/errors',
        body: { source: 'svc', code: 'NOPE_X', attempt: 0, extra: true },
      });

      // Assess
      expect(result.statusCode).toBe(422);
      expect(
        json(result)
          .errors.map((e: { pointer: string }) => e.pointer)
          .sort(),
      ).toEqual(['/attempt', '/category', '/extra']);
      expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
    });

    it('refuses inherited property names, a code that contradicts the status, a bad Retry-After and unknown members, all at once', async () => {
      // Prepare
      ddb.on(QueryCommand).resolves({ Items: [] });
      const report = (body: Record<string, unknown>) =>
        call({ method: 'POST', path: '/v1/errors', body: { source: 's', ...body } });

      // Act
      const inherited = await Promise.all(
        ['constructor', 'toString', '__proto__', 'hasOwnProperty'].map((code) => report({ code })),
      );
      const mixed = await report({ code: 'HTTP_502', status: 404, retryAfter: 'soon', x: 1, y: 2 });
      const context = await report({
        status: 503,
        context: { ...Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`k${i}`, i])), bad: {} },
      });

      // Assess
      for (const result of inherited) {
        expect(result.statusCode).toBe(422);
        expect(json(result).errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/category']);
      }
      expect(
        json(mixed)
          .errors.map((e: { pointer: string }) => e.pointer)
          .sort(),
      ).toEqual(['/code', '/retryAfter', '/x', '/y']);
      expect(
        json(context)
          .errors.map((e: { pointer: string }) => e.pointer)
          .sort(),
      ).toEqual(['/context', '/context/bad']);
      expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
    });

    it('rejects a code whose category cannot be determined with 422 and counts nothing', async () => {
      // Prepare
      ddb.on(QueryCommand).resolves({ Items: [] });

      // Act
      const result = await call({
        method: 'POST',
        path: '/v1/errors',
        body: { source: 'agent:planner', code: 'PAYMENT_DECLINED' },
      });

      // Assess
      expect(result.statusCode).toBe(422);
      expect(json(result).errors[0].pointer).toBe('/category');
      expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
    });

    it('rejects a report without code or status, and a source with "#", naming both', async () => {
      const result = await call({ method: 'POST', path: '/v1/errors', body: { source: 'a#b' } });
      expect(result.statusCode).toBe(422);
      expect(
        json(result)
          .errors.map((e: { pointer: string }) => e.pointer)
          .sort(),
      ).toEqual(['/code', '/source']);
    });
  });

  describe('GET /v1/errors/stats', () => {
    it('queries the window that contains ?at= and shows the alert state', async () => {
      // Prepare
      ddb.on(QueryCommand).resolves({
        Items: [
          {
            window: '1h',
            windowStart: Date.parse('2026-11-30T10:00:00Z'),
            source: 's',
            code: 'HTTP_503',
            category: 'transient',
            count: 12,
            lastSeenAt: Date.parse('2026-11-30T10:59:00Z'),
            alert: { eventId: 'e', raisedAt: Date.parse('2026-11-30T10:30:00Z'), state: 'published', threshold: 10 },
          },
        ],
      });

      // Act
      const result = await call({
        method: 'GET',
        path: '/v1/errors/stats',
        query: { window: '1h', at: '2026-11-30T10:42:00Z' },
      });

      // Assess
      expect(result.statusCode).toBe(200);
      expect(json(result)).toEqual({
        window: '1h',
        windowStart: '2026-11-30T10:00:00.000Z',
        windowEnd: '2026-11-30T11:00:00.000Z',
        items: [
          {
            source: 's',
            code: 'HTTP_503',
            category: 'transient',
            count: 12,
            lastSeenAt: '2026-11-30T10:59:00.000Z',
            alert: { eventId: 'e', raisedAt: '2026-11-30T10:30:00.000Z', state: 'published', threshold: 10 },
          },
        ],
      });
      expect(ddb.commandCalls(QueryCommand)[0]?.args[0].input.ExpressionAttributeValues).toEqual({
        ':pk': 'COUNT#default#1h#2026-11-30T10:00:00.000Z',
      });
    });
  });
});
