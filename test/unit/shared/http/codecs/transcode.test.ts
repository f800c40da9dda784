import { decode as decodeCbor, encode as encodeCbor } from 'cbor2';
import { describe, expect, it } from 'vitest';
import { MalformedInputError } from '../../../../../shared/domain/errors';
import { decodeStrict, transcode } from '../../../../../shared/http/codecs/decode-strict';
import { jsonCodec } from '../../../../../shared/http/codecs/json-codec';
import { codecRegistry } from '../../../../../shared/http/codecs/registry';

describe('transcode', () => {
  it('converts CBOR to MessagePack and back through JSON', async () => {
    const value = { order: { id: 'o-1', lines: [{ sku: 'A', qty: 2 }], total: 12.5 } };
    const msgpack = await transcode(
      codecRegistry,
      Buffer.from(encodeCbor(value)),
      'application/cbor',
      'application/msgpack',
    );
    expect(msgpack.mediaType).toBe('application/msgpack');
    const cbor = await transcode(codecRegistry, msgpack.bytes, 'application/x-msgpack', 'application/cbor');
    expect(cbor.mediaType).toBe('application/cbor');
    expect(decodeCbor(cbor.bytes)).toEqual(value);
    const json = await transcode(codecRegistry, cbor.bytes, 'application/cbor', 'application/json');
    expect(JSON.parse(json.bytes.toString('utf8'))).toEqual(value);
  });

  it('returns the same bytes when both sides are one format', async () => {
    const bytes = Buffer.from('{"a":1}');
    expect((await transcode(codecRegistry, bytes, 'application/json', 'application/json')).bytes).toBe(bytes);
  });

  it('refuses a value JSON cannot carry, naming its pointer below the prefix', async () => {
    const bytes = Buffer.from(encodeCbor({ id: 2n ** 60n }));
    const error = await transcode(codecRegistry, bytes, 'application/cbor', 'application/json', '/body').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MalformedInputError);
    expect((error as MalformedInputError).problems.map((p) => p.pointer)).toEqual(['/body/id']);
  });

  it('throws for a media type no codec reads', async () => {
    await expect(transcode(codecRegistry, Buffer.from('x'), 'text/plain', 'application/json')).rejects.toThrow(
      /No codec converts text\/plain/,
    );
  });

  it('names invalid bytes at the prefix', async () => {
    const error = await (async () => decodeStrict(jsonCodec, Buffer.from('{'), '/payload'))().catch((e: unknown) => e);
    expect((error as MalformedInputError).problems[0]?.pointer).toBe('/payload');
  });
});
