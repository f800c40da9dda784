import Negotiator from 'negotiator';
import type { Codec } from './codec';
import { jsonCodec } from './json-codec';
import { yamlCodec } from './yaml-codec';

/** A media type without parameters, lower case, and its `charset` parameter if any. */
export type MediaType = { type: string; charset?: string };

/**
 * Splits a `Content-Type` value into its media type and charset (RFC 9110 §8.3.1).
 *
 * @example parseMediaType('Application/JSON; charset="UTF-8"') // { type: 'application/json', charset: 'utf-8' }
 */
export function parseMediaType(value: string): MediaType {
  const [type = '', ...parameters] = value.split(';');
  const charset = parameters
    .map((parameter) => parameter.trim().toLowerCase())
    .find((parameter) => parameter.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/^"|"$/g, '');
  return { type: type.trim().toLowerCase(), ...(charset !== undefined && { charset }) };
}

/**
 * The formats one function speaks, in the server's order of preference (JSON first). Adding a
 * format is one codec file and one entry in {@link codecRegistry}.
 */
export class CodecRegistry {
  constructor(readonly codecs: readonly Codec[]) {}

  /**
   * The codecs a route offers: those offered everywhere and those the route names, in registry order.
   *
   * @param formats - codec names the route adds (`RouteDefinition.formats`)
   */
  offeredBy(formats: readonly string[] = []): Codec[] {
    return this.codecs.filter((codec) => codec.everyRoute || formats.includes(codec.name));
  }

  /** The codec among `offered` that reads `mediaType` (exact type, or its structured suffix). */
  forMediaType(mediaType: string, offered: readonly Codec[]): Codec | undefined {
    return (
      offered.find((codec) => codec.mediaTypes.includes(mediaType)) ??
      offered.find((codec) => codec.suffix !== undefined && mediaType.endsWith(codec.suffix))
    );
  }

  /**
   * Chooses the answer's codec from an `Accept` header (RFC 9110 §12.5.1: q-values, wildcards, `q=0`
   * excludes) with `negotiator`; ties go to the server's preference (registry order). No header
   * means anything is acceptable.
   *
   * @returns the codec and the media type to label the answer with, or undefined when nothing offered is acceptable
   */
  negotiate(accept: string | undefined, offered: readonly Codec[]): { codec: Codec; mediaType: string } | undefined {
    const available = offered.flatMap((codec) => codec.mediaTypes);
    const chosen = new Negotiator({ headers: accept === undefined ? {} : { accept } }).mediaType(available);
    if (chosen === undefined) return undefined;
    const codec = offered.find((c) => c.mediaTypes.includes(chosen));
    return codec && { codec, mediaType: chosen };
  }
}

/** Every format of the API. */
export const codecRegistry = new CodecRegistry([jsonCodec, yamlCodec]);
