import { encode as encodeMsgpack } from '@msgpack/msgpack';
import { encode as encodeCbor, Tag } from 'cbor2';
import { describe, expect, it } from 'vitest';
import {
  decodeBody,
  decodeCbor,
  decodeForm,
  decodeMsgpack,
  decodeMultipart,
  familyOf,
  MAX_DECODED_DEPTH,
  matchDeclared,
} from '../../../../../shared/domain/contracts/media';
import { CompiledContract } from '../../../../../shared/domain/contracts/validator';
import { parsedAgentsContract } from '../../../../support/contracts';

const MESSAGE = {
  type: 'object',
  required: ['To'],
  properties: {
    To: { type: 'string' },
    Attempt: { type: 'integer' },
    MaxPrice: { type: 'number' },
    ProvideFeedback: { type: 'boolean' },
    MediaUrl: { type: 'array', items: { type: 'string' } },
  },
  additionalProperties: false,
};

const formContract = () =>
  new CompiledContract(
    parsedAgentsContract({
      schemas: { Message: MESSAGE },
      endpoints: [
        {
          path: '/messages',
          method: 'POST',
          requestSchema: 'Message',
          requestMediaTypes: { 'application/x-www-form-urlencoded': 'Message', 'application/json': 'Message' },
        },
      ],
    }),
  );

const FORM = { mediaType: 'application/x-www-form-urlencoded', coerce: true };

