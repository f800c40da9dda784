import { beforeAll, describe, expect, it } from 'vitest';
import { createContractsHandler } from '../../../../functions/contracts/app';
import { transformerDeps } from '../../../../functions/contracts/wiring';
import { httpOptions } from '../../../../functions/wiring';
import { DynamoDbContractRepository } from '../../../../shared/adapters/dynamodb/contract-repository';
import { contractsTable } from '../../../../shared/adapters/dynamodb/table-definitions';
import { DynamoDbTransformerRepository } from '../../../../shared/adapters/dynamodb/transformer-repository';
import { principalContext } from '../../../../shared/domain/auth/authorizer-policy';
import { CompiledContractCache } from '../../../../shared/domain/contracts/validator';
import type { ApiHandler } from '../../../../shared/middleware/http-api';
import { agentsContract } from '../../../support/contracts';
import { freshTable } from '../../../support/dynamodb';
import { apiEvent, lambdaContext } from '../../../support/events';
import { HANDLER_TEST_NOW_MS, testFunctionBase } from '../../../support/handler-env';

const SCOPES = ['contracts:read', 'contracts:write', 'transformers:read', 'transformers:write'];
const EXPIRES_AT = HANDLER_TEST_NOW_MS / 1000 + 600;
const A = { tenant: 'tenant-a', principal: 'agent-a' };
const B = { tenant: 'tenant-b', principal: 'agent-b' };
type Caller = typeof A;
/** An answer, its body parsed on demand. */
// biome-ignore lint/suspicious/noExplicitAny: answers of many routes are read field by field
type Answer = { statusCode: number; body: string; json: () => any };

/** A valid `POST /agents` request of the agents contract, for the validate route. */
const VALID_AGENT = {
  method: 'POST',
  path: '/agents',
  request: { body: { name: 'n', capabilities: ['search'] }, headers: { 'x-api-key': 'k' } },
};

