import { decode as msgpackDecode } from '@msgpack/msgpack';
import { encode as cborEncode } from 'cbor2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../../local/server';

/** The `orders` contract in two versions: 1.0.0 has `customer` (a name), 2.0.0 `buyer: { name }`. */
const ordersContract = (version: string, order: object) => ({
  name: 'orders',
  version,
  compatibility: 'NONE',
  endpoints: [{ path: '/orders', method: 'POST', requestSchema: 'Order' }],
  schemas: { Order: order },
});
const ORDER_V1 = { type: 'object', required: ['id', 'customer'], properties: { id: {}, customer: { type: 'string' } } };
const ORDER_V2 = {
  type: 'object',
  required: ['id', 'buyer'],
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    buyer: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
  },
};
const UPGRADE = {
  version: '1.0.0',
  description: 'orders 1.0.0 → 2.0.0: customer becomes buyer.name',
  from: { contract: 'orders', version: '1.0.0' },
  to: { contract: 'orders', version: '2.0.0' },
  expression: '{ "id": $string(id), "buyer": { "name": customer } }',
};

describe('local runner: transformers and POST /v1/transform over HTTP', () => {
  let server: LocalServer;
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };

  beforeAll(async () => {
    server = await startLocalServer({ port: 0, healthCheckIntervalMs: 0 });
    await call('POST', '/v1/contracts', ordersContract('1.0.0', ORDER_V1));
    await call('POST', '/v1/contracts', ordersContract('2.0.0', ORDER_V2));
  });
  afterAll(async () => {
    await server?.close();
  });

  describe('PUT /v1/transformers/{name}', () => {
    it('registers a version (201), answers the same content again with 200 and other content with 409', async () => {
      // Act
      const created = await call('PUT', '/v1/transformers/orders-v1-v2', UPGRADE);
      const again = await call('PUT', '/v1/transformers/orders-v1-v2', UPGRADE);
      const changed = await call('PUT', '/v1/transformers/orders-v1-v2', { ...UPGRADE, expression: '$' });

      // Assess
      expect(created.status).toBe(201);
      expect(created.headers.get('location')).toBe('/v1/transformers/orders-v1-v2?version=1.0.0');
      expect(created.body.transformer).toMatchObject({ name: 'orders-v1-v2', version: '1.0.0', language: 'jsonata' });
      expect(again).toMatchObject({ status: 200, body: { outcome: 'unchanged' } });
      expect(changed.status).toBe(409);
      expect(changed.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });

    it('rejects an expression that does not compile with 422 at /expression, with position and code', async () => {
      // Act
      const answer = await call('PUT', '/v1/transformers/broken', { version: '1.0.0', expression: '{ "a": ' });

      // Assess
      expect(answer.status).toBe(422);
      expect(answer.body.errors).toEqual([
        expect.objectContaining({
          pointer: '/expression',
          keyword: 'S0203',
          detail: expect.stringMatching(/character 7/),
        }),
      ]);
    });

    it('lists, reads and deletes transformers', async () => {
      // Prepare
      await call('PUT', '/v1/transformers/rename', { version: '1.0.0', expression: '{ "n": name }' });
      await call('PUT', '/v1/transformers/rename', { version: '1.1.0', expression: '{ "name2": name }' });

      // Act
      const list = await call('GET', '/v1/transformers?limit=100');
      const latest = await call('GET', '/v1/transformers/rename');
      const exact = await call('GET', '/v1/transformers/rename?version=1.0.0');
      const deletedOne = await call('DELETE', '/v1/transformers/rename?version=1.1.0');
      const afterOne = await call('GET', '/v1/transformers/rename');
      const deletedAll = await call('DELETE', '/v1/transformers/rename');
      const gone = await call('GET', '/v1/transformers/rename');

      // Assess
      expect(list.body.items).toEqual(
        expect.arrayContaining([expect.objectContaining({ name: 'rename', versionCount: 2 })]),
      );
      expect(latest.body.transformer.version).toBe('1.1.0');
      expect(latest.body.versions.map((v: { version: string }) => v.version)).toEqual(['1.1.0', '1.0.0']);
      expect(exact.body.transformer.expression).toBe('{ "n": name }');
      expect(deletedOne.body).toEqual({ name: 'rename', deleted: ['1.1.0'] });
      expect(afterOne.body.transformer.version).toBe('1.0.0');
      expect(deletedAll.body).toEqual({ name: 'rename', deleted: ['1.0.0'] });
      expect(gone.status).toBe(404);
    });
  });

  describe('POST /v1/transform', () => {
    it('runs a pipeline and encodes the result as MessagePack', async () => {
      // Prepare
      await call('PUT', '/v1/transformers/total', {
        version: '1.0.0',
        expression: '{ "total": $sum(lines.(price * qty)) }',
      });

      // Act
      const answer = await call('POST', '/v1/transform', {
        from: 'application/json',
        to: 'application/msgpack',
        pipeline: [{ transformer: 'total' }],
        body: {
          lines: [
            { price: 2, qty: 3 },
            { price: 1, qty: 4 },
          ],
        },
      });

      // Assess
      expect(answer.status).toBe(200);
      expect(answer.body.to).toBe('application/msgpack');
      expect(msgpackDecode(Buffer.from(answer.body.bodyBase64, 'base64'))).toEqual({ total: 10 });
      expect(answer.body.steps).toEqual([
        { index: 0, kind: 'decode', mediaType: 'application/json' },
        { index: 1, kind: 'map', transformer: 'total', version: '1.0.0' },
        { index: 2, kind: 'encode', mediaType: 'application/msgpack' },
      ]);
    });

    it('converts CBOR to MessagePack via JSON when no transformer is registered between them', async () => {
      // Act
      const answer = await call('POST', '/v1/transform', {
        from: 'application/cbor',
        to: 'application/msgpack',
        bodyBase64: Buffer.from(cborEncode({ id: 'o-1', qty: 3 })).toString('base64'),
      });

      // Assess
      expect(answer.status).toBe(200);
      expect(msgpackDecode(Buffer.from(answer.body.bodyBase64, 'base64'))).toEqual({ id: 'o-1', qty: 3 });
      expect(answer.body.steps.map((s: { kind: string }) => s.kind)).toEqual(['decode', 'encode']);
    });

    it('uses the transformer registered between two contract versions as the direct path', async () => {
      // Act
      const answer = await call('POST', '/v1/transform', {
        from: { mediaType: 'application/json', contract: 'orders', version: '1.0.0' },
        to: { mediaType: 'application/json', contract: 'orders', version: '2.0.0' },
        body: { id: 7, customer: 'Ada' },
      });

      // Assess
      expect(answer.status).toBe(200);
      expect(answer.body.body).toEqual({ id: '7', buyer: { name: 'Ada' } });
      expect(answer.body.steps[1]).toEqual({ index: 1, kind: 'map', transformer: 'orders-v1-v2', version: '1.0.0' });
    });

    it('fails a step with 422 problem+json naming the step, the transformer and its error', async () => {
      // Prepare
      await call('PUT', '/v1/transformers/arith', { version: '2.0.0', expression: 'total + "one"' });

      // Act
      const answer = await call('POST', '/v1/transform', {
        from: 'application/json',
        to: 'application/json',
        pipeline: [{ transformer: 'total' }, { transformer: 'arith' }],
        body: { name: 'x', lines: [] },
      });

      // Assess
      expect(answer.status).toBe(422);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(answer.body.detail).toMatch(/^Transformation failed at step 2 \(arith@2\.0\.0\)/);
      expect(answer.body.step).toMatchObject({
        index: 2,
        kind: 'map',
        transformer: 'arith',
        version: '2.0.0',
        code: 'T2002',
      });
      expect(answer.body.errors).toEqual([expect.objectContaining({ pointer: '/pipeline/1', keyword: 'T2002' })]);
    });

    it('rejects a pipeline step naming no registered transformer with 422 naming it', async () => {
      // Act
      const answer = await call('POST', '/v1/transform', {
        from: 'application/json',
        to: 'application/json',
        pipeline: [{ transformer: 'nope', version: '1.0.0' }],
        body: {},
      });

      // Assess
      expect(answer.status).toBe(422);
      expect(answer.body.errors).toEqual([
        expect.objectContaining({ pointer: '/pipeline/0/transformer', detail: 'nope@1.0.0 is not registered' }),
      ]);
    });
  });

  describe('POST /v1/contracts/{name}/validate?upgradeFrom=', () => {
    it('upgrades a 1.0.0 payload with the registered transformer and validates it against 2.0.0', async () => {
      // Act
      const answer = await call('POST', '/v1/contracts/orders/validate?upgradeFrom=1.0.0', {
        method: 'POST',
        path: '/orders',
        request: { body: { id: 7, customer: 'Ada' } },
      });

      // Assess
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        valid: true,
        version: '2.0.0',
        upgrade: {
          from: '1.0.0',
          to: '2.0.0',
          transformer: { name: 'orders-v1-v2', version: '1.0.0' },
          body: { id: '7', buyer: { name: 'Ada' } },
        },
      });
    });

    it('decodes a CBOR body by its contentType before upgrading it', async () => {
      // Act
      const answer = await call('POST', '/v1/contracts/orders/validate?upgradeFrom=1.0.0', {
        version: '2.0.0',
        method: 'POST',
        path: '/orders',
        request: {
          contentType: 'application/cbor',
          bodyBase64: Buffer.from(cborEncode({ id: 8, customer: 'Grace' })).toString('base64'),
        },
      });

      // Assess
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ valid: true, upgrade: { body: { id: '8', buyer: { name: 'Grace' } } } });
    });

    it('upgrades a response body for validate-response too', async () => {
      // Act: a 1.0.0 body without customer upgrades to a buyer without a name (JSONata omits the member)
      const answer = await call('POST', '/v1/contracts/orders/validate-response?upgradeFrom=1.0.0', {
        version: '2.0.0',
        method: 'POST',
        path: '/orders',
        status: 200,
        body: { id: 9 },
      });

      // Assess
      expect(answer.status).toBe(200);
      expect(answer.body.upgrade).toMatchObject({
        transformer: { name: 'orders-v1-v2' },
        body: { id: '9', buyer: {} },
      });
    });

    it('answers 422 naming what to register when no transformer maps the versions', async () => {
      // Prepare
      await call('POST', '/v1/contracts', ordersContract('3.0.0', ORDER_V2));

      // Act
      const answer = await call('POST', '/v1/contracts/orders/validate?upgradeFrom=1.0.0', {
        method: 'POST',
        path: '/orders',
        request: { body: { id: 7, customer: 'Ada' } },
      });

      // Assess
      expect(answer.status).toBe(422);
      expect(answer.body.errors[0]).toMatchObject({ pointer: '/query/upgradeFrom' });
      expect(answer.body.errors[0].detail).toMatch(/orders@1\.0\.0 to orders@3\.0\.0.*PUT \/v1\/transformers/);
    });

    it('answers 400 for an upgradeFrom that is not a version, naming the parameter', async () => {
      // Act
      const answer = await call('POST', '/v1/contracts/orders/validate?upgradeFrom=banana', {
        method: 'POST',
        path: '/orders',
        request: { body: { id: 7, customer: 'Ada' } },
      });

      // Assess
      expect(answer.status).toBe(400);
      expect(answer.body.errors[0]).toMatchObject({ pointer: '/query/upgradeFrom' });
    });
  });

  it('lists the new routes in the OpenAPI document', async () => {
    // Act
    const document = await call('GET', '/v1/openapi.json');

    // Assess
    expect(document.body.paths['/v1/transformers/{name}'].put['x-required-scopes']).toEqual(['transformers:write']);
    expect(Object.keys(document.body.paths['/v1/transform'])).toEqual(['post']);
    expect(document.body['x-scopes']['transformers:read']).toBeDefined();
  });
});
