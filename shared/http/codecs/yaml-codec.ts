import { parse, stringify } from 'yaml';
import type { Codec } from './codec';
import { utf8Text } from './utf8';

/**
 * YAML 1.2 (`application/yaml`, RFC 9512, and its older unregistered names; OpenAPI's
 * `application/vnd.oai.openapi`), offered by the routes that name it: contract registration reads
 * OpenAPI documents in YAML. At most 100 aliases per document (the `yaml` package's billion-laughs
 * guard); the decoded value's size is bounded by the pipeline like any body.
 */
export const yamlCodec: Codec = {
  name: 'yaml',
  label: 'YAML',
  mediaTypes: ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml', 'application/vnd.oai.openapi'],
  // `+yaml` media types (RFC 9512 §4.2), e.g. application/openapi+yaml.
  suffix: '+yaml',
  everyRoute: false,
  text: true,
  decode: (bytes) => parse(utf8Text(bytes), { maxAliasCount: 100, prettyErrors: true }),
  encode: (value) => stringify(value, { aliasDuplicateObjects: false }),
};