describe('contracts handler: tenants (dynalite, AUTH_ENFORCED=token)', () => {
  let handler: ApiHandler;
  let as: (
    caller: Caller,
    method: string,
    path: string,
    body?: unknown,
    query?: Record<string, string>,
  ) => Promise<Answer>;

  beforeAll(async () => {
    // Prepare: the contracts function over a fresh dynalite table, with the authorizer context checked
    const { client, tableName } = await freshTable(contractsTable);
    const base = testFunctionBase('contracts', { env: { AUTH_ENFORCED: 'token' } });
    handler = createContractsHandler(
      {
        contracts: new DynamoDbContractRepository(client, tableName),
        compiled: new CompiledContractCache(64),
        ...transformerDeps(new DynamoDbTransformerRepository(client, tableName), base.clock, 2 * 1024 * 1024),
      },
      httpOptions(base),
    );
    // One request as `caller`, with the authorizer context API Gateway passes.
    as = async (caller, method, path, body, query) => {
      const event = apiEvent({ method, path, ...(body !== undefined && { body }), ...(query && { query }) });
      const result = await handler(
        {
          ...event,
          requestContext: {
            ...event.requestContext,
            authorizer: principalContext({ ...caller, scopes: SCOPES, expiresAt: EXPIRES_AT }),
          },
        },
        lambdaContext,
      );
      return { statusCode: result.statusCode, body: result.body, json: () => JSON.parse(result.body) };
    };
    const registered = await as(A, 'POST', '/v1/contracts', agentsContract({ name: 'petstore', description: 'A’s' }));
    expect(registered.statusCode).toBe(201);
  });

  describe('POST /v1/contracts', () => {
    it('records the registering caller as owner', async () => {
      // Act
      const latest = await as(A, 'GET', '/v1/contracts/petstore');

      // Assess
      expect(latest.statusCode).toBe(200);
      expect(latest.json().owner).toEqual(A);
    });

    it('gives another tenant registering the same name its own independent contract', async () => {
      // Act: B registers petstore 1.0.0 with other content — no 409 against A's
      const registered = await as(B, 'POST', '/v1/contracts', agentsContract({ name: 'petstore', description: 'B’s' }));
      const ofA = await as(A, 'GET', '/v1/contracts/petstore/versions/1.0.0');
      const ofB = await as(B, 'GET', '/v1/contracts/petstore/versions/1.0.0');

      // Assess
      expect(registered.statusCode).toBe(201);
      expect(registered.json().contract.owner).toEqual(B);
      expect(ofA.json()).toMatchObject({ description: 'A’s', owner: A });
      expect(ofB.json()).toMatchObject({ description: 'B’s', owner: B });
    });
  });

  describe('another tenant’s contract', () => {
    it.each([
      ['the latest version', 'GET', '/v1/contracts/a-only'],
      ['one version', 'GET', '/v1/contracts/a-only/versions/1.0.0'],
      ['the version list', 'GET', '/v1/contracts/a-only/versions'],
      ['deprecating a version', 'DELETE', '/v1/contracts/a-only/versions/1.0.0'],
      ['validating a request', 'POST', '/v1/contracts/a-only/validate', VALID_AGENT],
      [
        'validating a response',
        'POST',
        '/v1/contracts/a-only/validate-response',
        {
          method: 'POST',
          path: '/agents',
          status: 201,
          body: { id: '00000000-0000-4000-8000-000000000000', name: 'n' },
        },
      ],
    ])('answers %s with the 404 of a missing contract', async (_what, method, path, body?: unknown) => {
      // Prepare
      await as(A, 'POST', '/v1/contracts', agentsContract({ name: 'a-only' }));
      const missingPath = path.replace('a-only', 'never-registered');

      // Act
      const ofB = await as(B, method, path, body);
      const missing = await as(B, method, missingPath, body);

      // Assess
      expect(ofB.statusCode).toBe(404);
      const { instance: _i, requestId: _r, ...problem } = ofB.json();
      const { instance: _mi, requestId: _mr, ...missingProblem } = missing.json();
      expect(problem).toEqual({
        ...missingProblem,
        detail: missingProblem.detail.replace('never-registered', 'a-only'),
      });
      expect(ofB.body).not.toContain('tenant-a');
    });

    it('stays undeprecated and valid for its own tenant after another tenant tried', async () => {
      // Prepare
      await as(A, 'POST', '/v1/contracts', agentsContract({ name: 'kept' }));
      await as(B, 'DELETE', '/v1/contracts/kept/versions/1.0.0');

      // Act
      const version = await as(A, 'GET', '/v1/contracts/kept/versions/1.0.0');
      const validated = await as(A, 'POST', '/v1/contracts/kept/validate', VALID_AGENT);

      // Assess
      expect(version.json()).toMatchObject({ deprecated: false, owner: A });
      expect(validated.json()).toMatchObject({ valid: true, version: '1.0.0' });
    });

    it('validates against the caller’s own contract of a shared name and version', async () => {
      // Prepare: A's `strict` needs capabilities; B's `strict` of the same name and version does not
      await as(A, 'POST', '/v1/contracts', agentsContract({ name: 'strict' }));
      await as(
        B,
        'POST',
        '/v1/contracts',
        agentsContract({
          name: 'strict',
          schemas: { ...agentsContract().schemas, NewAgent: { type: 'object', required: ['name'] } },
        }),
      );
      const request = {
        method: 'POST',
        path: '/agents',
        request: { body: { name: 'n' }, headers: { 'x-api-key': 'k' } },
      };

      // Act: A first, so A's compile is cached when B asks
      const byA = await as(A, 'POST', '/v1/contracts/strict/validate', request);
      const byB = await as(B, 'POST', '/v1/contracts/strict/validate', request);

      // Assess
      expect(byA.json().valid).toBe(false);
      expect(byB.json().valid).toBe(true);
    });
  });

  describe('GET /v1/contracts', () => {
    it('lists only the caller’s tenant’s names, and a cursor of one tenant’s listing is refused to another', async () => {
      // Prepare
      const C = { tenant: 'tenant-c', principal: 'agent-c' };
      const D = { tenant: 'tenant-d', principal: 'agent-d' };
      for (const name of ['c-1', 'c-2', 'c-3']) await as(C, 'POST', '/v1/contracts', agentsContract({ name }));
      await as(D, 'POST', '/v1/contracts', agentsContract({ name: 'd-1' }));

      // Act
      const firstOfC = (await as(C, 'GET', '/v1/contracts', undefined, { limit: '2' })).json();
      const ofD = await as(D, 'GET', '/v1/contracts');
      const cursorOfCAsD = await as(D, 'GET', '/v1/contracts', undefined, { limit: '2', cursor: firstOfC.nextCursor });

      // Assess
      expect(firstOfC.items.map((i: { name: string }) => i.name)).toEqual(['c-1', 'c-2']);
      expect(ofD.json().items.map((i: { name: string }) => i.name)).toEqual(['d-1']);
      expect(cursorOfCAsD.statusCode).toBe(400);
      expect(cursorOfCAsD.json().errors[0].pointer).toBe('/query/cursor');
    });
  });
  describe('transformers', () => {
    it("keeps each tenant's transformers to itself: same name and version, other content, no 409", async () => {
      // Prepare
      const media = { from: { mediaType: 'application/json' }, to: { mediaType: 'application/yaml' } };
      const ofA = { version: '1.0.0', ...media, expression: '{ "by": "a" }' };
      const ofB = { version: '1.0.0', expression: '{ "by": "b" }' };

      // Act
      const registeredA = await as(A, 'PUT', '/v1/transformers/shared', ofA);
      const registeredB = await as(B, 'PUT', '/v1/transformers/shared', ofB);
      const readByB = await as(B, 'GET', '/v1/transformers/shared');
      const listedByB = await as(B, 'GET', '/v1/transformers');
      const directForB = await as(B, 'POST', '/v1/transform', {
        from: 'application/json',
        to: 'application/yaml',
        body: { x: 1 },
      });
      const directForA = await as(A, 'POST', '/v1/transform', {
        from: 'application/json',
        to: 'application/yaml',
        body: { x: 1 },
      });
      const deletedByB = await as(B, 'DELETE', '/v1/transformers/shared');
      const stillA = await as(A, 'GET', '/v1/transformers/shared');

      // Assess
      expect([registeredA.statusCode, registeredB.statusCode]).toEqual([201, 201]);
      expect(readByB.json().transformer).toMatchObject({ expression: '{ "by": "b" }', owner: B });
      expect(listedByB.json().items.map((i: { name: string }) => i.name)).toEqual(['shared']);
      expect(directForB.json()).toMatchObject({ body: 'x: 1\n' });
      expect(directForA.json()).toMatchObject({ body: 'by: a\n' });
      expect(deletedByB.json()).toEqual({ name: 'shared', deleted: ['1.0.0'] });
      expect(stillA.json().transformer).toMatchObject({ expression: '{ "by": "a" }', owner: A });
    });
  });
});
