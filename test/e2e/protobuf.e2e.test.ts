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
    // Prepare: list_value { values { … } } around 1, 10 000 times, written inside out in one buffer.
    let bytes: Uint8Array = encode(1);
    const levels = 10_000;
    const varint = (n: number) => Buffer.from(protobuf.Writer.create().uint32(n).finish());
    const parts: Buffer[] = [];
    let length = bytes.length;
    for (let i = 0; i < levels; i++) {
      const inner = Buffer.concat([Buffer.from([0x0a]), varint(length)]);
      length += inner.length;
      const outer = Buffer.concat([Buffer.from([0x32]), varint(length)]);
      length += outer.length;
      parts.push(inner, outer);
    }
    bytes = Buffer.concat([...parts.reverse(), bytes]);

    // Act
    const answer = await send('POST', '/v1/event-patterns/test', { 'content-type': 'application/x-protobuf' }, bytes);

    // Assess
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.bytes.toString('utf8')).detail).toMatch(/nests deeper than 256 levels/);
  });

  describe('contracts carrying .proto source', () => {
    const SHOP = [
      'syntax = "proto3";',
      'package shop.v1;',
      'message Order {',
      '  string order_id = 1;',
      '  int64 total_cents = 2;',
      '  repeated string skus = 3;',
      '}',
      'message Receipt { string order_id = 1; bool paid = 2; }',
    ].join('\n');
    const contract = (source: string, requestMessage = 'shop.v1.Order') => ({
      name: 'shop-orders',
      version: '1.0.0',
      endpoints: [
        {
          path: '/orders',
          method: 'POST',
          requestSchema: 'Order',
          requestMediaTypes: { 'application/json': 'Order', 'application/x-protobuf': 'Order' },
          requestMessage,
          responseSchema: 'Receipt',
          responseMediaTypes: { '2XX': { 'application/protobuf': 'Receipt' } },
          responseMessages: { '2XX': 'shop.v1.Receipt' },
        },
      ],
      schemas: {
        Order: {
          type: 'object',
          required: ['orderId', 'skus'],
          properties: {
            orderId: { type: 'string', pattern: '^o-' },
            totalCents: { type: 'string', pattern: '^[0-9]+$' },
            skus: { type: 'array', minItems: 1 },
          },
        },
        Receipt: { type: 'object', required: ['paid'] },
      },
      protobuf: { source },
    });
    const json = async (method: string, path: string, body: unknown) => {
      const answer = await send(
        method,
        path,
        { 'content-type': 'application/json' },
        Buffer.from(JSON.stringify(body)),
      );
      return { status: answer.status, body: JSON.parse(answer.bytes.toString('utf8')) };
    };
    const bytesOf = (type: string, value: Record<string, unknown>) => {
      const Type = protobuf.parse(SHOP).root.lookupType(type);
      return Buffer.from(Type.encode(Type.fromObject(value)).finish()).toString('base64');
    };

    it('refuses .proto source with a syntax error with 422 naming /protobuf/source, line and column', async () => {
      // Prepare: line 4 lacks its ';'
      const broken = SHOP.replace('string order_id = 1;', 'string order_id = 1');

      // Act
      const answer = await json('POST', '/v1/contracts', contract(broken));

      // Assess
      expect(answer.status).toBe(422);
      expect(answer.body.errors).toEqual([
        expect.objectContaining({
          pointer: '/protobuf/source',
          detail: "is not a valid .proto: line 5, column 3: illegal token 'int64', ';' expected",
        }),
      ]);
    });

    it('refuses a message name the source does not define with 422 naming the endpoint', async () => {
      const answer = await json('POST', '/v1/contracts', contract(SHOP, 'shop.v1.Basket'));

      expect(answer.status).toBe(422);
      expect(answer.body.errors).toEqual([expect.objectContaining({ pointer: '/endpoints/0/requestMessage' })]);
    });

    it('validates Protobuf request and response bodies by their messages against the schemas', async () => {
      // Prepare
      expect((await json('POST', '/v1/contracts', contract(SHOP))).status).toBe(201);
      const validate = (message: Record<string, unknown>) =>
        json('POST', '/v1/contracts/shop-orders/validate', {
          method: 'POST',
          path: '/orders',
          request: { contentType: 'application/x-protobuf', bodyBase64: bytesOf('shop.v1.Order', message) },
        });

      // Act
      const valid = await validate({ orderId: 'o-1', totalCents: '9007199254740993', skus: ['a'] });
      const invalid = await validate({ orderId: 'x-1', skus: [] });
      const garbage = await json('POST', '/v1/contracts/shop-orders/validate', {
        method: 'POST',
        path: '/orders',
        request: {
          contentType: 'application/x-protobuf',
          bodyBase64: Buffer.from([0x0a, 0x09, 0x6f]).toString('base64'),
        },
      });
      const response = await json('POST', '/v1/contracts/shop-orders/validate-response', {
        method: 'POST',
        path: '/orders',
        status: 201,
        contentType: 'application/protobuf',
        bodyBase64: bytesOf('shop.v1.Receipt', { orderId: 'o-1' }),
      });

      // Assess
      expect(valid.body).toMatchObject({ valid: true, errors: [], mediaType: 'application/x-protobuf' });
      expect(invalid.body.valid).toBe(false);
      expect(invalid.body.mediaType).toBe('application/x-protobuf');
      // An empty repeated field is not on the wire, so it is absent from the JSON form: `skus` is missing.
      expect(invalid.body.errors.map((e: { instancePath: string }) => e.instancePath).sort()).toEqual([
        '/body/orderId',
        '/body/skus',
      ]);
      expect(garbage.body).toMatchObject({
        valid: false,
        errors: [
          { instancePath: '/body', keyword: 'decode', message: expect.stringMatching(/not valid shop\.v1\.Order/) },
        ],
      });
      // paid = false is proto3's default: left out of the JSON form, so `required: ['paid']` fails.
      expect(response.body).toMatchObject({
        valid: false,
        mediaType: 'application/protobuf',
        errors: [expect.objectContaining({ instancePath: '/body/paid', keyword: 'required' })],
      });
    });
  });
});