describe('media', () => {
  describe('familyOf', () => {
    it('names the family of each decodable media type, structured suffixes included', () => {
      expect(familyOf('application/json')).toBe('json');
      expect(familyOf('application/problem+json')).toBe('json');
      expect(familyOf('application/x-www-form-urlencoded')).toBe('form');
      expect(familyOf('multipart/form-data')).toBe('multipart');
      expect(familyOf('application/msgpack')).toBe('msgpack');
      expect(familyOf('application/x-msgpack')).toBe('msgpack');
      expect(familyOf('application/cbor')).toBe('cbor');
      expect(familyOf('application/senml+cbor')).toBe('cbor');
      expect(familyOf('text/plain')).toBe('text');
      expect(familyOf('application/xml')).toBeUndefined();
    });
  });

  describe('matchDeclared', () => {
    it('prefers the exact media type, then its range, then */*, ignoring parameters and case', () => {
      expect(matchDeclared('Application/JSON; charset=utf-8', ['*/*', 'application/json'])).toBe('application/json');
      expect(matchDeclared('text/csv', ['*/*', 'text/*'])).toBe('text/*');
      expect(matchDeclared('application/cbor', ['*/*'])).toBe('*/*');
      expect(matchDeclared('application/cbor', ['application/json'])).toBeUndefined();
    });

    it('matches another name of the same format before a range', () => {
      expect(matchDeclared('application/x-protobuf', ['application/*', 'application/protobuf'])).toBe(
        'application/protobuf',
      );
      expect(matchDeclared('application/protobuf', ['application/x-protobuf'])).toBe('application/x-protobuf');
      expect(matchDeclared('application/vnd.msgpack', ['application/msgpack'])).toBe('application/msgpack');
      expect(matchDeclared('application/protobuf', ['application/protobuf', 'application/x-protobuf'])).toBe(
        'application/protobuf',
      );
      expect(matchDeclared('application/msgpack', ['application/x-protobuf'])).toBeUndefined();
    });
  });

  describe('decodeForm', () => {
    it('decodes percent-encoding and + as space, repeated keys into arrays in order', () => {
      expect(decodeForm('To=%2B15558675310&Body=Hi+there&MediaUrl=a&MediaUrl=b')).toEqual({
        To: '+15558675310',
        Body: 'Hi there',
        MediaUrl: ['a', 'b'],
      });
    });

    it('keeps __proto__ as a plain field', () => {
      const fields = decodeForm('__proto__=x&a=1');
      expect(Object.keys(fields)).toEqual(['__proto__', 'a']);
      expect(Object.getPrototypeOf(fields)).toBe(Object.prototype);
    });
  });

  describe('form validation (coercion)', () => {
    it('coerces fields to the schema’s integer, number and boolean types and wraps single values into arrays', () => {
      // Prepare
      const body = decodeForm('To=%2B1555&Attempt=2&MaxPrice=0.5&ProvideFeedback=true&MediaUrl=https%3A%2F%2Fx');

      // Act
      const outcome = formContract().validateRequest('POST', '/messages', { body }, FORM);

      // Assess
      expect(outcome).toEqual({ valid: true, errors: [], endpoint: 'POST /messages' });
    });

    it('fails a field that does not read as the schema’s type, naming its pointer', () => {
      // Act
      const outcome = formContract().validateRequest(
        'POST',
        '/messages',
        { body: decodeForm('To=x&Attempt=two&ProvideFeedback=maybe') },
        FORM,
      );

      // Assess
      expect(outcome.valid).toBe(false);
      expect(outcome.errors.map((e) => e.instancePath).sort()).toEqual(['/body/Attempt', '/body/ProvideFeedback']);
    });

    it('fails a scalar field sent twice, and a missing required field', () => {
      // Act
      const outcome = formContract().validateRequest(
        'POST',
        '/messages',
        { body: decodeForm('Attempt=1&Attempt=2') },
        FORM,
      );

      // Assess
      expect(outcome.errors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ instancePath: '/body/To', keyword: 'required' }),
          expect.objectContaining({ instancePath: '/body/Attempt', keyword: 'type' }),
        ]),
      );
    });

    it('does not coerce JSON bodies of the same endpoint', () => {
      // Act
      const outcome = formContract().validateRequest(
        'POST',
        '/messages',
        { body: { To: 'x', Attempt: '2' } },
        { mediaType: 'application/json', coerce: false },
      );

      // Assess
      expect(outcome.errors).toEqual([expect.objectContaining({ instancePath: '/body/Attempt', keyword: 'type' })]);
    });
  });

  describe('decodeMultipart', () => {
    it('reads text fields and file parts (as binary strings, one character per byte)', async () => {
      // Prepare
      const boundary = 'XyZ';
      const text = [
        `--${boundary}`,
        'Content-Disposition: form-data; name="To"',
        '',
        '+1555',
        `--${boundary}`,
        'Content-Disposition: form-data; name="File"; filename="a.bin"',
        'Content-Type: application/octet-stream',
        '',
        'abc',
        `--${boundary}--`,
        '',
      ].join('\r\n');

      // Act
      const fields = await decodeMultipart(Buffer.from(text), `multipart/form-data; boundary=${boundary}`);

      // Assess
      expect(fields).toEqual({ To: '+1555', File: 'abc' });
    });
  });

  describe('decodeMsgpack / decodeCbor', () => {
    it('maps byte strings to base64, safe 64-bit integers to numbers and dates to ISO strings', async () => {
      // Prepare
      const value = { bytes: new Uint8Array([1, 2, 3]), count: 2n ** 40n, at: new Date(Date.UTC(2020, 0, 1)) };

      // Act
      const fromMsgpack = await decodeMsgpack(encodeMsgpack(value, { useBigInt64: true }), '/body');
      const fromCbor = await decodeCbor(encodeCbor(value), '/body');

      // Assess
      const expected = { bytes: 'AQID', count: 2 ** 40, at: '2020-01-01T00:00:00.000Z' };
      expect(fromMsgpack).toEqual({ value: expected });
      expect(fromCbor).toEqual({ value: expected });
    });

    it('fails integers beyond 2^53 with their path instead of rounding them', async () => {
      // Act
      const decoded = await decodeMsgpack(encodeMsgpack({ id: [2n ** 60n] }, { useBigInt64: true }), '/body');

      // Assess
      expect(decoded.issues).toEqual([expect.objectContaining({ instancePath: '/body/id/0', keyword: 'decode' })]);
    });

    it('fails CBOR tags, non-text map keys, undefined and NaN with their paths', async () => {
      // Act
      const decoded = await decodeCbor(
        encodeCbor({ tag: new Tag(99, 'x'), map: new Map([[1, 'one']]), none: undefined, nan: Number.NaN }),
        '/body',
      );

      // Assess
      expect(decoded.issues?.map((i) => i.instancePath).sort()).toEqual([
        '/body/map',
        '/body/nan',
        '/body/none',
        '/body/tag',
      ]);
    });

    it('fails nested headers that together declare more elements than the bytes hold, before allocating', async () => {
      // Prepare: 3,000 nested arrays each claiming 3,000 elements (the library allocates per header)
      const claims = Array.from({ length: 3000 }, () => [0xdc, 0x0b, 0xb8]).flat();
      const cborClaims = Array.from({ length: 3000 }, () => [0x99, 0x0b, 0xb8]).flat();

      // Act
      const msgpack = await decodeMsgpack(new Uint8Array(claims), '/body');
      const cbor = await decodeCbor(new Uint8Array(cborClaims), '/body');

      // Assess
      expect(msgpack.issues?.[0]?.message).toMatch(/the array at byte 6 declares 3000 elements, but only 8991 bytes/);
      expect(cbor.issues?.[0]?.message).toMatch(/the item at byte 6 declares 3000 items, but only 8991 bytes/);
    });

    it('fails bytes that are not MessagePack, and nesting deeper than the bound', async () => {
      // Prepare
      let deep: unknown = 1;
      for (let i = 0; i <= MAX_DECODED_DEPTH; i++) deep = [deep];

      // Act
      const truncated = await decodeMsgpack(new Uint8Array([0x92, 0x01]), '/body');
      const nested = await decodeCbor(encodeCbor(deep), '/body');

      // Assess
      expect(truncated.issues).toEqual([expect.objectContaining({ instancePath: '/body', keyword: 'decode' })]);
      expect(nested.issues?.[0]?.message).toContain(`deeper than ${MAX_DECODED_DEPTH}`);
    });
  });

  describe('decodeBody', () => {
    it('takes JSON as text, as a value, or as bytes', async () => {
      const base64 = Buffer.from('{"a":1}').toString('base64');
      await expect(decodeBody('json', 'application/json', { body: '{"a":1}' }, '/body')).resolves.toEqual({
        value: { a: 1 },
      });
      await expect(decodeBody('json', 'application/json', { body: { a: 1 } }, '/body')).resolves.toEqual({
        value: { a: 1 },
      });
      await expect(decodeBody('json', 'application/json', { bodyBase64: base64 }, '/body')).resolves.toEqual({
        value: { a: 1 },
      });
    });

    it('parses multipart from the bytes, so file parts may hold bytes that are not UTF-8', async () => {
      // Prepare
      const head = '--b\r\nContent-Disposition: form-data; name="File"; filename="x.bin"\r\n\r\n';
      const bytes = Buffer.concat([Buffer.from(head), Buffer.from([0xff, 0x00, 0xfe]), Buffer.from('\r\n--b--\r\n')]);

      // Act
      const decoded = await decodeBody(
        'multipart',
        'multipart/form-data; boundary=b',
        { bodyBase64: bytes.toString('base64') },
        '/body',
      );

      // Assess
      expect(decoded).toEqual({ value: { File: '\u00ff\u0000\u00fe' } });
    });

    it('fails JSON text nested deeper than the bound', async () => {
      const text = `${'['.repeat(MAX_DECODED_DEPTH + 2)}${']'.repeat(MAX_DECODED_DEPTH + 2)}`;
      const decoded = await decodeBody('json', 'application/json', { body: text }, '/body');
      expect(decoded.issues?.[0]?.message).toContain(`deeper than ${MAX_DECODED_DEPTH}`);
    });

    it('fails binary formats sent as body, form bodies that are not text, and invalid UTF-8', async () => {
      const msgpack = await decodeBody('msgpack', 'application/msgpack', { body: 'x' }, '/body');
      const form = await decodeBody('form', 'application/x-www-form-urlencoded', { body: { To: 'x' } }, '/body');
      const utf8 = await decodeBody('form', 'application/x-www-form-urlencoded', { bodyBase64: '/w==' }, '/body');
      for (const decoded of [msgpack, form, utf8]) {
        expect(decoded.issues).toEqual([expect.objectContaining({ instancePath: '/body', keyword: 'decode' })]);
      }
    });
  });
});
