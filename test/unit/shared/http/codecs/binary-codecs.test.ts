import { decode as msgpackDecode, encode as msgpackEncode } from '@msgpack/msgpack';
import { decode as cborDecode, encode as cborEncode, Tag } from 'cbor2';
import { describe, expect, it } from 'vitest';
import { cborCodec } from '../../../../../shared/http/codecs/cbor-codec';
import { MAX_BODY_DEPTH } from '../../../../../shared/http/codecs/limits';
import { msgpackCodec } from '../../../../../shared/http/codecs/msgpack-codec';
import type { RouteDefinition } from '../../../../../shared/http/route-definition';
import { httpApi } from '../../../../../shared/middleware/http-api';
import { createObservability } from '../../../../../shared/observability/powertools';
import { apiEvent, lambdaContext } from '../../../../support/events';
import '../../../../support/handler-env';
import { ECHO_DOCUMENT_ROUTE } from '../../../../support/pipeline-routes';

const routes: RouteDefinition[] = [ECHO_DOCUMENT_ROUTE];
const handler = httpApi(
  routes,
  { echoDocument: async ({ body }) => ({ status: 200, body }) },
  {},
  { observability: createObservability('test'), maxBodyBytes: 64 * 1024 },
);
// A request as API Gateway hands it over with binaryMediaTypes `*/*`: the body base64-encoded.
const post = (bytes: Uint8Array, contentType: string, accept = '*/*') => {
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
const nested = (depth: number, open: number, leaf: number[]) => Buffer.from([...Array(depth).fill(open), ...leaf]);

describe('msgpackCodec and cborCodec', () => {
  describe('round trips', () => {
    const document = { name: 'orders', version: 3, ratio: 0.25, tags: ['a', 'é'], meta: { ok: true, none: null } };

    it.each([
      ['application/msgpack', 'application/cbor', cborDecode],
      ['application/x-msgpack', 'application/msgpack', msgpackDecode],
      ['application/cbor', 'application/x-msgpack', msgpackDecode],
      ['application/cbor', 'application/json', (bytes: Uint8Array) => JSON.parse(Buffer.from(bytes).toString('utf8'))],
    ])('reads %s and answers Accept: %s base64-encoded with the same value', async (type, accept, read) => {
      // Prepare
      const bytes = type === 'application/cbor' ? cborEncode(document) : msgpackEncode(document);

      // Act
      const result = await post(bytes, type, accept);

      // Assess
      expect(result.statusCode).toBe(200);
      expect(result.headers?.['content-type']).toBe(accept);
      expect(result.headers?.vary).toBe('accept');
      expect(result.isBase64Encoded ?? false).toBe(accept !== 'application/json');
      const answer = accept === 'application/json' ? Buffer.from(result.body) : Buffer.from(result.body, 'base64');
      expect(read(answer)).toEqual(document);
    });

    it.each([
      ['MessagePack', msgpackCodec, msgpackDecode],
      ['CBOR', cborCodec, cborDecode],
    ])(
      'answers a lone surrogate (which JSON lets through) as U+FFFD in %s, whose strings are UTF-8',
      async (_name, codec, read) => {
        // Act
        const bytes = await codec.encode(JSON.parse('{"s":"a\\ud800", "\\udc00":1}'));

        // Assess
        expect(read(bytes as Buffer)).toEqual({ s: 'a\ufffd', '\ufffd': 1 });
      },
    );

    it('answers the JSON value: members holding undefined are left out, as in JSON', async () => {
      // Act
      const bytes = await msgpackCodec.encode({ a: 1, b: undefined });

      // Assess
      expect(msgpackDecode(bytes as Buffer)).toEqual({ a: 1 });
    });
  });

  describe('integers beyond 2^53', () => {
    it.each([
      ['uint 64', Buffer.from([0x81, 0xa1, 0x6e, 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])],
      ['int 64', Buffer.from([0x81, 0xa1, 0x6e, 0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0])],
      ['uint 64 of 2^53', Buffer.from([0x81, 0xa1, 0x6e, 0xcf, 0, 0x20, 0, 0, 0, 0, 0, 0])],
    ])('rejects a MessagePack %s beyond ±(2^53 − 1) with its pointer', async (_name, bytes) => {
      // Act
      const result = await post(bytes, 'application/msgpack');

      // Assess
      expect(result.statusCode).toBe(400);
      expect(problemOf(result).errors).toEqual([
        expect.objectContaining({ pointer: '/n', detail: expect.stringMatching(/^the integer -?\d+ is beyond/) }),
      ]);
    });

    it.each([
      ['uint 64', Buffer.from([0xa1, 0x61, 0x6e, 0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])],
      ['negative int 64', Buffer.from([0xa1, 0x61, 0x6e, 0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])],
      ['bignum (tag 2)', Buffer.from(cborEncode({ n: 2n ** 70n }))],
      ['negative bignum (tag 3)', Buffer.from(cborEncode({ n: -(2n ** 70n) }))],
    ])('rejects a CBOR %s beyond ±(2^53 − 1) with its pointer', async (_name, bytes) => {
      // Act
      const result = await post(bytes, 'application/cbor');

      // Assess
      expect(result.statusCode).toBe(400);
      expect(problemOf(result).errors).toEqual([
        expect.objectContaining({ pointer: '/n', detail: expect.stringMatching(/beyond ±\(2\^53 − 1\)/) }),
      ]);
    });

    it.each([
      ['MessagePack uint 64', 'application/msgpack', Buffer.from([0xcf, 0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])],
      ['MessagePack int 64', 'application/msgpack', Buffer.from([0xd3, 0xff, 0xe0, 0, 0, 0, 0, 0, 1])],
      ['CBOR uint 64', 'application/cbor', Buffer.from([0x1b, 0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])],
      ['CBOR bignum', 'application/cbor', Buffer.from([0xc2, 0x47, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])],
    ])('reads a %s within ±(2^53 − 1) exactly as a number', async (_name, type, bytes) => {
      // Act
      const result = await post(bytes, type, 'application/json');

      // Assess
      expect(result.statusCode).toBe(200);
      expect(result.body).toBe(`${type.includes('msgpack') && bytes[0] === 0xd3 ? -(2 ** 53 - 1) : 2 ** 53 - 1}\n`);
    });
  });

  describe('values JSON cannot hold', () => {
    it.each([
      ['MessagePack NaN', 'application/msgpack', msgpackEncode({ x: Number.NaN }), /NaN/],
      [
        'MessagePack float 32 Infinity',
        'application/msgpack',
        Buffer.from([0x81, 0xa1, 0x78, 0xca, 0x7f, 0x80, 0, 0]),
        /Infinity/,
      ],
      ['MessagePack bin', 'application/msgpack', msgpackEncode({ x: new Uint8Array([1, 2]) }), /byte string/],
      [
        'MessagePack extension',
        'application/msgpack',
        Buffer.from([0x81, 0xa1, 0x78, 0xd4, 0x05, 0x01]),
        /extension of type 5/,
      ],
      ['CBOR NaN', 'application/cbor', cborEncode({ x: Number.NaN }), /NaN/],
      ['CBOR half-float -Infinity', 'application/cbor', Buffer.from([0xa1, 0x61, 0x78, 0xf9, 0xfc, 0x00]), /-Infinity/],
      ['CBOR undefined', 'application/cbor', Buffer.from([0xa1, 0x61, 0x78, 0xf7]), /undefined/],
      ['CBOR byte string', 'application/cbor', Buffer.from([0xa1, 0x61, 0x78, 0x42, 1, 2]), /byte string/],
      ['CBOR unknown tag', 'application/cbor', cborEncode({ x: new Tag(99, 1) }), /CBOR tag 99/],
      ['CBOR simple value', 'application/cbor', Buffer.from([0xa1, 0x61, 0x78, 0xf0]), /simple value 16/],
      [
        'CBOR integer map key',
        'application/cbor',
        Buffer.from([0xa1, 0x61, 0x78, 0xa1, 0x01, 0x02]),
        /keys are not all text/,
      ],
    ])('rejects a %s with its pointer', async (_name, type, bytes, message) => {
      // Act
      const result = await post(bytes, type);

      // Assess
      expect(result.statusCode).toBe(400);
      expect(result.headers?.['content-type']).toBe('application/problem+json');
      expect(problemOf(result).errors).toEqual([
        expect.objectContaining({ pointer: '/x', detail: expect.stringMatching(message) }),
      ]);
    });

    it.each([
      ['MessagePack number map key', 'application/msgpack', Buffer.from([0x81, 0x01, 0x02]), /keys must be strings/],
      [
        'MessagePack __proto__ key',
        'application/msgpack',
        msgpackEncode(JSON.parse('{"__proto__":1}')),
        /__proto__ is not allowed/,
      ],
      ['MessagePack str that is not UTF-8', 'application/msgpack', Buffer.from([0xa2, 0xff, 0xfe]), /not valid UTF-8/],
      [
        // Bodies from 1 KB have their strs checked in one call: the bad one is still named.
        'MessagePack str that is not UTF-8 in a 2 KB body',
        'application/msgpack',
        Buffer.concat([
          Buffer.from([0x92, 0xda, 0x08, 0x00]),
          Buffer.alloc(2048, 0x61),
          Buffer.from([0xa2, 0xc3, 0x28]),
        ]),
        /the str at byte 2052 is not valid UTF-8/,
      ],
      [
        // Two strs whose bytes would be valid UTF-8 together (é = c3 a9), each cut in half.
        'MessagePack character split over two strs in a 2 KB body',
        'application/msgpack',
        Buffer.concat([
          Buffer.from([0x93, 0xda, 0x08, 0x00]),
          Buffer.alloc(2048, 0x61),
          Buffer.from([0xa1, 0xc3, 0xa1, 0xa9]),
        ]),
        /the str at byte 2052 is not valid UTF-8/,
      ],
      ['CBOR text string that is not UTF-8', 'application/cbor', Buffer.from([0x62, 0xff, 0xfe]), /not valid UTF-8/],
      ['MessagePack trailing bytes', 'application/msgpack', Buffer.from([0x01, 0x02]), /Extra 1 of 2 byte/],
      ['CBOR trailing bytes', 'application/cbor', Buffer.from([0x01, 0x02]), /Extra data/],
    ])('rejects a %s as invalid', async (_name, type, bytes, message) => {
      // Act
      const result = await post(bytes, type);

      // Assess
      expect(result.statusCode).toBe(400);
      expect(problemOf(result).detail).toMatch(message);
    });

    it.each([
      [
        'CBOR tag 1 (epoch seconds)',
        'application/cbor',
        cborEncode({ at: new Tag(1, 1_700_000_000.5) }),
        '2023-11-14T22:13:20.500Z',
      ],
      [
        'CBOR tag 0 (date/time text)',
        'application/cbor',
        cborEncode({ at: new Tag(0, '2020-01-01T00:00:00+01:00') }),
        '2020-01-01T00:00:00+01:00',
      ],
      [
        'MessagePack timestamp',
        'application/msgpack',
        msgpackEncode({ at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)) }),
        '2026-01-02T03:04:05.006Z',
      ],
    ])('reads a %s as its ISO 8601 string', async (_name, type, bytes, expected) => {
      // Act
      const result = await post(bytes, type, 'application/json');

      // Assess
      expect(result.statusCode).toBe(200);
      expect(JSON.parse(result.body)).toEqual({ at: expected });
    });

    it('reads self-described CBOR (tag 55799) as its contents', async () => {
      // Act
      const result = await post(cborEncode(new Tag(55799, { a: [1] })), 'application/cbor', 'application/json');

      // Assess
      expect(JSON.parse(result.body)).toEqual({ a: [1] });
    });
  });

  describe('bounded decoding', () => {
    it.each([
      [
        'a MessagePack array 32 claiming 2^32 − 1 elements',
        'application/msgpack',
        [0xdd, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5],
        /the array at byte 0 declares 4294967295 elements, but only 5 bytes follow/,
      ],
      [
        'a MessagePack map 32 claiming 2^31 entries',
        'application/msgpack',
        [0xdf, 0x80, 0, 0, 0, 0xa1, 0x61, 1],
        /the map at byte 0 declares 4294967296 elements/,
      ],
      [
        'a MessagePack str 32 of 2 GB',
        'application/msgpack',
        [0xdb, 0x80, 0, 0, 0, 0x61],
        /the str at byte 0 declares 2147483648 bytes, but only 1 follow/,
      ],
      [
        'a MessagePack bin 32 of 4 GB',
        'application/msgpack',
        [0xc6, 0xff, 0xff, 0xff, 0xff, 0],
        /the bin at byte 0 declares 4294967295 bytes/,
      ],
      [
        // 3,000 nested array 16 headers each claiming 3,000 elements (each within the body's length):
        // the library allocates `new Array(3000)` per header before noticing the body ends — at
        // 90 KB of such headers claiming 65,534 each, gigabytes, and the process dies.
        'nested MessagePack arrays that together claim more elements than bytes follow',
        'application/msgpack',
        Array.from({ length: 3000 }, () => [0xdc, 0x0b, 0xb8]).flat(),
        /the array at byte 6 declares 3000 elements, but only 8991 bytes follow for them and the elements still open/,
      ],
      ['a MessagePack body using the never-used byte 0xc1', 'application/msgpack', [0x91, 0xc1], /byte 1 is 0xc1/],
      [
        'a CBOR map claiming 2^60 entries',
        'application/cbor',
        [0xbb, 0x10, 0, 0, 0, 0, 0, 0, 0, 0x61, 0x61, 1],
        /at byte 0 declares 2305843009213694000 items, but only 3 bytes follow/,
      ],
      [
        'a CBOR array claiming 2^32 elements',
        'application/cbor',
        [0x9b, 0, 0, 0, 1, 0, 0, 0, 0, 1],
        /declares 4294967296 items/,
      ],
      [
        'a CBOR byte string of 2^32 bytes',
        'application/cbor',
        [0x5b, 0, 0, 0, 1, 0, 0, 0, 0, 1],
        /declares 4294967296 bytes/,
      ],
      [
        'a CBOR map nested in an array that claims more than follows',
        'application/cbor',
        [0x81, 0xa2, 0x61, 0x61, 1],
        /at byte 1 declares 4 items, but only 3 bytes follow/,
      ],
      [
        'nested CBOR arrays that together claim more items than bytes follow',
        'application/cbor',
        Array.from({ length: 3000 }, () => [0x99, 0x0b, 0xb8]).flat(),
        /the item at byte 6 declares 3000 items, but only 8991 bytes follow for them and the items still open/,
      ],
      ['a CBOR indefinite array without its break', 'application/cbor', [0x9f, 1, 2], /ends before/],
    ])('rejects %s with 400 without allocating for it', async (_name, type, bytes, detail) => {
      // Act
      const result = await post(Buffer.from(bytes), type);

      // Assess
      expect(result.statusCode).toBe(400);
      expect(problemOf(result).detail).toMatch(detail);
    });

    it.each([
      ['MessagePack', 'application/msgpack', 0x91],
      ['CBOR', 'application/cbor', 0x81],
    ])('reads %s nested 256 levels deep and rejects one level more', async (_name, type, open) => {
      // Act
      const deepest = await post(nested(MAX_BODY_DEPTH, open, [1]), type, 'application/json');
      const deeper = await post(nested(MAX_BODY_DEPTH + 1, open, [1]), type);

      // Assess
      expect(deepest.statusCode).toBe(200);
      expect(deeper.statusCode).toBe(400);
      expect(problemOf(deeper).detail).toMatch(/deeper than 256|Maximum depth/);
    });

    it.each([
      ['MessagePack', 'application/msgpack', 0x91],
      ['CBOR', 'application/cbor', 0x81],
    ])('rejects %s nested 60 000 levels deep (a body of one-element arrays) with 400', async (_name, type, open) => {
      // Act
      const result = await post(nested(60_000, open, [1]), type);

      // Assess
      expect(result.statusCode).toBe(400);
    });

    it('rejects CBOR whose values times their depth would keep the decoder busy, before decoding', async () => {
      // Prepare: 250 nested arrays around 130 000 integers (the decoder steps through every level per value).
      const count = 130_000;
      const wide = Buffer.concat([
        Buffer.from([0x9a, 0, count >>> 16, (count >>> 8) & 0xff, count & 0xff]),
        Buffer.alloc(count, 1),
      ]);
      const bytes = Buffer.concat([Buffer.alloc(250, 0x81), wide]);

      // Act
      const decode = Promise.resolve().then(() => cborCodec.decode(bytes));

      // Assess
      await expect(decode).rejects.toThrow(/more than 32000000 value-levels/);
    });

    it('decodes the codecs directly to the same JSON model', async () => {
      // Act
      const fromMsgpack = await msgpackCodec.decode(Buffer.from(msgpackEncode({ a: [1, 'x'] })));
      const fromCbor = await cborCodec.decode(Buffer.from(cborEncode({ a: [1, 'x'] })));

      // Assess
      expect(fromMsgpack).toEqual({ a: [1, 'x'] });
      expect(fromCbor).toEqual({ a: [1, 'x'] });
    });
  });
});

