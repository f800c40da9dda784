import type { WireFormats } from '../../ports/wire-formats';
import { cborCodec } from './cbor-codec';
import type { Codec } from './codec';
import { jsonCodec } from './json-codec';
import { msgpackCodec } from './msgpack-codec';

/** The codecs a subscription may deliver in, JSON (the default) first. */
const DELIVERY_CODECS: readonly Codec[] = [jsonCodec, msgpackCodec, cborCodec];

/**
 * The formats a subscription's `deliveryFormat` may name — JSON, MessagePack, CBOR — for the events
 * function (validation) and the dispatcher (encoding), from the same codecs the API's registry
 * holds. Built from the codecs themselves rather than the whole registry so that the dispatcher's
 * bundle does not take in YAML (the binary libraries load on first use). Protobuf is not offered:
 * a subscriber's Protobuf needs its own schema, which a subscription does not carry.
 *
 * @example deliveryFormats.formatOf('application/x-msgpack') // 'application/msgpack'
 */
export const deliveryFormats: Pick<WireFormats, 'mediaTypes' | 'formatOf' | 'encode'> = {
  mediaTypes: DELIVERY_CODECS.flatMap((codec) => codec.mediaTypes),
  formatOf: (mediaType) => codecOf(mediaType)?.mediaTypes[0],
  encode: async (value, mediaType) => {
    const codec = codecOf(mediaType);
    if (!codec) throw new Error(`No codec encodes ${mediaType}`);
    const encoded = await codec.encode(value);
    return typeof encoded === 'string' ? Buffer.from(encoded, 'utf8') : encoded;
  },
};

function codecOf(mediaType: string): Codec | undefined {
  const type = mediaType.split(';')[0]?.trim().toLowerCase() ?? '';
  return DELIVERY_CODECS.find((codec) => codec.mediaTypes.includes(type));
}
