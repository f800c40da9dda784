import { parse, stringify } from 'yaml';
import type { Codec } from './codec';
import { checkJsonModel } from './json-model';
import { utf8Text } from './utf8';

/**
 * YAML 1.2 (`application/yaml`, RFC 9512, and its older unregistered names; OpenAPI's
 * `application/vnd.oai.openapi`), offered by the routes that name it: contract registration reads
 * OpenAPI documents in YAML. At most 100 aliases per document (the `yaml` package's billion-laughs
 * guard); the decoded value's size is bounded like any body's (`checkJsonModel`). Integers are read
 * exactly (as bigints) and brought into JSON's model like MessagePack's and CBOR's: within
 * ±(2^53 − 1) they are numbers, beyond they are refused with their pointer (400) rather than rounded
 * to the nearest double as a plain parse would. `!!set`, `!!binary` and other values with no JSON
 * form are refused with their pointer too.
 */
export const yamlCodec: Codec = {
  name: 'yaml',
  label: 'YAML',
  mediaTypes: ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml', 'application/vnd.oai.openapi'],
  // `+yaml` media types (RFC 9512 §4.2), e.g. application/openapi+yaml.
  suffix: '+yaml',
  everyRoute: false,
  text: true,
  decode: (bytes) =>
    checkJsonModel(parse(utf8Text(bytes), { maxAliasCount: 100, prettyErrors: true, intAsBigInt: true }), {
      strings: true, // "\ud800" escapes
      describe: describeYaml,
    }),
  encode: (value) => stringify(value, { aliasDuplicateObjects: false }),
};

const describeYaml = (node: object): string | undefined => (node instanceof Set ? 'a YAML !!set' : undefined);
