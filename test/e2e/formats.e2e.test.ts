import { decode as msgpackDecode, encode as msgpackEncode } from '@msgpack/msgpack';
import { decode as cborDecode, encode as cborEncode } from 'cbor2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../../local/server';

describe('local runner: MessagePack and CBOR on every route', () => {
  let server: LocalServer;
  const send = async (method: string, path: string, headers: Record<string, string>, body?: Uint8Array) => {
    const response = await fetch(`${server.url}${path}`, { method, headers, body });
    return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
  };

  beforeAll(async () => {
    server = await startLocalServer({ port: 0, healthCheckIntervalMs: 0 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('tests an event pattern sent as MessagePack and answers CBOR bytes', async () => {
    // Prepare
    const body = msgpackEncode({
      pattern: { source: ['shop.orders'] },
      event: {
        version: '0',
        id: 'evt-1',
        'detail-type': 'order.created',
        source: 'shop.orders',
        account: '123456789012',
        time: '2026-11-30T09:59:00Z',
        region: 'us-east-1',
        resources: [],
        detail: {},
      },
    });

    // Act
    const answer = await send(
      'POST',
      '/v1/event-patterns/test',
      { 'content-type': 'application/msgpack', accept: 'application/cbor' },
      body,
    );

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/cbor');
    expect(answer.headers.get('vary')).toBe('accept');
    expect(cborDecode(answer.bytes)).toEqual({ matches: true });
  });

  it('registers a contract sent as CBOR and answers it in MessagePack', async () => {
    // Prepare
    const contract = {
      name: 'formats-demo',
      version: '1.0.0',
      endpoints: [{ path: '/items', method: 'GET', responseSchema: 'Item' }],
      schemas: { Item: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } } },
    };

    // Act
    const registered = await send(
      'POST',
      '/v1/contracts',
      { 'content-type': 'application/cbor', accept: 'application/json' },
      cborEncode(contract),
    );
    const read = await send('GET', '/v1/contracts/formats-demo', { accept: 'application/x-msgpack' });

    // Assess
    expect(registered.status).toBe(201);
    expect(read.status).toBe(200);
    expect(read.headers.get('content-type')).toBe('application/x-msgpack');
    expect(msgpackDecode(read.bytes)).toMatchObject({ name: 'formats-demo', version: '1.0.0' });
  });

  it('rejects a MessagePack array claiming 2^32 − 1 elements with 400 problem+json', async () => {
    // Act
    const answer = await send(
      'POST',
      '/v1/event-patterns/test',
      { 'content-type': 'application/msgpack', accept: 'application/cbor' },
      Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5]),
    );

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toBe('application/problem+json');
    expect(JSON.parse(answer.bytes.toString('utf8')).detail).toMatch(
      /^The body is not valid MessagePack: the array at byte 0 declares 4294967295 elements/,
    );
  });
});
