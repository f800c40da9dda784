import Negotiator from 'negotiator';
import { type FieldProblem, MalformedInputError } from '../../domain/errors';
import { cborCodec } from './cbor-codec';
import type { Codec } from './codec';
import { jsonCodec } from './json-codec';
import { msgpackCodec } from './msgpack-codec';
import { protobufCodec } from './protobuf-codec';
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
  // `charset = x` is malformed (RFC 9110 §5.6.6), but read rather than ignored: ignoring it would
  // decode another charset as UTF-8.
  const charset = parameters
    .map((parameter) => parameter.split('=').map((part) => part.trim().toLowerCase()))
    .find(([name]) => name === 'charset')?.[1]
    ?.replace(/^"|"$/g, '');
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
   * means anything is acceptable. A `charset=utf-8` parameter matches (every text format answers
   * UTF-8); another charset does not.
   *
   * @returns the codec and the media type to label the answer with, or undefined when nothing offered is acceptable
   * @throws {MalformedInputError} naming each element of `Accept` that is not a media range with a valid weight
   */
  negotiate(accept: string | undefined, offered: readonly Codec[]): { codec: Codec; mediaType: string } | undefined {
    const chosen = negotiateMediaType(
      accept,
      offered.flatMap((codec) => codec.mediaTypes),
    );
    if (chosen === undefined) return undefined;
    const codec = offered.find((c) => c.mediaTypes.includes(chosen));
    return codec && { codec, mediaType: chosen };
  }

  /**
   * Whether an `Accept` header allows `mediaType` (no parameters), read as {@link negotiate} reads
   * it: for a route that answers one media type of its own (`RouteDefinition.produces`).
   *
   * @throws {MalformedInputError} naming each element of `Accept` that is not a media range with a valid weight
   * @example codecRegistry.accepts('application/json', 'text/plain') // false
   */
  accepts(accept: string | undefined, mediaType: string): boolean {
    return negotiateMediaType(accept, [mediaType]) !== undefined;
  }
}

/**
 * Chooses among `available` media types (no parameters, lower case) from an `Accept` header as
 * {@link CodecRegistry.negotiate} does (RFC 9110 §12.5.1 with `negotiator`; ties go to the order
 * of `available`; no header means anything is acceptable). The mesh router uses it for the media
 * types an instance declares, which need not be formats of the registry.
 *
 * @returns the chosen media type, or undefined when none is acceptable
 * @throws {MalformedInputError} naming each element of `Accept` that is not a media range with a valid weight
 * @example negotiateMediaType('application/cbor', ['application/json', 'application/cbor']) // 'application/cbor'
 */
export function negotiateMediaType(accept: string | undefined, available: readonly string[]): string | undefined {
  const header = accept === undefined ? undefined : normalizedAccept(accept);
  const acceptable = new Negotiator({ headers: header === undefined ? {} : { accept: header } }).mediaTypes([
    ...available,
  ]);
  // negotiator breaks a tie in q by the order of Accept; RFC 9110 leaves it to the server, and
  // here the server's order wins (JSON first): the first offered type with the best weight.
  const weights = header === undefined ? undefined : rangeWeights(header);
  let chosen: string | undefined;
  let best = -1;
  for (const type of available) {
    if (!acceptable.includes(type)) continue;
    const weight = weights === undefined ? 1 : weightOf(type, weights);
    if (weight > best) [chosen, best] = [type, weight];
  }
  return chosen;
}

type RangeWeight = { type: string; subtype: string; q: number; parameters: number };

// The media ranges of a normalized Accept value with their weights (q defaults to 1).
function rangeWeights(header: string): RangeWeight[] {
  return splitOutsideQuotes(header, ',')
    .filter((element) => element !== '')
    .map((element) => {
      const [range = '', ...parameters] = splitOutsideQuotes(element, ';');
      const [type = '', subtype = ''] = range.toLowerCase().split('/');
      const q = parameters.find((parameter) => /^q=/i.test(parameter));
      return {
        type,
        subtype,
        q: q === undefined ? 1 : Number(q.slice(2)),
        parameters: parameters.length - (q ? 1 : 0),
      };
    });
}

