import fc from 'fast-check';
import protobuf from 'protobufjs';
import protojson from 'protobufjs/ext/protojson.js';
import { describe, expect, it } from 'vitest';
import { MalformedInputError } from '../../../../../shared/domain/errors';
import { decodeStrict } from '../../../../../shared/http/codecs/decode-strict';
import { MAX_BODY_DEPTH } from '../../../../../shared/http/codecs/limits';
import { API_PROTO_SOURCE } from '../../../../../shared/http/codecs/protobuf-api-proto';
import { protobufCodec } from '../../../../../shared/http/codecs/protobuf-codec';
import type { RouteDefinition } from '../../../../../shared/http/route-definition';
import { httpApi } from '../../../../../shared/middleware/http-api';
import { createObservability } from '../../../../../shared/observability/powertools';
import { apiEvent, lambdaContext } from '../../../../support/events';
import '../../../../support/handler-env';
import { ECHO_DOCUMENT_ROUTE } from '../../../../support/pipeline-routes';

// The served .proto, compiled by protobufjs as a client would.
const Value = protobuf.parse(API_PROTO_SOURCE).root.lookupType('google.protobuf.Value');
const theirBytes = (json: unknown) => Buffer.from(Value.encode(protojson.fromJson(Value, json)).finish());
const theirJson = (bytes: Uint8Array) => protojson.toJson(Value, Value.decode(bytes));

const routes: RouteDefinition[] = [ECHO_DOCUMENT_ROUTE];
const handler = httpApi(
  routes,
  { echoDocument: async ({ body }) => ({ status: 200, body }) },
  {},
  { observability: createObservability('test'), maxBodyBytes: 256 * 1024 },
);
// A request as API Gateway hands it over with binaryMediaTypes `*/*`: the body base64-encoded.
const post = (bytes: Uint8Array, contentType = 'application/x-protobuf', accept = 'application/x-protobuf') => {
  const event = apiEvent({
    method: 'POST',
    path: '/v1/documents',
    rawBody: Buffer.from(bytes).toString('base64'),
    headers: { 'Content-Type': contentType, Accept: accept },
  });
  event.isBase64Encoded = true;
  return handler(event, lambdaContext);
};
type Problem = { status: number; detail: string; errors?: { pointer: string; detail: string }[] };
const problemOf = (result: { body: string }) => JSON.parse(result.body) as Problem;

// A Value holding a list_value around `inner` (a Value), `depth` times: [[[…inner…]]].
function nestedLists(depth: number, inner: Buffer): Buffer {
  let bytes = inner;
  const prefixed = (tag: number, body: Buffer) => {
    const writer = protobuf.Writer.create();
    writer.uint32(tag).bytes(body);
    return Buffer.from(writer.finish());
  };
  for (let i = 0; i < depth; i++) bytes = prefixed(0x32, prefixed(0x0a, bytes));
  return bytes;
}
const ONE = theirBytes(1);