describe('jsonCodec', () => {
  describe('integers beyond 2^53', () => {
    it('rejects integer literals beyond ±(2^53 − 1) with their pointers instead of rounding them', async () => {
      // Prepare
      const text =
        '{"a/b":[1, 9007199254740993, {"x~": -9007199254740992}], "ok": 9007199254740991, "s": "12345678901234567890"}';

      // Act
      const result = await post(Buffer.from(text), 'application/json');

      // Assess
      expect(result.statusCode).toBe(400);
      expect(problemOf(result).errors).toHaveLength(2);
      expect(problemOf(result).errors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            pointer: '/a~1b/1',
            detail: expect.stringMatching(/^the integer 9007199254740993 is beyond/),
          }),
          expect.objectContaining({
            pointer: '/a~1b/2/x~0',
            detail: expect.stringMatching(/^the integer -9007199254740992/),
          }),
        ]),
      );
    });

    it.each([
      ['the largest safe integer', '[9007199254740991, -9007199254740991]'],
      ['long digit runs inside strings', '{"id": "123456789012345678901234", "n": 1}'],
      ['numbers with a fraction or exponent', '[12345678901234567890.5, 1.5e300]'],
      ['a key given twice whose kept value is safe', '{"n": 12345678901234567890, "n": 1}'],
    ])('reads %s as sent', async (_name, text) => {
      // Act
      const result = await post(Buffer.from(text), 'application/json', 'application/json');

      // Assess
      expect(result.statusCode).toBe(200);
      expect(JSON.parse(result.body)).toEqual(JSON.parse(text));
    });
  });
});