// The weight of `mediaType` (no parameters) under the most specific range matching it (RFC 9110
// §12.5.1); ranges with other parameters match none of the offered types, as negotiator reads them.
function weightOf(mediaType: string, ranges: readonly RangeWeight[]): number {
  const [type, subtype] = mediaType.split('/');
  let weight = 0;
  let specificity = -1;
  for (const range of ranges) {
    if (range.parameters > 0) continue;
    const level =
      range.type === type && range.subtype === subtype
        ? 2
        : range.type === type && range.subtype === '*'
          ? 1
          : range.type === '*' && range.subtype === '*'
            ? 0
            : -1;
    if (level > specificity || (level === specificity && level >= 0 && range.q > weight)) {
      [specificity, weight] = [level, range.q];
    }
  }
  return weight;
}

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const MEDIA_RANGE = new RegExp(`^${TOKEN}/${TOKEN}$`);
const PARAMETER_NAME = new RegExp(`^${TOKEN}$`);
const QVALUE = /^(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)$/;

// Accept as negotiator should read it: each element checked (negotiator reads `q=abc` as NaN and
// silently drops the element, answering 406 to a client that asked for JSON), and `charset=utf-8`
// removed, since no media type offered here carries parameters (negotiator would match none).
function normalizedAccept(accept: string): string {
  const problems: FieldProblem[] = [];
  const elements: string[] = [];
  for (const element of splitOutsideQuotes(accept, ',')) {
    const [range = '', ...parameters] = splitOutsideQuotes(element, ';');
    if (range === '' && parameters.length === 0) continue; // empty list elements are allowed (RFC 9110 §5.6.1)
    if (!MEDIA_RANGE.test(range)) {
      problems.push({
        pointer: '/headers/accept',
        message: `"${clip(element)}" is not a media range such as application/json`,
      });
      continue;
    }
    const kept: string[] = [];
    for (const parameter of parameters) {
      const [name = '', value = ''] = parameter.split(/=(.*)/s, 2).map((part) => part.trim());
      const unquoted = value.replace(/^"(.*)"$/s, '$1').toLowerCase();
      if (!parameter.includes('=') || !PARAMETER_NAME.test(name)) {
        problems.push({
          pointer: '/headers/accept',
          message: `"${clip(element)}": "${clip(parameter)}" is not a parameter name=value`,
        });
      } else if (name.toLowerCase() === 'q' && !QVALUE.test(value)) {
        problems.push({
          pointer: '/headers/accept',
          message: `"${clip(element)}": q must be a number from 0 to 1 with at most three decimals`,
        });
      } else if (
        name.toLowerCase() === 'charset' &&
        (unquoted === 'utf-8' || unquoted === 'utf8' || unquoted === '*')
      ) {
        // every text format answers UTF-8
      } else {
        kept.push(`${name}=${value}`);
      }
    }
    elements.push([range, ...kept].join(';'));
  }
  if (problems.length > 0)
    throw new MalformedInputError(`The Accept header has ${problems.length} malformed element(s)`, problems);
  return elements.join(', ');
}

function splitOutsideQuotes(value: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const char = value[i] as string;
    if (char === '"') quoted = !quoted;
    else if (char === '\\' && quoted) {
      current += char + (value[i + 1] ?? '');
      i++;
      continue;
    }
    if (char === separator && !quoted) {
      parts.push(current.trim());
      current = '';
    } else current += char;
  }
  parts.push(current.trim());
  return parts;
}

const clip = (text: string) => (text.length > 60 ? `${text.slice(0, 60)}…` : text);

/** Every format of the API; JSON first, so a tie in `Accept` (or `*` + `/*`) answers JSON. */
export const codecRegistry = new CodecRegistry([jsonCodec, msgpackCodec, cborCodec, protobufCodec, yamlCodec]);
