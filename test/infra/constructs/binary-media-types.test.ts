import { describe, expect, it } from 'vitest';
import { BINARY_MEDIA_TYPES } from '../../../infra/constructs/http-api';
import { codecRegistry } from '../../../shared/http/codecs/registry';

describe('BINARY_MEDIA_TYPES', () => {
  it('lists every media type of every binary codec in the registry', () => {
    // Prepare
    const binary = codecRegistry.codecs.filter((codec) => !codec.text).flatMap((codec) => codec.mediaTypes);

    // Assess
    expect(binary).toEqual([
      'application/msgpack',
      'application/x-msgpack',
      'application/cbor',
      'application/x-protobuf',
      'application/protobuf',
    ]);
    expect(BINARY_MEDIA_TYPES).toEqual(expect.arrayContaining(binary));
    expect(BINARY_MEDIA_TYPES).toContain('*/*');
  });
});
