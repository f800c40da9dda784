import type { Codec } from './codec';
import { utf8Text } from './utf8';

/** `application/json` (RFC 8259; UTF-8 only, §8.1) and every `+json` media type. The default format. */
export const jsonCodec: Codec = {
  name: 'json',
  label: 'JSON',
  mediaTypes: ['application/json'],
  suffix: '+json',
  everyRoute: true,
  text: true,
  decode: (bytes) => JSON.parse(utf8Text(bytes)),
  encode: (value) => JSON.stringify(value),
};
