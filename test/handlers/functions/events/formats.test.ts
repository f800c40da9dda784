import { decode as msgpackDecode, encode as msgpackEncode } from '@msgpack/msgpack';
import { decode as cborDecode, encode as cborEncode } from 'cbor2';
import protobuf from 'protobufjs';
import protojson from 'protobufjs/ext/protojson.js';
import { describe, expect, it } from 'vitest';
import { awsEventsHandler } from '../../../../functions/events/wiring';
import { API_PROTO_SOURCE } from '../../../../shared/http/codecs/protobuf-api-proto';
import { recordingClock } from '../../../support/clock';
import { apiEvent, lambdaContext } from '../../../support/events';
import { testFunctionBase } from '../../../support/handler-env';

// POST /v1/event-patterns/test stores nothing and calls nothing: no AWS client is reached.
const handler = awsEventsHandler(
  testFunctionBase('events', { clock: recordingClock(Date.parse('2026-11-30T10:00:00Z')) }),
);

const busEvent = {
  version: '0',
  id: 'evt-1',
  'detail-type': 'order.created',
  source: 'shop.orders',
  account: '123456789012',
  time: '2026-11-30T09:59:00Z',
  region: 'us-east-1',
  resources: [],
  detail: { payload: { total: 120 } },
};
const matching = { pattern: { detail: { payload: { total: [{ numeric: ['>', 100] }] } } }, event: busEvent };

// The REST proxy event as API Gateway sends it with binaryMediaTypes `*/*`: body base64, isBase64Encoded.
const testPattern = (bytes: Uint8Array, contentType: string, accept: string) => {
  const event = apiEvent({
    method: 'POST',
    path: '/v1/event-patterns/test',
    rawBody: Buffer.from(bytes).toString('base64'),
    headers: { 'Content-Type': contentType, Accept: accept },
  });
  event.isBase64Encoded = true;
  return handler(event, lambdaContext);
};

describe('events handler', () => {
  describe('POST /v1/event-patterns/test in MessagePack, CBOR and Protobuf', () => {
    it('reads MessagePack and answers CBOR, base64-encoded with isBase64Encoded', async () => {
      // Act
      const result = await testPattern(msgpackEncode(matching), 'application/msgpack', 'application/cbor');

      // Assess
      expect(result.statusCode).toBe(200);
      expect(result.isBase64Encoded).toBe(true);
      expect(result.headers).toMatchObject({ 'content-type': 'application/cbor', vary: 'accept' });
      expect(cborDecode(Buffer.from(result.body, 'base64'))).toEqual({ matches: true });
    });

    it('reads Protobuf (google.protobuf.Value) and answers Protobuf, base64-encoded with isBase64Encoded', async () => {
      // Prepare: the message a client compiles from GET /v1/proto.
      const Value = protobuf.parse(API_PROTO_SOURCE).root.lookupType('google.protobuf.Value');
      const bytes = Value.encode(protojson.fromJson(Value, matching)).finish();

      // Act
      const result = await testPattern(bytes, 'application/x-protobuf', 'application/protobuf');

      // Assess
      expect(result.statusCode).toBe(200);
      expect(result.isBase64Encoded).toBe(true);
      expect(result.headers).toMatchObject({ 'content-type': 'application/protobuf', vary: 'accept' });
      expect(protojson.toJson(Value, Value.decode(Buffer.from(result.body, 'base64')))).toEqual({ matches: true });
    });

    it('reads CBOR and answers MessagePack under its older name when Accept asks for it', async () => {
      // Act
      const result = await testPattern(cborEncode(matching), 'application/cbor', 'application/x-msgpack');

      // Assess
      expect(result.statusCode).toBe(200);
      expect(result.headers?.['content-type']).toBe('application/x-msgpack');
      expect(msgpackDecode(Buffer.from(result.body, 'base64'))).toEqual({ matches: true });
    });

    it('answers JSON text, not base64, when Accept prefers JSON', async () => {
      // Act
      const result = await testPattern(
        cborEncode(matching),
        'application/cbor',
        'application/cbor;q=0.5, application/json',
      );

      // Assess
      expect(result.statusCode).toBe(200);
      expect(result.isBase64Encoded ?? false).toBe(false);
      expect(result.headers?.['content-type']).toBe('application/json');
      expect(JSON.parse(result.body)).toEqual({ matches: true });
    });

    it('answers a refusal as problem+json text whatever Accept negotiated', async () => {
      // Act
      const result = await testPattern(
        msgpackEncode({ ...matching, pattern: { 'detail-type': 'order.created' } }),
        'application/msgpack',
        'application/cbor',
      );

      // Assess
      expect(result.statusCode).toBe(400);
      expect(result.isBase64Encoded ?? false).toBe(false);
      expect(result.headers?.['content-type']).toBe('application/problem+json');
      expect(JSON.parse(result.body).errors[0]).toMatchObject({ pointer: '/pattern' });
    });

    it('rejects a MessagePack uint 64 beyond 2^53 in the event with its pointer', async () => {
      // Prepare: detail.payload.total = 2^64 − 1 as uint 64, spliced into the encoding of a marker.
      const marker = 0x7fff_ffff;
      const bytes = Buffer.from(
        msgpackEncode({ ...matching, event: { ...busEvent, detail: { payload: { total: marker } } } }),
      );
      const at = bytes.indexOf(Buffer.from([0xce, 0x7f, 0xff, 0xff, 0xff]));
      const spliced = Buffer.concat([
        bytes.subarray(0, at),
        Buffer.from([0xcf, ...Array(8).fill(0xff)]),
        bytes.subarray(at + 5),
      ]);

      // Act
      const result = await testPattern(spliced, 'application/msgpack', 'application/json');

      // Assess
      expect(result.statusCode).toBe(400);
      expect(JSON.parse(result.body).errors).toEqual([
        expect.objectContaining({
          pointer: '/event/detail/payload/total',
          detail: expect.stringContaining('18446744073709551615 is beyond'),
        }),
      ]);
    });

    it('rejects another Content-Type with 415 naming the media types it reads', async () => {
      // Act
      const result = await testPattern(Buffer.from('pattern=x'), 'application/x-www-form-urlencoded', '*/*');

      // Assess
      expect(result.statusCode).toBe(415);
      expect(JSON.parse(result.body).detail).toBe(
        'Content-Type application/x-www-form-urlencoded is not accepted here; send one of application/json, application/msgpack, application/cbor, application/x-protobuf',
      );
    });

    it('rejects an Accept it cannot produce with 406 naming what is available', async () => {
      // Act
      const result = await testPattern(
        msgpackEncode(matching),
        'application/msgpack',
        'application/xml, application/json;q=0',
      );

      // Assess
      expect(result.statusCode).toBe(406);
      expect(JSON.parse(result.body)).toMatchObject({
        available: ['application/json', 'application/msgpack', 'application/cbor', 'application/x-protobuf'],
      });
    });
  });
});
