import { describe, expect, it } from 'vitest';
import { MalformedInputError } from '../../../../../shared/domain/errors';
import { answerTarget, planFormats, SupportedFormatsSchema } from '../../../../../shared/domain/mesh/format-plan';
import { codecWireFormats } from '../../../../../shared/http/codecs/wire-formats';

const facts = codecWireFormats();
const MSGPACK_ONLY = ['application/msgpack'];

describe('planFormats', () => {
  it('relays everything when the instance declares no formats', () => {
    // Act
    const plan = planFormats(undefined, { contentType: 'text/csv', hasBody: true, accept: 'image/png' }, facts);

    // Assess
    expect(plan).toEqual({ kind: 'relay' });
  });

  it('sends a body the instance reads untouched and forwards the Accept it can satisfy', () => {
    // Act
    const plan = planFormats(
      ['application/msgpack', 'application/json'],
      { contentType: 'application/json; charset=utf-8', hasBody: true, accept: 'application/json' },
      facts,
    );

    // Assess
    expect(plan).toEqual({ kind: 'negotiated' });
  });

  it("converts a JSON body to a msgpack-only instance's format and asks it for msgpack, to answer JSON", () => {
    // Act
    const plan = planFormats(
      MSGPACK_ONLY,
      { contentType: 'application/json', hasBody: true, accept: 'application/json' },
      facts,
    );

    // Assess
    expect(plan).toEqual({
      kind: 'negotiated',
      requestTo: 'application/msgpack',
      accept: 'application/msgpack',
      answerIn: 'application/json',
    });
  });

  it("prefers the instance's declaration of the caller's own format (relabelling only) over its first", () => {
    // Act
    const plan = planFormats(
      ['application/cbor', 'application/msgpack'],
      { contentType: 'application/x-msgpack', hasBody: true },
      facts,
    );

    // Assess
    expect(plan).toMatchObject({ kind: 'negotiated', requestTo: 'application/msgpack' });
  });

  it('converts to the most preferred convertible format when the instance also reads an unconvertible one', () => {
    // Act
    const plan = planFormats(
      ['text/csv', 'application/cbor'],
      { contentType: 'application/json', hasBody: true },
      facts,
    );

    // Assess
    expect(plan).toMatchObject({ kind: 'negotiated', requestTo: 'application/cbor' });
  });

  it('leaves an empty body alone whatever its Content-Type', () => {
    // Act
    const plan = planFormats(MSGPACK_ONLY, { contentType: 'text/csv', hasBody: false, accept: '*/*' }, facts);

    // Assess
    expect(plan).toEqual({ kind: 'negotiated' });
  });

  it('rejects a media type the router does not convert, naming what the instance reads', () => {
    // Act
    const plan = planFormats(MSGPACK_ONLY, { contentType: 'text/csv', hasBody: true }, facts);

    // Assess
    expect(plan).toEqual({
      kind: 'unsupported',
      mediaType: 'text/csv',
      reason: 'text/csv is not a format the router converts; it reads application/msgpack',
    });
  });

  it('rejects a convertible body for an instance that declares no convertible format', () => {
    // Act
    const plan = planFormats(['text/csv'], { contentType: 'application/json', hasBody: true }, facts);

    // Assess
    expect(plan).toMatchObject({ kind: 'unsupported', mediaType: 'application/json' });
  });

  it("never converts into or out of Protobuf: an instance's messages are its own, not the API's Value", () => {
    // Act
    const intoProtobuf = planFormats(
      ['application/x-protobuf'],
      { contentType: 'application/json', hasBody: true },
      facts,
    );
    const outOfProtobuf = planFormats(MSGPACK_ONLY, { contentType: 'application/x-protobuf', hasBody: true }, facts);
    const passThrough = planFormats(
      ['application/x-protobuf'],
      { contentType: 'application/x-protobuf', hasBody: true, accept: 'application/x-protobuf' },
      facts,
    );

    // Assess
    expect(intoProtobuf).toMatchObject({ kind: 'unsupported', mediaType: 'application/json' });
    expect(outOfProtobuf).toMatchObject({ kind: 'unsupported', mediaType: 'application/x-protobuf' });
    expect(passThrough).toEqual({ kind: 'negotiated' });
  });

  it('rejects JSON in a charset other than UTF-8 when it would have to be converted', () => {
    // Act
    const plan = planFormats(MSGPACK_ONLY, { contentType: 'application/json; charset=latin1', hasBody: true }, facts);

    // Assess
    expect(plan).toMatchObject({ kind: 'unsupported', reason: 'charset=latin1 cannot be converted; send UTF-8' });
  });

  it('rejects an Accept that excludes everything the instance writes even converted, listing what is available', () => {
    // Act
    const plan = planFormats(MSGPACK_ONLY, { hasBody: false, accept: 'text/html' }, facts);

    // Assess
    expect(plan).toEqual({
      kind: 'not-acceptable',
      available: ['application/msgpack', ...facts.mediaTypes.filter((t) => t !== 'application/msgpack')],
    });
  });

  it('rejects an Accept with q=0 on the only type an unconvertible instance writes', () => {
    // Act
    const plan = planFormats(['text/csv'], { hasBody: false, accept: 'text/csv;q=0, */*' }, facts);

    // Assess
    expect(plan).toEqual({ kind: 'not-acceptable', available: ['text/csv'] });
  });

  it('fails on a malformed Accept with its pointer', () => {
    // Act
    const act = () => planFormats(MSGPACK_ONLY, { hasBody: false, accept: 'application/json;q=abc' }, facts);

    // Assess
    expect(act).toThrow(MalformedInputError);
  });
});

describe('answerTarget', () => {
  it('converts a msgpack answer for a JSON-only caller', () => {
    expect(answerTarget('application/msgpack', 'application/json', undefined, facts)).toBe('application/json');
  });

  it('leaves an answer the caller accepts untouched', () => {
    expect(answerTarget('application/msgpack', 'application/*', 'application/json', facts)).toBeUndefined();
  });

  it('leaves an unconvertible answer (an HTML error page) untouched', () => {
    expect(answerTarget('text/html; charset=utf-8', 'application/json', 'application/json', facts)).toBeUndefined();
  });
});

describe('SupportedFormatsSchema', () => {
  it('stores media types lower case, in the order given', () => {
    expect(SupportedFormatsSchema.parse(['Application/MsgPack', 'application/json'])).toEqual([
      'application/msgpack',
      'application/json',
    ]);
  });

  it('rejects a format name with the media type to send instead, and duplicates', () => {
    // Act
    const named = SupportedFormatsSchema.safeParse(['msgpack']);
    const twice = SupportedFormatsSchema.safeParse(['application/json', 'application/json']);
    const parameters = SupportedFormatsSchema.safeParse(['application/json; charset=utf-8']);
    const range = SupportedFormatsSchema.safeParse(['application/json', '*/*']);

    // Assess
    expect(named.error?.issues[0]).toMatchObject({
      path: [0],
      message: expect.stringContaining('"application/msgpack"'),
    });
    expect(twice.error?.issues[0]?.message).toBe('must not name a media type twice');
    expect(parameters.success).toBe(false);
    expect(range.error?.issues[0]).toMatchObject({ path: [1], message: expect.stringContaining('not a range') });
  });
});
