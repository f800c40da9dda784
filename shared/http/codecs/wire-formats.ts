import type { WireFormats } from '../../ports/wire-formats';
import { transcode } from './decode-strict';
import { type CodecRegistry, codecRegistry, negotiateMediaType } from './registry';

/**
 * The registry's self-describing codecs offered on every route as {@link WireFormats}: what the
 * mesh router converts between. Formats only some routes offer (YAML) are left out, and so is
 * Protobuf (`selfDescribing: false`: an instance's Protobuf is its own messages, not the API's
 * `google.protobuf.Value`), whose bodies pass through as any unknown type does. Conversions go through `transcode` (JSON's data model is the hub).
 *
 * @param registry - the codec registry @default codecRegistry
 * @example const formats = codecWireFormats(); formats.formatOf('application/cbor') // 'application/cbor'
 */
export function codecWireFormats(registry: CodecRegistry = codecRegistry): WireFormats {
  const codecs = registry.offeredBy().filter((codec) => codec.selfDescribing !== false);
  return {
    mediaTypes: codecs.flatMap((codec) => codec.mediaTypes),
    formatOf: (mediaType) => registry.forMediaType(mediaType, codecs)?.mediaTypes[0],
    negotiate: negotiateMediaType,
    encode: async (value, mediaType) => {
      const codec = registry.forMediaType(mediaType, codecs);
      if (!codec) throw new Error(`No codec encodes ${mediaType}`);
      const encoded = await codec.encode(value);
      return typeof encoded === 'string' ? Buffer.from(encoded, 'utf8') : encoded;
    },
    transcode: async (bytes, from, to, pointerPrefix) => {
      if (!registry.forMediaType(from, codecs) || !registry.forMediaType(to, codecs)) {
        throw new Error(`No codec converts ${from} to ${to}`);
      }
      return transcode(registry, bytes, from, to, pointerPrefix);
    },
  };
}
