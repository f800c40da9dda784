import { CONTRACT_NAME_PATTERN } from '../contract';
import { coerceVersion } from '../versions';
import { fail } from './errors';
import { type Json, stringOr } from './json';

/** The contract name: `override`, else `info.title` slugified. */
export function contractName(info: Json | undefined, override: string | undefined): string {
  if (override !== undefined) {
    if (CONTRACT_NAME_PATTERN.test(override)) return override;
    throw fail('The contract name is not valid', [
      {
        pointer: '/info/title',
        message: `the name "${override}" must be 1-128 characters of letters, digits, ".", "_" or "-", starting alphanumeric`,
      },
    ]);
  }
  const title = stringOr(info?.title);
  const slug = title === undefined ? '' : slugify(title);
  if (slug === '') {
    throw fail('The OpenAPI document gives no contract name', [
      {
        pointer: '/info/title',
        message: `${title === undefined ? 'info.title is missing' : `info.title "${title}" has no letters or digits to build a name from`}; pass ?name= to set the contract name`,
      },
    ]);
  }
  return slug;
}

/** `Swagger Petstore` → `swagger-petstore`: accents and apostrophes dropped, other runs become `-`. */
function slugify(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/['\u2019]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 128)
    .replace(/[-._]+$/, '');
}

/** The contract version: `override`, else `info.version`, coerced to semver (see importOpenApiDocument). */
export function contractVersion(info: Json | undefined, override: string | undefined): string {
  const raw = override ?? info?.version;
  const source = override === undefined ? 'info.version' : 'the version override';
  if (raw === undefined || raw === null || raw === '') {
    throw fail('The OpenAPI document has no version', [
      { pointer: '/info/version', message: 'info.version is missing; pass ?version=<MAJOR.MINOR.PATCH> to set one' },
    ]);
  }
  const version = coerceVersion(raw);
  if (version === undefined) {
    throw fail('The OpenAPI document has no usable version', [
      {
        pointer: '/info/version',
        message:
          `${source} ${JSON.stringify(raw)} is not a semantic version and cannot be coerced into one ` +
          '(accepted: 1.2.3, 1.2.3-beta.1, 1.2, 1, v2, or a date such as 2010-04-01); ' +
          'pass ?version=<MAJOR.MINOR.PATCH> to choose the contract version',
      },
    ]);
  }
  return version;
}