describe('protobufCodec', () => {
  const document = {
    name: 'orders',
    version: 3,
    ratio: -0.25,
    tags: ['a', 'é', '日本語 😀', ''],
    meta: { ok: true, off: false, none: null, empty: {}, list: [] },
    nested: [[1, [2, { deep: [null] }]]],
  };

  describe('round trips', () => {
    it('encodes the same bytes protobufjs writes for the served struct.proto, and reads them back', async () => {
      // Act
      const ours = await protobufCodec.encode(document);

      // Assess
      expect(Buffer.from(ours as Buffer).equals(theirBytes(document))).toBe(true);
      expect(theirJson(ours as Buffer)).toEqual(document);
      expect(await protobufCodec.decode(theirBytes(document))).toEqual(document);
    });

    it('round-trips any JSON value through protobufjs both ways', async () => {
      await fc.assert(
        fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), async (value) => {
          // Prepare: JSON's own model (-0 is 0 once written as JSON).
          const json = JSON.parse(JSON.stringify(value));

          // Act
          const ours = (await protobufCodec.encode(json)) as Buffer;

          // Assess
          expect(JSON.stringify(theirJson(ours))).toBe(JSON.stringify(json));
          expect(JSON.stringify(await protobufCodec.decode(theirBytes(json)))).toBe(JSON.stringify(json));
        }),
        { numRuns: 200 },
      );
    });

    it.each([
      ['application/x-protobuf', 'application/x-protobuf'],
      ['application/protobuf', 'application/protobuf'],
      ['application/x-protobuf', 'application/json'],
    ])('reads %s and answers Accept: %s with the same value', async (type, accept) => {
      // Act
      const result = await post(theirBytes(document), type, accept);

      // Assess
      expect(result.statusCode).toBe(200);
      expect(result.headers?.['content-type']).toBe(accept);
      expect(result.headers?.vary).toBe('accept');
      const json = accept === 'application/json';
      expect(result.isBase64Encoded ?? false).toBe(!json);
      const answer = json ? JSON.parse(result.body) : theirJson(Buffer.from(result.body, 'base64'));
      expect(answer).toEqual(document);
    });

    it('keeps a "__proto__" key as a member, as JSON.parse does', async () => {
      // Prepare
      const bytes = theirBytes(JSON.parse('{"__proto__":{"admin":true}}'));

      // Act
      const value = (await protobufCodec.decode(bytes)) as Record<string, unknown>;

      // Assess
      expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
      expect(Object.keys(value)).toEqual(['__proto__']);
    });
  });

  describe('values JSON cannot hold', () => {
    it.each([
      ['NaN', Number.NaN],
      ['Infinity', Number.POSITIVE_INFINITY],
      ['-Infinity', Number.NEGATIVE_INFINITY],
    ])('rejects %s in number_value with its pointer', async (_name, number) => {
      // Prepare: { a: [1, <number>] }, written by protobufjs's reflection (it does not refuse it).
      const writer = protobuf.Writer.create();
      const list = Value.fromObject({ listValue: { values: [{ numberValue: 1 }, { numberValue: number }] } });
      const bytes = Value.encode(Value.fromObject({ structValue: { fields: { a: list } } }), writer).finish();

      // Act
      const result = await post(bytes);

      // Assess
      expect(result.statusCode).toBe(400);
      expect(problemOf(result).errors).toEqual([expect.objectContaining({ pointer: '/a/1' })]);
    });

    it('rejects a Value with no kind set (an empty map entry value) with its pointer', async () => {
      // Prepare: { a: { b: <Value {}> } }
      const bytes = Value.encode(
        Value.fromObject({ structValue: { fields: { a: { structValue: { fields: { b: {} } } } } } }),
      ).finish();

      // Act
      const result = await post(bytes);

      // Assess
      expect(result.statusCode).toBe(400);
      expect(problemOf(result).errors).toEqual([
        expect.objectContaining({ pointer: '/a/b', detail: expect.stringMatching(/no kind set/) }),
      ]);
    });

    it('rejects a null_value other than NULL_VALUE with its pointer', async () => {
      // Act
      const result = await post(Buffer.from([0x08, 0x01]));

      // Assess
      expect(result.statusCode).toBe(400);
      expect(problemOf(result).errors?.[0]?.detail).toMatch(/null_value 1 is not a NullValue/);
    });
  });

  describe('strict decoding', () => {
    it.each([
      [
        'an unknown field (15, varint)',
        [0x78, 0x01],
        /field 15 \(wire type 0\) at byte 0 is not a field of google\.protobuf\.Value/,
      ],
      ['a known field with the wrong wire type', [0x10, 0x01], /field 2 \(wire type 0\)/],
      [
        'an unknown field inside a Struct entry',
        [0x2a, 0x04, 0x0a, 0x02, 0x18, 0x01],
        /field 3 \(wire type 0\) at byte 4 is not a field of google\.protobuf\.Struct\.FieldsEntry/,
      ],
      ['a kind set twice', [0x20, 0x01, 0x1a, 0x00], /sets its kind twice \(bool_value, then string_value\)/],
      ['a Struct key set twice', [0x2a, 0x06, 0x0a, 0x04, 0x0a, 0x00, 0x0a, 0x00], /sets its key twice/],
      ['a string_value that is not UTF-8', [0x1a, 0x02, 0xc3, 0x28], /string_value at byte 2 is not valid UTF-8/],
      [
        'a Struct key that is not UTF-8',
        [0x2a, 0x05, 0x0a, 0x03, 0x0a, 0x01, 0xff],
        /a Struct key at byte 6 is not valid UTF-8/,
      ],
      ['a truncated double', [0x11, 0x00, 0x00], /double at byte 1 runs past the end/],
      ['a varint of 11 bytes', [0x20, ...Array(10).fill(0xff), 0x01], /longer than 10 bytes/],
      ['a tag cut short', [0xff], /varint at byte 0 runs past the end/],
    ])('rejects %s with 400 naming it', async (_name, bytes, detail) => {
      // Act
      const result = await post(Buffer.from(bytes));

      // Assess
      expect(result.statusCode).toBe(400);
      expect(result.headers?.['content-type']).toBe('application/problem+json');
      expect(problemOf(result).errors).toEqual([{ pointer: '/body', detail: expect.stringMatching(detail) }]);
    });

    it('reads a Struct entry without key as the key "" and a repeated key as its last value', async () => {
      // Prepare: entries { value: 1 } and { key: "a", value: true }, { key: "a", value: false }
      const entry = (key: string | undefined, value: Buffer) => {
        const writer = protobuf.Writer.create().fork();
        if (key !== undefined) writer.uint32(0x0a).string(key);
        writer.uint32(0x12).bytes(value);
        return Buffer.from(writer.ldelim().finish());
      };
      const entries = Buffer.concat(
        [entry(undefined, ONE), entry('a', theirBytes(true)), entry('a', theirBytes(false))].map((bytes) =>
          Buffer.concat([Buffer.from([0x0a]), bytes]),
        ),
      );
      const value = Buffer.concat([Buffer.from([0x2a, entries.length]), entries]);

      // Act
      const decoded = await protobufCodec.decode(value);

      // Assess
      expect(decoded).toEqual({ '': 1, a: false });
    });
  });

  describe('bounded decoding', () => {
    it('answers any bytes with a JSON value or a 400 problem, never another error', async () => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 64 }), async (bytes) => {
          // Act
          const outcome = await (async () => decodeStrict(protobufCodec, Buffer.from(bytes)))().then(
            (value: unknown) => ({ value }),
            (error: unknown) => ({ error }),
          );

          // Assess
          if ('error' in outcome) expect(outcome.error).toBeInstanceOf(MalformedInputError);
          else expect(JSON.stringify(outcome.value)).toEqual(expect.any(String));
        }),
        { numRuns: 500 },
      );
    });

    it.each([
      [
        'a string_value declaring 2^32 − 1 bytes',
        [0x1a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x61],
        /declares 4294967295 bytes, but its message has only 1 left/,
      ],
      [
        'a list_value declaring 2^62 bytes',
        [0x32, ...Array(8).fill(0x80), 0x40, 0x0a],
        /declares \d+ bytes, but its message has only 1 left/,
      ],
      [
        'a ListValue item longer than its list',
        [0x32, 0x02, 0x0a, 0x05, 0x20, 0x01],
        /at byte 3 declares 5 bytes, but its message has only 0 left/,
      ],
    ])('rejects %s with 400 without allocating for it', async (_name, bytes, detail) => {
      // Act
      const result = await post(Buffer.from(bytes));

      // Assess
      expect(result.statusCode).toBe(400);
      expect(problemOf(result).errors?.[0]?.detail).toMatch(detail);
    });

    it('reads lists nested 256 levels deep and rejects one level more', async () => {
      // Act
      const deepest = await post(nestedLists(MAX_BODY_DEPTH, ONE), undefined, 'application/json');
      const deeper = await post(nestedLists(MAX_BODY_DEPTH + 1, ONE));

      // Assess
      expect(deepest.statusCode).toBe(200);
      expect(JSON.stringify(JSON.parse(deepest.body))).toBe(`${'['.repeat(256)}1${']'.repeat(256)}`);
      expect(deeper.statusCode).toBe(400);
      expect(problemOf(deeper).detail).toMatch(/nests deeper than 256 levels/);
    });

    it('rejects 10 000 nested ListValues with 400, without overflowing the stack', async () => {
      // Act
      const result = await post(nestedLists(10_000, ONE));

      // Assess
      expect(result.statusCode).toBe(400);
      expect(problemOf(result).detail).toMatch(/nests deeper than 256 levels/);
    });
  });
});
