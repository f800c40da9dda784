import protobuf from 'protobufjs';
import protojson from 'protobufjs/ext/protojson.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../../local/server';

describe('local runner: Protobuf (google.protobuf.Value) on every route', () => {
  let server: LocalServer;
  let Value: protobuf.Type;
  const send = async (method: string, path: string, headers: Record<string, string>, body?: Uint8Array) => {
    const response = await fetch(`${server.url}${path}`, { method, headers, body });
    return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
  };
  const encode = (json: unknown) => Value.encode(protojson.fromJson(Value, json)).finish();
  const decode = (bytes: Uint8Array) => protojson.toJson(Value, Value.decode(bytes));

  beforeAll(async () => {
    server = await startLocalServer({ port: 0, healthCheckIntervalMs: 0 });
    // As a client starts: fetch the .proto and compile it.
    const proto = await send('GET', '/v1/proto', { accept: 'text/plain' });
    expect(proto.status).toBe(200);
    expect(proto.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    Value = protobuf.parse(proto.bytes.toString('utf8')).root.lookupType('google.protobuf.Value');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('tests an event pattern sent as Protobuf and answers Protobuf bytes', async () => {
    // Prepare
    const body = encode({
      pattern: { source: ['shop.orders'], detail: { total: [{ numeric: ['>', 10] }] } },
      event: {
        version: '0',
        id: 'evt-1',
        'detail-type': 'order.created',
        source: 'shop.orders',
        account: '123456789012',
        time: '2026-11-30T09:59:00Z',
        region: 'us-east-1',
        resources: [],
        detail: { total: 12.5, note: 'größer 😀' },
      },
    });

    // Act
    const answer = await send(
      'POST',
      '/v1/event-patterns/test',
      { 'content-type': 'application/x-protobuf', accept: 'application/x-protobuf' },
      body,
    );

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/x-protobuf');
    expect(answer.headers.get('vary')).toBe('accept');
    expect(decode(answer.bytes)).toEqual({ matches: true });
  });

  it('registers a contract sent as application/protobuf and reads it back as Protobuf', async () => {
    // Prepare
    const contract = {
      name: 'protobuf-demo',
      version: '1.0.0',
      endpoints: [{ path: '/items', method: 'GET', responseSchema: 'Item' }],
      schemas: { Item: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } } },
    };

    // Act
    const registered = await send(
      'POST',
      '/v1/contracts',
      { 'content-type': 'application/protobuf', accept: 'application/json' },
      encode(contract),
    );
    const read = await send('GET', '/v1/contracts/protobuf-demo', { accept: 'application/protobuf' });

    // Assess
    expect(registered.status).toBe(201);
    expect(read.status).toBe(200);
    expect(read.headers.get('content-type')).toBe('application/protobuf');
    expect(decode(read.bytes)).toMatchObject({ name: 'protobuf-demo', version: '1.0.0' });
  });

  it('rejects NaN in number_value with 400 problem+json naming its pointer', async () => {
    // Prepare: protobufjs writes NaN from the message object (protojson would refuse it).
    const body = Value.encode(
      Value.fromObject({ structValue: { fields: { pattern: { numberValue: Number.NaN } } } }),
    ).finish();

    // Act
    const answer = await send(
      'POST',
      '/v1/event-patterns/test',
      { 'content-type': 'application/x-protobuf', accept: 'application/x-protobuf' },
      body,
    );

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toBe('application/problem+json');
    expect(JSON.parse(answer.bytes.toString('utf8')).errors).toEqual([
      expect.objectContaining({ pointer: '/pattern', detail: 'NaN has no JSON representation' }),
    ]);
  });

  it('rejects 10 000 nested ListValues with 400 problem+json', async () => {
    // Prepare
    let bytes = encode(1);
    for (let i = 0; i < 10_000; i++) {
      const list = protobuf.Writer.create().uint32(0x0a).bytes(bytes).finish();
      bytes = protobuf.Writer.create().uint32(0x32).bytes(list).finish();
    }

    // Act
    const answer = await send('POST', '/v1/event-patterns/test', { 'content-type': 'application/x-protobuf' }, bytes);

    // Assess
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.bytes.toString('utf8')).detail).toMatch(/nests deeper than 256 levels/);
  });
});
